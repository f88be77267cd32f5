"""The one way a page turns a posted form into a service call."""

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.errors import ApplicationError, NotPermitted
from core.forms import apply_service_error

T = TypeVar("T")


def submit(request: HttpRequest, form: forms.Form, service: Callable[[dict[str, Any]], T], *, success: str) -> T | None:
    """On a valid POST, call `service(cleaned_data)`. Its errors go onto the form (a refusal of the actor's rights
    becomes a 403); on success the message is shown on the next page. Returns the service's result or None."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = service(form.cleaned_data)
    except NotPermitted as error:
        raise PermissionDenied(error.message) from None
    except ApplicationError as error:
        apply_service_error(form, error)
        return None
    messages.success(request, success)
    return result


def render_form(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """Render a form page; a form that failed validation answers 400 so that clients and tests can tell."""
    status = 400 if context["form"].errors else 200
    return render(request, template, context, status=status)
