"""Reads of loan products, applications and loans, scoped to what the person may see, with their joins applied."""

from django.db.models import QuerySet
from django.utils import timezone

from core.models import Membership
from core.roles import is_staff_member
from loans.models import (
    DrawdownInvoice,
    EntryKind,
    Installment,
    Loan,
    LoanApplication,
    LoanConvention,
    LoanDocument,
    LoanProductVersion,
    LoanSnapshot,
    ProductStatus,
)

# The kinds of ledger entry a reversal may cancel: the money events staff record.
REVERSIBLE = (EntryKind.REPAYMENT, EntryKind.PREPAYMENT, EntryKind.WRITE_OFF)


def open_products() -> list[LoanProductVersion]:
    now = timezone.now()
    return list(
        LoanProductVersion.objects.filter(status=ProductStatus.PUBLISHED, opens_at__lte=now, closes_at__gte=now)
        .select_related("product")
        .order_by("closes_at")
    )


def published_product_version(code: str) -> LoanProductVersion | None:
    """The published version of a product (open or closed), as the portal's product page shows it."""
    return (
        LoanProductVersion.objects.select_related("product")
        .filter(product__code=code, status=ProductStatus.PUBLISHED)
        .first()
    )


def borrowers_for(user, version: LoanProductVersion) -> list[dict]:
    """Each of the person's organisations: may it apply (and why not), and its borrowing capacity if it has one."""
    from core.selectors import organisations_of_user
    from loans.permissions import can_apply
    from loans.services.capacity import capacity_of

    rows = []
    for organisation in organisations_of_user(user):
        allowed, reason = can_apply(user, organisation, version)
        eligible = organisation.kind in version.eligible_kinds
        capacity = capacity_of(version, organisation) if eligible else None
        rows.append({"organisation": organisation, "allowed": allowed, "reason": reason, "capacity": capacity})
    return rows


def _member_organisations(user):
    return Membership.objects.filter(user=user).values("organisation_id")


def _staff_may(user, permission: str) -> bool:
    return is_staff_member(user) and user.has_perm(permission)


def loan_applications_of_user(user) -> QuerySet[LoanApplication]:
    return (
        LoanApplication.objects.filter(organisation_id__in=_member_organisations(user))
        .select_related("product_version__product", "organisation")
        .order_by("-updated_at")
    )


def loan_applications_for_staff() -> QuerySet[LoanApplication]:
    """Every loan application, as the staff list shows them (callers check loans.view_loanapplication)."""
    return LoanApplication.objects.select_related("product_version__product", "organisation")


def loan_applications_visible_to(user) -> QuerySet[LoanApplication]:
    """Staff allowed to read loan applications: all of them; anyone else: their organisations' (the portal list)."""
    if _staff_may(user, "loans.view_loanapplication"):
        return loan_applications_for_staff()
    return loan_applications_of_user(user)


def loan_application_for_user(user, application_id: int) -> LoanApplication | None:
    """The application if the person may see it (a member of the borrower, or staff allowed to), else None."""
    if not getattr(user, "is_authenticated", False):
        return None
    queryset = LoanApplication.objects.select_related("product_version__product", "organisation", "created_by")
    if not _staff_may(user, "loans.view_loanapplication"):
        queryset = queryset.filter(organisation_id__in=_member_organisations(user))
    return queryset.filter(pk=application_id).first()


def loans_of_user(user) -> QuerySet[Loan]:
    return (
        Loan.objects.filter(borrower_id__in=_member_organisations(user))
        .select_related("product_version__product", "borrower")
        .order_by("-activated_at")
    )


def loans_for_staff() -> QuerySet[Loan]:
    """Every loan, as the staff list shows them (callers check loans.view_loan)."""
    return Loan.objects.select_related("borrower", "product_version__product")


def loans_visible_to(user) -> QuerySet[Loan]:
    """Staff allowed to read loans: all of them; anyone else: their organisations' loans (the portal list)."""
    if _staff_may(user, "loans.view_loan"):
        return loans_for_staff()
    return loans_of_user(user)


def loan_for_user(user, loan_id: int) -> Loan | None:
    if not getattr(user, "is_authenticated", False):
        return None
    queryset = Loan.objects.select_related("product_version__product", "borrower", "application")
    if not _staff_may(user, "loans.view_loan"):
        queryset = queryset.filter(borrower_id__in=_member_organisations(user))
    return queryset.filter(pk=loan_id).first()


def loan_document_for_user(user, document_id: int) -> LoanDocument | None:
    document = LoanDocument.objects.filter(pk=document_id).first()
    if document is None or loan_application_for_user(user, document.application_id) is None:
        return None
    return document


def loan_snapshot_for_user(user, snapshot_id: int) -> LoanSnapshot | None:
    snapshot = LoanSnapshot.objects.select_related("application").filter(pk=snapshot_id).first()
    if snapshot is None or loan_application_for_user(user, snapshot.application_id) is None:
        return None
    return snapshot


def convention_for_user(user, application_id: int) -> LoanConvention | None:
    if loan_application_for_user(user, application_id) is None:
        return None
    return LoanConvention.objects.select_related("application").filter(application_id=application_id).first()


def invoice_for_user(user, invoice_id: int) -> DrawdownInvoice | None:
    invoice = DrawdownInvoice.objects.select_related("drawdown").filter(pk=invoice_id).first()
    if invoice is None or loan_for_user(user, invoice.drawdown.loan_id) is None:
        return None
    return invoice


def installment_for_user(user, installment_id: int) -> Installment | None:
    installment = Installment.objects.select_related("loan").filter(pk=installment_id).first()
    if installment is None or loan_for_user(user, installment.loan_id) is None:
        return None
    return installment


def reversible_events(loan: Loan) -> list[str]:
    """The events of `loan` a reversal may name (the staff loan page's choices): its repayments and write-offs,
    reversed already or not (the service says when nothing is left to reverse)."""
    return list(loan.entries.filter(kind__in=REVERSIBLE).order_by("event").values_list("event", flat=True).distinct())
