from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from core.models import Organisation, OrganisationKind, User
from core.services.audit import audit_record
from core.versioning import content_hash, process_pin
from finance.models import BudgetLine
from finance.services.commitments import envelope_ensure
from loans.models import LoanProduct, LoanProductVersion, ProductStatus, ShareRow, ShareTable
from loans.seed import demo_shares, sports_loan_fields
from loans.services.products import PROCESS_KEY, VERSION_FIELDS, envelope_code


class Command(BaseCommand):
    help = (
        "Demo: the FRBRTC sports infrastructure loan programme (50 M EUR), published, with a demo share table of the "
        "general grant (run seed_processes first). Idempotent; refused in production."
    )

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        if settings.ENVIRONMENT == "production":
            raise CommandError("Demo loan products are never loaded with production settings.")
        product, created = LoanProduct.objects.get_or_create(code="sport2021")
        if not created:
            self.stdout.write("Demo loan product SPORT2021 already present.")
            return
        line, _created = BudgetLine.objects.get_or_create(
            code="FRBRTC-SPORT-2021",
            defaults={"label_fr": "FRBRTC · prêts sport 2021 (démo)", "label_nl": "BGHGT · leningen sport 2021 (demo)"},
        )
        version = LoanProductVersion(
            product=product, number=1, budget_line=line, **sports_loan_fields(now=timezone.now())
        )
        version.status = ProductStatus.PUBLISHED
        version.process_pin = process_pin(PROCESS_KEY)
        version.published_at = timezone.now()
        version.full_clean()
        version.content_hash = content_hash(version, VERSION_FIELDS)
        version.save()
        envelope_ensure(code=envelope_code(product), label=version.title_fr, budget_line=line, amount=version.envelope)
        audit_record(obj=version, actor=None, action="loan_product_published", to_state=ProductStatus.PUBLISHED)
        self._shares(product)
        self.stdout.write(f"Demo loan product SPORT2021 published on {version.process_pin}, with a demo share table.")

    def _shares(self, product: LoanProduct) -> None:
        communes = list(
            Organisation.objects.filter(kind=OrganisationKind.COMMUNE, is_active=True)
            .order_by("code")
            .values_list("code", flat=True)
        )
        analyst = (
            User.objects.filter(email="loan.analyst@bpl.demo").first() or User.objects.filter(is_staff=True).first()
        )
        if not communes or analyst is None:
            return
        table = ShareTable.objects.create(
            product=product, label="Demo — not the official figures", source_name="demo", sha256="", imported_by=analyst
        )
        organisations = {o.code: o for o in Organisation.objects.filter(code__in=communes)}
        ShareRow.objects.bulk_create(
            ShareRow(table=table, organisation=organisations[code], share=share)
            for code, share in demo_shares(communes)
        )
