import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from finance.models import BudgetLine
from grants.models import Call, CallStatus, CallVersion, Programme
from grants.seed import sports_call_fields


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme
        django_get_or_create = ("code",)

    code = "sports"
    name_fr = "Infrastructures sportives"
    name_nl = "Sportinfrastructuur"


class BudgetLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BudgetLine
        django_get_or_create = ("code",)

    code = "10.005.27.02.43.21"
    label_fr = "Subsides aux communes pour les infrastructures sportives"
    label_nl = "Subsidies aan gemeenten voor sportinfrastructuur"


class CallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Call

    code = factory.Sequence(lambda n: f"sport{n}" if n else "sport")
    programme = factory.SubFactory(ProgrammeFactory)


class CallVersionFactory(factory.django.DjangoModelFactory):
    """The sports call, as a draft; `published=True` for one applicants can answer (pinned to grant_application@1)."""

    class Meta:
        model = CallVersion

    call = factory.SubFactory(CallFactory)
    number = 1
    budget_line = factory.SubFactory(BudgetLineFactory)

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        # A disabled trait hands its fields over as SKIP: the seed values stand then.
        given = {key: value for key, value in kwargs.items() if value is not factory.declarations.SKIP}
        return {**sports_call_fields(now=timezone.now()), **given}

    class Params:
        published = factory.Trait(
            status=CallStatus.PUBLISHED,
            process_pin="grant_application@1",
            published_at=factory.LazyFunction(timezone.now),
        )
        closed = factory.Trait(
            opens_at=factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=30)),
            closes_at=factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1)),
        )


ZERO = Decimal("0.00")
