"""Forms of the payment order, batch and budget pages. Fields are lenient (optional, text): the services give the
messages people read, so the page and the API refuse with the same words."""

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from finance.models import BatchScheme, BudgetLine, TreasuryAccount


def new_token() -> str:
    return uuid.uuid4().hex


class PrepareForm(forms.Form):
    """`token` is drawn when the page is shown: posting the same page twice prepares one order."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    structured_communication = forms.CharField(
        label=_("Structured communication (only when the beneficiary asked for one)"), required=False, max_length=30
    )


class ApproveForm(forms.Form):
    visa_reference = forms.CharField(label=_("Controller's visa"), required=False, max_length=64)
    visa_date = forms.DateField(label=_("Date of the visa"), required=False)
    seen_approvals = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0, max_value=2)


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason of the rejection"), required=False, max_length=2000)


class IdListField(forms.Field):
    """The ids of the checked boxes; whether they may be batched is the service's to say."""

    widget = forms.CheckboxSelectMultiple

    def to_python(self, value: Any) -> list[int]:
        values = value if isinstance(value, list | tuple) else ([value] if value else [])
        try:
            return [int(item) for item in values]
        except (TypeError, ValueError):
            raise forms.ValidationError(_("Choose orders from the list.")) from None


class BatchForm(forms.Form):
    account = forms.ModelChoiceField(
        label=_("Paying account"), queryset=TreasuryAccount.objects.all(), required=False, empty_label=None
    )
    scheme = forms.ChoiceField(label=_("SEPA schema"), choices=BatchScheme.choices, initial=BatchScheme.PAIN_001_001_09)
    execution_date = forms.DateField(label=_("Requested execution date"), required=False)
    orders = IdListField(label=_("Approved orders"), required=False)


class CreditForm(forms.Form):
    budget_line = forms.ModelChoiceField(label=_("Budget line"), queryset=BudgetLine.objects.all(), required=False)
    year = forms.IntegerField(label=_("Budget year"), min_value=2000, max_value=2100)
    commitment_credit = forms.CharField(label=_("Commitment appropriations"), required=False, max_length=30)
    payment_credit = forms.CharField(label=_("Payment appropriations"), required=False, max_length=30)
