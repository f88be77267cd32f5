"""My organisations and their members: read-only, with the portal's selectors and permission rules.

- The list is the portal's "My organisations" (core.selectors.organisations_of_user: active organisations the caller
  is a member of). Staff who may view organisations (core.view_organisation, every staff role today) get all of
  them, as on the staff pages.
- One organisation and its members follow core.permissions.can_view_organisation, the rule behind the portal's
  organisation page: members and those staff. Anyone else gets the same 404 as for an id that does not exist.
- Bank accounts: members see them in full, as on the portal page; staff only with core.view_bankaccount, as on the
  staff page (otherwise the field is null, not an empty list, so "none recorded" is never faked).
"""

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, filters, generics, serializers

from core.models import Membership, MembershipRole, Organisation, OrganisationKind
from core.models.organisations import CorrespondenceLanguage
from core.permissions import can_view_organisation
from core.roles import is_staff_member
from core.selectors import organisations_of_user


def _staff_may_view_all(user) -> bool:
    return is_staff_member(user) and user.has_perm("core.view_organisation")


def may_see_bank_accounts(user) -> bool:
    """Members see their own organisations' accounts (the portal page shows them); staff need the permission."""
    return not is_staff_member(user) or user.has_perm("core.view_bankaccount")


def organisations_visible_to(user) -> QuerySet[Organisation]:
    """The list: the portal's "My organisations", or every organisation for staff who may view them."""
    queryset = Organisation.objects.all() if _staff_may_view_all(user) else organisations_of_user(user)
    if may_see_bank_accounts(user):
        queryset = queryset.prefetch_related("bank_accounts")
    return queryset


def organisation_or_404(user, pk: int, *, detail: bool = False) -> Organisation:
    """One organisation the caller may view (the portal page's rule), else a 404 that does not tell why."""
    queryset = Organisation.objects.filter(pk=pk)
    if detail:
        queryset = queryset.select_related("parent")
        if may_see_bank_accounts(user):
            queryset = queryset.prefetch_related("bank_accounts")
    organisation = queryset.first()
    if organisation is None or not can_view_organisation(user, organisation)[0]:
        raise exceptions.NotFound(_("No such organisation."))
    return organisation


class BankAccountSerializer(serializers.Serializer):
    iban = serializers.CharField(help_text=_("In full, without spaces."))
    bic = serializers.CharField()
    holder = serializers.CharField()
    is_primary = serializers.BooleanField()


class OrganisationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.SlugField(help_text=_("Stable reference, e.g. commune-anderlecht."))
    name = serializers.CharField(help_text=_("In the caller's language (Accept-Language)."))
    kind = serializers.ChoiceField(choices=OrganisationKind.choices)
    kbo_number = serializers.CharField(help_text=_("Ten digits without dots; empty when unknown."))
    correspondence_language = serializers.ChoiceField(choices=CorrespondenceLanguage.choices)
    is_active = serializers.BooleanField()
    bank_accounts = serializers.SerializerMethodField(
        help_text=_("Null when your staff roles do not let you see bank accounts.")
    )

    @extend_schema_field(BankAccountSerializer(many=True, allow_null=True))
    def get_bank_accounts(self, organisation: Organisation) -> list[dict] | None:
        if not self.context.get("may_see_bank_accounts"):
            return None
        return list(BankAccountSerializer(organisation.bank_accounts.all(), many=True).data)


class ParentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.SlugField()
    name = serializers.CharField(help_text=_("In the caller's language."))


class OrganisationDetailSerializer(OrganisationSerializer):
    name_fr = serializers.CharField()
    name_nl = serializers.CharField()
    street = serializers.CharField(help_text=_("In the caller's language when recorded in it."))
    postal_code = serializers.CharField()
    city = serializers.CharField(help_text=_("In the caller's language."))
    email = serializers.EmailField(allow_blank=True)
    parent = ParentSerializer(allow_null=True, help_text=_("The commune it is attached to, if any."))


class MemberUserSerializer(serializers.Serializer):
    name = serializers.CharField(source="get_full_name")
    email = serializers.EmailField()


class MemberSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("The membership's id."))
    user = MemberUserSerializer()
    role = serializers.ChoiceField(choices=MembershipRole.choices)
    is_admin = serializers.BooleanField(help_text=_("Manages the organisation's members."))
    created_at = serializers.DateTimeField()


class OrganisationFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=OrganisationKind.choices)

    class Meta:
        model = Organisation
        fields = ["kind"]


class _AccountsContext:
    def get_serializer_context(self):
        context = super().get_serializer_context()  # type: ignore[misc]
        return {**context, "may_see_bank_accounts": may_see_bank_accounts(self.request.user)}  # type: ignore[attr-defined]


class OrganisationList(_AccountsContext, generics.ListAPIView):
    """The organisations you act for (staff who may view organisations: all of them), by code."""

    serializer_class = OrganisationSerializer
    filterset_class = OrganisationFilter
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, filters.OrderingFilter]
    ordering_fields = ["code", "id"]
    ordering = ["code"]

    def get_queryset(self):
        return organisations_visible_to(self.request.user)


class OrganisationDetail(_AccountsContext, generics.RetrieveAPIView):
    """One organisation you are a member of (or any, for staff who may view organisations)."""

    serializer_class = OrganisationDetailSerializer
    queryset = Organisation.objects.none()  # the object comes from get_object, under the portal's rule

    def get_object(self) -> Organisation:
        return organisation_or_404(self.request.user, self.kwargs["id"], detail=True)


class MemberList(generics.ListAPIView):
    """The members of one organisation with their roles, in the order they joined."""

    serializer_class = MemberSerializer
    filter_backends = [filters.OrderingFilter]
    ordering_fields = ["id"]
    ordering = ["id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Membership.objects.none()
        organisation = organisation_or_404(self.request.user, self.kwargs["id"])
        return Membership.objects.filter(organisation=organisation).select_related("user")
