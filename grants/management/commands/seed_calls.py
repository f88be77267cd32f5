from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from core.services.audit import audit_record
from core.versioning import content_hash
from finance.models import BudgetLine
from grants.models import Call, CallStatus, CallVersion, Programme
from grants.reference import ensure_approval_levels
from grants.seed import sports_call_fields
from grants.services.calls import VERSION_FIELDS, process_pin_for_new_call


class Command(BaseCommand):
    help = "Demo: the sports infrastructure call (43 M EUR), published and open (run seed_processes first). Idempotent."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        if settings.ENVIRONMENT == "production":
            raise CommandError("Demo calls are never loaded with production settings.")
        ensure_approval_levels()
        programme, _created = Programme.objects.get_or_create(
            code="sports", defaults={"name_fr": "Infrastructures sportives", "name_nl": "Sportinfrastructuur"}
        )
        Programme.objects.get_or_create(code="wepulse", defaults={"name_fr": "WePulse", "name_nl": "WePulse"})
        line, _created = BudgetLine.objects.get_or_create(
            code="10.005.27.02.43.21",
            defaults={
                "label_fr": "Subsides aux communes pour les infrastructures sportives",
                "label_nl": "Subsidies aan gemeenten voor sportinfrastructuur",
            },
        )
        call, created = Call.objects.get_or_create(code="sport", defaults={"programme": programme})
        if not created:
            self.stdout.write("Demo call SPORT already present.")
            return

        version = CallVersion(call=call, number=1, budget_line=line, **sports_call_fields())
        version.status = CallStatus.PUBLISHED
        version.process_pin = process_pin_for_new_call()
        version.published_at = timezone.now()
        version.full_clean()
        version.content_hash = content_hash(version, VERSION_FIELDS)
        version.save()
        audit_record(obj=version, actor=None, action="call_published", to_state=CallStatus.PUBLISHED)
        self.stdout.write(
            f"Demo call SPORT published on {version.process_pin}, open until {version.closes_at:%d/%m/%Y %H:%M}."
        )
