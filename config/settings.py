"""Settings for Xundiao, read from the environment.

The embedded default (no variables set) is a development profile: DEBUG on, a SQLite
file, eager Celery tasks, e-mail written to the console. Production sets DEBUG=0 and must
then provide SECRET_KEY; see the README's configuration table.
"""

import datetime
import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (设置 DEBUG=0 时必须提供 SECRET_KEY)."
        )
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_filters",
    "guardian",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "viewflow",
    "viewflow.workflow",
    # Lowest first: each app may import only the apps above it in this list
    # (the contracts in .importlinter say the same, and CI checks them).
    "core",
    "audit",
    "imports",
    "notifications",
    "org",
    "workflow",
    "approvals",
    "ledger",
    "dispatch",
    "surveys",
    "planning",
    "feedback",
    "circulars",
    "demo",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # ?q= cut to 100 characters before any view (the admin's too) reads it.
    "core.middleware.BoundedSearchMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "org.backends.ReachCacheMiddleware",
    # Before Viewflow's site middleware (appended by Viewflow): login, not 403, on /workflow/.
    "workflow.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "audit.middleware.RequestIdMiddleware",
    # A lock held by someone else: "该事项正在由他人办理，请稍后重试", not a server error.
    "core.middleware.LockBusyMiddleware",
]

# With DEBUG on (the demo), the project's own 404 page, not Django's technical one
# (core.debug404; XUNDIAO_TECHNICAL_404=1 shows Django's).
if not env.bool("XUNDIAO_TECHNICAL_404", default=False):
    MIDDLEWARE.append("core.debug404.OwnNotFoundPageMiddleware")

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"].setdefault("ATOMIC_REQUESTS", False)
# Keep a database connection open across requests (seconds), checked before reuse: a
# request then does not open its own (on SQLite Django also registers its SQL functions on
# every new connection). 0 closes it after every request.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for a lock instead of failing at once when the demo server and a command overlap.
    # BEGIN IMMEDIATE: a transaction takes the write lock when it starts. Begun deferred,
    # it reads first and then asks to upgrade its lock, which SQLite refuses at once
    # ("database is locked", no waiting) whenever another connection is writing — two
    # people deciding at the same moment would be told "该事项正在由他人办理".
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options.setdefault("timeout", 20)
    options.setdefault("transaction_mode", "IMMEDIATE")
elif "postgresql" in DATABASES["default"]["ENGINE"] and env.bool("PG_JIT_OFF", default=True):
    # PostgreSQL's JIT compiler spends seconds compiling the big grouped queries of the
    # compliance and suggestion pages and wins nothing back (measured: suggestions for
    # 100,000 cadres 2.74 s with JIT, 0.89 s without; docs/performance.md).
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c jit=off".strip()

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    # Answers for units and cadres (their jurisdiction covers guardian's direct grants);
    # guardian's backend answers for any other object.
    "org.backends.JurisdictionBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# Deadlines (roll-call issue): reminders this long before a due moment.
XUNDIAO_REMINDER_BEFORE_HOURS = env.int("XUNDIAO_REMINDER_BEFORE_HOURS", default=24)
# Approvers have this many days to decide, unless the request says otherwise.
XUNDIAO_APPROVAL_DAYS = env.int("XUNDIAO_APPROVAL_DAYS", default=3)
# Makeup training falls due this many months after a deferral or an absence.
XUNDIAO_MAKEUP_DUE_MONTHS = env.int("XUNDIAO_MAKEUP_DUE_MONTHS", default=12)
# A recorded attendance may be corrected (考勤更正) until this many days after the class ended.
XUNDIAO_ATTENDANCE_CORRECTION_DAYS = env.int("XUNDIAO_ATTENDANCE_CORRECTION_DAYS", default=30)
# How often each org department's circular is started automatically: month, quarter, year.
XUNDIAO_CIRCULAR_SCHEDULE = env.str("XUNDIAO_CIRCULAR_SCHEDULE", default="quarter")
# A class roster posts four fields a trainee and a class holds up to 10,000 seats
# (dispatch.models.classes.CLASS_QUOTA_MAX): Django's default of 1,000 fields refused every
# roster of more than about 249 trainees. The body stays bounded by
# DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB).
DATA_UPLOAD_MAX_NUMBER_FIELDS = env.int("DATA_UPLOAD_MAX_NUMBER_FIELDS", default=50_000)

