from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from workflows.inbox import tasks_of_user


def inbox(request: HttpRequest) -> HttpResponse:
    return render(request, "staff/inbox.html", {"tasks": list(tasks_of_user(request.user))})
