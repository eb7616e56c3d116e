"""Settings shared by every profile (cookiecutter-django's sections, then the project's own).

Profiles only override: `local` adds the development defaults (a secret key, DEBUG on), `test`
its own key and in-memory services, `production` reads everything from the environment and
refuses to start without it. Nothing here touches the disk: folders under var/ are made by
whatever needs them (scripts/dev.sh; the Celery hooks in config/celery_app.py)."""

import datetime as dt
from pathlib import Path

import environ
from celery.schedules import crontab
from django_guid.integrations import CeleryIntegration

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# Everything the embedded default writes (SQLite, filesystem broker, fonts, media, imports).
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
if env.bool("DJANGO_READ_DOT_ENV_FILE", default=False):
    env.read_env(str(BASE_DIR / ".env"))

# GENERAL
# ------------------------------------------------------------------------------------------------
# No SECRET_KEY here: local.py has a development default, test.py its own key, production.py
# reads DJANGO_SECRET_KEY and fails without it.
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
TIME_ZONE = "Asia/Shanghai"
LANGUAGE_CODE = "zh-hans"
USE_I18N = True
USE_TZ = True

# DATABASES
# ------------------------------------------------------------------------------------------------
# SQLite is the embedded default; production sets DATABASE_URL=postgres://...
# No ATOMIC_REQUESTS: the services own their transactions.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# CACHES
# ------------------------------------------------------------------------------------------------
# Nothing the site needs to work lives in the cache (login throttling is in the database,
# django-axes): with DJANGO_CACHE_URL=redis://... and that Redis down, pages and login still work
# and /healthz reports the cache.
CACHES = {"default": env.cache("DJANGO_CACHE_URL", default="locmemcache://fuhan")}

# URLS
# ------------------------------------------------------------------------------------------------
ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

# APPS
# ------------------------------------------------------------------------------------------------
DJANGO_APPS = [
    # the admin with its Chinese site header (core/app_configs.py)
    "core.app_configs.FuhanAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]
THIRD_PARTY_APPS = [
    # django-fsm-log under a Chinese name in the admin (core/app_configs.py)
    "core.app_configs.StateLogConfig",
    "rest_framework",
    # API tokens stored as digests, with an expiry (REST_KNOX below; core/tokens.py)
    "knox",
    "django_filters",
    "drf_spectacular",
    # failed logins in the database (AXES_* below; core/security.py)
    "axes",
    # X-Request-ID on every request, log line and Celery task (DJANGO_GUID below)
    "django_guid",
    # /healthz (config/health.py)
    "health_check",
]
LOCAL_APPS = [
    "core",
    "proposals",
    "replies",
    "offices",
    "portal",
    "api",
    "notifications",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

# AUTHENTICATION
# ------------------------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    # django-axes first: a locked-out client is refused before any password is checked
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend that reads the user's Staff row in the same query (proposals/backends.py)
    "proposals.backends.StaffModelBackend",
    # sessions opened before StaffModelBackend existed name this one
    "django.contrib.auth.backends.ModelBackend",
]
# Django's four validators with Chinese messages whatever the browser's language
# (core/passwords.py); the last entry validates nothing: Django calls its password_changed()
# whenever a password is set, and it revokes the user's API tokens.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "core.passwords.UserAttributeSimilarityValidator"},
    {
        "NAME": "core.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": env.int("FUHAN_PASSWORD_MIN_LENGTH", default=8)},
    },
    {"NAME": "core.passwords.CommonPasswordValidator"},
    {"NAME": "core.passwords.NumericPasswordValidator"},
    {"NAME": "core.passwords.RevokeApiTokensOnPasswordChange"},
]
# Login throttling (one rule, django-axes with database storage, core/security.py): 5 failures
# for one user name from one address, or 20 from one address whatever the user names, within
# 15 minutes refuse that client for 15 minutes (the web login and the API token endpoint).
AXES_HANDLER = "core.security.LoginThrottleHandler"
AXES_FAILURE_LIMIT = env.int("FUHAN_LOGIN_FAILURE_LIMIT", default=5)
AXES_FAILURE_LIMIT_PER_ADDRESS = env.int("FUHAN_LOGIN_FAILURE_LIMIT_PER_ADDRESS", default=20)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_COOLOFF_TIME = dt.timedelta(seconds=env.int("FUHAN_LOGIN_FAILURE_WINDOW", default=15 * 60))
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "core.security.client_ip"
AXES_LOCKOUT_CALLABLE = "core.security.lockout_response"
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_VERBOSE = False
# axes' and knox's admin pages speak English: failed logins are in the logs, tokens on /account/
AXES_ENABLE_ADMIN = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "proposals:inbox"
LOGOUT_REDIRECT_URL = "login"

