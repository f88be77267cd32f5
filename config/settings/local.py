"""The embedded default: `make run` on a laptop. SQLite, Celery eager, e-mails on the console."""

from config import env as E

from .base import *  # noqa: F403

DEBUG = E.env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = E.SECRET_KEY or "local-development-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz"
