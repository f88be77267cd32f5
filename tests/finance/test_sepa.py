"""SEPA batches: approved orders of one paying account in a pain.001.001.09 (or .03) file built with sepaxml, the
Belgian structured reference written as RmtInf/Strd/CdtrRefInf (SCOR, BBA), checked against the XSD sepaxml bundles
before it is stored, the same bytes when generated again, downloaded only as validated."""

import datetime as dt
import hashlib
from decimal import Decimal
from pathlib import Path

import pytest
import sepaxml
from django.utils import timezone
from lxml import etree

from core.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from finance.models import OrderStatus, PaymentBatch, PaymentOrder, TreasuryAccount
from finance.models.bank import AccountPurpose
from finance.services.orders import batch_create, batch_download, batch_xml, order_prepare
from tests.finance.fixtures_orders import *  # noqa: F403
from tests.finance.fixtures_orders import approved, make_payable

pytestmark = pytest.mark.django_db

XSD = Path(sepaxml.__file__).parent / "schemas"
OGM = "123456789002"  # +++123/4567/89002+++
TOMORROW = timezone.localdate() + dt.timedelta(days=1)


def parsed(xml: bytes, scheme: str):
    """The file read back, after an independent check against the schema's XSD; (root, namespace map)."""
    schema = etree.XMLSchema(etree.parse(str(XSD / f"{scheme}.xsd")))
    root = etree.fromstring(xml)
    schema.assertValid(root)
    return root, {"p": f"urn:iso:std:iso:20022:tech:xsd:{scheme}"}


@pytest.fixture
def two_orders(finance_officer, approver):
    """Two approved grant orders: one with a structured communication, one with free text only."""
    structured = approved(
        make_payable(amount="1234.56", reference="AAP-2026-SPORT-0007"), finance_officer, approver, structured=OGM
    )
    free = approved(make_payable(amount="98765.43", reference="AAP-2026-SPORT-0008"), finance_officer, approver)
    return structured, free


@pytest.mark.parametrize(("scheme", "bic_tag"), [("pain.001.001.09", "BICFI"), ("pain.001.001.03", "BIC")])
def test_a_batch_file_passes_the_xsd_with_and_without_structured_references(
    accounts, two_orders, finance_officer, scheme, bic_tag
):
    structured, free = two_orders
    batch = batch_create(
        actor=finance_officer,
        order_ids=[free.pk, structured.pk],
        scheme=scheme,
        execution_date=TOMORROW,
        account_id=accounts[AccountPurpose.PAYMENTS].pk,
    )
    batch = PaymentBatch.objects.get(pk=batch.pk)
    xml = bytes(batch.xml)
    root, ns = parsed(xml, scheme)
    assert batch.sha256 == hashlib.sha256(xml).hexdigest()
    assert (batch.count, batch.total) == (2, Decimal("99999.99"))
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:MsgId", namespaces=ns) == batch.reference
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", namespaces=ns) == "2"
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=ns) == "99999.99"
    created = timezone.localtime(batch.created_at).strftime("%Y-%m-%dT%H:%M:%S")
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CreDtTm", namespaces=ns) == created
    (information,) = root.findall("p:CstmrCdtTrfInitn/p:PmtInf", ns)
    account = accounts[AccountPurpose.PAYMENTS]
    assert information.findtext("p:DbtrAcct/p:Id/p:IBAN", namespaces=ns) == account.iban == "BE10091012345604"
    assert information.findtext(f"p:DbtrAgt/p:FinInstnId/p:{bic_tag}", namespaces=ns) == "GKCCBEBB"
    execution = "p:ReqdExctnDt/p:Dt" if scheme.endswith("09") else "p:ReqdExctnDt"
    assert information.findtext(execution, namespaces=ns) == TOMORROW.isoformat()
    first, second = information.findall("p:CdtTrfTxInf", ns)  # by order id: the structured one first
    assert first.findtext("p:PmtId/p:EndToEndId", namespaces=ns) == structured.end_to_end_id
    assert first.findtext("p:Amt/p:InstdAmt", namespaces=ns) == "1234.56"
    assert first.find("p:Amt/p:InstdAmt", ns).get("Ccy") == "EUR"
    assert first.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=ns) == structured.creditor_iban
    reference = first.find("p:RmtInf/p:Strd/p:CdtrRefInf", ns)
    assert reference.findtext("p:Tp/p:CdOrPrtry/p:Cd", namespaces=ns) == "SCOR"
    assert reference.findtext("p:Tp/p:Issr", namespaces=ns) == "BBA"
    assert reference.findtext("p:Ref", namespaces=ns) == OGM
    assert first.find("p:RmtInf/p:Ustrd", ns) is None
    assert second.findtext("p:PmtId/p:EndToEndId", namespaces=ns) == free.end_to_end_id
    assert second.findtext("p:Amt/p:InstdAmt", namespaces=ns) == "98765.43"
    assert second.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=ns) == free.creditor_iban
    assert second.findtext(f"p:CdtrAgt/p:FinInstnId/p:{bic_tag}", namespaces=ns) == "GKCCBEBB"
    assert second.findtext("p:RmtInf/p:Ustrd", namespaces=ns) == "AAP-2026-SPORT-0008-T1 Avance (80 )"
    assert second.find("p:RmtInf/p:Strd", ns) is None
    assert set(PaymentOrder.objects.values_list("status", "batch")) == {(OrderStatus.BATCHED, batch.pk)}


