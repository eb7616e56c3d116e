"""Local profile (manage.py's default): the embedded default (SQLite, filesystem broker) with the
development defaults that no other profile has: a secret key and DEBUG on."""

from config.settings.base import *  # noqa: F403
from config.settings.base import env

# GENERAL
# ------------------------------------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-insecure-key-only-for-development")
