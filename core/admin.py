from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from core.models import AuditRecord, BankAccount, Membership, Notification, Organisation, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "preferred_language", "is_staff", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["first_name", "last_name", "phone", "preferred_language", "notification_mode"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Master data and the audit trail change through services (validated, audited), never through the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdmin):
    list_display = ["code", "name_fr", "name_nl", "kind", "kbo_number"]
    list_filter = ["kind"]
    search_fields = ["name_fr", "name_nl", "kbo_number"]


@admin.register(BankAccount)
class BankAccountAdmin(ReadOnlyAdmin):
    list_display = ["organisation", "iban", "bic", "is_primary"]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["organisation", "user", "role", "is_admin"]
    list_select_related = ["organisation", "user"]


@admin.register(AuditRecord)
class AuditRecordAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_label", "action", "object_label", "from_state", "to_state"]
    list_filter = ["action", "content_type"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "recipient", "subject", "read_at", "emailed_at"]
    list_filter = ["template", "language"]
    list_select_related = ["recipient"]
    search_fields = ["key", "recipient__email", "subject"]
