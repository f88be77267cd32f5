"""The staff forms of calls for projects and applications: they read what staff type (JSON, amounts written the
Belgian way, Brussels date-times) into the values the services take. The rules themselves stay in the services."""

import datetime as dt
import json
from decimal import Decimal
from typing import Any
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from viewflow.forms.renderers import FormLayout

from core.models import OrganisationKind
from core.money import format_eur, to_cents, to_rate
from finance.models import BudgetLine
from grants.models import Call, CallVersion, Programme
from grants.schema import parse_decimal

BRUSSELS = ZoneInfo("Europe/Brussels")
LOCAL_INPUT = "%Y-%m-%dT%H:%M"


def _label(name: str):
    return capfirst(CallVersion._meta.get_field(name).verbose_name)  # type: ignore[union-attr]  # a plain field


class BrusselsDateTimeInput(forms.widgets.Input):
    """A native date-time picker (type=datetime-local): it sends 2026-03-31T12:00, without a time zone."""

    input_type = "datetime-local"

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, dt.datetime):
            return timezone.localtime(value, BRUSSELS).strftime(LOCAL_INPUT) if timezone.is_aware(value) else None
        return super().format_value(value)


class BrusselsDateTimeField(forms.Field):
    """A date-time typed as Brussels local time, whatever the server's or the reader's time zone."""

    widget = BrusselsDateTimeInput
    input_formats = [LOCAL_INPUT, "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S"]
    default_error_messages = {"invalid": _("Enter a date and a time, e.g. 31/12/2026 12:00.")}

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dt.datetime) and timezone.is_aware(value):
            return timezone.localtime(value, BRUSSELS).strftime(LOCAL_INPUT)
        return value

    def to_python(self, value: Any) -> dt.datetime | None:
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return value if timezone.is_aware(value) else timezone.make_aware(value, BRUSSELS)
        for input_format in self.input_formats:
            try:
                naive = dt.datetime.strptime(str(value).strip(), input_format)
            except ValueError:
                continue
            return timezone.make_aware(naive, BRUSSELS)
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class MoneyInputField(forms.CharField):
    """An amount in EUR, typed as Belgians write it: 1.234.567,89, 1234567,89 or 1234567.89."""

    default_error_messages = {
        "invalid": _("Enter an amount, e.g. 1.234.567,89."),
        "negative": _("An amount cannot be negative."),
    }

    def prepare_value(self, value: Any) -> Any:
        return format_eur(value, with_currency=False) if isinstance(value, Decimal) else value

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        try:
            amount = to_cents(parse_decimal(text))
        except (ValueError, ArithmeticError):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if amount < 0:
            raise forms.ValidationError(self.error_messages["negative"], code="negative")
        return amount


class PercentageField(forms.CharField):
    """A rate typed as a percentage (20 or 12,5) and returned as the fraction the model stores (0.200000)."""

    default_error_messages = {"invalid": _("Enter a percentage between 0 and 100, e.g. 20 or 12,5.")}

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Decimal):
            percent = (value * 100).normalize()
            return f"{percent:f}".replace(".", ",")
        return value

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        try:
            percent = parse_decimal(str(text).replace("%", ""))
        except (ValueError, ArithmeticError):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if not Decimal("0") <= percent <= Decimal("100"):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return to_rate(percent / 100)


class JSONTextField(forms.CharField):
    """A JSON document in a textarea. A text that does not parse, or that is not the expected list or object,
    is refused on its field with the line and column of the mistake."""

    default_error_messages = {
        "invalid": _("This is not valid JSON (line %(line)s, column %(column)s): %(problem)s."),
        "list": _("A JSON list is expected here, starting with [."),
        "object": _("A JSON object is expected here, starting with {."),
    }

    def __init__(self, *, expected: type, **kwargs):
        self.expected = expected
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 8, "class": "mono", "spellcheck": "false"}))
        kwargs.setdefault("strip", True)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | dict):
            return json.dumps(value, indent=2, ensure_ascii=False)
        return value

    def to_python(self, value: Any) -> Any:
        if isinstance(value, list | dict):
            return value
        text = super().to_python(value)
        if not text:
            return None
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as error:
            raise forms.ValidationError(
                self.error_messages["invalid"],
                code="invalid",
                params={"line": error.lineno, "column": error.colno, "problem": error.msg},
            ) from None
        if not isinstance(parsed, self.expected):
            code = "list" if self.expected is list else "object"
            raise forms.ValidationError(self.error_messages[code], code=code)
        return parsed


