"""Starting cases on the process version their call or loan product pinned."""

from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import InvalidInput, TransitionNotAllowed
from core.models import Organisation
from core.services.audit import audit_record
from workflows import registry
from workflows.models import Case, ProcessVersion, VersionState
from workflows.services.versions import version_row

REFUSALS = {
    VersionState.DRAFT: gettext_lazy("%(pin)s is a draft: it cannot take cases before it is published."),
    VersionState.FROZEN: gettext_lazy("%(pin)s is frozen: it takes no new cases (cases in flight continue)."),
    VersionState.RETIRED: gettext_lazy("%(pin)s is retired: it takes no cases."),
}


def ensure_accepts_cases(version: ProcessVersion) -> None:
    if version.state != VersionState.CURRENT:
        raise TransitionNotAllowed(str(REFUSALS[VersionState(version.state)]) % {"pin": version.label})


def pin_for_publication(key: str, version: int | None = None) -> str:
    """The key@version a call or loan product records when it is published: the given version, or the newest
    current one. Refused when that version does not take cases."""
    if version is None:
        if not registry.versions_of(key):
            raise InvalidInput(_("Unknown process %(key)s.") % {"key": key})
        current = ProcessVersion.objects.filter(key=key, state=VersionState.CURRENT).order_by("-version").first()
        if current is None:
            raise TransitionNotAllowed(_("Process %(key)s has no current version to pin.") % {"key": key})
        return current.label
    registered = registry.get(key, version)
    ensure_accepts_cases(version_row(registered))
    return registered.label


@transaction.atomic
def case_start(
    *,
    pin: str,
    actor,
    reference: str,
    title: str = "",
    organisation: Organisation | None = None,
    amount: Decimal | None = None,
    source: models.Model | None = None,
    artifact: models.Model | None = None,
    due_overrides: dict[str, int] | None = None,
) -> Case:
    key, number = registry.parse_pin(pin)
    registered = registry.get(key, number)
    # Lock the version row: a version being retired must not receive a case between its count and its retirement.
    version = ProcessVersion.objects.select_for_update().get(pk=version_row(registered).pk)
    ensure_accepts_cases(version)
    case = registered.flow_class.start.run(
        process_version=version,
        reference=reference,
        title=title,
        organisation=organisation,
        amount=amount,
        source_type=ContentType.objects.get_for_model(source) if source is not None else None,
        source_id=source.pk if source is not None else None,
        source_label=str(source)[:100] if source is not None else "",
        due_overrides=due_overrides or {},
        artifact=artifact,
    )
    audit_record(obj=case, actor=actor, action="case_started", to_state=version.label, changes={"reference": reference})
    return case


def case_of(artifact: models.Model) -> Case | None:
    """The case whose domain object is `artifact`."""
    content_type = ContentType.objects.get_for_model(type(artifact))
    return Case.objects.filter(artifact_content_type=content_type, artifact_object_id=artifact.pk).first()


def case_resume(artifact: models.Model, node_name: str) -> bool:
    """Complete the waiting step `node_name` (a Handle) of the artifact's case, if the case waits there."""
    from viewflow.workflow.models import Task
    from viewflow.workflow.status import STATUS

    case = case_of(artifact)
    node = getattr(case.flow_class, node_name, None) if case is not None else None
    if case is None or node is None:
        return False
    with transaction.atomic():
        waiting = Task.objects.filter(process_id=case.pk, flow_task=node, status=STATUS.NEW).first()
        if waiting is None:
            return False
        node.run(waiting)
        return True
