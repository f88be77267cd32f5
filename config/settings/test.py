"""Tests: SQLite in memory unless DATABASE_URL says otherwise; fast hashing; nothing leaves the machine."""

import tempfile
from pathlib import Path

from config import env as E

from .base import *  # noqa: F403
from .base import STORAGES

DEBUG = False
SECRET_KEY = "test-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz-0123456789"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# live_server cannot serve hashed names that were never collected (stack-notes trap 14).
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="bpl-test-private-"))
STAFF_OTP_REQUIRED = E.env.bool("BPL_STAFF_OTP_REQUIRED", default=True)
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
AXES_ENABLED = True
WHITENOISE_AUTOREFRESH = True
# pytest-django's live_server serves static files only when it finds this exact app name; the node_modules
# filter of core.apps.StaticFilesConfig only matters to collectstatic.
INSTALLED_APPS = [
    "django.contrib.staticfiles" if app == "core.apps.StaticFilesConfig" else app for app in INSTALLED_APPS
]
# A small demo process in two versions, for the workflow tests only.
INSTALLED_APPS += ["tests.workflow_demo"]
