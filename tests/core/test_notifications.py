"""Notifications: rendered in the reader's language, e-mailed once after commit or in a daily digest, listed in
the portal."""

from smtplib import SMTPException

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction

from core.errors import InvalidInput
from core.models import Notification, NotificationMode
from core.services.notifications import notification_send_email, notify
from core.services.users import user_update_profile
from core.tasks import send_daily_digests, send_notification_email
from tests.core.test_concurrency import run_together
from tests.factories import NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db

BASE = "https://funding.example.brussels"


@pytest.fixture(autouse=True)
def _public_base_url(settings):
    settings.PUBLIC_BASE_URL = BASE


@pytest.fixture
def dutch_reader(db):
    return UserFactory(email="lezer@schaarbeek.be", first_name="Jan", last_name="Peeters", preferred_language="nl")


@pytest.fixture
def digest_reader(db):
    return UserFactory(
        email="digest@anderlecht.be",
        first_name="Lea",
        preferred_language="nl",
        notification_mode=NotificationMode.DAILY_DIGEST,
    )


def notice(recipient, key="grant-awarded:7", url="/fr/organisations/commune-anderlecht/", title="Grant awarded"):
    return notify(
        recipient=recipient,
        key=key,
        template="notice",
        context={"title": title, "message": "Your application was selected."},
        url=url,
    )


# Rendering


def test_notify_renders_and_stores_the_message_in_the_recipients_language(dutch_reader):
    notification = notice(dutch_reader, title="Subsidie toegekend")
    stored = Notification.objects.get(pk=notification.pk)
    assert (stored.recipient, stored.language, stored.template) == (dutch_reader, "nl", "notice")
    assert stored.subject == "Subsidie toegekend"
    assert 'lang="nl"' in stored.body_html
    assert "Beste Jan Peeters," in stored.body_text and "Beste Jan Peeters," in stored.body_html
    # The link follows the reader's language and is absolute in the e-mail, a path in the portal.
    assert stored.url == "/nl/organisations/commune-anderlecht/"
    assert f"{BASE}/nl/organisations/commune-anderlecht/" in stored.body_text
    assert f'href="{BASE}/nl/organisations/commune-anderlecht/"' in stored.body_html
    assert stored.read_at is None and stored.emailed_at is None


def test_a_french_reader_gets_french(commune_editor):
    notification = notice(commune_editor)
    assert notification.language == "fr"
    assert 'lang="fr"' in notification.body_html
    assert notification.url == "/fr/organisations/commune-anderlecht/"


# Immediate e-mail: after commit, once


