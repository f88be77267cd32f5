"""Settings shared by every environment. Values that vary come from config.env, never from os.environ here."""

from decimal import Decimal

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from config import env as E

BASE_DIR = E.BASE_DIR
DEBUG = E.DEBUG
ENVIRONMENT = "development"  # "production" in config.settings.production; demo tools refuse to run there
SECRET_KEY = E.SECRET_KEY
ALLOWED_HOSTS = E.ALLOWED_HOSTS
CSRF_TRUSTED_ORIGINS = E.CSRF_TRUSTED_ORIGINS

INSTALLED_APPS = [
    # Ours first: our templates take precedence over the libraries' ones.
    "core.apps.CoreConfig",
    "grants.apps.GrantsConfig",
    "loans.apps.LoansConfig",
    "finance.apps.FinanceConfig",
    "workflows.apps.WorkflowsConfig",
    "api.apps.ApiConfig",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "core.apps.StaticFilesConfig",
    "django.contrib.humanize",
    "viewflow",
    "viewflow.workflow",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_htmx",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "core.actor.CurrentActorMiddleware",
    "core.middleware.StaffAreaMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "viewflow.middleware.SiteMiddleware",
    "viewflow.middleware.HotwireTurboMiddleware",
    # django-axes must be last (stack-notes trap 16).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.portal",
            ],
        },
    },
]

DATABASES = {"default": E.env.db_url_config(E.DATABASE_URL)}
DATABASES["default"]["ATOMIC_REQUESTS"] = False  # services own their transactions
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and E.DATABASE_POOL:
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = True
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # required with the psycopg pool (stack-notes trap 17)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": E.env.cache_url_config(E.CACHE_URL)}

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first, so a locked-out address never reaches the password check
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:home"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3  # three days: enough for an invitation sent on a Friday

# Login throttling: five failures for one account from one address lock that pair for an hour.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "portal/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
AXES_IPWARE_PROXY_COUNT = E.PROXY_COUNT or None
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if E.PROXY_COUNT else ["REMOTE_ADDR"]

STAFF_OTP_REQUIRED = E.STAFF_OTP_REQUIRED
OTP_TOTP_ISSUER = "BPL Funding"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 8  # one working day
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Languages: French and Dutch as equals, English third. URLs carry the language prefix.
# Days the administration is closed besides Belgium's legal holidays (core.calendar), as MM-DD.
BPL_EXTRA_HOLIDAYS = ["05-08", "11-02", "11-15", "12-26"]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("nl", _("Dutch")), ("en", _("English"))]
LANGUAGE_COOKIE_NAME = "bpl_language"
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_vendor"]
FORMAT_MODULE_PATH = ["config.formats"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Europe/Brussels"

STATIC_URL = "/static/"
STATIC_ROOT = E.STATIC_ROOT
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files users upload live in private storage: MEDIA_URL points nowhere that is served; downloads go
# through permission-checked views only.
MEDIA_ROOT = E.PRIVATE_MEDIA_ROOT
MEDIA_URL = "/private-files-are-not-served/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

globals().update(E.env.email_url_config(E.EMAIL_URL))  # EMAIL_BACKEND, EMAIL_HOST, ...
if E.EMAIL_URL == "filemail://":
    EMAIL_FILE_PATH = str(E.MAIL_DIR)
DEFAULT_FROM_EMAIL = E.DEFAULT_FROM_EMAIL
SERVER_EMAIL = E.SERVER_EMAIL
PUBLIC_BASE_URL = E.PUBLIC_BASE_URL
# The demo and the tests print a specimen account (the textbook Belgian IBAN); production must set the real one.
FRBRTC_IBAN = E.FRBRTC_IBAN or "BE68539007547034"
# The demo and the tests pay from a specimen Belfius account; production sets the administration's real one.
PAYMENTS_IBAN = E.PAYMENTS_IBAN or "BE10091012345604"
BPL_PAYMENT_SECOND_APPROVAL_ABOVE = Decimal(E.PAYMENT_SECOND_APPROVAL_ABOVE)

# Celery: JSON only; unset broker means eager execution in the calling process.
CELERY_BROKER_URL = E.CELERY_BROKER_URL or "memory://"
CELERY_RESULT_BACKEND = E.CELERY_RESULT_BACKEND or None
CELERY_TASK_ALWAYS_EAGER = not E.CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TRACK_STARTED = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE: dict = {
    # Before the working day starts, in Brussels time (CELERY_TIMEZONE).
    "core-daily-digests": {"task": "core.send_daily_digests", "schedule": crontab(hour=7, minute=0)},
    # viewflow timers, task reminders and escalations: every minute, no cron needed.
    "workflows-tick": {"task": "workflows.tick", "schedule": 60.0},
    # Loan instalments fall due and due notices go out, once a day before the working day.
    "loans-daily": {"task": "loans.daily", "schedule": crontab(hour=6, minute=30)},
    # Idempotency-Key answers older than API_IDEMPOTENCY_KEEP_DAYS, at night.
    "api-purge-idempotency": {"task": "api.purge_idempotency_records", "schedule": crontab(hour=3, minute=15)},
}

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Token first: a client sending a token is judged by it, not by a browser cookie it may also carry.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.TokenAuthentication",
        "api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "api.permissions.TokenScopeAllows",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.LimitedJSONParser",
        "api.parsers.LimitedFormParser",
        "api.parsers.LimitedMultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "api.pagination.CursorPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.AnonymousThrottle", "api.throttling.TokenOrUserThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": "60/minute", "user": "600/minute"},
    # The client address behind BPL_PROXY_COUNT proxies (0: REMOTE_ADDR, never a header a client can forge).
    "NUM_PROXIES": E.PROXY_COUNT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "BPL Funding API",
    "VERSION": "1",
    "DESCRIPTION": "Grants and FRBRTC loans for Brussels local authorities. See docs/api.md.",
    # Served from drf_spectacular_sidecar's static files: the machines have no internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_INCLUDE_SCHEMA": False,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.add_error_responses"],
    # One name per choice set: fields called "status", "kind", "method" or "purpose" exist on many resources, and
    # without these the generator names their enums after a hash (StatusEebEnum), which changes when a choice does.
    "ENUM_NAME_OVERRIDES": {
        "OrganisationKindEnum": "core.models.organisations.OrganisationKind",
        "ApplicationStatusEnum": "grants.models.applications.ApplicationStatus",
        "AwardStatusEnum": "grants.models.awards.AwardStatus",
        "JustificationStatusEnum": "grants.models.awards.JustificationStatus",
        "SessionStatusEnum": "grants.models.committee.SessionStatus",
        "LoanApplicationStatusEnum": "loans.models.applications.LoanApplicationStatus",
        "LoanStatusEnum": "loans.models.loans.LoanStatus",
        "LoanKindEnum": "loans.models.products.LoanKind",
        "ScheduleMethodEnum": "loans.models.products.Method",
        "AccountPurposeEnum": "finance.models.bank.AccountPurpose",
        "TransferPurposeEnum": "finance.models.programmes.TransferPurpose",
        "PayableKindEnum": "api.finance_orders.KINDS",
    },
}
# Personal API tokens last at most this long; JSON bodies larger than this are refused with 413.
API_TOKEN_MAX_DAYS = 365
API_MAX_JSON_BYTES = 1024 * 1024
# How long a POST's first answer is kept for replays of its Idempotency-Key. Clients retry within minutes or hours; a
# month covers a retry after a long outage. After that the same key runs as a new request.
API_IDEMPOTENCY_KEEP_DAYS = 30

VIEWFLOW: dict[str, object] = {}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
