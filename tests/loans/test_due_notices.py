"""Due notices go out once, a set number of days before each due date, in the borrower's language, with the
instalment's own structured communication; the daily task makes instalments fall due."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from pypdf import PdfReader

from core.ogm import ogm_display
from loans.models import EntryKind
from loans.services.notices import due_notice_send, notices_due
from loans.tasks import loans_daily
from tests.loans import journey
from tests.loans.fixtures import days_ago, publish_sports_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def loan(
    loan_process, commune, commune_editor, signatory, loan_analyst, finance_officer, django_capture_on_commit_callbacks
):
    commune.correspondence_language = "nl"
    commune.email = "financien@anderlecht.be"
    commune.save()
    version = publish_sports_product(code="notice", uses_borrowing_capacity=False, notice_days=30)
    with django_capture_on_commit_callbacks(execute=True):
        application = journey.submitted(version, commune, commune_editor, signatory)
        journey.analysed(journey.eligible(application, loan_analyst), loan_analyst)
        journey.opinion_session(application)
    with django_capture_on_commit_callbacks(execute=True):
        journey.decided(application, loan_analyst)
    loan = journey.active_loan(application, signatory, loan_analyst)
    # Paid 340 days ago: the first instalment falls due in 25 days, inside the 30-day notice period.
    journey.drawdown_paid(loan, signatory, loan_analyst, finance_officer, amount="1000000.00", paid_on=days_ago(340))
    return loan


def test_the_notice_goes_out_once_in_the_borrowers_language_with_the_instalments_communication(loan):
    installment = loan.installments.get(n=1)
    assert notices_due(timezone.localdate()) == [installment.pk]
    assert notices_due(timezone.localdate() - dt.timedelta(days=10)) == []  # 35 days before: not yet
    mail.outbox.clear()
    assert due_notice_send(installment_id=installment.pk) is True
    assert due_notice_send(installment_id=installment.pk) is False
    (message,) = mail.outbox
    installment.refresh_from_db()
    assert set(message.to) == {"financien@anderlecht.be", "signatory@anderlecht.be"}
    assert "vervaldag" in message.subject.lower() or "vervalt" in message.subject.lower()
    assert ogm_display(installment.structured_communication) in message.body
    text = " ".join(page.extract_text() for page in PdfReader(installment.notice.open("rb")).pages)
    assert ogm_display(installment.structured_communication) in text
    assert "BE68 5390 0754 7034" in text and "Vervalbericht" in text
    assert notices_due(timezone.localdate()) == []


def test_the_daily_task_books_what_fell_due_and_sends_the_notices(loan, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    mail.outbox.clear()
    result = loans_daily.apply().get()
    assert result == {"fell_due": 0, "notices": 1}
    assert len(mail.outbox) == 1
    assert not loan.entries.filter(kind=EntryKind.INTEREST_DUE).exists()


def test_an_instalment_whose_date_has_passed_falls_due_with_its_interest(loan, finance_officer):
    from loans.services.ledger import installments_fall_due

    installment = loan.installments.get(n=1)
    assert installments_fall_due(loan, up_to=installment.due_date - dt.timedelta(days=1)) == 0
    assert installments_fall_due(loan, up_to=installment.due_date) == 1
    entry = loan.entries.get(kind=EntryKind.INTEREST_DUE)
    assert entry.interest == installment.interest == Decimal("15000.00")  # 1,000,000.00 x 1.5 % for a year


def test_beat_runs_the_daily_loan_task_every_morning(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["loans-daily"]
    assert entry["task"] == loans_daily.name == "loans.daily"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({6}, {30})
