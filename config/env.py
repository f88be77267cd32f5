"""The one place where the environment is read.

Every setting that can differ between a laptop, CI and production comes from here, with the embedded
default (SQLite, Celery eager, console e-mail, local cache, files under var/) when a variable is unset.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
_env_file = BASE_DIR / ".env"
if _env_file.exists():
    environ.Env.read_env(str(_env_file))

VAR_DIR = Path(env.str("BPL_VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

DATABASE_URL = env.str("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASE_POOL = env.bool("DATABASE_POOL", default=False)

# Unset broker = tasks run eagerly in the calling process (embedded default and most tests).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="")

CACHE_URL = env.str("CACHE_URL", default="locmemcache://")
# Unset: e-mails are written as files under var/mail/ (readable, and the console stays quiet).
EMAIL_URL = env.str("EMAIL_URL", default="filemail://")
MAIL_DIR = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="BPL Funding <noreply@bpl-funding.localhost>")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)

# Private files (applicant uploads, receipts, generated documents): never under a public URL.
PRIVATE_MEDIA_ROOT = Path(env.str("BPL_PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "private")))
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))

# Staff must use TOTP two-factor authentication; only a test or a throwaway demo may switch it off.
STAFF_OTP_REQUIRED = env.bool("BPL_STAFF_OTP_REQUIRED", default=True)
PUBLIC_BASE_URL = env.str("BPL_PUBLIC_BASE_URL", default="http://127.0.0.1:8000")

# Behind a reverse proxy: the number of proxies that add X-Forwarded-For (django-axes, django-ipware).
PROXY_COUNT = env.int("BPL_PROXY_COUNT", default=0)

# The FRBRTC's own account, printed on due notices with each instalment's structured communication.
FRBRTC_IBAN = env.str("BPL_FRBRTC_IBAN", default="")
# The administration's own account that pays grant tranches and other payment orders (SEPA debtor).
PAYMENTS_IBAN = env.str("BPL_PAYMENTS_IBAN", default="")
# Payment orders above this amount (EUR) need a second approver besides the first one (four eyes, then six).
PAYMENT_SECOND_APPROVAL_ABOVE = env.str("BPL_PAYMENT_SECOND_APPROVAL_ABOVE", default="250000.00")
