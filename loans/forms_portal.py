"""Reading what the portal's loan pages send into the arguments of loans.services, which decide what is valid.

Only the shape is settled here: amounts typed the Belgian way (1.234.567,89) become what the services parse
(1234567.89), empty project or invoice rows are left out, and a row is mapped back to where it was on the page so a
service's error lands next to the field the person typed. The purpose and the files are the exceptions, checked here
because the services cannot say which row or field a problem belongs to."""

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError, InvalidInput
from core.uploads import check_upload
from loans.services.applications import MAX_PROJECTS, PROJECT_FIELDS
from loans.services.drawdowns import InvoiceIn

_THOUSANDS = re.compile(r"-?\d{1,3}(\.\d{3})+")
_DAY_FIRST = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def amount_text(raw: Any) -> str:
    """1.234.567,89 and 1234567.89 (and 1 234 567,89 EUR) as 1234567.89; anything else as typed, for the service
    to refuse with its own message. A dot before groups of exactly three digits and no comma is a thousands
    separator (1.500 is fifteen hundred euros, as Belgians write it), as grants.schema.parse_decimal reads it."""
    text = str(raw or "").strip().replace("\u00a0", "").replace(" ", "")
    text = re.sub(r"(?i)(eur|€)$", "", text)
    if "," in text:
        return text.replace(".", "").replace(",", ".")
    if _THOUSANDS.fullmatch(text):
        return text.replace(".", "")
    return text


def date_value(raw: Any) -> dt.date | None:
    """A date from <input type="date"> (ISO) or as people type it (dd/mm/yyyy); None when it is neither."""
    text = str(raw or "").strip()
    match = _DAY_FIRST.match(text)
    try:
        if match:
            day, month, year = (int(part) for part in match.groups())
            return dt.date(year, month, day)
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


# --- the application: purpose and projects -------------------------------------------------------------------------


