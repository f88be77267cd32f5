"""The portal's list of a person's own notifications (staff use it too)."""

from typing import cast
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core.errors import NotFound
from core.models import User
from core.selectors import notifications_of_user
from core.services.notifications import notification_mark_read, notifications_mark_all_read

PAGE_SIZE = 25


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(notifications_of_user(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/notifications.html", {"page": page, "notifications": list(page.object_list)})


def _target(request: HttpRequest, url: str) -> str:
    # Links are written by our own code, but a redirect still only goes to this site or its public address.
    hosts = {request.get_host(), urlsplit(settings.PUBLIC_BASE_URL).netloc}
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts=hosts):
        return url
    return reverse("portal:notifications")


@login_required
@require_POST
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    try:
        notification = notification_mark_read(user=cast(User, request.user), notification_id=notification_id)
    except NotFound as error:
        raise Http404(error.message) from None
    if not notification.url:
        messages.success(request, _("The notification was marked as read."))
    return redirect(_target(request, notification.url))


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    count = notifications_mark_all_read(user=cast(User, request.user))
    messages.success(
        request,
        ngettext("%(count)s notification was marked as read.", "%(count)s notifications were marked as read.", count)
        % {"count": count},
    )
    return redirect("portal:notifications")