class CallVersionForm(forms.Form):
    """Everything a version of a call says (grants.services.calls.VERSION_FIELDS)."""

    title_fr = forms.CharField(label=_label("title_fr"), max_length=200)
    title_nl = forms.CharField(label=_label("title_nl"), max_length=200)
    text_fr = forms.CharField(label=_label("text_fr"), widget=forms.Textarea(attrs={"rows": 6}), required=False)
    text_nl = forms.CharField(label=_label("text_nl"), widget=forms.Textarea(attrs={"rows": 6}), required=False)
    budget_line = forms.ModelChoiceField(label=_label("budget_line"), queryset=BudgetLine.objects.order_by("code"))
    envelope = MoneyInputField(label=_label("envelope"), help_text=_("In EUR, e.g. 43.000.000,00."))
    max_amount = MoneyInputField(label=_label("max_amount"), help_text=_("In EUR, e.g. 2.500.000,00."))
    min_cofinancing_rate = PercentageField(
        label=_label("min_cofinancing_rate"),
        initial=Decimal("0"),
        help_text=_("As a percentage of the total cost: 20 means 20 % (stored as the fraction 0.2)."),
    )
    eligible_kinds = forms.MultipleChoiceField(
        label=_label("eligible_kinds"), choices=OrganisationKind.choices, widget=forms.CheckboxSelectMultiple
    )
    opens_at = BrusselsDateTimeField(label=_label("opens_at"), help_text=_("Brussels time."))
    closes_at = BrusselsDateTimeField(label=_label("closes_at"), help_text=_("Brussels time."))
    grace_minutes = forms.IntegerField(
        label=_label("grace_minutes"),
        min_value=0,
        initial=0,
        help_text=CallVersion._meta.get_field("grace_minutes").help_text,  # type: ignore[union-attr]
    )
    required_documents = JSONTextField(
        label=_label("required_documents"),
        expected=list,
        help_text=_('A list, e.g. [{"code": "site_plan", "label": {"fr": "…", "nl": "…"}, "required": true}].'),
    )
    form_schema = JSONTextField(
        label=_label("form_schema"),
        expected=dict,
        widget=forms.Textarea(attrs={"rows": 20, "class": "mono", "spellcheck": "false"}),
        help_text=_('An object {"sections": [...]}: each section and field with its French and Dutch labels.'),
    )
    eligibility_rules = JSONTextField(
        label=_label("eligibility_rules"),
        expected=list,
        help_text=_(
            'A list of rule names among "organisation_kind", "max_amount", "cofinancing", "required_documents" '
            'and "submitted_in_time".'
        ),
    )
    checklist = JSONTextField(
        label=_label("checklist"),
        expected=list,
        help_text=_('A list, e.g. [{"code": "applicant", "label": {"fr": "…", "nl": "…"}}].'),
    )
    scoring_grid = JSONTextField(
        label=_label("scoring_grid"),
        expected=list,
        help_text=_(
            'A list, e.g. [{"code": "quality", "label": {"fr": "…", "nl": "…"}, "weight": 2, "max_score": 10}].'
        ),
    )
    tranche_plan = JSONTextField(
        label=_label("tranche_plan"),
        expected=list,
        widget=forms.Textarea(attrs={"rows": 2, "class": "mono", "spellcheck": "false"}),
        help_text=_("The percentage paid in each tranche, e.g. [80, 20]."),
    )


class CallCreateForm(CallVersionForm):
    code = forms.SlugField(
        label=capfirst(Call._meta.get_field("code").verbose_name),  # type: ignore[union-attr]
        max_length=32,
        help_text=Call._meta.get_field("code").help_text,  # type: ignore[union-attr]
    )
    programme = forms.ModelChoiceField(
        label=capfirst(Call._meta.get_field("programme").verbose_name),  # type: ignore[union-attr]
        queryset=Programme.objects.order_by("code"),
    )

    field_order = ["code", "programme"]


class DeadlineExtensionForm(forms.Form):
    until = BrusselsDateTimeField(
        label=_("New deadline"), help_text=_("Brussels time; later than the current deadline.")
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class StaffFormLayout(FormLayout):
    """viewflow's layout, with checkbox groups as plain labelled checkboxes (its open-source edition has no
    Material component for them)."""

    def append_field(self, root, bound_field, renderer_class=None, layout_node=None):
        if not isinstance(bound_field.field.widget, forms.CheckboxSelectMultiple):
            return super().append_field(root, bound_field, renderer_class, layout_node)
        fieldset = ElementTree.SubElement(root, "fieldset", {"class": "staff-checkboxes", "id": bound_field.auto_id})
        ElementTree.SubElement(fieldset, "legend").text = str(bound_field.label)
        chosen = {str(value) for value in (bound_field.value() or [])}
        for index, (value, label) in enumerate(bound_field.field.choices):
            item = ElementTree.SubElement(fieldset, "label")
            attrs = {"type": "checkbox", "name": bound_field.html_name, "value": str(value)}
            attrs["id"] = f"{bound_field.auto_id}_{index}"
            if str(value) in chosen:
                attrs["checked"] = "checked"
            ElementTree.SubElement(item, "input", attrs).tail = f" {label}"
        for error in bound_field.errors:
            ElementTree.SubElement(fieldset, "p", {"class": "staff-errors"}).text = str(error)
        if bound_field.help_text:
            ElementTree.SubElement(fieldset, "p", {"class": "staff-help"}).text = str(bound_field.help_text)
        return None
