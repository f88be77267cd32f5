"""Borrowing capacity: import of the share table (all or nothing) and each commune's cap under a programme."""

import hashlib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from core.errors import InvalidInput, NotPermitted
from core.models import Organisation, OrganisationKind
from core.money import to_cents
from core.services.audit import audit_record
from core.uploads import ALLOWED, check_upload
from loans.models import DecisionOutcome, LoanDecision, LoanProduct, LoanProductVersion, ShareRow, ShareTable
from loans.permissions import can_manage_products

HUNDRED = Decimal("100")
SHARE_QUANTUM = Decimal("0.000001")
# Published shares are rounded: a table may miss 100 % by this much (19 communes at 4 decimals stay within it).
SUM_TOLERANCE = Decimal("0.001")


@dataclass(frozen=True)
class Capacity:
    share: Decimal  # percent
    cap: Decimal
    held: Decimal

    @property
    def available(self) -> Decimal:
        return max(self.cap - self.held, Decimal("0.00"))


def _cell_share(value) -> Decimal:
    if isinstance(value, bool) or value is None or value == "":
        raise InvalidOperation
    # Spreadsheet numbers arrive as floats: their shortest text form is what the person typed.
    text = str(value).strip().replace(",", ".").rstrip("%").strip()
    return Decimal(text)


def _find_commune(name: str, communes: dict[str, Organisation]) -> Organisation | None:
    return communes.get(" ".join(name.split()).casefold())


def _read_rows(upload: UploadedFile) -> list[tuple[int, str, object]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(upload, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged file; all mean the same to the person
        raise InvalidInput(_("This spreadsheet cannot be read.")) from None
    sheet = workbook.worksheets[0]
    rows = []
    for number, row in enumerate(sheet.iter_rows(min_row=2, max_col=2, values_only=True), start=2):
        name, share = [*row, None, None][:2]
        if name in (None, "") and share in (None, ""):
            continue
        rows.append((number, str(name or "").strip(), share))
    workbook.close()
    return rows


def _communes() -> dict[str, Organisation]:
    found: dict[str, Organisation] = {}
    for commune in Organisation.objects.filter(kind=OrganisationKind.COMMUNE, is_active=True):
        for key in (commune.code, commune.name_fr, commune.name_nl):
            found[" ".join(key.split()).casefold()] = commune
    return found


def parse_share_table(upload: UploadedFile) -> list[tuple[Organisation, Decimal]]:
    """Column A the commune (French or Dutch name, or code), column B its share in percent; a header row first.
    Every problem is listed; a table not summing to 100 % or missing a commune is refused."""
    checked = check_upload(upload)
    if checked.content_type != ALLOWED[".xlsx"]:
        raise InvalidInput(_("Send the share table as an Excel file (.xlsx)."), extra={"fields": {"file": []}})
    communes = _communes()
    problems: list[str] = []
    shares: dict[int, tuple[Organisation, Decimal]] = {}
    for number, name, raw in _read_rows(upload):
        commune = _find_commune(name, communes)
        try:
            share = _cell_share(raw).quantize(SHARE_QUANTUM)
        except (InvalidOperation, ValueError):
            share = None
        if commune is None:
            problems.append(_("Row %(row)s: %(name)s is not a commune we know.") % {"row": number, "name": name or "—"})
        elif share is None or not Decimal("0") <= share <= HUNDRED:
            problems.append(_("Row %(row)s: the share must be a percentage between 0 and 100.") % {"row": number})
        elif commune.pk in shares:
            problems.append(_("Row %(row)s: %(name)s appears twice.") % {"row": number, "name": commune.name})
        else:
            shares[commune.pk] = (commune, share)
    missing = sorted({c.name for c in communes.values()} - {c.name for c, _share in shares.values()})
    if missing:
        problems.append(_("Communes missing from the table: %(names)s.") % {"names": ", ".join(missing)})
    total = sum((share for _commune, share in shares.values()), Decimal("0"))
    if not problems and abs(total - HUNDRED) > SUM_TOLERANCE:
        # Written as the pages write percentages: 87,5 or 90 (not "90." as the bare rstrip("0") left it).
        shown = f"{total:f}".rstrip("0").rstrip(".").replace(".", ",")
        problems.append(_("The shares add up to %(total)s %%, not 100 %%.") % {"total": shown})
    if problems:
        raise InvalidInput(_("The share table was not imported: nothing was changed."), extra={"problems": problems})
    return list(shares.values())


@transaction.atomic
def share_table_import(*, actor, product_id: int, label: str, upload: UploadedFile) -> ShareTable:
    allowed, reason = can_manage_products(actor)
    if not allowed:
        raise NotPermitted(reason)
    if not label.strip():
        raise InvalidInput(_("Give the table a label, e.g. the year of the grant."), extra={"fields": {"label": []}})
    rows = parse_share_table(upload)
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    table = ShareTable.objects.create(
        product=LoanProduct.objects.get(pk=product_id),
        label=label.strip()[:200],
        source_name=(upload.name or "")[:200],
        sha256=digest.hexdigest(),
        imported_by=actor,
    )
    ShareRow.objects.bulk_create(ShareRow(table=table, organisation=org, share=share) for org, share in rows)
    audit_record(obj=table, actor=actor, action="share_table_imported", changes={"rows": len(rows)})
    return table


def current_share_table(product_id: int) -> ShareTable | None:
    return ShareTable.objects.filter(product_id=product_id).order_by("-imported_at", "-id").first()


def held_under(product_id: int, organisation_id: int, *, excluding_application: int | None = None) -> Decimal:
    """What the borrower already holds under the programme: the totals granted by decisions on its loans."""
    decisions = LoanDecision.objects.filter(
        application__product_version__product_id=product_id,
        application__organisation_id=organisation_id,
        outcome=DecisionOutcome.APPROVED,
    ).exclude(Q(application_id=excluding_application) if excluding_application else Q(pk__in=[]))
    return decisions.aggregate(total=Sum("approved_total"))["total"] or Decimal("0.00")


def capacity_of(version: LoanProductVersion, organisation: Organisation) -> Capacity | None:
    """The cap and what is left, or None when the product has no capacity rule. A commune absent from the table, or
    a product without a table, has a cap of zero."""
    if not version.uses_borrowing_capacity:
        return None
    table = current_share_table(version.product_id)
    row = table.rows.filter(organisation=organisation).first() if table else None
    share = row.share if row else Decimal("0")
    cap = to_cents(version.envelope * share / HUNDRED)
    return Capacity(share=share, cap=cap, held=held_under(version.product_id, organisation.pk))
