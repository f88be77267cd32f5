"""What the workflow layer stores beside viewflow's own Process and Task tables."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process, Task

from core.money import MoneyField


class VersionState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CURRENT = "current", _("Current")
    FROZEN = "frozen", _("Frozen")
    RETIRED = "retired", _("Retired")


class ProcessVersion(models.Model):
    """The lifecycle of one version of a process (`grant_application@2`).

    The graph lives in code (one Flow class per version, workflows.registry); its state lives here, so freezing or
    retiring a version is an audited operation, not a deploy. The fingerprint of the graph is recorded when the version
    is published: a later code change to a published graph fails the system check.
    """

    key = models.CharField(_("process"), max_length=64)
    version = models.PositiveIntegerField(_("version"))
    state = models.CharField(_("state"), max_length=10, choices=VersionState.choices, default=VersionState.DRAFT)
    flow_ref = models.CharField(_("flow class"), max_length=250)
    graph_fingerprint = models.CharField(_("graph fingerprint"), max_length=64, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    changed_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("process version")
        verbose_name_plural = _("process versions")
        ordering = ["key", "version"]
        constraints = [models.UniqueConstraint(fields=["key", "version"], name="workflows_processversion_unique")]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"{self.key}@{self.version}"


class Case(Process):
    """A process of one of our flows, with what it is about, for inboxes and timelines.

    One row per viewflow Process (multi-table inheritance: viewflow's `process_class`). The domain object stays the
    truth (`artifact`); the reference, organisation and amount here are a summary refreshed by the domain services.
    """

    process_version = models.ForeignKey(
        ProcessVersion, verbose_name=_("process version"), on_delete=models.PROTECT, related_name="cases"
    )
    reference = models.CharField(_("reference"), max_length=64, blank=True, db_index=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    organisation = models.ForeignKey(
        "core.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    amount = MoneyField(_("amount"), null=True, blank=True)
    source_type = models.ForeignKey(
        ContentType,
        verbose_name=_("started by (type)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    source_id = models.PositiveBigIntegerField(_("started by (id)"), null=True, blank=True)
    source_label = models.CharField(
        _("started by"), max_length=100, blank=True, help_text=_("The call or loan product that pinned the version.")
    )
    due_overrides = models.JSONField(
        _("deadline overrides"), default=dict, blank=True, help_text=_("Days per step, set by the call.")
    )

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        permissions = [
            ("assign_tasks", _("Can assign tasks to other staff")),
            ("migrate_cases", _("Can change process versions and migrate cases")),
        ]

    def __str__(self) -> str:
        return self.reference or f"#{self.pk}"


class TaskDeadline(models.Model):
    """When a human task is due, and whether its reminder and escalation went out."""

    task = models.OneToOneField(Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="deadline")
    due_at = models.DateTimeField(_("due at"), db_index=True)
    remind_at = models.DateTimeField(_("reminder at"), db_index=True)
    reminded_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("task deadline")
        verbose_name_plural = _("task deadlines")

    def __str__(self) -> str:
        return f"{self.task_id} due {self.due_at:%Y-%m-%d}"


class TeamLead(models.Model):
    """The lead of a staff role's team: who hears about overdue tasks of that team."""

    role = models.ForeignKey(Group, verbose_name=_("staff role"), on_delete=models.CASCADE, related_name="leads")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("lead"), on_delete=models.CASCADE, related_name="led_teams"
    )

    class Meta:
        verbose_name = _("team lead")
        verbose_name_plural = _("team leads")
        constraints = [models.UniqueConstraint(fields=["role", "user"], name="workflows_teamlead_unique")]

    def __str__(self) -> str:
        return f"{self.user} ({self.role})"