# MIDDLEWARE
# ------------------------------------------------------------------------------------------------
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # request id first, so that every later log line carries it
    "django_guid.middleware.guid_middleware",
    "core.logging.RequestLogMiddleware",
    # the data revision read once per request, forgotten when the request writes
    "proposals.revision.RevisionPerRequest",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # bad input (control characters, huge values and numbers) -> 400, core/middleware.py
    "core.middleware.InputCleaningMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # turns a lockout noticed during authentication into the Chinese refusal; last, as axes asks
    "axes.middleware.AxesMiddleware",
]

# STATIC
# ------------------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=str(VAR_DIR / "static"))
# Page styles and scripts of the whole site (templates carry no <style> or style=""); app
# assets such as replies/static/replies/editor.js are found in each app.
STATICFILES_DIRS = [BASE_DIR / "static"]

# MEDIA
# ------------------------------------------------------------------------------------------------
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media"))
# Uploads: nothing larger than this is accepted anywhere (imports, attachments).
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# TEMPLATES
# ------------------------------------------------------------------------------------------------
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
                "proposals.context_processors.menu",
                "notifications.context_processors.unread_notifications",
            ],
        },
    },
]

# SECURITY
# ------------------------------------------------------------------------------------------------
# Django's defaults already send nosniff, X-Frame-Options DENY and HttpOnly session cookies;
# production.py adds HTTPS (secure cookies, HSTS, redirect).
# A refused CSRF check shows the Chinese 403 page with its reason (templates/403.html).
CSRF_FAILURE_VIEW = "core.views.csrf_failure"

# Monitoring probes /healthz over plain HTTP on the host itself (deploy/): no HTTPS redirect.
SECURE_REDIRECT_EXEMPT = [r"^healthz/?$"]
# The client's address for login throttling: REMOTE_ADDR, or the header the reverse proxy sets
# (deploy/nginx.conf sets X-Real-IP). Only set it behind such a proxy: a client could send it.
FUHAN_CLIENT_IP_HEADER = env("FUHAN_CLIENT_IP_HEADER", default="")

# EMAIL
# ------------------------------------------------------------------------------------------------
EMAIL_BACKEND = env(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="fuhan@localhost")
# SMTP for reminder e-mails (used when DJANGO_EMAIL_BACKEND is the SMTP backend).
EMAIL_HOST = env("DJANGO_EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("DJANGO_EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("DJANGO_EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("DJANGO_EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("DJANGO_EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("DJANGO_EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("DJANGO_EMAIL_TIMEOUT", default=30)

# ADMIN
# ------------------------------------------------------------------------------------------------
# The site header and titles are on the admin site itself (core/admin_site.py).
ADMIN_URL = "admin/"

# LOGGING
# ------------------------------------------------------------------------------------------------
# One line per record on stdout (systemd's journal, or whatever runs the process), every line
# with the request id: JSON in production (DJANGO_LOG_FORMAT=json, python-json-logger), plain
# text elsewhere. Web processes log one line per request (core/logging.py); Celery uses this
# configuration too (config/celery_app.py), with the request id of the request that queued the
# task (django-guid's Celery integration).
LOG_FORMAT = env("DJANGO_LOG_FORMAT", default="text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {
            "()": "django_guid.log_filters.CorrelationId",
            "correlation_id_field": "request_id",
        },
    },
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "json_ensure_ascii": False,
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "filters": ["request_id"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        "fontTools": {"level": "WARNING"},
        "weasyprint": {"level": "ERROR"},
        # the request line (core/logging.py) says the same as Django's own "Not Found: …"
        "django.request": {"level": "ERROR"},
        "axes": {"level": "WARNING"},
        "django_guid": {"level": "WARNING"},
    },
}
DJANGO_GUID = {
    # the proxy's id (nginx: $request_id) is kept when it is a well-formed hex/UUID; a new one
    # is made otherwise, and returned in the X-Request-ID response header
    "GUID_HEADER_NAME": "X-Request-ID",
    "VALIDATE_GUID": True,
    "RETURN_HEADER": True,
    "EXPOSE_HEADER": False,
    "UUID_LENGTH": 32,
    # a task queued by a request logs with that request's id
    "INTEGRATIONS": [CeleryIntegration(use_django_logging=True, log_parent=False, uuid_length=32)],
}

# CELERY
# ------------------------------------------------------------------------------------------------
# The embedded default is a filesystem broker (no server needed); its folders are created when a
# process first publishes or a worker starts (config/celery_app.py), never here. Production
# sets CELERY_BROKER_URL=redis://... and CELERY_RESULT_BACKEND=redis://...
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=600)
if CELERY_BROKER_URL.startswith("filesystem"):
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {
        "data_folder_in": str(VAR_DIR / "broker"),
        "data_folder_out": str(VAR_DIR / "broker"),
        "processed_folder": str(VAR_DIR / "broker-processed"),
        "store_processed": False,
        # the exchange tables, under var/ rather than the working directory
        "control_folder": str(VAR_DIR / "broker-control"),
    }
