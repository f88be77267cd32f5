from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect
from django.urls import reverse_lazy
from django.utils import translation

from core.forms import EmailAuthenticationForm, LocalisedPasswordResetForm, StaffAuthenticationForm
from core.views.language import redirect_in_language


class LanguageAwareLoginMixin:
    """After sign-in, pages follow the person's preferred language."""

    def form_valid(self, form):
        super().form_valid(form)  # type: ignore[misc]
        user = form.get_user()
        url = self.get_success_url()  # type: ignore[attr-defined]
        response = HttpResponseRedirect(url)
        response["Location"] = redirect_in_language(response, url, user.preferred_language)
        return response


class PortalLoginView(LanguageAwareLoginMixin, auth_views.LoginView):
    template_name = "portal/login.html"
    form_class = EmailAuthenticationForm
    redirect_authenticated_user = True


class StaffLoginView(LanguageAwareLoginMixin, auth_views.LoginView):
    template_name = "registration/login.html"
    form_class = StaffAuthenticationForm
    next_page = reverse_lazy("staff:index")  # type: ignore[assignment]


class PortalLogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("portal:home")  # type: ignore[assignment]


class PortalPasswordResetView(auth_views.PasswordResetView):
    template_name = "portal/password_reset_form.html"
    form_class = LocalisedPasswordResetForm
    email_template_name = "emails/password_reset.txt"
    html_email_template_name = "emails/password_reset.html"
    subject_template_name = "emails/password_reset.subject.txt"
    success_url = reverse_lazy("portal:password_reset_done")

    def form_valid(self, form):
        form.cleaned_data["email"] = form.cleaned_data["email"].strip()
        return super().form_valid(form)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "language": translation.get_language()}


class PortalPasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "portal/password_reset_done.html"


class PortalPasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "portal/password_reset_confirm.html"
    success_url = reverse_lazy("portal:password_reset_complete")


class PortalPasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "portal/password_reset_complete.html"
