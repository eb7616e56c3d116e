"""Production profile: PostgreSQL, Redis and every secret from the environment (.env.example).

A missing or empty DJANGO_SECRET_KEY, DATABASE_URL, CELERY_BROKER_URL or DJANGO_ALLOWED_HOSTS
stops the process when the settings load, naming the variable: better than a web process or a
worker that starts with a guess."""

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import *  # noqa: F403
from config.settings.base import ADMIN_URL
from config.settings.base import MIDDLEWARE
from config.settings.base import env


def required(name: str) -> str:
    """The variable's value; refuses to start when it is unset or blank."""
    value = env.str(name, default="").strip()
    if not value:
        raise ImproperlyConfigured(
            f"生产环境缺少环境变量 {name}，请在服务配置或 .env 中设置（见 .env.example）。 / "
            f"Set the {name} environment variable (see .env.example)."
        )
    return value


# GENERAL
# ------------------------------------------------------------------------------------------------
DEBUG = False
SECRET_KEY = required("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = [host.strip() for host in required("DJANGO_ALLOWED_HOSTS").split(",")]

# DATABASES
# ------------------------------------------------------------------------------------------------
DATABASES = {"default": env.db_url_config(required("DATABASE_URL"))}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)

# MIDDLEWARE
# ------------------------------------------------------------------------------------------------
MIDDLEWARE = [MIDDLEWARE[0], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[1:]]

# STATIC
# ------------------------------------------------------------------------------------------------
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# SECURITY
# ------------------------------------------------------------------------------------------------
# HTTPS only. Behind a proxy that terminates TLS and sets X-Forwarded-Proto, set
# DJANGO_SECURE_PROXY_SSL_HEADER=1 (only then: a client could send that header itself).
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
if env.bool("DJANGO_SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env.bool("DJANGO_SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = env.bool("DJANGO_CSRF_COOKIE_SECURE", default=True)
# HSTS starts short, so that a mistake in the HTTPS set-up locks browsers out for a minute only;
# raise DJANGO_SECURE_HSTS_SECONDS to 31536000 once HTTPS works on every host. Preload is a
# commitment to browser vendors: opt in with DJANGO_SECURE_HSTS_PRELOAD=1.
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True

# EMAIL
# ------------------------------------------------------------------------------------------------
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")

# ADMIN
# ------------------------------------------------------------------------------------------------
ADMIN_URL = env("DJANGO_ADMIN_URL", default=ADMIN_URL)

# CELERY
# ------------------------------------------------------------------------------------------------
CELERY_BROKER_URL = required("CELERY_BROKER_URL")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
