"""Forms of the Paradigm and We Pulse staff pages. They only read what was posted: amounts, years, budget lines and
the We Pulse attribution are checked by finance.services.programmes, whose messages are the ones people read."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _


def new_token() -> str:
    return uuid.uuid4().hex


class TransferForm(forms.Form):
    """A transfer to Paradigm. `token` is drawn when the form is shown: posting the same form twice records once."""

    date = forms.DateField(label=_("Transfer date"), required=False)
    amount = forms.CharField(label=_("Amount (EUR)"), max_length=40, required=False)
    budget_year = forms.IntegerField(label=_("Budget year"), required=False)
    budget_line = forms.CharField(label=_("Budget line"), max_length=20, required=False)
    purpose = forms.CharField(label=_("Purpose"), max_length=20, required=False)
    decision_reference = forms.CharField(label=_("Decision reference"), max_length=100, required=False)
    description = forms.CharField(label=_("Description"), max_length=2000, required=False, widget=forms.Textarea)
    programme = forms.CharField(label=_("Programme"), max_length=20, required=False)
    participant = forms.CharField(label=_("Local authority financed"), max_length=20, required=False)
    domain = forms.CharField(label=_("Domain financed"), max_length=20, required=False)
    attachments = forms.CharField(label=_("Documents"), required=False)  # the files come from request.FILES
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)


class CorrectionForm(TransferForm):
    reason = forms.CharField(label=_("Reason of the correction"), max_length=300, required=False)


class AttachmentsForm(forms.Form):
    attachments = forms.CharField(label=_("Documents"), required=False)  # the files come from request.FILES


class PlanForm(forms.Form):
    year = forms.IntegerField(label=_("Budget year"), required=False)
    purpose = forms.CharField(label=_("Purpose"), max_length=20, required=False)
    amount = forms.CharField(label=_("Planned amount (EUR)"), max_length=40, required=False)
    source = forms.CharField(label=_("Source"), max_length=200, required=False)


class ParticipantForm(forms.Form):
    joined = forms.BooleanField(label=_("Joined We Pulse"), required=False)
    joined_on = forms.DateField(label=_("Joined on"), required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class FinancingPlanForm(forms.Form):
    cost = forms.CharField(label=_("Cost (EUR)"), max_length=40, required=False)
    regional_share = forms.CharField(label=_("Regional share through Paradigm (EUR)"), max_length=40, required=False)
    loan_amount = forms.CharField(label=_("FRBRTC loan (EUR)"), max_length=40, required=False)
    own_funds = forms.CharField(label=_("Own funds (EUR)"), max_length=40, required=False)
    loan = forms.CharField(label=_("Loan"), max_length=20, required=False)


def int_or_none(raw: str | None) -> int | None:
    text = (raw or "").strip()
    return int(text) if text.isdigit() else None
