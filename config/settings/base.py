"""Settings shared by every profile (cookiecutter-django's sections, then the project's own).

Profiles only override: `local` adds the development defaults (a secret key, DEBUG on), `test`
its own key and in-memory services, `production` reads everything from the environment and
refuses to start without it. Nothing here touches the disk: folders under var/ are made by
whatever needs them (scripts/dev.sh; the Celery hooks in config/celery_app.py)."""

from pathlib import Path

import environ
from celery.schedules import crontab

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
# The login failure counter lives in the cache: set DJANGO_CACHE_URL=redis://... when several
# processes serve the site, so that they share it.
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
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
]
LOCAL_APPS = [
    "core",
    "proposals",
    "replies",
    "offices",
    "api",
    "notifications",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

# AUTHENTICATION
# ------------------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "proposals:inbox"
LOGOUT_REDIRECT_URL = "login"

# MIDDLEWARE
# ------------------------------------------------------------------------------------------------
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# STATIC
# ------------------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
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
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {"fontTools": {"level": "WARNING"}, "weasyprint": {"level": "ERROR"}},
}

# CELERY
# ------------------------------------------------------------------------------------------------
# The embedded default is a filesystem broker (no server needed); its folders are created when a
# process first publishes or a worker starts (config/celery_app.py), never here. Production
# sets CELERY_BROKER_URL=redis://... and CELERY_RESULT_BACKEND=redis://...
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
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
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
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
}
CELERY_BEAT_SCHEDULE_FILENAME = env(
    "CELERY_BEAT_SCHEDULE_FILENAME", default=str(VAR_DIR / "celerybeat-schedule")
)

# REST FRAMEWORK
# ------------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
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
# Failed logins per username + IP address before the login is refused for a while.
LOGIN_FAILURE_LIMIT = env.int("FUHAN_LOGIN_FAILURE_LIMIT", default=5)
LOGIN_FAILURE_WINDOW_SECONDS = env.int("FUHAN_LOGIN_FAILURE_WINDOW", default=15 * 60)
# PDF: WeasyPrint may only read files below this folder (fonts, CSS).
PDF_ASSET_ROOT = BASE_DIR / "replies" / "pdf_assets"
# Reply letter fonts (Fandol), installed by scripts/install_fonts.sh with their fontconfig file.
PDF_FONT_DIR = env.path("FUHAN_FONT_DIR", default=str(VAR_DIR / "fonts"))
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
