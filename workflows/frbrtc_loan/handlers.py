"""The loan process listens to loans: submissions start or resume cases; the committee's opinion and the signed
convention move each case on."""

from django.dispatch import receiver

from loans.models import LoanApplication, LoanSnapshot
from loans.signals import loan_application_submitted, loan_convention_signed, loan_opinion_given
from workflows.services.cases import case_resume, case_start


@receiver(loan_application_submitted, dispatch_uid="workflows.frbrtc_loan.on_submitted")
def on_submitted(sender, application_id: int, snapshot_id: int, resubmission: bool, **kwargs) -> None:
    application = LoanApplication.objects.select_related("product_version__product", "organisation").get(
        pk=application_id
    )
    if resubmission:
        case_resume(application, "await_answer")
        return
    version = application.product_version
    snapshot = LoanSnapshot.objects.select_related("submitted_by").get(pk=snapshot_id)
    case_start(
        pin=version.process_pin,
        actor=snapshot.submitted_by,
        reference=application.reference,
        title=version.title,
        organisation=application.organisation,
        amount=application.requested_total,
        source=version,
        artifact=application,
    )


@receiver(loan_opinion_given, dispatch_uid="workflows.frbrtc_loan.on_opinion")
def on_opinion(sender, application_id: int, **kwargs) -> None:
    case_resume(LoanApplication.objects.get(pk=application_id), "await_opinion")


@receiver(loan_convention_signed, dispatch_uid="workflows.frbrtc_loan.on_signed")
def on_signed(sender, application_id: int, **kwargs) -> None:
    case_resume(LoanApplication.objects.get(pk=application_id), "await_signature")
