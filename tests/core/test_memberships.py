import re

import pytest
from django.core import mail
from django.utils import translation

from core.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from core.models import AuditRecord, Membership, MembershipRole, User
from core.services.memberships import membership_invite, membership_remove, membership_update

pytestmark = pytest.mark.django_db


def test_a_member_admin_invites_a_new_person_who_gets_an_email_in_the_organisations_language(
    signatory, commune, django_capture_on_commit_callbacks
):
    commune.correspondence_language = "nl"
    commune.save()
    with django_capture_on_commit_callbacks(execute=True):
        membership = membership_invite(
            actor=signatory, organisation_id=commune.pk, email="New.Person@Anderlecht.be", role=MembershipRole.EDITOR
        )
    user = membership.user
    assert (user.email, user.preferred_language, user.has_usable_password()) == (
        "new.person@anderlecht.be",
        "nl",
        False,
    )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.person@anderlecht.be"]
    assert "Gemeente Anderlecht" in message.subject
    link = re.search(r"https?://\S+/nl/password/reset/\S+/", message.body)
    assert link, message.body
    assert AuditRecord.objects.for_object(commune).get().changes["invited"] is True


def test_an_existing_person_is_added_without_a_new_account(
    signatory, commune, other_commune_editor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        membership_invite(actor=signatory, organisation_id=commune.pk, email=other_commune_editor.email, role="viewer")
    assert User.objects.filter(email=other_commune_editor.email).count() == 1
    assert "/password/reset/" not in mail.outbox[0].body
    assert other_commune_editor.memberships.count() == 2


def test_the_invitation_link_lets_the_person_choose_a_password(
    signatory, commune, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        membership_invite(actor=signatory, organisation_id=commune.pk, email="fresh@anderlecht.be", role="editor")
    path = re.search(r"https?://[^/]+(/\S+/)", mail.outbox[0].body).group(1)
    response = client.get(path, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url, {"new_password1": "a-long-new-passphrase", "new_password2": "a-long-new-passphrase"}, follow=True
    )
    assert response.status_code == 200
    assert User.objects.get(email="fresh@anderlecht.be").check_password("a-long-new-passphrase")


def test_a_plain_editor_cannot_add_members_and_nothing_is_stored(commune_editor, commune):
    with pytest.raises(NotPermitted):
        membership_invite(actor=commune_editor, organisation_id=commune.pk, email="x@anderlecht.be", role="editor")
    assert not User.objects.filter(email="x@anderlecht.be").exists()
    assert commune.memberships.count() == 1


def test_an_admin_of_another_organisation_cannot_add_members_here(commune, other_commune):
    from tests.factories import MembershipFactory

    foreign_admin = MembershipFactory(organisation=other_commune, is_admin=True).user
    with pytest.raises(NotPermitted):
        membership_invite(actor=foreign_admin, organisation_id=commune.pk, email="x@anderlecht.be", role="editor")
    assert not Membership.objects.filter(organisation=commune).exists()


@pytest.mark.parametrize(
    ("email", "role", "field"),
    [("not-an-email", "editor", "email"), ("ok@anderlecht.be", "boss", "role")],
)
def test_bad_input_is_refused_per_field(signatory, commune, email, role, field):
    with pytest.raises(InvalidInput) as error:
        membership_invite(actor=signatory, organisation_id=commune.pk, email=email, role=role)
    assert list(error.value.extra["fields"]) == [field]
    assert commune.memberships.count() == 1


def test_a_person_cannot_be_added_twice(signatory, commune, commune_editor):
    with translation.override("fr"), pytest.raises(InvalidInput) as error:
        membership_invite(actor=signatory, organisation_id=commune.pk, email=commune_editor.email, role="viewer")
    assert "déjà membre" in str(error.value.message)


def test_the_last_member_admin_cannot_step_down_or_be_removed(signatory, commune):
    membership = signatory.memberships.get()
    with pytest.raises(TransitionNotAllowed):
        membership_update(actor=signatory, membership_id=membership.pk, role="signatory", is_admin=False)
    with pytest.raises(TransitionNotAllowed):
        membership_remove(actor=signatory, membership_id=membership.pk)
    membership.refresh_from_db()
    assert membership.is_admin


def test_an_admin_changes_a_role_and_removes_a_member(signatory, commune, commune_editor):
    membership = commune_editor.memberships.get()
    membership_update(actor=signatory, membership_id=membership.pk, role="signatory", is_admin=False)
    membership.refresh_from_db()
    assert membership.role == "signatory"
    membership_remove(actor=signatory, membership_id=membership.pk)
    assert not Membership.objects.filter(pk=membership.pk).exists()
    actions = list(AuditRecord.objects.for_object(commune).values_list("action", flat=True))
    assert actions == ["member_removed", "member_changed"]