else:
    # A task a worker took (acks_late) and did not acknowledge, because the worker was killed,
    # goes back to the queue after the visibility timeout. 10 minutes: the longest task
    # (reminders_deliver_batch, hard limit 300 s; every other task CELERY_TASK_TIME_LIMIT, 300 s)
    # ends well before it, so a task still running is never handed to a second worker, and a
    # killed worker's batch is sent again within minutes instead of an hour. Retries wait at
    # most 5 minutes (notifications/tasks.py), also below it.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# A web request that queues a notification must not hang when Redis is down: give up quickly,
# log it, and let the next sweep send the notice.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
# One static schedule in code. The sweep finds every reminder that is due and sends it; there is
# never one long-ETA task per item (Redis would redeliver those after the visibility timeout).
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "reminders-sweep": {
        "task": "notifications.tasks.reminders_sweep",
        # https://crontab.guru/#*/15_8-18_*_*_* : every 15 minutes from 08:00 to 18:45
        # (CELERY_TIMEZONE, Asia/Shanghai), every day; the sweep itself skips deadline
        # reminders on days off and works on make-up Saturdays (proposals/calendar.py).
        "schedule": crontab(minute="*/15", hour="8-18"),
    },
    "notifications-purge": {
        "task": "notifications.tasks.notifications_purge",
        # https://crontab.guru/#30_3_*_*_* : every night at 03:30, reminders and in-app
        # notifications older than FUHAN_NOTIFICATION_RETENTION_DAYS
        "schedule": crontab(minute="30", hour="3"),
    },
    "import-staging-purge": {
        "task": "offices.tasks.import_staging_purge",
        # https://crontab.guru/#*/15_*_*_*_* : staged import files past their day are deleted
        # within 15 minutes
        "schedule": crontab(minute="*/15"),
    },
    "proposer-messages-requeue": {
        "task": "notifications.tasks.proposer_messages_requeue",
        # https://crontab.guru/#*/10_*_*_*_* : SMS and e-mails to proposers whose task was lost
        # (broker down) are queued again; each is still sent at most once
        "schedule": crontab(minute="*/10"),
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = env(
    "CELERY_BEAT_SCHEDULE_FILENAME", default=str(VAR_DIR / "celerybeat-schedule")
)

# REST FRAMEWORK
# ------------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # knox tokens (digests, expiry), with Chinese refusals (core/tokens.py); first, so that
        # a refused request is answered 401 with WWW-Authenticate: Token
        "core.tokens.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "PAGE_SIZE": 25,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "复函 API",
    "DESCRIPTION": "建议提案办理系统的 REST 接口：事项、交办任务、状态操作、复函与 PDF。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # the schema (and the docs page, api/views.py) only for users who are logged in
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
}
# API tokens (POST /api/auth/token/) expire after FUHAN_API_TOKEN_TTL_HOURS (default 7 days),
# and are revoked at logout and at a password change (core/tokens.py); users list and revoke
# theirs on /account/.
REST_KNOX = {
    "TOKEN_TTL": dt.timedelta(hours=env.int("FUHAN_API_TOKEN_TTL_HOURS", default=7 * 24)),
    "AUTO_REFRESH": False,
    "AUTH_HEADER_PREFIX": "Token",
}

