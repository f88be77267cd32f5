"""The administration's own bank accounts, from the settings (BPL_PAYMENTS_IBAN, BPL_FRBRTC_IBAN). Idempotent: an
account already recorded is left as it is, so an edit made by staff is never overwritten."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from schwifty import IBAN

from core.services.audit import audit_record
from finance.models import TreasuryAccount
from finance.models.bank import AccountPurpose

HOLDERS = {
    AccountPurpose.PAYMENTS: "Bruxelles Pouvoirs locaux",
    AccountPurpose.FRBRTC: "Fonds regional bruxellois de refinancement des tresoreries communales",
}


@transaction.atomic
def seed_treasury_accounts() -> list[TreasuryAccount]:
    """The payments account (grant tranches and other orders) and the FRBRTC's account (loan drawdowns)."""
    accounts = []
    for purpose, raw in (
        (AccountPurpose.PAYMENTS, settings.PAYMENTS_IBAN),
        (AccountPurpose.FRBRTC, settings.FRBRTC_IBAN),
    ):
        if not raw:
            setting = "BPL_PAYMENTS_IBAN" if purpose == AccountPurpose.PAYMENTS else "BPL_FRBRTC_IBAN"
            raise ImproperlyConfigured(f"{setting} is not set: the administration's account cannot be recorded.")
        iban = IBAN(raw, validate_bban=True)
        account, created = TreasuryAccount.objects.get_or_create(
            iban=iban.compact,
            defaults={"bic": str(iban.bic or ""), "holder": HOLDERS[purpose], "purpose": purpose},
        )
        if created:
            audit_record(obj=account, actor=None, action="created", changes={"iban": account.iban, "purpose": purpose})
        accounts.append(account)
    return accounts