# Bounds of an uploaded import (core/spreadsheets.py): the file's size, its rows of data,
# and what an .xlsx may unpack to (sum of its zip members) and its compression ratio.
XUNDIAO_IMPORT_MAX_BYTES = env.int("XUNDIAO_IMPORT_MAX_BYTES", default=5 * 1024 * 1024)
XUNDIAO_IMPORT_MAX_ROWS = env.int("XUNDIAO_IMPORT_MAX_ROWS", default=20000)
XUNDIAO_IMPORT_MAX_INFLATED_BYTES = env.int(
    "XUNDIAO_IMPORT_MAX_INFLATED_BYTES", default=100 * 1024 * 1024
)
XUNDIAO_IMPORT_MAX_RATIO = env.int("XUNDIAO_IMPORT_MAX_RATIO", default=100)
# Imports of an organization department's own data (imports app: units, cadres, accounts …):
# larger than the hours import: 200,000 rows must fit, so its .xlsx may unpack to more (a
# 200,000-cadre sheet is about 140 MB of XML, read as a stream); the ratio is the above.
XUNDIAO_ORG_IMPORT_MAX_BYTES = env.int("XUNDIAO_ORG_IMPORT_MAX_BYTES", default=30 * 1024 * 1024)
#: minutes after which a batch still "being checked" or "being committed", its row held by
#: no running worker, is taken for one a dead worker left (`imports.recovery`)
XUNDIAO_IMPORT_STALL_MINUTES = env.int("XUNDIAO_IMPORT_STALL_MINUTES", default=60)
XUNDIAO_ORG_IMPORT_MAX_ROWS = env.int("XUNDIAO_ORG_IMPORT_MAX_ROWS", default=200000)
XUNDIAO_ORG_IMPORT_MAX_INFLATED_BYTES = env.int(
    "XUNDIAO_ORG_IMPORT_MAX_INFLATED_BYTES", default=400 * 1024 * 1024
)
# A document with a long table (a roll call's 附件1 of thousands of cadres) is laid out in
# parts by this many render processes at once (notifications/documents/parallel.py); below
# 2, in the process that asks, one part after the other.
XUNDIAO_RENDER_PROCESSES = env.int("XUNDIAO_RENDER_PROCESSES", default=min(os.cpu_count() or 1, 4))
# The national cadre training plan's period (全国干部教育培训规划 2023–2027).
XUNDIAO_PLAN_PERIOD = (datetime.date(2023, 1, 1), datetime.date(2027, 12, 31))
# Outsiders get a plain 404/403 from our own views; guardian must not render its own pages.
GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False
# No anonymous user row: nobody anonymous may hold object permissions here.
ANONYMOUS_USER_NAME = None

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
# The interface is Chinese for everyone, whatever the browser asks for (English msgids are
# the source texts, not a second language).
LANGUAGES = [("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates shown as 2026年11月27日 (08:34) on every page: config/formats/zh_Hans/formats.py.
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "static")
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="xundiao@localhost")

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
# No broker configured: run tasks in-process so the embedded default needs no services.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
# An approved circular still without its document this many minutes after the approval
# (or its last failed attempt) is issued again by beat's circulars.issue_waiting.
XUNDIAO_CIRCULAR_ISSUE_AFTER_MINUTES = env.int("XUNDIAO_CIRCULAR_ISSUE_AFTER_MINUTES", default=10)
CELERY_BEAT_SCHEDULE = {
    "workflow-timers": {"task": "workflow.fire_timers", "schedule": 60.0},
    "circulars": {"task": "circulars.start_circulars", "schedule": 24 * 3600.0},
    "makeup-escalations": {"task": "dispatch.escalate_makeups", "schedule": 24 * 3600.0},
    # Published plan lines whose dispatch date has come: their roll calls start.
    "plan-roll-calls": {"task": "planning.start_plan_roll_calls", "schedule": 24 * 3600.0},
    "follow-ups": {"task": "feedback.start_follow_ups", "schedule": 24 * 3600.0},
    # The day's compliance standings counted before anyone reads the report.
    "compliance-standings": {"task": "ledger.recount_compliance", "schedule": 24 * 3600.0},
    # Roll calls whose after-commit announcement was lost (broker down, render error).
    "dispatch-announcements": {"task": "dispatch.announce_pending", "schedule": 60.0},
    # Approved circulars whose rendering was lost (server stopped) or failed: issued again.
    "circular-documents": {"task": "circulars.issue_waiting", "schedule": 60.0},
    # The dispatch tallies' change rows merged, so the circular's figures read few rows.
    "dispatch-tally": {"task": "dispatch.compact_tally", "schedule": 600.0},
    # Imports a dead worker left "being checked" or "being committed" set going again.
    "import-recovery": {"task": "imports.recover_imports", "schedule": 600.0},
    # Tasks claimed by a deputy whose delegation has ended: back to the queue (a revoked
    # delegation gives them back at once; `workflow.claims`).
    "delegation-releases": {
        "task": "approvals.release_ended_delegations",
        "schedule": 24 * 3600.0,
    },
    # Login sessions idle past their expiry (XUNDIAO_SESSION_IDLE_HOURS) deleted.
    "expired-sessions": {"task": "core.clear_expired_sessions", "schedule": 24 * 3600.0},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}

