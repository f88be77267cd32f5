from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def staff_two_factor_enabled(app_configs, **kwargs):
    if not settings.STAFF_OTP_REQUIRED:
        return [
            Warning(
                "Staff two-factor authentication is switched off (BPL_STAFF_OTP_REQUIRED=false).",
                hint="Switch it on in production: staff pages reach money and applicants' data.",
                id="core.W001",
            )
        ]
    return []
