"""The sports call published on grant_application@1, and applications at each stage."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.roles import StaffRole
from grants.seed import sample_answers
from grants.services.applications import application_create, application_save, document_add
from tests.factories import UserFactory
from tests.factories.grants import CallVersionFactory

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def pdf(name: str = "resolution.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def grant_process(db):
    from workflows.services.versions import sync_versions, version_set_state

    sync_versions()
    return version_set_state(actor=None, key="grant_application", version=1, state="current")


@pytest.fixture
def sports_call(grant_process):
    return CallVersionFactory(published=True)


@pytest.fixture
def eligibility_officer_nl(db):
    return UserFactory(email="officer@bpl.brussels", preferred_language="nl", roles=[StaffRole.ELIGIBILITY_OFFICER])


@pytest.fixture
def draft(sports_call, commune, commune_editor):
    """An application with every answer and required document, ready to submit."""
    application = application_create(actor=commune_editor, call_version_id=sports_call.pk, organisation_id=commune.pk)
    application_save(actor=commune_editor, application_id=application.pk, base_version=1, answers=sample_answers())
    document_add(actor=commune_editor, application_id=application.pk, document_code="council_resolution", upload=pdf())
    document_add(
        actor=commune_editor, application_id=application.pk, document_code="cost_estimate", upload=pdf("costs.pdf")
    )
    application.refresh_from_db()
    return application