# FUHAN (the project's own settings; environment variables FUHAN_*)
# ------------------------------------------------------------------------------------------------
# Absolute links in e-mails.
FUHAN_SITE_URL = env("FUHAN_SITE_URL", default="http://127.0.0.1:8000")
# Reminders claimed and sent per transaction by the sweep.
FUHAN_REMINDER_BATCH_SIZE = env.int("FUHAN_REMINDER_BATCH_SIZE", default=1000)
# Largest upload accepted (imports, attachments).
UPLOAD_MAX_BYTES = env.int("FUHAN_UPLOAD_MAX_BYTES", default=5 * 1024 * 1024)
# Rows of one assignment list (交办清单) import.
IMPORT_MAX_ROWS = env.int("FUHAN_IMPORT_MAX_ROWS", default=2000)
# Uploaded assignment lists wait here between preview and import (named by their SHA-256).
IMPORT_STAGING_DIR = env.path("FUHAN_IMPORT_STAGING_DIR", default=str(VAR_DIR / "imports"))
# A staged file waits at most this long for the office to confirm the import; the commit
# refuses an older one and the beat task import_staging_purge deletes it.
IMPORT_STAGING_MAX_AGE = dt.timedelta(
    hours=env.int("FUHAN_IMPORT_STAGING_MAX_AGE_HOURS", default=24)
)
# Bounds on reading an uploaded workbook (offices/importing.py: _open_sheet, _rows), so that any
# file within FUHAN_UPLOAD_MAX_BYTES stays within about 100 MB of memory and a few seconds:
# uncompressed size of each zip member and of all together, number of members, columns read,
# characters in one cell. Rows: IMPORT_MAX_ROWS (reading stops at the first row beyond it).
IMPORT_MAX_MEMBER_BYTES = env.int("FUHAN_IMPORT_MAX_MEMBER_BYTES", default=25 * 1024 * 1024)
IMPORT_MAX_UNCOMPRESSED_BYTES = env.int(
    "FUHAN_IMPORT_MAX_UNCOMPRESSED_BYTES", default=50 * 1024 * 1024
)
IMPORT_MAX_MEMBERS = env.int("FUHAN_IMPORT_MAX_MEMBERS", default=200)
IMPORT_MAX_COLUMNS = env.int("FUHAN_IMPORT_MAX_COLUMNS", default=40)
IMPORT_MAX_CELL_CHARS = env.int("FUHAN_IMPORT_MAX_CELL_CHARS", default=20_000)
# Input cleaning (core/middleware.py): longest query-string value, longest form or JSON value
# (form fields check their own, shorter limits), highest page number.
FUHAN_INPUT_MAX_QUERY_CHARS = env.int("FUHAN_INPUT_MAX_QUERY_CHARS", default=1000)
FUHAN_INPUT_MAX_FIELD_CHARS = env.int("FUHAN_INPUT_MAX_FIELD_CHARS", default=200_000)
FUHAN_INPUT_MAX_PAGE = env.int("FUHAN_INPUT_MAX_PAGE", default=100_000)
# Reminders and in-app notifications are deleted this many days after they were created
# (beat task notifications_purge); pending ones are kept until sent.
FUHAN_NOTIFICATION_RETENTION_DAYS = env.int("FUHAN_NOTIFICATION_RETENTION_DAYS", default=365)
# PDF: WeasyPrint may only read files below this folder (fonts, CSS).
PDF_ASSET_ROOT = BASE_DIR / "replies" / "pdf_assets"
# Reply letter fonts (Fandol), installed by scripts/install_fonts.sh with their fontconfig file.
PDF_FONT_DIR = env.path("FUHAN_FONT_DIR", default=str(VAR_DIR / "fonts"))
# Who draws the letter: "direct" (replies/pdf_writer.py, from the composed rows) or
# "weasyprint" (the same rows as HTML; the slower reference renderer the tests compare against).
PDF_ENGINE = env.str("FUHAN_PDF_ENGINE", default="direct")
# --- Item content and the holiday calendar (issue 9: proposals/calendar.py, attachments) -------
# Other processes (workers, web processes) re-read the holiday calendar at most this long after
# an office changed it; the process that made the change re-reads it at once. 0: never by time.
FUHAN_CALENDAR_RECHECK_SECONDS = env.int("FUHAN_CALENDAR_RECHECK_SECONDS", default=60)
# Attachments (the original suggestion: PDF, PNG, JPEG, .docx), stored under MEDIA_ROOT and
# served only through the access-checked download view.
FUHAN_ATTACHMENT_MAX_BYTES = env.int("FUHAN_ATTACHMENT_MAX_BYTES", default=20 * 1024 * 1024)
FUHAN_ATTACHMENTS_PER_UPLOAD = env.int("FUHAN_ATTACHMENTS_PER_UPLOAD", default=10)
# --- Issued letters: seal and digital signature (issue 11) ---------------------------------------
# Largest seal image the admin accepts (proposals/seals.py).
FUHAN_SEAL_MAX_BYTES = env.int("FUHAN_SEAL_MAX_BYTES", default=1024 * 1024)
# Signing certificates by reference (proposals/credentials.py): <dir>/<name>.p12, the password in
# FUHAN_SIGNING_PASSWORD_<NAME> or <secrets dir>/<name>.password.
FUHAN_SIGNING_DIR = env.path("FUHAN_SIGNING_DIR", default=str(VAR_DIR / "signing"))
FUHAN_SECRETS_DIR = env.path(
    "FUHAN_SECRETS_DIR", default=env("CREDENTIALS_DIRECTORY", default="/run/secrets")
)
# RFC 3161 time-stamp authority for PAdES signatures (empty: no time stamp).
FUHAN_TSA_URL = env("FUHAN_TSA_URL", default="")
# PEM files of the CAs whose signatures verify_letter reports as trusted.
FUHAN_SIGNING_TRUST_ROOTS = env.list("FUHAN_SIGNING_TRUST_ROOTS", default=[])

