from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from schwifty import IBAN

from core import demo
from core.models import BankAccount, Membership, Organisation, User
from core.money import format_eur
from core.services.audit import audit_record


class Command(BaseCommand):
    help = "Add fictitious demo people for every persona (and demo bank accounts). Idempotent; refused in production."

    def add_arguments(self, parser):
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print the demo logins.")

    def handle(self, *args, **options) -> None:
        if settings.ENVIRONMENT == "production":
            raise CommandError("Demo data is never loaded with production settings.")
        call_command("seed_reference_data", verbosity=0)
        with transaction.atomic():
            self._seed()
        # The other apps' demo data, by command name (core depends on no app above it).
        call_command("seed_processes", verbosity=options.get("verbosity", 1))
        call_command("seed_calls", verbosity=options.get("verbosity", 1))
        call_command("seed_grant_cases", verbosity=options.get("verbosity", 1))
        call_command("seed_loans", verbosity=options.get("verbosity", 1))
        call_command("seed_loan_cases", verbosity=options.get("verbosity", 1))
        call_command("seed_programmes", verbosity=options.get("verbosity", 1))
        call_command("seed_treasury_accounts", verbosity=options.get("verbosity", 1))
        call_command("seed_demo_finance", verbosity=options.get("verbosity", 1))
        if not options["quiet_logins"]:
            self._print_logins()

    def _user(self, email: str, first_name: str, last_name: str, language: str) -> User:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email, demo.DEMO_PASSWORD, first_name=first_name, last_name=last_name, preferred_language=language
            )
        return user

    def _seed(self) -> None:
        organisations = {o.code: o for o in Organisation.objects.all()}
        for person in demo.APPLICANTS:
            user = self._user(person.email, person.first_name, person.last_name, person.language)
            Membership.objects.get_or_create(
                user=user,
                organisation=organisations[person.organisation_code],
                defaults={"role": person.role, "is_admin": person.is_admin},
            )
        for staff in demo.STAFF:
            user = self._user(staff.email, staff.first_name, staff.last_name, staff.language)
            user.groups.add(*Group.objects.filter(name__in=staff.roles))
            if not user.is_staff:
                user.is_staff = True
                user.save(update_fields=["is_staff"])
        for code, bank, account in demo.DEMO_ACCOUNTS:
            organisation = organisations[code]
            iban = IBAN.generate("BE", bank_code=bank, account_code=account)
            if not organisation.bank_accounts.filter(iban=iban.compact).exists():
                BankAccount.objects.create(
                    organisation=organisation,
                    iban=iban.compact,
                    bic=str(iban.bic or ""),
                    holder=organisation.name_fr,
                    label="Demo (fictitious)",
                    is_primary=not organisation.bank_accounts.exists(),
                )
                audit_record(obj=organisation, actor=None, action="bank_account_added", changes={"iban": iban.compact})

    def _print_logins(self) -> None:
        out = self.stdout.write
        out("")
        out(f"Demo logins (password for all: {demo.DEMO_PASSWORD})")
        out("  Applicant portal  http://127.0.0.1:8000/fr/login/  (or /nl/login/)")
        for person in demo.APPLICANTS:
            admin = ", manages members" if person.is_admin else ""
            out(f"    {person.email:<32} {person.role} of {person.organisation_code}{admin} [{person.language}]")
        out("  Staff site        http://127.0.0.1:8000/fr/staff/   (two-step sign-in: scan the QR code shown,")
        out("                    or read the current code with: .venv/bin/python manage.py otp_code EMAIL)")
        for staff in demo.STAFF:
            out(f"    {staff.email:<32} {', '.join(staff.roles)} [{staff.language}]")
        threshold = format_eur(settings.BPL_PAYMENT_SECOND_APPROVAL_ABOVE)
        out(f"                    (payment orders above {threshold} need two finance approvers, neither the preparer)")
        out("")
