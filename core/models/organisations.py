from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.validators import format_kbo


class OrganisationKind(models.TextChoices):
    COMMUNE = "commune", _("Commune")
    CPAS = "cpas", _("Public social welfare centre (CPAS/OCMW)")
    POLICE_ZONE = "police_zone", _("Police zone")
    INTERCOMMUNALE = "intercommunale", _("Intercommunale")
    REGIE = "regie", _("Communal regie")
    COMMUNAL_ASBL = "communal_asbl", _("Communal non-profit association")


class CorrespondenceLanguage(models.TextChoices):
    # The Brussels language regime knows two administrative languages for correspondence.
    FR = "fr", _("French")
    NL = "nl", _("Dutch")


class Organisation(models.Model):
    """A local authority that applies for grants and borrows from the FRBRTC."""

    code = models.SlugField(
        _("code"), max_length=64, unique=True, help_text=_("Stable reference, e.g. commune-anderlecht.")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    name_nl = models.CharField(_("name (Dutch)"), max_length=200)
    kbo_number = models.CharField(
        _("enterprise number (KBO/BCE)"),
        max_length=10,
        blank=True,
        help_text=_("Ten digits, e.g. 0403.019.261. Leave empty when unknown."),
    )
    street_fr = models.CharField(_("street and number (French)"), max_length=200, blank=True)
    street_nl = models.CharField(_("street and number (Dutch)"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=4, blank=True)
    city_fr = models.CharField(_("municipality (French)"), max_length=100, blank=True)
    city_nl = models.CharField(_("municipality (Dutch)"), max_length=100, blank=True)
    correspondence_language = models.CharField(
        _("correspondence language"),
        max_length=2,
        choices=CorrespondenceLanguage.choices,
        default=CorrespondenceLanguage.FR,
    )
    email = models.EmailField(_("general e-mail address"), blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("attached to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attached",
        help_text=_("For a CPAS, police zone or regie: the commune it belongs to, when there is one."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["kind", "name_fr"]
        constraints = [
            models.UniqueConstraint(
                fields=["kbo_number"],
                condition=~Q(kbo_number=""),
                name="core_organisation_kbo_unique",
                violation_error_message=_("An organisation with this enterprise number already exists."),
            ),
            models.UniqueConstraint(
                "kind",
                Lower("name_fr"),
                name="core_organisation_kind_name_fr_unique",
                violation_error_message=_("An organisation of this kind with this French name already exists."),
            ),
            models.UniqueConstraint(
                "kind",
                Lower("name_nl"),
                name="core_organisation_kind_name_nl_unique",
                violation_error_message=_("An organisation of this kind with this Dutch name already exists."),
            ),
            models.CheckConstraint(
                condition=Q(kbo_number="") | Q(kbo_number__regex=r"^[01][0-9]{9}$"),
                name="core_organisation_kbo_format",
                violation_error_message=_("The enterprise number must have ten digits."),
            ),
        ]
        permissions = [("manage_members", _("Can manage the members of any organisation"))]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_nl if (get_language() or "").startswith("nl") else self.name_fr

    @property
    def city(self) -> str:
        return self.city_nl if (get_language() or "").startswith("nl") else self.city_fr

    @property
    def street(self) -> str:
        nl = (get_language() or "").startswith("nl")
        return (self.street_nl if nl else self.street_fr) or self.street_fr or self.street_nl

    @property
    def kbo_display(self) -> str:
        return format_kbo(self.kbo_number) if self.kbo_number else ""


class BankAccount(models.Model):
    """An account of an organisation that payments go to. Changing one is audited: it is where fraud happens."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="bank_accounts"
    )
    iban = models.CharField(_("IBAN"), max_length=34, help_text=_("Stored without spaces."))
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    holder = models.CharField(_("account holder"), max_length=200)
    label = models.CharField(_("label"), max_length=100, blank=True)
    is_primary = models.BooleanField(_("primary account"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("bank account")
        verbose_name_plural = _("bank accounts")
        ordering = ["-is_primary", "iban"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "iban"],
                name="core_bankaccount_org_iban_unique",
                violation_error_message=_("This account is already registered for this organisation."),
            ),
            models.UniqueConstraint(
                fields=["organisation"], condition=Q(is_primary=True), name="core_bankaccount_one_primary"
            ),
        ]

    def __str__(self) -> str:
        return self.iban_display

    @property
    def iban_display(self) -> str:
        return " ".join(self.iban[i : i + 4] for i in range(0, len(self.iban), 4))


class MembershipRole(models.TextChoices):
    EDITOR = "editor", _("Editor")
    SIGNATORY = "signatory", _("Signatory")
    VIEWER = "viewer", _("Viewer")


class Membership(models.Model):
    """A person acting for an organisation. Editors prepare, signatories submit and sign, viewers read."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=MembershipRole.choices)
    is_admin = models.BooleanField(
        _("manages members"), default=False, help_text=_("May add, change and remove the organisation's members.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organisation", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"],
                name="core_membership_user_org_unique",
                violation_error_message=_("This person is already a member of this organisation."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} - {self.organisation} ({self.get_role_display()})"
