import datetime as dt

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from api.models import TokenScope


def _default_expiry() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=90)


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What the token is for, e.g. “Accounting software”.")
    )
    scope = forms.ChoiceField(label=_("Access"), choices=TokenScope.choices, initial=TokenScope.READ)
    expires_on = forms.DateField(
        label=_("Valid until"),
        initial=_default_expiry,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("At most one year from today."),
    )

    def clean_expires_on(self) -> dt.date:
        value = self.cleaned_data["expires_on"]
        today = timezone.localdate()
        if value <= today:
            raise forms.ValidationError(_("Choose a date after today."))
        if value > today + dt.timedelta(days=settings.API_TOKEN_MAX_DAYS):
            raise forms.ValidationError(
                _("A token lasts at most %(days)d days."), params={"days": settings.API_TOKEN_MAX_DAYS}
            )
        return value

    def expires_at(self) -> dt.datetime:
        """The end of the chosen day, in Brussels time."""
        day = self.cleaned_data["expires_on"]
        return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))
