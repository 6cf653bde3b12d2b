"""Settings read from the environment.

Unset DATABASE_URL means a local SQLite file and unset REDIS_URL means Celery runs eagerly: both
are for the quick demo only. Tests, CI and production set both.
"""

import datetime
import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("SECRET_KEY must be set when DEBUG=0")
    SECRET_KEY = "insecure-demo-key-only-for-debug-" + "x" * 32
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",") if h.strip()
]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_tables2",
    "django_htmx",
    "bootstrap",
    "crm",
    "clients",
    "sales",
    "tasks",
    "quality",
    "funnel",
    "webhooks",
    "reports",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and Redoc served from the package, no CDN
    "api",
    "notifications",
    "devtools",  # last: the developers' tools read every app, none reads them
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "crm.middleware.RefuseNullCharactersMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

if not DEBUG:
    # Production serves its collected static files itself; the demo uses runserver's.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")
# What each answer cost the app, in a Server-Timing header (bin/load turns it on and adds it up per page).
SERVER_TIMING = env_bool("SERVER_TIMING", False)
if SERVER_TIMING:
    MIDDLEWARE.insert(0, "crm.middleware.ServerTimingMiddleware")

ROOT_URLCONF = "crm.urls"
WSGI_APPLICATION = "crm.wsgi.application"

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
                "crm.context_processors.user_roles",
                "tasks.context_processors.my_tasks_counts",
                "notifications.context_processors.bell",
            ],
        },
    },
]
# Inputs and selects drawn in Python: the same HTML as Django's widget templates, a fraction of the time.
FORM_RENDERER = "crm.renderers.FastRenderer"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'demo.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        # A kept connection is checked before a request uses it: after a database restart the first
        # request on each worker reconnects instead of answering 500.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Short OLTP queries: JIT compilation costs more than it saves, up to half a second on a count.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