# --- 催办 / 督办 and deadline marks (issue 9, items 4-8) ------------------------------------------
# Board and list rows are marked yellow when this many working days or fewer are left before
# the due date (red once overdue).
FUHAN_DUE_SOON_WORKDAYS = env.int("FUHAN_DUE_SOON_WORKDAYS", default=5)

# --- proposers' own page, SMS and public replies (issue 10) -------------------------------------
# A personal link (signed; revocable by the office) is valid this many days.
FUHAN_PROPOSER_LINK_DAYS = env.int("FUHAN_PROPOSER_LINK_DAYS", default=90)
# SMS: "notifications.sms.ConsoleSmsBackend" (development: printed to the log) or
# "notifications.sms.HttpGatewaySmsBackend" (POST JSON to FUHAN_SMS_GATEWAY_URL).
FUHAN_SMS_BACKEND = env("FUHAN_SMS_BACKEND", default="notifications.sms.ConsoleSmsBackend")
FUHAN_SMS_GATEWAY_URL = env("FUHAN_SMS_GATEWAY_URL", default="")
FUHAN_SMS_GATEWAY_KEY = env("FUHAN_SMS_GATEWAY_KEY", default="")
FUHAN_SMS_SIGN_NAME = env("FUHAN_SMS_SIGN_NAME", default="复函")
FUHAN_SMS_TIMEOUT_SECONDS = env.float("FUHAN_SMS_TIMEOUT_SECONDS", default=5.0)
# Template ids registered with the gateway, per message purpose (JSON object).
FUHAN_SMS_TEMPLATES = env.json(
    "FUHAN_SMS_TEMPLATES", default={"letter_issued": "SMS_LETTER", "link": "SMS_LINK"}
)
# At most this many messages per phone number in any hour; the rest are skipped (logged).
FUHAN_SMS_PER_PHONE_PER_HOUR = env.int("FUHAN_SMS_PER_PHONE_PER_HOUR", default=5)
# Attempts before a message is marked failed.
FUHAN_SMS_MAX_ATTEMPTS = env.int("FUHAN_SMS_MAX_ATTEMPTS", default=4)