def test_the_email_leaves_only_after_commit(dutch_reader, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notification = notice(dutch_reader)
    assert mail.outbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert (message.to, message.subject, message.from_email) == (
        [dutch_reader.email],
        "Grant awarded",
        settings.DEFAULT_FROM_EMAIL,
    )
    assert message.body == notification.body_text
    assert message.alternatives[0].content == notification.body_html
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def test_a_rolled_back_caller_leaves_no_notification_and_no_email(dutch_reader, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notice(dutch_reader)
        raise RuntimeError("the caller's transaction fails after notifying")
    assert (callbacks, mail.outbox, Notification.objects.count()) == ([], [], 0)


def test_the_task_run_twice_sends_one_email(dutch_reader, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notification = notice(dutch_reader)
    assert send_notification_email(notification_id=notification.pk) is False
    assert send_notification_email.delay(notification_id=notification.pk).get() is False
    assert len(mail.outbox) == 1


def test_the_same_key_twice_returns_the_first_notification_and_sends_one_email(
    dutch_reader, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = notice(dutch_reader)
        second = notice(dutch_reader, title="Another title")
    assert second.pk == first.pk and second.subject == "Grant awarded"
    assert len(callbacks) == 1
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_failed_send_leaves_the_notification_unsent_for_the_retry(dutch_reader, monkeypatch):
    notification = NotificationFactory(recipient=dutch_reader)
    original = EmailMultiAlternatives.send

    def refused(self, *args, **kwargs):
        raise SMTPException("421 try again later")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refused)
    with pytest.raises(SMTPException):
        notification_send_email(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.emailed_at is None
    assert mail.outbox == []

    monkeypatch.setattr(EmailMultiAlternatives, "send", original)
    assert notification_send_email(notification_id=notification.pk) is True
    assert notification_send_email(notification_id=notification.pk) is False
    assert len(mail.outbox) == 1


def test_the_email_task_retries_on_smtp_and_connection_errors():
    assert set(send_notification_email.autoretry_for) == {SMTPException, ConnectionError}
    assert set(send_daily_digests.autoretry_for) == {SMTPException, ConnectionError}


def test_an_inactive_person_gets_no_email(django_capture_on_commit_callbacks):
    person = UserFactory(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        notification = notice(person)
    assert mail.outbox == []
    assert Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).exists()


def test_a_key_longer_than_the_column_is_refused_and_nothing_is_stored(dutch_reader):
    with pytest.raises(ValidationError, match="200"):
        notice(dutch_reader, key="x" * 201)
    assert Notification.objects.count() == 0


# Daily digest


def test_a_digest_reader_gets_nothing_at_once(digest_reader, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notice(digest_reader)
    assert (callbacks, mail.outbox) == ([], [])


def test_the_digest_sends_one_email_with_everything_pending_then_nothing(
    digest_reader, dutch_reader, django_capture_on_commit_callbacks
):
    notice(digest_reader, key="a", title="Grant awarded", url="/fr/organisations/commune-anderlecht/")
    notice(digest_reader, key="b", title="Payment ordered", url="")
    NotificationFactory(recipient=digest_reader, emailed=True, subject="Sent yesterday")
    with django_capture_on_commit_callbacks(execute=True):
        notice(dutch_reader, key="c", title="Not for the digest")
    mail.outbox.clear()

    assert send_daily_digests() == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [digest_reader.email]
    assert "2" in message.subject
    html = message.alternatives[0].content
    assert 'lang="nl"' in html and "Beste Lea" in message.body
    assert "Grant awarded" in message.body and "Payment ordered" in message.body
    assert f"{BASE}/nl/organisations/commune-anderlecht/" in message.body
    assert f'href="{BASE}/nl/organisations/commune-anderlecht/"' in html
    assert f"{BASE}/nl/notifications/" in message.body
    assert "Sent yesterday" not in message.body and "Not for the digest" not in message.body
    assert not digest_reader.notifications.filter(emailed_at__isnull=True).exists()

    assert send_daily_digests() == 0
    assert len(mail.outbox) == 1


def test_the_digest_sends_what_arrived_since_the_last_one(digest_reader):
    notice(digest_reader, key="a", title="First")
    assert send_daily_digests() == 1
    notice(digest_reader, key="b", title="Second")
    assert send_daily_digests() == 1
    assert "Second" in mail.outbox[1].body and "First" not in mail.outbox[1].body


def test_a_failed_digest_is_sent_again_by_the_retry_and_others_still_get_theirs(digest_reader, monkeypatch):
    other = UserFactory(email="second@anderlecht.be", notification_mode=NotificationMode.DAILY_DIGEST)
    notice(digest_reader, key="a")
    notice(other, key="b")
    original = EmailMultiAlternatives.send

    def refuse_the_first_reader(self, *args, **kwargs):
        if self.to == [digest_reader.email]:
            raise SMTPException("550 mailbox unavailable")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse_the_first_reader)
    with pytest.raises(SMTPException):
        send_daily_digests.run()  # the body, without Celery's retry
    assert [m.to for m in mail.outbox] == [[other.email]]
    assert digest_reader.notifications.get().emailed_at is None

    monkeypatch.setattr(EmailMultiAlternatives, "send", original)
    assert send_daily_digests() == 1
    assert [m.to for m in mail.outbox] == [[other.email], [digest_reader.email]]


def test_the_digest_runs_every_morning_at_seven_brussels_time():
    entry = settings.CELERY_BEAT_SCHEDULE["core-daily-digests"]
    assert entry["task"] == "core.send_daily_digests"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({7}, {0})
    assert settings.CELERY_TIMEZONE == "Europe/Brussels"


# The portal list


def test_the_list_shows_only_my_notifications_newest_first_with_unread_marked(
    client, commune_editor, other_commune_editor
):
    NotificationFactory(recipient=commune_editor, subject="Older and read", read=True)
    NotificationFactory(recipient=commune_editor, subject="Newer and unread")
    NotificationFactory(recipient=other_commune_editor, subject="Somebody else's")
    client.force_login(commune_editor)
    response = client.get("/en/notifications/")
    content = response.content.decode()
    assert response.status_code == 200
    assert "Somebody else's" not in content
    assert content.index("Newer and unread") < content.index("Older and read")
    assert content.count('class="notification--unread"') == 1
    assert "You have 1 unread notification." in content
    assert '<span class="visually-hidden">(1 unread)</span>' in content  # the count in the navigation


def test_the_list_needs_a_sign_in(client):
    response = client.get("/fr/notifications/")
    assert response.status_code == 302 and response["Location"].startswith("/fr/login/")


def test_staff_use_the_same_list(client, eligibility_officer):
    NotificationFactory(recipient=eligibility_officer, subject="A task is due tomorrow")
    client.force_login(eligibility_officer)
    assert "A task is due tomorrow" in client.get("/fr/notifications/").content.decode()


def test_the_list_costs_the_same_queries_for_3_or_60_notifications(
    client, commune_editor, django_assert_max_num_queries
):
    client.force_login(commune_editor)
    NotificationFactory.create_batch(3, recipient=commune_editor)
    with django_assert_max_num_queries(8) as small:
        assert client.get("/fr/notifications/").status_code == 200
    NotificationFactory.create_batch(57, recipient=commune_editor, read=True)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get("/fr/notifications/")
    assert response.content.decode().count('class="notification__subject"') == 25
    second = client.get("/fr/notifications/?page=3").content.decode()
    assert second.count('class="notification__subject"') == 10


def test_reading_one_marks_it_and_opens_its_link(client, commune_editor):
    notification = NotificationFactory(recipient=commune_editor, url="/fr/account/")
    client.force_login(commune_editor)
    response = client.post(f"/fr/notifications/{notification.pk}/read/")
    assert response.status_code == 302 and response["Location"] == "/fr/account/"
    notification.refresh_from_db()
    first_reading = notification.read_at
    assert first_reading is not None
    client.post(f"/fr/notifications/{notification.pk}/read/")
    notification.refresh_from_db()
    assert notification.read_at == first_reading


def test_reading_one_without_a_link_goes_back_to_the_list(client, commune_editor):
    notification = NotificationFactory(recipient=commune_editor, url="")
    client.force_login(commune_editor)
    response = client.post(f"/en/notifications/{notification.pk}/read/", follow=True)
    assert response.redirect_chain[-1][0] == "/en/notifications/"
    assert "The notification was marked as read." in response.content.decode()


def test_a_link_to_another_site_is_not_followed(client, commune_editor):
    notification = NotificationFactory(recipient=commune_editor, url="https://evil.example/phish")
    client.force_login(commune_editor)
    response = client.post(f"/fr/notifications/{notification.pk}/read/")
    assert response["Location"] == "/fr/notifications/"


def test_another_persons_notification_is_not_found_and_stays_unread(client, commune_editor, other_commune_editor):
    theirs = NotificationFactory(recipient=other_commune_editor)
    client.force_login(commune_editor)
    assert client.post(f"/fr/notifications/{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_an_unknown_notification_is_not_found_and_nothing_changes(client, commune_editor):
    mine = NotificationFactory(recipient=commune_editor)
    client.force_login(commune_editor)
    assert client.post("/fr/notifications/999999/read/").status_code == 404
    mine.refresh_from_db()
    assert mine.read_at is None


def test_reading_needs_a_post(client, commune_editor):
    notification = NotificationFactory(recipient=commune_editor)
    client.force_login(commune_editor)
    assert client.get(f"/fr/notifications/{notification.pk}/read/").status_code == 405
    notification.refresh_from_db()
    assert notification.read_at is None


def test_read_all_marks_only_mine(client, commune_editor, other_commune_editor):
    NotificationFactory.create_batch(2, recipient=commune_editor)
    theirs = NotificationFactory(recipient=other_commune_editor)
    client.force_login(commune_editor)
    response = client.post("/en/notifications/read-all/", follow=True)
    assert response.redirect_chain[-1][0] == "/en/notifications/"
    assert "2 notifications were marked as read." in response.content.decode()
    assert not commune_editor.notifications.filter(read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


# The choice on the account page


def test_the_account_page_saves_the_notification_mode(client, commune_editor):
    client.force_login(commune_editor)
    assert 'name="notification_mode"' in client.get("/en/account/").content.decode()
    response = client.post(
        "/fr/account/",
        {
            "first_name": "Camille",
            "last_name": "",
            "phone": "",
            "preferred_language": "fr",
            "notification_mode": "daily_digest",
        },
    )
    assert response.status_code == 302
    commune_editor.refresh_from_db()
    assert commune_editor.notification_mode == NotificationMode.DAILY_DIGEST


def test_a_form_without_the_mode_keeps_the_current_choice(client, digest_reader):
    client.force_login(digest_reader)
    response = client.post(
        "/nl/account/", {"first_name": "Lea", "last_name": "", "phone": "", "preferred_language": "nl"}
    )
    assert response.status_code == 302
    digest_reader.refresh_from_db()
    assert digest_reader.notification_mode == NotificationMode.DAILY_DIGEST


def test_an_unknown_mode_is_a_field_error_and_nothing_is_stored(client, commune_editor):
    client.force_login(commune_editor)
    response = client.post(
        "/en/account/",
        {
            "first_name": "Changed",
            "last_name": "",
            "phone": "",
            "preferred_language": "fr",
            "notification_mode": "weekly",
        },
    )
    assert response.status_code == 400
    assert "Select a valid choice. weekly is not one of the available choices." in response.content.decode()
    commune_editor.refresh_from_db()
    assert (commune_editor.first_name, commune_editor.notification_mode) != ("Changed", "weekly")
    assert commune_editor.notification_mode == NotificationMode.IMMEDIATE


def test_the_service_refuses_an_unknown_mode(commune_editor):
    with pytest.raises(InvalidInput) as error:
        user_update_profile(
            user=commune_editor,
            first_name="X",
            last_name="",
            phone="",
            preferred_language="fr",
            notification_mode="hourly",
        )
    assert "notification_mode" in error.value.extra["fields"]
    commune_editor.refresh_from_db()
    assert commune_editor.first_name != "X"


# Two at once, on real PostgreSQL


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_key_from_four_writers_at_once_is_one_notification_and_one_email(require_postgres):
    person = UserFactory()
    results = run_together(*[lambda: notice(person) for _ in range(4)])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert {r.pk for r in results} == {Notification.objects.get().pk}
    assert len(mail.outbox) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_deliveries_of_the_send_task_at_once_send_one_email(require_postgres):
    notification = NotificationFactory(recipient=UserFactory())
    results = run_together(*[lambda: send_notification_email(notification_id=notification.pk) for _ in range(2)])
    assert sorted(results) == [False, True]
    assert len(mail.outbox) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_digest_runs_at_once_send_one_email(require_postgres):
    reader = UserFactory(notification_mode=NotificationMode.DAILY_DIGEST)
    NotificationFactory.create_batch(3, recipient=reader)
    results = run_together(send_daily_digests, send_daily_digests)
    assert sorted(results) == [0, 1]
    assert len(mail.outbox) == 1


def test_leaving_the_digest_sends_what_was_waiting_at_once(digest_reader, django_capture_on_commit_callbacks):
    from core.services.users import user_update_profile

    notice(digest_reader)
    notice(digest_reader, key="another")
    with django_capture_on_commit_callbacks(execute=True):
        user_update_profile(
            user=digest_reader,
            first_name="",
            last_name="",
            phone="",
            preferred_language=digest_reader.preferred_language,
            notification_mode="immediate",
        )
    assert len(mail.outbox) == 2
    assert not Notification.objects.filter(recipient=digest_reader, emailed_at__isnull=True).exists()
