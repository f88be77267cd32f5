"""The staff forms of loans: products (every term), share tables, the schedule simulator, and the servicing forms of
a loan page. They read what staff type (amounts written the Belgian way, percentages, dates, JSON lists) into the
values the services take; the rules themselves stay in the services."""

import itertools
import uuid
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from core.models import OrganisationKind
from finance.models import BudgetLine
from grants.forms_staff import BrusselsDateTimeField, JSONTextField, MoneyInputField, PercentageField
from grants.schema import parse_decimal
from loans.models import (
    AllocationTarget,
    DayCount,
    DueDateRule,
    Frequency,
    LoanKind,
    LoanProduct,
    LoanProductVersion,
    Method,
    PrepaymentRule,
)
from loans.models.products import MONTHS_PER_PERIOD
from loans.product_validation import coded_list_problems

DATE_WIDGET = forms.DateInput(format="%d/%m/%Y")


def _label(name: str):
    return capfirst(LoanProductVersion._meta.get_field(name).verbose_name)  # type: ignore[union-attr]  # plain field


def _help(name: str):
    return LoanProductVersion._meta.get_field(name).help_text  # type: ignore[union-attr]  # a plain field


def allocation_choices() -> list[tuple[str, str]]:
    """Every order of the three things a payment settles, e.g. "late_interest,interest,principal"."""
    labels = dict(AllocationTarget.choices)
    return [
        (",".join(order), " → ".join(str(labels[item]) for item in order))
        for order in itertools.permutations(AllocationTarget.values)
    ]


