from django import forms
from django.contrib.auth import forms as auth_forms
from django.core.mail import EmailMultiAlternatives
from django.template import loader
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError
from core.models import Language, MembershipRole, NotificationMode, Organisation, OrganisationKind
from core.models.organisations import CorrespondenceLanguage
from core.roles import is_staff_member


def apply_service_error(form: forms.Form, error: ApplicationError) -> None:
    """Show a service's error on the form: field errors on their fields, the rest on top."""
    fields = (error.extra or {}).get("fields") or {}
    shown = False
    for name, messages in fields.items():
        target = name if name in form.fields else None
        for message in messages or [error.message]:
            form.add_error(target, message)
            shown = True
    if not shown:
        form.add_error(None, error.message)


class EmailAuthenticationForm(auth_forms.AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    error_messages = {
        "invalid_login": _("The e-mail address or the password is not correct."),
        "inactive": _("This account is inactive."),
    }


class StaffAuthenticationForm(EmailAuthenticationForm):
    """The staff door: only the administration's staff get through."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs["leading-icon"] = "account_box"
        self.fields["password"].widget.attrs["leading-icon"] = "lock"

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if not is_staff_member(user):
            raise forms.ValidationError(
                _("This account has no access to the staff site. Local authorities sign in on the portal."),
                code="not_staff",
            )


class LocalisedPasswordResetForm(auth_forms.PasswordResetForm):
    """Sends the reset e-mail in the person's own language, whatever the page's language was."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ) -> None:
        user = context["user"]
        with translation.override(user.preferred_language):
            subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
            body = loader.render_to_string(email_template_name, context)
            html = loader.render_to_string(html_email_template_name, context) if html_email_template_name else None
        message = EmailMultiAlternatives(subject, body, from_email, [to_email])
        if html:
            message.attach_alternative(html, "text/html")
        message.send()


class ProfileForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    phone = forms.CharField(label=_("Telephone"), max_length=32, required=False)
    preferred_language = forms.ChoiceField(label=_("Preferred language"), choices=Language.choices)
    notification_mode = forms.ChoiceField(
        label=_("E-mail notifications"),
        choices=NotificationMode.choices,
        required=False,  # left out (an older form, an API client), the current choice stays
        help_text=_(
            "Notifications are always listed on the Notifications page of the portal. Choose whether each one is "
            "also e-mailed at once, or all of them together in one e-mail each morning at 7:00."
        ),
    )


class MemberInviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=MembershipRole.choices)
    is_admin = forms.BooleanField(label=_("Manages members"), required=False)


class MemberChangeForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=MembershipRole.choices)
    is_admin = forms.BooleanField(label=_("Manages members"), required=False)


class OrganisationForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=64)
    kind = forms.ChoiceField(label=_("Kind"), choices=OrganisationKind.choices)
    name_fr = forms.CharField(label=_("Name (French)"), max_length=200)
    name_nl = forms.CharField(label=_("Name (Dutch)"), max_length=200)
    kbo_number = forms.CharField(label=_("Enterprise number (KBO/BCE)"), max_length=20, required=False)
    street_fr = forms.CharField(label=_("Street and number (French)"), max_length=200, required=False)
    street_nl = forms.CharField(label=_("Street and number (Dutch)"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=4, required=False)
    city_fr = forms.CharField(label=_("Municipality (French)"), max_length=100, required=False)
    city_nl = forms.CharField(label=_("Municipality (Dutch)"), max_length=100, required=False)
    correspondence_language = forms.ChoiceField(
        label=_("Correspondence language"), choices=CorrespondenceLanguage.choices
    )
    email = forms.EmailField(label=_("General e-mail address"), required=False)
    parent = forms.ModelChoiceField(
        label=_("Attached to"), queryset=Organisation.objects.filter(kind=OrganisationKind.COMMUNE), required=False
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class BankAccountForm(forms.Form):
    iban = forms.CharField(label=_("IBAN"), max_length=50)
    holder = forms.CharField(label=_("Account holder"), max_length=200)
    label = forms.CharField(label=_("Label"), max_length=100, required=False)
    make_primary = forms.BooleanField(label=_("Primary account"), required=False)


class OTPTokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
        help_text=_("The six-digit code from your authenticator app, or one of your backup codes."),
    )
