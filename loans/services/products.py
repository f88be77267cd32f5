"""Preparing, publishing and re-versioning loan products."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from core.services.audit import audit_record
from core.services.validation import full_clean_or_raise
from core.versioning import content_hash, process_pin
from finance.services.commitments import envelope_ensure
from loans.models import LoanProduct, LoanProductVersion, ProductStatus
from loans.permissions import can_manage_products
from loans.product_validation import publication_problems

PROCESS_KEY = "frbrtc_loan"
VERSION_FIELDS = [
    "title_fr",
    "title_nl",
    "text_fr",
    "text_nl",
    "kind",
    "legal_basis_fr",
    "legal_basis_nl",
    "decree_date",
    "budget_line",
    "envelope",
    "eligible_kinds",
    "opens_at",
    "closes_at",
    "term_months",
    "rate",
    "frequency",
    "method",
    "day_count",
    "grace_principal_periods",
    "grace_interest_periods",
    "due_date_rule",
    "max_drawdowns",
    "last_drawdown_date",
    "late_interest_rate",
    "prepayment_rule",
    "allocation_order",
    "max_financing_rate",
    "min_depreciation_years",
    "uses_borrowing_capacity",
    "notice_days",
    "required_documents",
    "checklist",
]


def envelope_code(product: LoanProduct) -> str:
    return f"loan-{product.code.lower()}"


def _require_manager(actor) -> None:
    allowed, reason = can_manage_products(actor)
    if not allowed:
        raise NotPermitted(reason)


@transaction.atomic
def product_create(*, actor, code: str, **fields) -> LoanProductVersion:
    _require_manager(actor)
    if LoanProduct.objects.filter(code=code).exists():
        raise InvalidInput(_("A loan product with this code exists already."), extra={"fields": {"code": []}})
    product = LoanProduct(code=code)
    full_clean_or_raise(product)
    product.save()
    version = LoanProductVersion(product=product, number=1, **fields)
    full_clean_or_raise(version)
    version.save()
    audit_record(obj=version, actor=actor, action="loan_product_created", to_state=ProductStatus.DRAFT)
    return version


@transaction.atomic
def product_version_update(*, actor, version_id: int, **fields) -> LoanProductVersion:
    _require_manager(actor)
    version = LoanProductVersion.objects.select_for_update().get(pk=version_id)
    if version.status != ProductStatus.DRAFT:
        raise TransitionNotAllowed(_("A published loan product cannot be changed: make a new version of it."))
    unknown = set(fields) - set(VERSION_FIELDS)
    if unknown:
        raise TypeError(f"unknown product fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(version, name, value)
    full_clean_or_raise(version)
    version.save()
    return version


@transaction.atomic
def product_version_publish(*, actor, version_id: int) -> LoanProductVersion:
    _require_manager(actor)
    product_id = LoanProductVersion.objects.values_list("product_id", flat=True).get(pk=version_id)
    # Lock the product: two versions published at once would leave two published versions.
    product = LoanProduct.objects.select_for_update().get(pk=product_id)
    version = LoanProductVersion.objects.select_for_update().get(pk=version_id)
    if version.status != ProductStatus.DRAFT:
        raise TransitionNotAllowed(_("This version was published already."))
    full_clean_or_raise(version)
    problems = publication_problems(version)
    if problems:
        raise InvalidInput(
            _("The loan product cannot be published yet: %(count)s problem(s).") % {"count": len(problems)},
            extra={"problems": problems},
        )
    version.process_pin = process_pin(PROCESS_KEY)
    for old in LoanProductVersion.objects.filter(product=product, status=ProductStatus.PUBLISHED):
        old.status = ProductStatus.SUPERSEDED
        old.save(update_fields=["status"])
        audit_record(obj=old, actor=actor, action="loan_product_superseded", to_state=ProductStatus.SUPERSEDED)
    version.status = ProductStatus.PUBLISHED
    version.published_at = timezone.now()
    version.published_by = actor
    version.content_hash = content_hash(version, VERSION_FIELDS)
    version.save()
    envelope_ensure(
        code=envelope_code(product), label=version.title_fr, budget_line=version.budget_line, amount=version.envelope
    )
    audit_record(
        obj=version,
        actor=actor,
        action="loan_product_published",
        from_state=ProductStatus.DRAFT,
        to_state=ProductStatus.PUBLISHED,
        changes={"process": version.process_pin, "sha256": version.content_hash},
    )
    return version


@transaction.atomic
def product_version_new(*, actor, product_id: int) -> LoanProductVersion:
    """A new draft version, copied from the newest one. Returns the existing draft if there is one."""
    _require_manager(actor)
    product = LoanProduct.objects.select_for_update().get(pk=product_id)
    latest = product.versions.order_by("-number").first()
    if latest is None:
        raise TransitionNotAllowed(_("This loan product has no version to copy."))
    if latest.status == ProductStatus.DRAFT:
        return latest
    copy = LoanProductVersion(
        product=product, number=latest.number + 1, **{name: getattr(latest, name) for name in VERSION_FIELDS}
    )
    full_clean_or_raise(copy)
    copy.save()
    audit_record(obj=copy, actor=actor, action="loan_product_version_created", changes={"from": latest.number})
    return copy
