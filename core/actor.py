"""Who is acting, for records written where no service passes an actor (e.g. signals from viewflow's own views)."""

from contextlib import contextmanager
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

_current_actor: ContextVar = ContextVar("bpl_current_actor", default=None)


def current_actor():
    return _current_actor.get()


@contextmanager
def acting_as(user):
    token = _current_actor.set(user)
    try:
        yield
    finally:
        _current_actor.reset(token)


class CurrentActorMiddleware:
    """Makes the signed-in user the actor of everything the request does."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        with acting_as(user if user is not None and user.is_authenticated else None):
            return self.get_response(request)
