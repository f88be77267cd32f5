from django.core.management.base import BaseCommand
from django.db import transaction

from core.models import Organisation
from core.reference_data import reference_organisations
from core.roles import sync_staff_groups
from core.services.audit import audit_record


class Command(BaseCommand):
    help = (
        "Load the 19 communes, 19 CPAS, 6 police zones and main intercommunales, and the staff role groups. Idempotent."
    )

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        sync_staff_groups()
        created = 0
        rows = reference_organisations()
        by_code = {o.code: o for o in Organisation.objects.filter(code__in=[r["code"] for r in rows])}
        for row in rows:
            fields = dict(row)
            parent_code = fields.pop("parent_code", None)
            if fields["code"] in by_code:
                # Never overwrite what staff completed or corrected (e.g. an enterprise number filled in later).
                continue
            organisation = Organisation(**fields, parent=by_code.get(parent_code) if parent_code else None)
            organisation.full_clean()
            organisation.save()
            audit_record(obj=organisation, actor=None, action="seeded")
            by_code[organisation.code] = organisation
            created += 1
        self.stdout.write(f"Reference organisations: {created} created, {len(rows) - created} already present.")
