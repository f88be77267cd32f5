"""schemathesis over the committee endpoints as the committee's secretary.

The whole-schema run (test_schemathesis.py) calls as anonymous and as a commune editor, who only ever meet a 401 or a
404 here; this run gets past authorization, on a session with an item on its agenda and French minutes, so the
answers of the actions themselves (200, 400, 409, 415, 422) are checked against the schema too.
"""

from decimal import Decimal

import pytest
import schemathesis
from django.core.files.base import ContentFile
from django.core.wsgi import get_wsgi_application
from django.utils import timezone

from grants.models import Application, ApplicationStatus, CommitteeSession, SessionItem
from tests.api.test_schemathesis import _high_throttle_rates, _keep_test_connection, run_whole_schema  # noqa: F401
from tests.factories import UserFactory
from tests.factories.grants import CallVersionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def committee_schema(_keep_test_connection, _high_throttle_rates):  # noqa: F811
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())
    return schema.include(path_regex="^/api/v1/sessions/")


def test_the_committee_endpoints_as_the_secretary(committee_schema, commune, make_token):
    version = CallVersionFactory(published=True)
    secretary = UserFactory(roles=["committee_secretary"])
    session = CommitteeSession.objects.create(call=version.call, held_at=timezone.now(), quorum=1, secretary=secretary)
    session.members.add(UserFactory(roles=["committee_member"]))
    session.minutes_fr.save("minutes.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    application = Application.objects.create(
        call_version=version,
        organisation=commune,
        reference="SPORT-0001",
        status=ApplicationStatus.REVIEWED,
        amount_requested=Decimal("1000.00"),
        created_by=secretary,
    )
    item = SessionItem.objects.create(session=session, application=application, position=1, proposed_amount=1000)
    _token, secret = make_token(secretary, "write")
    known = {"id": session.pk, "item_id": item.pk, "language": "fr"}
    run_whole_schema(committee_schema, known, {"Authorization": f"Token {secret}"})
