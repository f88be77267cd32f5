"""Two-factor authentication for staff: enrol a TOTP authenticator, then prove it at each sign-in."""

import secrets

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.forms import OTPTokenForm
from core.roles import is_staff_member
from core.services.audit import audit_record

BACKUP_CODE_COUNT = 10


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "staff:index"


def _staff_only(request: HttpRequest) -> None:
    if not is_staff_member(request.user):
        raise PermissionDenied(_("This account has no access to the staff site."))


def _confirmed_devices(user) -> list:
    return list(devices_for_user(user, confirmed=True))


@login_required(login_url="login")
def otp_setup(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    user = request.user
    if any(isinstance(d, TOTPDevice) for d in _confirmed_devices(user)):
        return redirect("staff_otp:verify")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _allowed(device, form):
        if device.verify_token(form.cleaned_data["token"].strip().replace(" ", "")):
            codes = _enrol(user, device)
            otp_login(request, device)
            return render(request, "staff/otp_backup_codes.html", {"codes": codes, "next": _next_url(request)})
        form.add_error("token", _("This code is not valid. Check the time on your phone and try again."))
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=4, title=_("QR code for your authenticator app"))
    context = {"form": form, "qr_svg": qr_svg, "secret": _b32(device), "next": _next_url(request)}
    return render(request, "staff/otp_setup.html", context, status=400 if form.errors else 200)


@transaction.atomic
def _enrol(user, device: TOTPDevice) -> list[str]:
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    static, _created = StaticDevice.objects.get_or_create(user=user, name="backup", defaults={"confirmed": True})
    static.token_set.all().delete()
    codes = [secrets.token_hex(4) for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=code) for code in codes)
    audit_record(obj=user, actor=user, action="two_factor_enrolled")
    return codes


def _allowed(device, form: OTPTokenForm) -> bool:
    """Wrong codes slow down further tries (1, 2, 4, 8 ... seconds): say so instead of a silent refusal."""
    allowed, data = device.verify_is_allowed()
    if not allowed:
        locked_until = (data or {}).get("locked_until") or timezone.now()
        seconds = max(1, int((locked_until - timezone.now()).total_seconds()) + 1)
        form.add_error(
            "token", _("Too many wrong codes. Wait %(seconds)s seconds and try again.") % {"seconds": seconds}
        )
    return allowed


def _b32(device: TOTPDevice) -> str:
    import base64

    secret = base64.b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_required(login_url="login")
def otp_verify(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    devices = _confirmed_devices(request.user)
    if not any(isinstance(d, TOTPDevice) for d in devices):
        return redirect(f"{request.path.replace('verify', 'setup')}?next={_next_url(request)}")
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"].strip().replace(" ", "")
        allowed = [device for device in devices if _allowed(device, form)]
        for device in allowed:
            if device.verify_token(token):
                otp_login(request, device)
                if isinstance(device, StaticDevice):
                    messages.warning(request, _("You used a backup code. Each code works only once."))
                return redirect(_next_url(request))
        if allowed and not form.errors:
            form.add_error("token", _("This code is not valid."))
    context = {"form": form, "next": _next_url(request)}
    return render(request, "staff/otp_verify.html", context, status=400 if form.errors else 200)
