"""Demo: applications to the sports call at every step of the grant process (run after seed_calls)."""

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from core.models import Membership, MembershipRole, Organisation, User
from core.pdf import render_pdf
from grants.models import Application, CallVersion
from grants.seed import sample_answers
from grants.services.applications import application_create, application_save, document_add
from grants.services.eligibility import eligibility_decide
from grants.services.submission import application_submit
from workflows.grant_application.handlers import case_of
from workflows.services.task_actions import task_claim

ALL_MET = {code: {"verdict": "met", "reason": ""} for code in ("applicant", "investment", "resolution")}


class Command(BaseCommand):
    help = "Demo applications: a draft, one waiting for eligibility, one with a question, one eligible. Idempotent."

    def handle(self, *args, **options) -> None:
        if settings.ENVIRONMENT == "production":
            raise CommandError("Demo applications are never loaded with production settings.")
        version = CallVersion.objects.filter(call__code="sport", status="published").first()
        if version is None or Application.objects.filter(call_version=version).exists():
            self.stdout.write("Demo applications already present (or no demo call).")
            return
        officer = User.objects.get(email="eligibility@bpl.demo")
        anderlecht, schaerbeek = (
            Organisation.objects.get(code=c) for c in ("commune-anderlecht", "commune-schaerbeek")
        )
        self._draft(version, anderlecht)
        self._submitted(version, anderlecht, "Nouvelle piscine communale")
        asked = self._submitted(version, schaerbeek, "Renovatie van de sporthal")
        self._decide(asked, officer, "info_requested", "Welke clubs zullen de sporthal gebruiken?")
        eligible = self._submitted(version, schaerbeek, "Nieuw voetbalveld")
        self._decide(eligible, officer, "eligible")
        self.stdout.write("Demo applications: a draft, one to check, one with a question, one eligible.")

    def _people(self, organisation: Organisation) -> tuple[User, User]:
        members = Membership.objects.filter(organisation=organisation).select_related("user")
        editor = next(m.user for m in members if m.role == MembershipRole.EDITOR)
        signatory = next(m.user for m in members if m.role == MembershipRole.SIGNATORY)
        return editor, signatory

    def _draft(self, version: CallVersion, organisation: Organisation, title: str = "") -> Application:
        editor, _signatory = self._people(organisation)
        application = application_create(actor=editor, call_version_id=version.pk, organisation_id=organisation.pk)
        answers = {**sample_answers(), **({"project_title": title} if title else {"description": ""})}
        application_save(actor=editor, application_id=application.pk, base_version=1, answers=answers)
        return application

    def _submitted(self, version: CallVersion, organisation: Organisation, title: str) -> Application:
        application = self._draft(version, organisation, title)
        editor, signatory = self._people(organisation)
        for code, label in (
            ("council_resolution", "Délibération / Beslissing"),
            ("cost_estimate", "Estimation / Raming"),
        ):
            pdf = render_pdf("documents/demo_attachment.html", {"label": label, "title": title}, language="fr")
            document_add(
                actor=editor, application_id=application.pk, document_code=code, upload=_file(f"{code}.pdf", pdf)
            )
        with transaction.atomic():
            application_submit(actor=signatory, application_id=application.pk)
        application.refresh_from_db()
        return application

    def _decide(self, application: Application, officer: User, outcome: str, question: str = "") -> None:
        case = case_of(application)
        if case is None:
            raise CommandError(f"{application} was submitted but no case started: is grant_application@1 current?")
        task = Task.objects.get(process_id=case.pk, flow_task=case.flow_class.check_eligibility, status=STATUS.NEW)
        task_claim(actor=officer, task_id=task.pk)
        with transaction.atomic(), task.activation() as activation:
            eligibility_decide(
                actor=officer, application_id=application.pk, outcome=outcome, criteria=ALL_MET, question=question
            )
            activation.start(None)
            activation.execute()


def _file(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")
