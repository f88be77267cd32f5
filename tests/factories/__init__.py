import factory
from django.contrib.auth.models import Group
from django.utils import timezone
from schwifty import IBAN

from core.models import BankAccount, Membership, MembershipRole, Notification, Organisation, OrganisationKind, User

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.be")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    preferred_language = "fr"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(*Group.objects.filter(name__in=extracted))
            self.is_staff = True
        if create:
            self.save()


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    code = factory.Sequence(lambda n: f"commune-test-{n}")
    kind = OrganisationKind.COMMUNE
    name_fr = factory.Sequence(lambda n: f"Commune de Test {n}")
    name_nl = factory.Sequence(lambda n: f"Gemeente Test {n}")
    postal_code = "1000"
    city_fr = "Bruxelles"
    city_nl = "Brussel"
    correspondence_language = "fr"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = MembershipRole.EDITOR
    is_admin = False


class BankAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BankAccount

    organisation = factory.SubFactory(OrganisationFactory)
    iban = factory.Sequence(lambda n: IBAN.generate("BE", bank_code="091", account_code=f"{n + 1:07d}").compact)
    bic = "GKCCBEBB"
    holder = factory.LazyAttribute(lambda o: o.organisation.name_fr)
    is_primary = True


class NotificationFactory(factory.django.DjangoModelFactory):
    """A stored notification, as notify() leaves it; traits `read` and `emailed`."""

    class Meta:
        model = Notification

    class Params:
        read = factory.Trait(read_at=factory.LazyFunction(timezone.now))
        emailed = factory.Trait(emailed_at=factory.LazyFunction(timezone.now))

    recipient = factory.SubFactory(UserFactory)
    key = factory.Sequence(lambda n: f"test-notice:{n}")
    template = "notice"
    subject = factory.Sequence(lambda n: f"Notice number {n}")
    body_text = "Something happened."
    body_html = "<p>Something happened.</p>"
    language = factory.LazyAttribute(lambda o: o.recipient.preferred_language)
