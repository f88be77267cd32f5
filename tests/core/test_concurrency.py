"""Two writers at the same moment, on real PostgreSQL connections (threads), with the locks the services take."""

import threading
import time

import pytest
from django.db import connection, transaction

from core.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from core.models import Membership, Organisation, OrganisationKind
from core.services.memberships import membership_update
from core.services.organisations import organisation_create
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(*calls):
    """Start every call at the same instant in its own thread and connection; return results or exceptions."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:  # the test inspects what each writer got
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_admins_demoting_each_other_at_once_leave_one_admin(require_postgres):
    organisation = OrganisationFactory()
    first = MembershipFactory(organisation=organisation, is_admin=True)
    second = MembershipFactory(organisation=organisation, is_admin=True)
    for _ in range(5):
        Membership.objects.filter(pk__in=[first.pk, second.pk]).update(is_admin=True)
        results = run_together(
            lambda: membership_update(actor=first.user, membership_id=second.pk, role="editor", is_admin=False),
            lambda: membership_update(actor=second.user, membership_id=first.pk, role="editor", is_admin=False),
        )
        refused = [r for r in results if isinstance(r, Exception)]
        assert organisation.memberships.filter(is_admin=True).count() == 1
        assert len(refused) == 1
        # The one who waited finds they no longer manage members (or that the other is the last admin).
        assert isinstance(refused[0], NotPermitted | TransitionNotAllowed), refused


def test_a_member_change_waits_for_the_organisation_lock(require_postgres):
    organisation = OrganisationFactory()
    admin = MembershipFactory(organisation=organisation, is_admin=True)
    other = MembershipFactory(organisation=organisation, role="viewer")
    finished = threading.Event()

    def change():
        try:
            membership_update(actor=admin.user, membership_id=other.pk, role="editor", is_admin=False)
        finally:
            connection.close()
            finished.set()

    with transaction.atomic():
        Organisation.objects.select_for_update().get(pk=organisation.pk)
        thread = threading.Thread(target=change)
        thread.start()
        time.sleep(0.5)
        assert not finished.is_set(), "the service did not wait for the organisation row lock"
    thread.join(timeout=10)
    assert finished.is_set()
    other.refresh_from_db()
    assert other.role == "editor"


def test_the_same_organisation_registered_twice_at_once_exists_once(require_postgres):
    administrator = UserFactory(roles=["administrator"])
    fields = {
        "kind": OrganisationKind.REGIE,
        "name_fr": "Régie foncière d'Ixelles",
        "name_nl": "Grondregie Elsene",
        "kbo_number": "0403.019.261",
    }
    results = run_together(
        *[(lambda n=n: organisation_create(actor=administrator, code=f"regie-ixelles-{n}", **fields)) for n in range(4)]
    )
    created = [r for r in results if isinstance(r, Organisation)]
    refused = [r for r in results if isinstance(r, InvalidInput)]
    assert (len(created), len(refused)) == (1, 3), results
    assert Organisation.objects.filter(kbo_number="0403019261").count() == 1