class ProductVersionForm(forms.Form):
    """Everything a version of a loan product says (loans.services.products.VERSION_FIELDS). Terms that could not
    make a schedule are refused here, on their field; what a draft may still lack is listed at publication."""

    title_fr = forms.CharField(label=_label("title_fr"), max_length=200)
    title_nl = forms.CharField(label=_label("title_nl"), max_length=200)
    text_fr = forms.CharField(label=_label("text_fr"), widget=forms.Textarea(attrs={"rows": 5}), required=False)
    text_nl = forms.CharField(label=_label("text_nl"), widget=forms.Textarea(attrs={"rows": 5}), required=False)
    kind = forms.ChoiceField(label=_label("kind"), choices=LoanKind.choices)
    legal_basis_fr = forms.CharField(label=_label("legal_basis_fr"), max_length=300)
    legal_basis_nl = forms.CharField(label=_label("legal_basis_nl"), max_length=300)
    decree_date = forms.DateField(label=_label("decree_date"), widget=DATE_WIDGET)
    budget_line = forms.ModelChoiceField(label=_label("budget_line"), queryset=BudgetLine.objects.order_by("code"))
    envelope = MoneyInputField(label=_label("envelope"), help_text=_("In EUR, e.g. 50.000.000,00."))
    eligible_kinds = forms.MultipleChoiceField(
        label=_label("eligible_kinds"), choices=OrganisationKind.choices, widget=forms.CheckboxSelectMultiple
    )
    opens_at = BrusselsDateTimeField(label=_label("opens_at"), help_text=_("Brussels time."))
    closes_at = BrusselsDateTimeField(label=_label("closes_at"), help_text=_("Brussels time."))
    term_months = forms.IntegerField(
        label=_label("term_months"), help_text=_("A whole number of payment periods, e.g. 240 for 20 years.")
    )
    rate = PercentageField(label=_label("rate"), help_text=_("Per year, as a percentage: 1,5 means 1.5 %."))
    frequency = forms.ChoiceField(label=_label("frequency"), choices=Frequency.choices)
    method = forms.ChoiceField(label=_label("method"), choices=Method.choices)
    day_count = forms.ChoiceField(label=_label("day_count"), choices=DayCount.choices)
    grace_principal_periods = forms.IntegerField(label=_label("grace_principal_periods"), min_value=0, initial=0)
    grace_interest_periods = forms.IntegerField(
        label=_label("grace_interest_periods"),
        min_value=0,
        initial=0,
        help_text=_("Periods without any payment; at most the grace on principal."),
    )
    due_date_rule = forms.ChoiceField(label=_label("due_date_rule"), choices=DueDateRule.choices)
    max_drawdowns = forms.IntegerField(label=_label("max_drawdowns"), min_value=1, initial=1)
    last_drawdown_date = forms.DateField(label=_label("last_drawdown_date"), widget=DATE_WIDGET, required=False)
    late_interest_rate = PercentageField(
        label=_label("late_interest_rate"), help_text=_("Per year, as a percentage: 4 means 4 %.")
    )
    prepayment_rule = forms.ChoiceField(label=_label("prepayment_rule"), choices=PrepaymentRule.choices)
    allocation_order = forms.ChoiceField(
        label=_label("allocation_order"),
        choices=allocation_choices,
        help_text=_("What a payment settles first, then next, then last."),
    )
    max_financing_rate = PercentageField(
        label=_label("max_financing_rate"), initial=Decimal("1"), help_text=_("100 means up to the whole cost.")
    )
    min_depreciation_years = forms.IntegerField(label=_label("min_depreciation_years"), min_value=0, initial=0)
    uses_borrowing_capacity = forms.BooleanField(
        label=_label("uses_borrowing_capacity"), required=False, help_text=_help("uses_borrowing_capacity")
    )
    notice_days = forms.IntegerField(
        label=_label("notice_days"), min_value=0, initial=30, help_text=_help("notice_days")
    )
    required_documents = JSONTextField(
        label=_label("required_documents"),
        expected=list,
        help_text=_(
            'A list, e.g. [{"code": "council_resolution", "label": {"fr": "…", "nl": "…"}, "required": true, '
            '"per_project": true}].'
        ),
    )
    checklist = JSONTextField(
        label=_label("checklist"),
        expected=list,
        help_text=_('A list, e.g. [{"code": "borrower", "label": {"fr": "…", "nl": "…"}}].'),
    )

    def __init__(self, *args, initial: dict | None = None, **kwargs):
        if initial and isinstance(initial.get("allocation_order"), list):
            initial = {**initial, "allocation_order": ",".join(initial["allocation_order"])}
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)

    def clean_rate(self) -> Decimal | None:
        rate = self.cleaned_data.get("rate")
        if rate is not None and rate <= 0:
            raise forms.ValidationError(_("The rate must be above zero."), code="not_positive")
        return rate

    def clean_envelope(self) -> Decimal | None:
        envelope = self.cleaned_data.get("envelope")
        if envelope is not None and envelope <= 0:
            raise forms.ValidationError(_("The envelope must be above zero."), code="not_positive")
        return envelope

    def clean_term_months(self) -> int | None:
        months = self.cleaned_data.get("term_months")
        if months is not None and months <= 0:
            raise forms.ValidationError(_("The term must be at least one month."), code="not_positive")
        return months

    def clean_allocation_order(self) -> list[str]:
        return self.cleaned_data["allocation_order"].split(",")

    def clean_required_documents(self) -> list:
        return self._coded_list("required_documents", _("Document"))

    def clean_checklist(self) -> list:
        return self._coded_list("checklist", _("Checklist item"))

    def _coded_list(self, name: str, what) -> list:
        items = self.cleaned_data.get(name) or []
        problems = coded_list_problems(items, str(what))
        if problems:
            raise forms.ValidationError(problems)
        return items

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        months, frequency = data.get("term_months"), data.get("frequency")
        grace_principal, grace_interest = data.get("grace_principal_periods"), data.get("grace_interest_periods")
        period = MONTHS_PER_PERIOD.get(frequency or "")
        if months and period and months % period:
            self.add_error(
                "term_months",
                _("The term (%(months)s months) must be a whole number of payment periods of %(period)s months.")
                % {"months": months, "period": period},
            )
        elif months and period and grace_principal is not None and grace_principal >= months // period:
            self.add_error(
                "grace_principal_periods", _("The grace on principal must leave at least one period to repay.")
            )
        if grace_principal is not None and grace_interest is not None and grace_interest > grace_principal:
            self.add_error(
                "grace_interest_periods", _("The grace on interest cannot be longer than the grace on principal.")
            )
        return data


