"""The staff pages of bank statements and their matching (one line in FinanceApp.viewsets)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import AppMenuMixin, Viewset

from core.roles import is_staff_member
from finance import views_bank


class StatementsViewset(AppMenuMixin, Viewset):
    app_name = "statements"
    title = _("Bank statements")
    icon = "receipt_long"
    index_path = path("", views_bank.statement_list, name="index")
    upload_path = path("upload/", views_bank.statement_upload, name="upload")
    detail_path = path("<int:pk>/", views_bank.statement_detail, name="detail")
    rematch_path = path("<int:pk>/rematch/", views_bank.statement_rematch_view, name="rematch")
    undo_path = path("matches/<int:pk>/undo/", views_bank.match_undo_view, name="undo")

    def has_view_permission(self, user, obj=None) -> bool:
        return is_staff_member(user) and user.has_perm("finance.view_bankstatement")


class MatchingViewset(AppMenuMixin, Viewset):
    app_name = "matching"
    title = _("Matching")
    icon = "link"
    index_path = path("", views_bank.matching_list, name="index")
    line_path = path("lines/<int:pk>/", views_bank.line_match, name="line")
    match_path = path("lines/<int:pk>/match/", views_bank.line_match_post, name="match")

    def has_view_permission(self, user, obj=None) -> bool:
        return is_staff_member(user) and user.has_perm("finance.view_statementline")


def bank_viewsets() -> list[Viewset]:
    return [StatementsViewset(), MatchingViewset()]
