"""Registering and maintaining the local authorities that apply, and their bank accounts."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.errors import InvalidInput, NotPermitted
from core.models import BankAccount, Organisation
from core.permissions import can_create_organisation, can_edit_organisation
from core.services.audit import audit_record, diff, snapshot
from core.services.validation import full_clean_or_raise, invalid_input_from
from core.validators import normalize_iban, normalize_kbo

ORGANISATION_FIELDS = [
    "code",
    "kind",
    "name_fr",
    "name_nl",
    "kbo_number",
    "street_fr",
    "street_nl",
    "postal_code",
    "city_fr",
    "city_nl",
    "correspondence_language",
    "email",
    "parent",
    "is_active",
]


def _kbo_or_raise(value: str) -> str:
    try:
        return normalize_kbo(value)
    except ValidationError as error:
        raise InvalidInput(error.messages[0], extra={"fields": {"kbo_number": error.messages}}) from None


def _save_unique(obj, **save_kwargs) -> None:
    # full_clean caught the duplicates we can see; a concurrent insert of the same organisation still hits the
    # database constraint, which we report the same way.
    try:
        with transaction.atomic():
            obj.save(**save_kwargs)
    except IntegrityError:
        raise InvalidInput(_("This organisation already exists (same enterprise number or name).")) from None


@transaction.atomic
def organisation_create(*, actor, **fields) -> Organisation:
    allowed, reason = can_create_organisation(actor)
    if not allowed:
        raise NotPermitted(reason)
    unknown = set(fields) - set(ORGANISATION_FIELDS)
    if unknown:
        raise TypeError(f"unknown organisation fields: {sorted(unknown)}")
    fields["kbo_number"] = _kbo_or_raise(fields.get("kbo_number", ""))
    organisation = Organisation(**fields)
    full_clean_or_raise(organisation)
    _save_unique(organisation)
    audit_record(obj=organisation, actor=actor, action="created", changes=snapshot(organisation, ORGANISATION_FIELDS))
    return organisation


@transaction.atomic
def organisation_update(*, actor, organisation_id: int, **fields) -> Organisation:
    organisation = Organisation.objects.select_for_update().get(pk=organisation_id)
    allowed, reason = can_edit_organisation(actor, organisation)
    if not allowed:
        raise NotPermitted(reason)
    unknown = set(fields) - set(ORGANISATION_FIELDS)
    if unknown:
        raise TypeError(f"unknown organisation fields: {sorted(unknown)}")
    if "kbo_number" in fields:
        fields["kbo_number"] = _kbo_or_raise(fields["kbo_number"])
    before = snapshot(organisation, ORGANISATION_FIELDS)
    for name, value in fields.items():
        setattr(organisation, name, value)
    full_clean_or_raise(organisation)
    changes = diff(before, snapshot(organisation, ORGANISATION_FIELDS))
    if not changes:
        return organisation
    _save_unique(organisation)
    audit_record(obj=organisation, actor=actor, action="updated", changes=changes)
    return organisation


@transaction.atomic
def bank_account_add(
    *, actor, organisation_id: int, iban: str, holder: str, label: str = "", make_primary: bool = False
) -> BankAccount:
    # Lock the organisation: two accounts made primary at once would otherwise both pass the check.
    organisation = Organisation.objects.select_for_update().get(pk=organisation_id)
    allowed, reason = can_edit_organisation(actor, organisation)
    if not allowed:
        raise NotPermitted(reason)
    try:
        parsed = normalize_iban(iban)
    except ValidationError as error:
        raise invalid_input_from(ValidationError({"iban": error.messages})) from None
    if organisation.bank_accounts.filter(iban=parsed.compact).exists():
        raise InvalidInput(
            _("This account is already registered for this organisation."),
            extra={"fields": {"iban": [_("This account is already registered for this organisation.")]}},
        )
    has_primary = organisation.bank_accounts.filter(is_primary=True).exists()
    if make_primary and has_primary:
        organisation.bank_accounts.filter(is_primary=True).update(is_primary=False)
    account = BankAccount(
        organisation=organisation,
        iban=parsed.compact,
        bic=str(parsed.bic or ""),
        holder=(holder or "").strip(),
        label=(label or "").strip(),
        is_primary=make_primary or not has_primary,
    )
    full_clean_or_raise(account)
    _save_unique(account)
    audit_record(
        obj=organisation,
        actor=actor,
        action="bank_account_added",
        changes={"iban": account.iban, "bic": account.bic, "holder": account.holder, "primary": account.is_primary},
    )
    return account
