"""API routes: committee sessions (joined into api/urls.py before the JSON 404)."""

from django.urls import path

from api import committee

urlpatterns = [
    path("sessions/", committee.SessionList.as_view(), name="session-list"),
    path("sessions/eligible-members/", committee.EligibleMembers.as_view(), name="session-eligible-members"),
    path("sessions/<int:id>/", committee.SessionDetail.as_view(), name="session-detail"),
    path("sessions/<int:id>/agenda/", committee.SessionAgenda.as_view(), name="session-agenda"),
    path("sessions/<int:id>/attendance/", committee.SessionAttendance.as_view(), name="session-attendance"),
    path("sessions/<int:id>/close/", committee.SessionClose.as_view(), name="session-close"),
    path("sessions/<int:id>/minutes/<str:language>/", committee.SessionMinutes.as_view(), name="session-minutes"),
    path(
        "sessions/<int:id>/items/<int:item_id>/recusal/", committee.ItemRecusal.as_view(), name="session-item-recusal"
    ),
    path(
        "sessions/<int:id>/items/<int:item_id>/decision/", committee.ItemDecide.as_view(), name="session-item-decision"
    ),
]