class ApplicationForm(forms.Form):
    purpose = forms.CharField(
        label=_("Purpose of the loan"),
        help_text=_("What the loan finances, in a few sentences."),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Describe the purpose of the loan.")},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # Sent by the "save mine over theirs" button after an edit conflict: the version the person has now seen.
    overwrite_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def base_version(self) -> int:
        data = self.cleaned_data
        chosen = data.get("overwrite_version") or data.get("version")
        return chosen if chosen is not None else 0  # no version sent: treated as behind, nothing overwritten unseen


class ProjectForm(forms.Form):
    """One project row. Every field is optional here: the service says what a project needs."""

    id = forms.CharField(widget=forms.HiddenInput, required=False)
    title = forms.CharField(label=_("Project"), required=False, max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=5000
    )
    cost = forms.CharField(label=_("Cost (EUR, VAT included)"), required=False, help_text=_("For example 1.234.567,89"))
    requested_amount = forms.CharField(label=_("Loan requested (EUR)"), required=False)
    depreciation_years = forms.CharField(label=_("Depreciation period (years)"), required=False)
    budget_reference = forms.CharField(
        label=_("Budget article"),
        required=False,
        max_length=100,
        help_text=_("Where the expense is committed in your budget, e.g. 764/723-60."),
    )

    def is_blank(self) -> bool:
        return not any(str(self[name].value() or "").strip() for name in PROJECT_FIELDS)


ProjectFormSet = forms.formset_factory(ProjectForm, extra=0, max_num=MAX_PROJECTS, absolute_max=MAX_PROJECTS + 1)
PROJECTS_PREFIX = "projects"


def project_formset(data=None, *, rows: list[dict[str, Any]] | None = None) -> forms.BaseFormSet:
    """Bound to a POST, or showing `rows` (the saved projects, or what was typed) with at least one row to fill."""
    if data is not None:
        return ProjectFormSet(data, prefix=PROJECTS_PREFIX)
    return ProjectFormSet(initial=rows or [{}], prefix=PROJECTS_PREFIX)


def typed_rows(formset: forms.BaseFormSet) -> list[dict[str, Any]]:
    """The rows as typed, to show them again (a bound form's values, whether valid or not)."""
    return [{name: form[name].value() for name in ("id", *PROJECT_FIELDS)} for form in formset.forms]


def rows_edited(formset: forms.BaseFormSet, post) -> tuple[list[dict[str, Any]], bool]:
    """The rows after "Add a project" (one empty row more) or "Remove project N"; and whether a row was added."""
    rows = typed_rows(formset)
    if "remove_project" in post:
        index = str(post["remove_project"])
        if index.isdigit() and int(index) < len(rows):
            del rows[int(index)]
        return rows or [{}], False
    if len(rows) >= MAX_PROJECTS:
        return rows, False
    return [*rows, {}], True


def projects_payload(formset: forms.BaseFormSet) -> tuple[list[dict[str, Any]], list[int]]:
    """The projects for loan_application_save (empty rows left out, amounts as the service parses them) and, for
    each one sent, the index of its row on the page."""
    projects, rows = [], []
    for index, form in enumerate(formset.forms):
        if form.is_blank():
            continue
        data = {name: form.cleaned_data.get(name, "") for name in ("id", *PROJECT_FIELDS)}
        data["cost"] = amount_text(data["cost"])
        data["requested_amount"] = amount_text(data["requested_amount"])
        projects.append(data)
        rows.append(index)
    return projects, rows


def project_errors_apply(formset: forms.BaseFormSet, rows: list[int], error: ApplicationError) -> None:
    """The service names errors "projects.<position>.<field>", positions counted among the projects sent."""
    for key, messages in error.extra.get("fields", {}).items():
        parts = key.split(".")
        if len(parts) != 3 or parts[0] != "projects" or not parts[1].isdigit():
            continue
        position = int(parts[1])
        if 1 <= position <= len(rows) and parts[2] in ProjectForm.base_fields:
            formset.forms[rows[position - 1]].add_error(parts[2], messages or [error.message])


def error_list(form: forms.Form | None, formset: forms.BaseFormSet | None, row: str = "") -> list[dict[str, str]]:
    """Every field error of the page for the error summary at its top: the message, the field's label (with the
    row's number, `row` being e.g. "Project %(number)s") and the id of the field it links to."""
    found = []
    numbered = [(form, "")] if form is not None else []
    numbered += [(item, row % {"number": n}) for n, item in enumerate(formset.forms, start=1)] if formset else []
    for current, prefix in numbered:
        if not current.is_bound:
            continue
        for name, messages in current.errors.items():
            field = current[name] if name in current.fields else None
            label = str(field.label) if field else ""
            label = f"{prefix}, {label}" if prefix and label else prefix or label
            found += [{"id": field.auto_id if field else "", "label": label, "message": str(m)} for m in messages]
    return found


# --- the drawdown request: an amount and the invoices it covers ----------------------------------------------------


class DrawdownForm(forms.Form):
    amount = forms.CharField(label=_("Amount to draw (EUR)"), required=False, help_text=_("For example 250.000,00"))


class InvoiceForm(forms.Form):
    reference = forms.CharField(label=_("Invoice reference"), required=False, max_length=100)
    amount = forms.CharField(label=_("Invoice amount (EUR)"), required=False)
    # An empty file reaches clean_file, which refuses it with the same words as every other upload.
    file = forms.FileField(label=_("Invoice (file)"), required=False, allow_empty_file=True)

    def is_blank(self) -> bool:
        return not (str(self["reference"].value() or "").strip() or str(self["amount"].value() or "").strip()) and (
            not self.files.get(self.add_prefix("file"))
        )

    def clean_file(self) -> UploadedFile | None:
        """Checked here as the service would, so that a refused file is named on its own row."""
        upload = self.cleaned_data.get("file")
        if upload is None:
            if not self.is_blank():
                raise forms.ValidationError(_("Attach the invoice file."))
            return None
        try:
            check_upload(upload)
        except InvalidInput as error:
            raise forms.ValidationError(str(error.message)) from None
        return upload


InvoiceFormSet = forms.formset_factory(InvoiceForm, extra=0, max_num=50, absolute_max=50)
INVOICES_PREFIX = "invoices"
INVOICE_ROWS = 3  # rows offered at first: most drawdowns cover one to three invoices


def invoice_formset(data=None, files=None, *, rows: list[dict[str, Any]] | None = None) -> forms.BaseFormSet:
    """Bound to a POST, or showing `rows` (what was typed), by default INVOICE_ROWS empty rows."""
    if data is not None:
        return InvoiceFormSet(data, files, prefix=INVOICES_PREFIX)
    return InvoiceFormSet(initial=rows or [{}] * INVOICE_ROWS, prefix=INVOICES_PREFIX)


def invoices_payload(formset: forms.BaseFormSet) -> list[InvoiceIn]:
    return [
        InvoiceIn(
            reference=form.cleaned_data.get("reference", ""),
            amount=amount_text(form.cleaned_data.get("amount", "")),
            upload=form.cleaned_data["file"],
        )
        for form in formset.forms
        if not form.is_blank()
    ]


def _positive(typed: Any) -> bool:
    try:
        return Decimal(amount_text(typed)) > 0
    except InvalidOperation:
        return False


def invoice_errors_apply(formset: forms.BaseFormSet, error: ApplicationError) -> None:
    """The service says which kind of field is wrong, not on which row: its message goes on every row it fits."""
    fields = error.extra.get("fields", {})
    if "invoices" in fields and formset.forms:  # no invoice at all: the first row is where to start
        formset.forms[0].add_error("file", str(error.message))
    for form in (form for form in formset.forms if not form.is_blank()):
        if "invoice_reference" in fields and not str(form.cleaned_data.get("reference", "")).strip():
            form.add_error("reference", str(error.message))
        if "invoice_amount" in fields and not _positive(form.cleaned_data.get("amount", "")):
            form.add_error("amount", str(error.message))


def invoice_rows_typed(formset: forms.BaseFormSet, *, more: int = 0) -> list[dict[str, Any]]:
    """The rows as typed (files cannot be shown again: browsers make people choose them again)."""
    rows = [{"reference": form["reference"].value(), "amount": form["amount"].value()} for form in formset.forms]
    return rows + [{}] * more
