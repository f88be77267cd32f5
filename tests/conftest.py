"""Personas and service probes shared by the whole suite."""

import os
import shutil
import socket
from urllib.parse import urlparse

import pytest
from django.db import connection
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.models import MembershipRole
from core.roles import StaffRole
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

REQUIRE_SERVICES = os.environ.get("BPL_REQUIRE_SERVICES") == "1"

# The demo process and its people, for the workflow tests and the browser journeys.
pytest_plugins = ["tests.workflows.fixtures", "tests.grants.fixtures", "tests.loans.fixtures"]


def pytest_collection_modifyitems(config, items):
    # Browser journeys are the slowest: run them after everything else, so a broken unit fails fast.
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


def skip_or_fail(reason: str) -> None:
    """Outside CI a missing service skips the test with its reason; in CI (BPL_REQUIRE_SERVICES=1) it fails."""
    if REQUIRE_SERVICES:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture
def require_postgres():
    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL (set DATABASE_URL=postgres://...): SQLite has no row locks or triggers")


def broker_url() -> str:
    return os.environ.get("BPL_TEST_BROKER_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def require_redis() -> str:
    url = urlparse(broker_url())
    try:
        socket.create_connection((url.hostname, url.port or 6379), timeout=1).close()
    except OSError:
        skip_or_fail(f"no Redis broker reachable at {url.hostname}:{url.port}")
    return broker_url()


@pytest.fixture
def require_chromium() -> str:
    path = os.environ.get("BPL_CHROMIUM", "/usr/bin/chromium")
    if not (os.path.exists(path) or shutil.which(path)):
        skip_or_fail(f"Debian's Chromium is not installed at {path} (apt-get install chromium)")
    return path


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def commune(db):
    return OrganisationFactory(code="commune-anderlecht", name_fr="Commune d'Anderlecht", name_nl="Gemeente Anderlecht")


@pytest.fixture
def other_commune(db):
    return OrganisationFactory(
        code="commune-schaerbeek", name_fr="Commune de Schaerbeek", name_nl="Gemeente Schaarbeek"
    )


@pytest.fixture
def commune_editor(commune):
    return MembershipFactory(organisation=commune, role=MembershipRole.EDITOR, user__email="editor@anderlecht.be").user


@pytest.fixture
def signatory(commune):
    """The commune's signatory, who also manages its members."""
    return MembershipFactory(
        organisation=commune, role=MembershipRole.SIGNATORY, is_admin=True, user__email="signatory@anderlecht.be"
    ).user


@pytest.fixture
def other_commune_editor(other_commune):
    return MembershipFactory(
        organisation=other_commune, role=MembershipRole.EDITOR, user__email="editor@schaerbeek.be"
    ).user


def _staff(email: str, *roles: str):
    return UserFactory(email=email, roles=list(roles))


@pytest.fixture
def administrator(db):
    return _staff("admin@bpl.brussels", StaffRole.ADMINISTRATOR)


@pytest.fixture
def eligibility_officer(db):
    return _staff("eligibility@bpl.brussels", StaffRole.ELIGIBILITY_OFFICER)


@pytest.fixture
def finance_officer(db):
    return _staff("finance@bpl.brussels", StaffRole.FINANCE_OFFICER)


@pytest.fixture
def auditor(db):
    return _staff("auditor@bpl.brussels", StaffRole.AUDITOR)


@pytest.fixture
def staff_client(client):
    """A client signed in as a staff member who has passed two-step sign-in."""

    def sign_in(user):
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
        client.force_login(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return client

    return sign_in
