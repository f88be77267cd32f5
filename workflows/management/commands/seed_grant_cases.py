"""Demo: applications to the sports call at every step of the grant process (run after seed_calls)."""

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from core.models import Membership, MembershipRole, Organisation, User
from core.pdf import render_pdf
from grants.models import Application, CallVersion
from grants.seed import sample_answers
from grants.services.applications import application_create, application_save, document_add
from grants.services.awards import approval_record, missing_levels
from grants.services.committee import (
    agenda_from_ranking,
    attendance_record,
    item_decide,
    session_close,
    session_create,
)
from grants.services.eligibility import eligibility_decide
from grants.services.review import conflict_declare, review_save, reviewers_assign
from grants.services.submission import application_submit
from grants.services.tranches import expense_line_add, justification_report_set, justification_submit, tranche_claim
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
        reviewed = self._submitted(version, anderlecht, "Piste d'athlétisme")
        self._decide(reviewed, officer, "eligible")
        self._review(
            reviewed,
            [{"coverage": "7", "supralocal": "6", "tariff": "4"}, {"coverage": "8", "supralocal": "na", "tariff": "3"}],
        )
        awarded = self._submitted(version, schaerbeek, "Renovatie van het zwembad")
        self._decide(awarded, officer, "eligible")
        self._review(
            awarded,
            [{"coverage": "9", "supralocal": "8", "tariff": "5"}, {"coverage": "8", "supralocal": "7", "tariff": "4"}],
        )
        self._award_and_justify(awarded)
        self.stdout.write(
            "Demo applications: a draft, one to check, one with a question, one waiting for reviewers, one reviewed "
            "(for the next committee), and one awarded in a closed session, its advance due and its justification "
            "waiting for the check."
        )

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

    def _review(self, application: Application, scores: list[dict]) -> None:
        call_manager = User.objects.get(email="call.manager@bpl.demo")
        people = [User.objects.get(email=e) for e in ("reviewer@bpl.demo", "reviewer2@bpl.demo")]
        with transaction.atomic():
            assignments = reviewers_assign(
                actor=call_manager, application_id=application.pk, reviewer_ids=[p.pk for p in people]
            )
        case = case_of(application)
        assert case is not None
        for assignment, given in zip(assignments, scores, strict=True):
            conflict_declare(actor=assignment.reviewer, assignment_id=assignment.pk, conflict=False)
            task = Task.objects.get(
                process_id=case.pk, flow_task=case.flow_class.review, data__assignment_id=assignment.pk
            )
            raw = {code: {"score": value, "comment": ""} for code, value in given.items()}
            with transaction.atomic(), task.activation() as activation:
                review_save(actor=assignment.reviewer, assignment_id=assignment.pk, scores=raw, submit=True)
                activation.start(None)
                activation.execute()

    def _award_and_justify(self, application: Application) -> None:
        secretary = User.objects.get(email="committee.secretary@bpl.demo")
        members = [User.objects.get(email=e) for e in ("committee.member@bpl.demo", "reviewer2@bpl.demo")]
        with transaction.atomic():
            session = session_create(
                actor=secretary,
                call_id=application.call_version.call_id,
                held_at=timezone.now(),
                place="Bruxelles Pouvoirs locaux",
                member_ids=[m.pk for m in members],
                quorum=2,
            )
            attendance_record(actor=secretary, session_id=session.pk, present_ids=[m.pk for m in members])
            items = {item.application_id: item for item in agenda_from_ranking(actor=secretary, session_id=session.pk)}
            for application_id, item in items.items():
                if application_id == application.pk:
                    item_decide(actor=secretary, item_id=item.pk, decision="approved", amount=item.proposed_amount)
                else:  # the other reviewed application waits for the next session
                    item_decide(actor=secretary, item_id=item.pk, decision="postponed")
        with transaction.atomic():
            session_close(actor=secretary, session_id=session.pk)
        application.refresh_from_db()
        call_manager = User.objects.get(email="call.manager@bpl.demo")
        award = application.award
        case = case_of(application)
        assert case is not None
        task = Task.objects.get(process_id=case.pk, flow_task=case.flow_class.record_approvals)
        task_claim(actor=call_manager, task_id=task.pk)
        with transaction.atomic(), task.activation() as activation:
            for level in missing_levels(award):
                approval_record(
                    actor=call_manager,
                    award_id=award.pk,
                    level_id=level.pk,
                    given_on=timezone.localdate(),
                    reference="DEMO-2026-001",
                )
            activation.start(None)
            activation.execute()
        award.refresh_from_db()
        editor, signatory = self._people(application.organisation)
        tranche_claim(actor=signatory, tranche_id=award.tranches.get(number=1).pk)
        proof = render_pdf(
            "documents/demo_attachment.html", {"label": "Factuur / Facture", "title": "F-2026-001"}, language="nl"
        )
        expense_line_add(
            actor=editor,
            award_id=award.pk,
            invoice_reference="F-2026-001",
            supplier="Bouwbedrijf Demo",
            amount="900000",
            paid_on=timezone.localdate(),
            proof=_file("factuur.pdf", proof),
        )
        report = render_pdf(
            "documents/demo_attachment.html",
            {"label": "Activiteitenverslag", "title": application.reference},
            language="nl",
        )
        justification_report_set(actor=editor, award_id=award.pk, upload=_file("verslag.pdf", report))
        with transaction.atomic():
            justification_submit(actor=signatory, award_id=award.pk)


def _file(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")
