"""Local profile: the embedded default (SQLite, filesystem broker), debug on."""

from config.settings.base import *  # noqa: F403
from config.settings.base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
