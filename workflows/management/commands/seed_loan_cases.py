"""Demo: loan applications to the sports loan programme at every step of frbrtc_loan@1, and an active loan with a
drawdown, instalments, a partial repayment and a second drawdown waiting for approval (run after seed_loans)."""

import datetime as dt

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from core.models import Membership, MembershipRole, Organisation, User
from core.pdf import render_pdf
from finance.services.payments import payable_mark_paid
from grants.services import committee
from loans.models import LoanApplication, LoanProductVersion
from loans.services.applications import loan_application_create, loan_application_save, loan_document_add
from loans.services.convention import convention_generate, convention_review, convention_signed_upload
from loans.services.decision import loan_analysis_record, loan_decision_record
from loans.services.drawdowns import InvoiceIn, drawdown_approve, drawdown_request
from loans.services.eligibility import loan_eligibility_decide
from loans.services.repayments import repayment_record
from loans.services.submission import loan_application_submit
from workflows.services.cases import case_of
from workflows.services.task_actions import task_claim


def _pdf(name: str, label: str, title: str) -> SimpleUploadedFile:
    content = render_pdf("documents/demo_attachment.html", {"label": label, "title": title}, language="fr")
    return SimpleUploadedFile(name, content, content_type="application/pdf")


class Command(BaseCommand):
    help = "Demo loan applications at every step and an active loan being repaid. Idempotent."

    def handle(self, *args, **options) -> None:
        if settings.ENVIRONMENT == "production":
            raise CommandError("Demo loan applications are never loaded with production settings.")
        version = LoanProductVersion.objects.filter(product__code="sport2021", status="published").first()
        if version is None or LoanApplication.objects.filter(product_version=version).exists():
            self.stdout.write("Demo loan applications already present (or no demo loan product).")
            return
        self.analyst = User.objects.get(email="loan.analyst@bpl.demo")
        anderlecht, schaerbeek = (
            Organisation.objects.get(code=c) for c in ("commune-anderlecht", "commune-schaerbeek")
        )
        self._draft(version, anderlecht, "Salle de sport du Peterbos")
        self._submitted(version, schaerbeek, "Renovatie van het stadion")
        analysed = self._submitted(version, anderlecht, "Terrain synthétique de Neerpede")
        self._through(analysed, upto="analyse")
        granted = self._submitted(version, schaerbeek, "Nieuwe sporthal Helmet")
        self._through(granted, upto="decision")
        active = self._submitted(version, anderlecht, "Rénovation de la piscine Louis Marcelis", cost="2400000")
        self._through(active, upto="decision")
        self._activate_and_service(active)
        self.stdout.write(
            "Demo loan applications: a draft, one to check, one analysed (for the next committee), one granted "
            "(its convention waiting for signature) and an active loan with a paid drawdown, an instalment in "
            "arrears and a second drawdown to approve."
        )

    def _people(self, organisation: Organisation) -> tuple[User, User]:
        members = Membership.objects.filter(organisation=organisation).select_related("user")
        editor = next(m.user for m in members if m.role == MembershipRole.EDITOR)
        signatory = next(m.user for m in members if m.role == MembershipRole.SIGNATORY)
        return editor, signatory

    def _draft(self, version, organisation, title: str, cost: str = "1500000") -> LoanApplication:
        editor, _signatory = self._people(organisation)
        application = loan_application_create(actor=editor, version_id=version.pk, organisation_id=organisation.pk)
        project = {
            "title": title,
            "description": "Investissement en infrastructure sportive / Investering in sportinfrastructuur",
            "cost": cost,
            "requested_amount": cost,
            "depreciation_years": "25",
            "budget_reference": "764/723-60",
        }
        loan_application_save(
            actor=editor, application_id=application.pk, base_version=1, purpose=title, projects=[project]
        )
        return application

    def _submitted(self, version, organisation, title: str, cost: str = "1500000") -> LoanApplication:
        application = self._draft(version, organisation, title, cost)
        editor, signatory = self._people(organisation)
        loan_document_add(
            actor=editor,
            application_id=application.pk,
            document_code="ministerial_form",
            upload=_pdf("formulaire.pdf", "Formulaire ministériel / Ministerieel formulier", title),
        )
        project = application.projects.get()
        for code, label in (("council_resolution", "Délibération / Beslissing"), ("budget_commitment", "Engagement")):
            loan_document_add(
                actor=editor,
                application_id=application.pk,
                document_code=code,
                project_id=project.pk,
                upload=_pdf(f"{code}.pdf", label, title),
            )
        with transaction.atomic():
            loan_application_submit(actor=signatory, application_id=application.pk)
        application.refresh_from_db()
        return application

    def _task(self, application: LoanApplication, step: str, action) -> None:
        case = case_of(application)
        if case is None:
            raise CommandError(f"{application} was submitted but no case started: is frbrtc_loan@1 current?")
        task = Task.objects.get(process_id=case.pk, flow_task=getattr(case.flow_class, step), status=STATUS.NEW)
        task_claim(actor=self.analyst, task_id=task.pk)
        with transaction.atomic(), task.activation() as activation:
            action()
            activation.start(None)
            activation.execute()

    def _through(self, application: LoanApplication, *, upto: str) -> None:
        version = application.product_version
        met = {item["code"]: {"verdict": "met", "reason": ""} for item in version.checklist}
        amounts = {p.pk: str(p.requested_amount) for p in application.projects.all()}
        self._task(
            application,
            "check_eligibility",
            lambda: loan_eligibility_decide(
                actor=self.analyst, application_id=application.pk, outcome="eligible", criteria=met
            ),
        )
        self._task(
            application,
            "analyse",
            lambda: loan_analysis_record(
                actor=self.analyst,
                application_id=application.pk,
                financial_situation="Comptes 2025 en équilibre ; endettement modéré.",
                projects_assessment="Projet conforme au programme ; amortissement sur 25 ans.",
                recommendation="favourable",
                amounts=amounts,
            ),
        )
        if upto == "analyse":
            return
        self._opinion(application)
        self._task(
            application,
            "record_decision",
            lambda: loan_decision_record(
                actor=self.analyst,
                application_id=application.pk,
                outcome="approved",
                decree_reference="DEMO-AGRBC-2026-01",
                decree_date=timezone.localdate(),
                amounts=amounts,
            ),
        )
        convention_generate(application_id=application.pk)

    def _opinion(self, application: LoanApplication) -> None:
        secretary = User.objects.get(email="committee.secretary@bpl.demo")
        members = [User.objects.get(email=e) for e in ("committee.member@bpl.demo", "reviewer2@bpl.demo")]
        with transaction.atomic():
            session = committee.session_create(
                actor=secretary,
                loan_product_id=application.product_version.product_id,
                held_at=timezone.now(),
                place="Bruxelles Pouvoirs locaux",
                member_ids=[m.pk for m in members],
                quorum=2,
            )
            committee.attendance_record(actor=secretary, session_id=session.pk, present_ids=[m.pk for m in members])
            for item in committee.agenda_from_ranking(actor=secretary, session_id=session.pk):
                decision = "approved" if item.loan_application_id == application.pk else "postponed"
                committee.item_decide(actor=secretary, item_id=item.pk, decision=decision, amount=item.proposed_amount)
        with transaction.atomic():
            committee.session_close(actor=secretary, session_id=session.pk)

    def _activate_and_service(self, application: LoanApplication) -> None:
        _editor, signatory = self._people(application.organisation)
        with transaction.atomic():
            convention_signed_upload(
                actor=signatory,
                application_id=application.pk,
                upload=_pdf("convention-signee.pdf", "Convention signée", application.reference),
                signed_on=timezone.localdate(),
            )
        self._task(
            application,
            "check_convention",
            lambda: convention_review(actor=self.analyst, application_id=application.pk, accept=True),
        )
        loan = LoanApplication.objects.get(pk=application.pk).loan
        finance = User.objects.get(email="finance.officer@bpl.demo")
        # A drawdown paid 400 days ago: the first annual instalment fell due a month ago, and was paid in part.
        first = self._drawdown(loan, signatory, "1600000.00")
        payable_mark_paid(
            actor=finance, payable_id=first.payable_id, paid_on=timezone.localdate() - dt.timedelta(days=400)
        )
        installment = loan.installments.get(n=1)
        repayment_record(
            actor=finance,
            loan_id=loan.pk,
            amount="50000.00",
            value_date=installment.due_date,
            communication=installment.structured_communication,
            key="demo:first-instalment",
        )
        self._drawdown(loan, signatory, "800000.00", approve=False)

    def _drawdown(self, loan, signatory, amount: str, approve: bool = True):
        drawdown = drawdown_request(
            actor=signatory,
            loan_id=loan.pk,
            amount=amount,
            invoices=[InvoiceIn(reference=f"F-{amount}", amount=amount, upload=_pdf("facture.pdf", "Facture", amount))],
        )
        return drawdown_approve(actor=self.analyst, drawdown_id=drawdown.pk) if approve else drawdown