# --- Notifications (issue 5) ---
from celery.schedules import crontab  # noqa: E402

# E-mail: the console backend by default (EMAIL_BACKEND above). Setting EMAIL_HOST without
# EMAIL_BACKEND switches to SMTP; EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend
# writes messages to EMAIL_FILE_PATH.
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "mail"))
if "EMAIL_BACKEND" not in env.ENVIRON and env.str("EMAIL_HOST", default=""):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
# SMS: a class with send(phone, text); the default only logs (no real provider).
NOTIFICATIONS_SMS_BACKEND = env.str(
    "NOTIFICATIONS_SMS_BACKEND", default="notifications.sms.LoggingSmsBackend"
)
# Reminders this many days before a due moment (notifications.reminders.reminder_due).
NOTIFICATIONS_REMINDER_OFFSETS_DAYS = env.list(
    "NOTIFICATIONS_REMINDER_OFFSETS_DAYS", cast=int, default=[3, 1]
)
# Delivery retries: base · 2^(attempt-1) seconds, capped; failed for good after N attempts.
NOTIFICATIONS_MAX_ATTEMPTS = env.int("NOTIFICATIONS_MAX_ATTEMPTS", default=6)
NOTIFICATIONS_RETRY_BASE_SECONDS = env.int("NOTIFICATIONS_RETRY_BASE_SECONDS", default=60)
NOTIFICATIONS_RETRY_MAX_SECONDS = env.int("NOTIFICATIONS_RETRY_MAX_SECONDS", default=6 * 3600)
# A delivery claimed by a worker that died is sent again after this lease.
NOTIFICATIONS_SENDING_LEASE_SECONDS = env.int("NOTIFICATIONS_SENDING_LEASE_SECONDS", default=600)
# At most this many enclosed PDFs ride on one e-mail (a liaison's reissued notices of
# many cadres); the rest are downloaded from the inbox, as the e-mail says.
NOTIFICATIONS_MAX_ENCLOSURES = env.int("NOTIFICATIONS_MAX_ENCLOSURES", default=50)
# Links in e-mails and SMS are made absolute with this origin.
NOTIFICATIONS_SITE_URL = env.str("NOTIFICATIONS_SITE_URL", default="http://127.0.0.1:8000")
# Celery queue for delivery tasks (empty: the default queue).
NOTIFICATIONS_QUEUE = env.str("NOTIFICATIONS_QUEUE", default="")
CELERY_BEAT_SCHEDULE.update(
    {
        "notifications-sweep": {"task": "notifications.sweep", "schedule": 60.0},
        "notifications-reminders": {"task": "notifications.send_reminders", "schedule": 900.0},
        "notifications-digests": {
            "task": "notifications.send_digests",
            "schedule": crontab(hour=7, minute=30),
        },
        # PDFs an issue that rolled back left in storage (notifications.unissued).
        "unissued-documents": {"task": "notifications.prune_unissued", "schedule": 24 * 3600.0},
    }
)

# --- Security (issue 13; README: Security): login throttling, CSP, HTTPS headers ---
from csp.constants import NONE, SELF, UNSAFE_INLINE  # noqa: E402

INSTALLED_APPS += ["axes", "csp"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "csp.middleware.CSPMiddleware",
)
# Last, as axes asks: it turns a login refused for a lockout into the lockout page.
MIDDLEWARE.append("axes.middleware.AxesMiddleware")
# First: a locked username+address is refused before any password is checked.
AUTHENTICATION_BACKENDS.insert(0, "config.security.LoginThrottleBackend")

# Login throttling (django-axes): after N failed logins for one username from one address,
# that pair is refused for the cool-off (0: until an administrator unlocks it).
AXES_FAILURE_LIMIT = env.int("XUNDIAO_LOGIN_FAILURE_LIMIT", default=5)
_cooloff_minutes = env.int("XUNDIAO_LOGIN_COOLOFF_MINUTES", default=30)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=_cooloff_minutes) if _cooloff_minutes else None
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Password spraying: after N failed logins from one address within the cool-off, whatever
# the usernames, that address is refused for every username (config.security.LoginThrottleHandler).
XUNDIAO_LOGIN_ADDRESS_FAILURE_LIMIT = env.int("XUNDIAO_LOGIN_ADDRESS_FAILURE_LIMIT", default=50)
AXES_HANDLER = "config.security.LoginThrottleHandler"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "config.security.client_ip"

