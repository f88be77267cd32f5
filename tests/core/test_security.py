import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.models import AuditRecord
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_five_wrong_passwords_lock_the_account_from_that_address(client, commune_editor):
    for _ in range(5):
        response = client.post("/fr/login/", {"username": commune_editor.email, "password": "wrong-password"})
    assert response.status_code in (403, 429)
    assert "Trop de tentatives" in response.content.decode()
    # Even the right password is refused while the lock holds.
    response = client.post("/fr/login/", {"username": commune_editor.email, "password": PASSWORD})
    assert response.status_code in (403, 429)
    assert "_auth_user_id" not in client.session


def test_a_wrong_password_says_so_in_dutch(client, commune_editor):
    response = client.post("/nl/login/", {"username": commune_editor.email, "password": "wrong"})
    assert response.status_code == 200
    assert "Het e-mailadres of het wachtwoord is niet correct." in response.content.decode()


def test_the_staff_site_sends_strangers_to_the_staff_sign_in(client):
    response = client.get("/fr/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith("/fr/staff/accounts/login/?next=")


def test_the_staff_sign_in_turns_applicants_away(client, commune_editor):
    response = client.post("/en/staff/accounts/login/", {"username": commune_editor.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "no access to the staff site" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_applicant_signed_in_on_the_portal_cannot_open_staff_pages(client, commune_editor):
    client.force_login(commune_editor)
    assert client.get("/fr/staff/administration/organisations/").status_code == 403
    assert client.get("/admin/").status_code == 403


def test_staff_must_enrol_a_second_factor_before_any_staff_page(client, eligibility_officer):
    response = client.post("/en/staff/accounts/login/", {"username": eligibility_officer.email, "password": PASSWORD})
    assert response.status_code == 302
    response = client.get("/en/staff/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/en/staff/2fa/setup/")
    device = TOTPDevice.objects.get(user=eligibility_officer, confirmed=False)
    wrong = client.post("/en/staff/2fa/setup/", {"token": "000000"})
    assert wrong.status_code == 400
    assert "This code is not valid" in wrong.content.decode()
    hurried = client.post("/en/staff/2fa/setup/", {"token": "000000"})
    assert "Too many wrong codes. Wait" in hurried.content.decode()
    # A second later the user tries again; rather than sleep, age the recorded failure.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=timezone.now() - timedelta(seconds=5))
    code = f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"
    response = client.post("/en/staff/2fa/setup/", {"token": code, "next": "/en/staff/"})
    assert response.status_code == 200
    backup_codes = re.findall(r"<li>([0-9a-f]{8})</li>", response.content.decode())
    assert len(backup_codes) == 10
    assert client.get("/en/staff/tasks/inbox/").status_code == 200
    assert AuditRecord.objects.filter(action="two_factor_enrolled", object_id=str(eligibility_officer.pk)).exists()

    # Next session: the password alone is not enough; a backup code works once.
    other = Client()
    other.post("/en/staff/accounts/login/", {"username": eligibility_officer.email, "password": PASSWORD})
    assert other.get("/en/staff/tasks/inbox/")["Location"].startswith("/en/staff/2fa/verify/")
    assert other.post("/en/staff/2fa/verify/", {"token": backup_codes[0]}).status_code == 302
    assert other.get("/en/staff/tasks/inbox/").status_code == 200
    third = Client()
    third.post("/en/staff/accounts/login/", {"username": eligibility_officer.email, "password": PASSWORD})
    assert third.post("/en/staff/2fa/verify/", {"token": backup_codes[0]}).status_code == 400


def test_a_verified_staff_member_sees_the_empty_inbox(staff_client, eligibility_officer):
    response = staff_client(eligibility_officer).get("/nl/staff/tasks/inbox/")
    assert response.status_code == 200
    assert "Er wacht geen taak op u." in response.content.decode()


def test_staff_pages_are_refused_to_roles_without_the_permission(staff_client, eligibility_officer, commune):
    client = staff_client(eligibility_officer)
    assert client.get("/fr/staff/administration/organisations/new/").status_code == 403
    assert client.get(f"/fr/staff/administration/organisations/{commune.pk}/").status_code == 200


def test_password_reset_mail_goes_out_in_the_persons_language(client, commune_editor):
    commune_editor.preferred_language = "nl"
    commune_editor.save()
    response = client.post("/fr/password/reset/", {"email": commune_editor.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "wachtwoord" in mail.outbox[0].subject.lower()
    assert "/nl/password/reset/" in mail.outbox[0].body


def test_password_reset_for_an_unknown_address_reveals_nothing(client):
    response = client.post("/fr/password/reset/", {"email": "nobody@nowhere.be"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_private_files_are_never_served_from_a_url(client, settings):
    name = default_storage.save("applications/1/council-resolution.pdf", ContentFile(b"%PDF-1.7 secret"))
    url = default_storage.url(name)
    assert client.get(url).status_code == 404
    assert client.get(f"/media/{name}").status_code == 404
    assert not settings.MEDIA_URL.startswith(settings.STATIC_URL)


def test_forms_refuse_a_post_without_the_csrf_token(commune_editor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(commune_editor)
    response = client.post("/fr/account/", {"preferred_language": "nl"})
    assert response.status_code == 403


def test_session_and_cookie_settings(settings):
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"
    assert settings.X_FRAME_OPTIONS == "DENY"
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"
