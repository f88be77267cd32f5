"""Production: everything from the environment, refuse to start without the essentials."""

from django.core.exceptions import ImproperlyConfigured

from config import env as E

from .base import *  # noqa: F403

DEBUG = False
ENVIRONMENT = "production"
if len(E.SECRET_KEY) < 50:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set to a random value of at least 50 characters.")
if E.EMAIL_URL.startswith(("filemail:", "consolemail:", "memorymail:", "dummymail:")):
    raise ImproperlyConfigured("EMAIL_URL must point at a mail server in production (smtp+tls://...).")
if not E.CELERY_BROKER_URL:
    raise ImproperlyConfigured("CELERY_BROKER_URL must be set in production (Redis or RabbitMQ).")
if not E.FRBRTC_IBAN:
    raise ImproperlyConfigured("BPL_FRBRTC_IBAN must be set in production: due notices print the fund's account.")
# No specimen account in production: seed_treasury_accounts refuses an empty one (docs/operations.md).
PAYMENTS_IBAN = E.PAYMENTS_IBAN

SECURE_SSL_REDIRECT = E.env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = E.env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"

# Tasks survive a worker crash: acknowledged after they ran, so every task must be idempotent.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