# A streaming replica for reports and exports (crm/replica.py): reads inside crm.replica.reading()
# go there while it is at most REPLICA_MAX_LAG_SECONDS behind; everything else uses the primary.
if os.environ.get("REPLICA_DATABASE_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["REPLICA_DATABASE_URL"], conn_max_age=DATABASES["default"]["CONN_MAX_AGE"], conn_health_checks=True
    )
    DATABASES["replica"]["OPTIONS"] = dict(DATABASES["default"].get("OPTIONS", {}))
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["crm.replica.ReplicaRouter"]
REPLICA_MAX_LAG_SECONDS = float(os.environ.get("REPLICA_MAX_LAG_SECONDS", "30"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
# The cache gets its own Redis database, so that clearing it never drops queued Celery jobs.
CACHE_REDIS_URL = os.environ.get("CACHE_REDIS_URL") or (
    urlsplit(REDIS_URL)._replace(path="/1").geturl() if REDIS_URL else ""
)
if CACHE_REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
# A job is acknowledged only when it finished, and re-queued when its worker died mid-way:
# the jobs are idempotent, so running one twice is safe and losing one is not.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# No job runs longer than this (the soft limit fails its run with a message a minute before the
# hard one stops it); Redis hands an unacknowledged message to another worker only after the
# visibility timeout, which is longer, so a job still running is never started a second time.
# A dead worker's run is failed by the sweep within minutes (crm.runs), not by this timeout.
CELERY_TASK_TIME_LIMIT = int(os.environ.get("JOB_TIME_LIMIT_MINUTES", "30")) * 60
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 10 * 60}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Periodic jobs, for `celery -A crm beat` (or a worker started with -B).
CELERY_BEAT_SCHEDULE = {
    "sales-classes": {"task": "sales.recalculate_classes", "schedule": 24 * 60 * 60},
    "clients-old-exports": {"task": "clients.remove_old_exports", "schedule": 24 * 60 * 60},
    # «Проверка по ИНН» of every card (clients.services.recheck).
    "clients-recheck": {
        "task": "clients.recheck_counterparties",
        "schedule": float(os.environ.get("CLIENTS_RECHECK_EVERY_DAYS", "7")) * 24 * 60 * 60,
    },
    # Background runs whose queue message or worker was lost (crm.runs).
    "crm-sweep-runs": {"task": "crm.sweep_runs", "schedule": 5 * 60},
    # Webhook deliveries whose queue message was lost (webhooks.services.send_pending).
    "webhooks-send-pending": {"task": "webhooks.send_pending", "schedule": 5 * 60},
    # «Заполненность» by manager each day, for the home page's change over 30 days.
    "reports-completeness-snapshot": {"task": "reports.take_completeness_snapshot", "schedule": 24 * 60 * 60},
    # Overdue tasks, stuck deals, overdue clients, the digests, lost e-mail (notifications.scan).
    "notifications-scan": {"task": "notifications.start_scan", "schedule": 60},
}
# Days a large client export's file is kept for its author to download.
CLIENTS_EXPORT_KEEP_DAYS = int(os.environ.get("CLIENTS_EXPORT_KEEP_DAYS", "7"))
# What one file of «Загрузка клиентов» may hold (clients.import_files.Limits); over a limit the
# upload is refused with a message naming it. An xlsx unpacks its parts together to at most
# ..._UNPACKED_MB, a part read whole (shared strings, styles) to at most ..._PART_MB.
CLIENT_IMPORT_MAX_BYTES = int(os.environ.get("CLIENT_IMPORT_MAX_MB", "5")) * 1024 * 1024
CLIENT_IMPORT_MAX_UNPACKED_BYTES = int(os.environ.get("CLIENT_IMPORT_MAX_UNPACKED_MB", "100")) * 1024 * 1024
CLIENT_IMPORT_MAX_PART_BYTES = int(os.environ.get("CLIENT_IMPORT_MAX_PART_MB", "20")) * 1024 * 1024
CLIENT_IMPORT_MAX_ROWS = int(os.environ.get("CLIENT_IMPORT_MAX_ROWS", "50000"))
CLIENT_IMPORT_MAX_CELLS = int(os.environ.get("CLIENT_IMPORT_MAX_CELLS", "1000000"))
CLIENT_IMPORT_READ_SECONDS = float(os.environ.get("CLIENT_IMPORT_READ_SECONDS", "20"))

# ABC/XYZ classes of clients (sales.abc_xyz): ABC shares of revenue for A and B (the rest is C),
# XYZ limits of the coefficient of variation of monthly revenue for X and Y, in %; the period.
SALES_ABC_SHARES = (80, 15)
SALES_XYZ_LIMITS = (10, 25)
SALES_CLASSES_MONTHS = 12
# The funnel's margin guard: a deal below this «рентабельность» (%) needs a confirmation.
FUNNEL_MIN_MARGIN = float(os.environ.get("FUNNEL_MIN_MARGIN", "10"))
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"  # the role's home page (reports.home)
LOGOUT_REDIRECT_URL = "login"
# Every login door checks the same limits (crm.login_limits): failed logins allowed per account at
# one address, and per account from anywhere, before a pause; an address alone is never locked.
AUTHENTICATION_BACKENDS = ["crm.login_limits.LimitedModelBackend"]
LOGIN_ATTEMPTS_LIMIT = int(os.environ.get("LOGIN_ATTEMPTS_LIMIT", "5"))
LOGIN_ATTEMPTS_PER_ACCOUNT_LIMIT = int(os.environ.get("LOGIN_ATTEMPTS_PER_ACCOUNT_LIMIT", "20"))
# How many trusted proxies (nginx: 1) stand in front of the app: the client's address is then read
# from X-Forwarded-For, as the last of them saw it.
LOGIN_PROXY_HOPS = int(os.environ.get("LOGIN_PROXY_HOPS", "0"))
LOGIN_LOCKOUT_SECONDS = int(os.environ.get("LOGIN_LOCKOUT_SECONDS", "900"))

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Русский")), ("en", _("English"))]
FORMAT_MODULE_PATH = ["crm.formats"]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Moscow")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Task attachments («Поручение») and the scans of answers to «Акты сверки»: size and type limits
# (crm.uploads); served only through tasks:attachment and sales:reconciliation_scan.
TASK_ATTACHMENT_MAX_BYTES = int(os.environ.get("TASK_ATTACHMENT_MAX_MB", "10")) * 1024 * 1024
TASK_ATTACHMENT_EXTENSIONS = {
    "pdf",
    "doc",
    "docx",
    "xls",
    "xlsx",
    "odt",
    "ods",
    "txt",
    "csv",
    "png",
    "jpg",
    "jpeg",
    "zip",
}
# «Мои дела» reminds the manager of an «Акт сверки» sent and not answered after this many days.
RECONCILIATION_ANSWER_DAYS = int(os.environ.get("RECONCILIATION_ANSWER_DAYS", "10"))

DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5.html"
DJANGO_TABLES2_TABLE_ATTRS = {"class": "table table-sm table-hover align-middle"}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
# The REST API (api/, docs/api.md): personal tokens (or a session, for the docs pages), the same
# access rules as the pages, cursor paging, rate limits per token read from API_RATE_LIMITS.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.IdCursorPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Requests per token (per user for a session) and period, reads and writes counted apart; over
# the limit the answer is 429 with Retry-After.
API_RATE_LIMITS = {
    "read": os.environ.get("API_READ_RATE", "600/min"),
    "write": os.environ.get("API_WRITE_RATE", "600/min"),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Client Card CRM API",
    "DESCRIPTION": "Клиенты, договоры, накладные, оплаты, сделки и задачи: docs/api.md.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated", "api.views.base.HasCrmRole"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # ?fields= may leave any field out of an answer: none is required in the answers' schema.
    "COMPONENT_NO_READ_ONLY_REQUIRED": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ClientKindEnum": "clients.models.Client.Kind",
        "TaskKindEnum": "tasks.models.Task.Kind",
        "TaskEventKindEnum": "tasks.models.TaskEvent.Kind",
    },
}

