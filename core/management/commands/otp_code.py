from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Print the current two-step code of a user's authenticator (demo and development only)."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email: str, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("otp_code only runs with DEBUG on: it would defeat two-step sign-in.")
        device = TOTPDevice.objects.filter(user__email__iexact=email).order_by("-confirmed", "-id").first()
        if device is None:
            raise CommandError(f"{email} has no authenticator yet: sign in on the staff site once to create it.")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{totp.token():0{device.digits}d}")
