"""Test profile. DATABASE_URL selects PostgreSQL in CI; without it the suite runs on SQLite."""

from config.settings.base import *  # noqa: F403
from config.settings.base import env

# GENERAL
# ------------------------------------------------------------------------------------------------
DEBUG = False
SECRET_KEY = "test-only-key-never-used-outside-the-test-suite"  # noqa: S105

# AUTHENTICATION
# ------------------------------------------------------------------------------------------------
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# EMAIL
# ------------------------------------------------------------------------------------------------
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# CELERY
# ------------------------------------------------------------------------------------------------
CELERY_BROKER_URL = "memory://"
CELERY_BROKER_TRANSPORT_OPTIONS = {}
CELERY_RESULT_BACKEND = None
# Redis used by integration tests only; a separate db number keeps it away from real data.
TEST_REDIS_URL = env("TEST_REDIS_URL", default="redis://127.0.0.1:6379/15")
# Calendar changes invalidate the snapshot explicitly; no re-read by time, so that the query
# counts the board tests compare never include one.
FUHAN_CALENDAR_RECHECK_SECONDS = 0