# Content-Security-Policy (django-csp): our own files only. No inline script, style or event
# handler and no eval anywhere — scripts are static files wired by data- attributes, styles are
# classes in static CSS; Bootstrap's CSS draws its icons from data: URLs. frame-ancestors says what
# X_FRAME_OPTIONS says, for browsers that read only one of them.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
SECURE_CONTENT_TYPE_NOSNIFF = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# «Заполнить по ИНН» on the client card: DaData's «find party by ID» (or a service speaking it).
# Without a token the button explains that it is not configured.
DADATA_TOKEN = os.environ.get("DADATA_TOKEN", "")
DADATA_URL = os.environ.get("DADATA_URL", "https://suggestions.dadata.ru/suggestions/api/4_1/rs")
COMPANY_DATA_TIMEOUT = float(os.environ.get("COMPANY_DATA_TIMEOUT", "5"))
# «Проверка по ИНН» (weekly, CLIENTS_RECHECK_EVERY_DAYS in the beat schedule): requests a second to
# the service, and failures in a row after which the run stops (to be continued later).
CLIENTS_RECHECK_RATE = float(os.environ.get("CLIENTS_RECHECK_RATE", "5"))
CLIENTS_RECHECK_MAX_ERRORS = int(os.environ.get("CLIENTS_RECHECK_MAX_ERRORS", "10"))

# The site's own address, for the links in what it sends out (webhook payloads, e-mail).
SITE_URL = os.environ.get("SITE_URL", "http://localhost:8000")
# Webhooks (webhooks.services): attempts per delivery, the first retry's wait (doubling after each
# failed attempt: 1, 2, 4, 8 minutes), the timeout of one attempt, how much of an answer is kept.
WEBHOOK_ATTEMPTS = int(os.environ.get("WEBHOOK_ATTEMPTS", "5"))
WEBHOOK_RETRY_SECONDS = float(os.environ.get("WEBHOOK_RETRY_SECONDS", "60"))
WEBHOOK_TIMEOUT = float(os.environ.get("WEBHOOK_TIMEOUT", "10"))
WEBHOOK_RESPONSE_KEEP = 2000
# «Форма для сайта» (/lead/<key>/): forms accepted per visitor's address in a period, and the
# largest body taken.
WEB_LEAD_RATE_LIMIT = int(os.environ.get("WEB_LEAD_RATE_LIMIT", "20"))
WEB_LEAD_RATE_SECONDS = int(os.environ.get("WEB_LEAD_RATE_SECONDS", "3600"))
WEB_LEAD_MAX_BYTES = int(os.environ.get("WEB_LEAD_MAX_BYTES", str(16 * 1024)))

# Notifications (notifications/): e-mail through SMTP when EMAIL_HOST is set, else printed to the
# console (the demo). Attempts per letter and the first retry's wait (doubling after each failure);
# the beat's pass every NOTIFICATIONS_SCAN_MINUTES (the digests come within that of their time);
# the daily overdue, stuck and debt notices on the day's first pass after NOTIFICATIONS_DAILY_AT.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = float(os.environ.get("EMAIL_TIMEOUT", "20"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "CRM <crm@localhost>")
NOTIFICATIONS_EMAIL_ATTEMPTS = int(os.environ.get("NOTIFICATIONS_EMAIL_ATTEMPTS", "5"))
NOTIFICATIONS_EMAIL_RETRY_SECONDS = float(os.environ.get("NOTIFICATIONS_EMAIL_RETRY_SECONDS", "60"))
NOTIFICATIONS_SCAN_MINUTES = int(os.environ.get("NOTIFICATIONS_SCAN_MINUTES", "5"))
NOTIFICATIONS_DAILY_AT = datetime.time.fromisoformat(os.environ.get("NOTIFICATIONS_DAILY_AT", "08:00"))

# Our company as documents name it: «Акт сверки» is between it and the client.
COMPANY_NAME = os.environ.get("COMPANY_NAME", "ООО «Наша компания»")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