def test_generating_the_file_again_gives_the_same_bytes(accounts, two_orders, finance_officer):
    structured, free = two_orders
    batch = batch_create(
        actor=finance_officer,
        order_ids=[structured.pk, free.pk],
        scheme="pain.001.001.09",
        execution_date=TOMORROW,
        account_id=accounts[AccountPurpose.PAYMENTS].pk,
    )
    stored = PaymentBatch.objects.get(pk=batch.pk)  # from the database: the rows, not the objects in memory
    assert batch_xml(stored) == bytes(stored.xml)
    assert batch_xml(stored) == batch_xml(stored)


def test_a_batch_without_any_structured_reference_is_valid(accounts, finance_officer, approver):
    order = approved(make_payable(amount="10.00"), finance_officer, approver)
    batch = batch_create(
        actor=finance_officer,
        order_ids=[order.pk],
        scheme="pain.001.001.03",
        execution_date=TOMORROW,
        account_id=accounts[AccountPurpose.PAYMENTS].pk,
    )
    root, ns = parsed(bytes(batch.xml), "pain.001.001.03")
    assert root.findall(".//p:Strd", ns) == [] and len(root.findall(".//p:Ustrd", ns)) == 1


def test_a_loans_drawdown_is_paid_from_the_frbrtc_account(accounts, approved_drawdown, finance_officer, approver):
    """The specimen FRBRTC account has no BIC schwifty knows: the file names the agent NOTPROVIDED, still valid."""
    order = approved(approved_drawdown.payable, finance_officer, approver)
    frbrtc = accounts[AccountPurpose.FRBRTC]
    assert frbrtc.bic == ""
    with pytest.raises(InvalidInput, match=f"{order.end_to_end_id} are not paid from"):
        batch_create(
            actor=finance_officer,
            order_ids=[order.pk],
            scheme="pain.001.001.09",
            execution_date=TOMORROW,
            account_id=accounts[AccountPurpose.PAYMENTS].pk,
        )
    batch = batch_create(
        actor=finance_officer,
        order_ids=[order.pk],
        scheme="pain.001.001.09",
        execution_date=TOMORROW,
        account_id=frbrtc.pk,
    )
    root, ns = parsed(bytes(batch.xml), "pain.001.001.09")
    assert root.findtext(".//p:DbtrAcct/p:Id/p:IBAN", namespaces=ns) == "BE68539007547034"
    assert root.findtext(".//p:DbtrAgt/p:FinInstnId/p:Othr/p:Id", namespaces=ns) == "NOTPROVIDED"
    assert root.findtext(".//p:InstdAmt", namespaces=ns) == "150000.00"
    assert root.findtext(".//p:RmtInf/p:Ustrd", namespaces=ns).startswith(approved_drawdown.payable.reference)


def test_a_batch_of_orders_of_two_accounts_is_refused(accounts, approved_drawdown, payable, finance_officer, approver):
    grant_order = approved(payable, finance_officer, approver)
    loan_order = approved(approved_drawdown.payable, finance_officer, approver)
    for account in accounts.values():
        with pytest.raises(InvalidInput, match="A batch holds the orders of one paying account"):
            batch_create(
                actor=finance_officer,
                order_ids=[grant_order.pk, loan_order.pk],
                scheme="pain.001.001.09",
                execution_date=TOMORROW,
                account_id=account.pk,
            )
    assert not PaymentBatch.objects.exists()
    assert set(PaymentOrder.objects.values_list("status", flat=True)) == {OrderStatus.APPROVED}