# Idle sessions: a session ends after this many hours without a request; each request
# pushes the end back, the session row being written at most once per
# XUNDIAO_SESSION_TOUCH_SECONDS (config.idle_sessions.IdleSessionMiddleware).
SESSION_COOKIE_AGE = env.int("XUNDIAO_SESSION_IDLE_HOURS", default=8) * 3600
XUNDIAO_SESSION_TOUCH_SECONDS = 300
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware") + 1,
    "config.idle_sessions.IdleSessionMiddleware",
)

# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (and appends the client's
# address to X-Forwarded-For, which the login throttling reads).
XUNDIAO_BEHIND_TLS_PROXY = env.bool("XUNDIAO_BEHIND_TLS_PROXY", default=False)
if XUNDIAO_BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# A trial install served over plain HTTP: no HTTPS redirect, no HSTS, no secure-only cookies
# (`check --deploy` then warns, rightly).
XUNDIAO_PLAIN_HTTP = env.bool("XUNDIAO_PLAIN_HTTP", default=False)
_https = not DEBUG and not XUNDIAO_PLAIN_HTTP
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=_https)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600 if _https else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=_https)
# Only the header's "preload" word: nothing is in browsers' preload lists until the domain
# is submitted there.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=_https)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=_https)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=_https)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): scripts only from our own static files, never inline
# (put them in core/static/xundiao/); inline styles stay allowed for the style attributes of
# Viewflow's and Django admin's templates and our own.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# -- REST API (README: API) -----------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Per-user tokens an administrator can revoke (api.models.ApiToken; admin: API 令牌),
        # and the page's session (CSRF enforced on writes).
        "api.authentication.ApiTokenAuthentication",
        "api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON in Chinese for every error, a missing object included (api.errors).
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    # JSON's and multipart forms' parse errors in Chinese (api.parsers).
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "api.parsers.MultiPartParser",
    ],
    # Pages of 50 (page_size up to 100); a page or size that is not one is a 400.
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pages",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "api.throttling.UserRate",
        "api.throttling.AnonRate",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env.str("XUNDIAO_API_USER_RATE", default="6000/hour"),
        "anon": env.str("XUNDIAO_API_ANON_RATE", default="60/hour"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "训调 Xundiao API",
    "DESCRIPTION": (
        "干部教育培训调训系统的接口：单位、干部、班次、点名调训、调训、审批、报备、补训、"
        "学时、量化指标、达标情况、公文与消息。每个列表都按调用者的管辖范围过滤，与页面一致。"
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Signed-in users only: the schema describes every field of the cadre records and the
    # flows, and the API has no anonymous callers (api/urls.py).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI and Redoc from drf-spectacular-sidecar's static files: nothing from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Every operation documents the API's error answers (api/schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.document_errors",
    ],
    # One name per choice set (several models have a "status" or a "kind").
    "ENUM_NAME_OVERRIDES": {
        "UnitKindEnum": "org.models.UnitKind",
        "CadreCategoryEnum": "org.models.CadreCategory",
        "InstitutionKindEnum": "dispatch.models.InstitutionKind",
        "ClassKindEnum": "dispatch.models.ClassKind",
        "RollCallStatusEnum": "dispatch.models.RollCallStatus",
        "RollCallModeEnum": "dispatch.models.RollCallMode",
        "DispatchStatusEnum": "dispatch.models.DispatchStatus",
        "DispatchKindEnum": "dispatch.models.DispatchKind",
        "DispatchRequestKindEnum": "dispatch.models.RequestKind",
        "AttendanceResultEnum": "dispatch.models.AttendanceResult",
        "FilingStatusEnum": "dispatch.models.FilingStatus",
        "MakeupStatusEnum": "dispatch.models.MakeupStatus",
        "HourKindEnum": "ledger.models.HourKind",
        "HourSourceEnum": "ledger.models.HourSource",
        "HourStatusEnum": "ledger.models.HourStatus",
        "ApprovalStatusEnum": "approvals.models.RequestStatus",
        "DecisionEnum": "approvals.models.Decision",
        "DocumentKindEnum": "notifications.models.DocumentKind",
        "EventEnum": "notifications.models.Event",
        "ComplianceStatusEnum": "ledger.compliance.STATUS_CHOICES",
    },
}
