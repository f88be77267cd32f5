from django.urls import path

from core.views import auth, notifications, portal

app_name = "portal"

urlpatterns = [
    path("", portal.home, name="home"),
    path("login/", auth.PortalLoginView.as_view(), name="login"),
    path("logout/", auth.PortalLogoutView.as_view(), name="logout"),
    path("password/reset/", auth.PortalPasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", auth.PortalPasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        auth.PortalPasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password/reset/done/", auth.PortalPasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("account/", portal.account, name="account"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/<int:notification_id>/read/", notifications.notification_read, name="notification_read"),
    path("notifications/read-all/", notifications.notifications_read_all, name="notifications_read_all"),
    path("organisations/", portal.organisation_list, name="organisations"),
    path("organisations/<slug:code>/", portal.organisation_detail, name="organisation"),
    path("organisations/<slug:code>/members/", portal.member_invite, name="member_invite"),
    path("organisations/<slug:code>/members/<int:membership_id>/", portal.member_change, name="member_change"),
    path("organisations/<slug:code>/members/<int:membership_id>/remove/", portal.member_remove, name="member_remove"),
]