class ProductCreateForm(ProductVersionForm):
    code = forms.SlugField(
        label=capfirst(LoanProduct._meta.get_field("code").verbose_name),  # type: ignore[union-attr]
        max_length=32,
        help_text=LoanProduct._meta.get_field("code").help_text,  # type: ignore[union-attr]
    )

    field_order = ["code"]


class ShareTableForm(forms.Form):
    label = forms.CharField(
        label=_("Label"), max_length=200, required=False, help_text=_("e.g. General grant to communes 2025")
    )
    file = forms.FileField(
        label=_("Spreadsheet (.xlsx)"),
        help_text=_("Column A the commune (French or Dutch name, or code), column B its share in %, a header row."),
    )


class RateInputField(forms.CharField):
    """A yearly rate in percent, typed 3 or 2,875. Its range is the schedule module's to judge."""

    default_error_messages = {"invalid": _("Enter a rate in percent, e.g. 3 or 2,875.")}

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        try:
            return parse_decimal(str(text).replace("%", ""))
        except (ValueError, ArithmeticError):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class SimulatorForm(forms.Form):
    """The inputs of `manage.py loan_schedule`: a loan drawn in full on its start date."""

    principal = MoneyInputField(label=_("Amount drawn (EUR)"), help_text=_("e.g. 1.000.000,00"))
    rate = RateInputField(label=_("Rate (% per year)"), help_text=_("e.g. 3 or 2,875"))
    years = forms.IntegerField(label=_("Term (years)"))
    frequency = forms.ChoiceField(label=_("Payment frequency"), choices=Frequency.choices, initial=Frequency.ANNUAL)
    method = forms.ChoiceField(label=_("Repayment method"), choices=Method.choices, initial=Method.ANNUITY)
    day_count = forms.ChoiceField(label=_("Day count"), choices=DayCount.choices, initial=DayCount.THIRTY_360)
    start = forms.DateField(label=_("Start of the term and date of the drawdown"), widget=DATE_WIDGET)
    grace_periods = forms.IntegerField(label=_("Grace on principal (periods)"), initial=0, required=False)
    interest_grace = forms.IntegerField(label=_("Grace on interest (periods)"), initial=0, required=False)
    due_date_rule = forms.ChoiceField(
        label=_("Due date rule"), choices=DueDateRule.choices, initial=DueDateRule.ANNIVERSARY
    )


# Servicing a loan ----------------------------------------------------------------------------------------------


def new_token() -> str:
    return uuid.uuid4().hex


class RepaymentForm(forms.Form):
    """A payment received. `token` is drawn when the form is shown: posting the same form twice records once."""

    amount = MoneyInputField(label=_("Amount received (EUR)"))
    value_date = forms.DateField(label=_("Value date"))
    structured_communication = forms.CharField(
        label=_("Structured communication"), max_length=40, required=False, help_text=_("+++123/4567/89012+++")
    )
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)


class WriteOffForm(forms.Form):
    # Left optional here so that the service's own message ("a write-off needs the reference and the date of its
    # decision") is the one people read.
    decision_reference = forms.CharField(label=_("Reference of the decision"), max_length=100, required=False)
    decided_on = forms.DateField(label=_("Date of the decision"), required=False)
    installment = forms.TypedChoiceField(label=_("What is written off"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, installments=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["installment"]).choices = [
            ("", _("The whole loan")),
            *((i.pk, _("Instalment %(n)s") % {"n": i.n}) for i in installments),
        ]


class ReversalForm(forms.Form):
    event = forms.ChoiceField(label=_("Event"))
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)

    def __init__(self, *args, events=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["event"]).choices = [("", "—"), *events]


class DrawdownRefusalForm(forms.Form):
    reason = forms.CharField(label=_("Reason of the refusal"), max_length=2000, required=False)