def test_only_approved_orders_not_yet_batched_go_into_a_batch(accounts, payable, finance_officer, approver):
    account = accounts[AccountPurpose.PAYMENTS].pk
    order = order_prepare(actor=finance_officer, payable_id=payable.pk)
    with pytest.raises(TransitionNotAllowed, match=f"Only approved orders not yet in a batch .*{order.end_to_end_id}"):
        batch_create(
            actor=finance_officer,
            order_ids=[order.pk],
            scheme="pain.001.001.09",
            execution_date=TOMORROW,
            account_id=account,
        )
    other = approved(make_payable(amount="5.00", reference="AAP-2026-SPORT-0009"), finance_officer, approver)
    batch_create(
        actor=finance_officer,
        order_ids=[other.pk],
        scheme="pain.001.001.09",
        execution_date=TOMORROW,
        account_id=account,
    )
    with pytest.raises(TransitionNotAllowed, match="Only approved orders not yet in a batch"):
        batch_create(
            actor=finance_officer,
            order_ids=[other.pk],
            scheme="pain.001.001.09",
            execution_date=TOMORROW,
            account_id=account,
        )
    assert PaymentBatch.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"order_ids": []}, "orders"),
        ({"scheme": "pain.001.001.02"}, "scheme"),
        ({"execution_date": timezone.localdate() - dt.timedelta(days=1)}, "execution_date"),
        ({"execution_date": None}, "execution_date"),
        ({"account_id": None}, "account"),
    ],
)
def test_bad_batch_input_is_refused_and_nothing_is_made(accounts, payable, finance_officer, approver, change, field):
    order = approved(payable, finance_officer, approver)
    arguments = {
        "order_ids": [order.pk],
        "scheme": "pain.001.001.09",
        "execution_date": TOMORROW,
        "account_id": accounts[AccountPurpose.PAYMENTS].pk,
        **change,
    }
    with pytest.raises(InvalidInput) as refused:
        batch_create(actor=finance_officer, **arguments)
    assert field in refused.value.extra["fields"]
    assert not PaymentBatch.objects.exists()
    order.refresh_from_db()
    assert order.status == OrderStatus.APPROVED


def test_a_file_that_fails_the_xsd_is_never_stored(accounts, payable, finance_officer, approver):
    order = approved(payable, finance_officer, approver)
    PaymentOrder.objects.filter(pk=order.pk).update(creditor_iban="BE-10-0910")  # no IBAN the schema accepts
    with pytest.raises(InvalidInput, match="does not pass the XSD check, so it was not stored"):
        batch_create(
            actor=finance_officer,
            order_ids=[order.pk],
            scheme="pain.001.001.09",
            execution_date=TOMORROW,
            account_id=accounts[AccountPurpose.PAYMENTS].pk,
        )
    assert not PaymentBatch.objects.exists()
    order.refresh_from_db()
    assert order.status == OrderStatus.APPROVED and order.batch is None


def test_only_finance_officers_make_batches(accounts, payable, finance_officer, approver, auditor):
    order = approved(payable, finance_officer, approver)
    for person in (approver, auditor):
        with pytest.raises(NotPermitted):
            batch_create(
                actor=person,
                order_ids=[order.pk],
                scheme="pain.001.001.09",
                execution_date=TOMORROW,
                account_id=accounts[AccountPurpose.PAYMENTS].pk,
            )
    assert not PaymentBatch.objects.exists()


def test_the_first_download_is_recorded_and_a_changed_file_is_not_handed_out(
    accounts, payable, finance_officer, approver
):
    order = approved(payable, finance_officer, approver)
    batch = batch_create(
        actor=finance_officer,
        order_ids=[order.pk],
        scheme="pain.001.001.09",
        execution_date=TOMORROW,
        account_id=accounts[AccountPurpose.PAYMENTS].pk,
    )
    assert batch.downloaded_at is None
    first = batch_download(actor=finance_officer, batch_id=batch.pk).downloaded_at
    assert first is not None
    assert batch_download(actor=finance_officer, batch_id=batch.pk).downloaded_at == first
    with pytest.raises(NotPermitted):
        batch_download(actor=approver, batch_id=batch.pk)
    tampered = bytes(batch.xml).replace(b"98765", b"98766").replace(b"200000.00", b"900000.00")
    PaymentBatch.objects.filter(pk=batch.pk).update(xml=tampered)
    with pytest.raises(TransitionNotAllowed, match="not the one generated and validated"):
        batch_download(actor=finance_officer, batch_id=batch.pk)


def test_the_treasury_accounts_are_seeded_once_from_the_settings(accounts, settings):
    from finance.seed import seed_treasury_accounts

    assert {(a.purpose, a.iban) for a in accounts.values()} == {
        (AccountPurpose.PAYMENTS, settings.PAYMENTS_IBAN),
        (AccountPurpose.FRBRTC, settings.FRBRTC_IBAN),
    }
    seed_treasury_accounts()
    assert TreasuryAccount.objects.count() == 2


def test_no_account_is_seeded_without_its_iban(settings):
    from django.core.exceptions import ImproperlyConfigured

    from finance.seed import seed_treasury_accounts

    settings.PAYMENTS_IBAN = ""  # as in production when BPL_PAYMENTS_IBAN is not set
    with pytest.raises(ImproperlyConfigured, match="BPL_PAYMENTS_IBAN is not set"):
        seed_treasury_accounts()
    assert not TreasuryAccount.objects.exists()
