"""The check every server entry point (WSGI, ASGI, the Celery app) makes before Django loads.

They never guess a profile: falling back to `local` in production would run with a development
secret key and DEBUG on, and falling back to `production` on a developer's machine fails later
with a less helpful message about missing variables. manage.py, the developer's tool, keeps
defaulting to `config.settings.local`."""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

MISSING_SETTINGS_MODULE = (
    "未设置环境变量 DJANGO_SETTINGS_MODULE，拒绝启动：生产环境请设为 config.settings.production，"
    "本地开发请设为 config.settings.local（或使用 manage.py / scripts/dev.sh）。 / "
    "DJANGO_SETTINGS_MODULE is not set, refusing to start: use config.settings.production in "
    "production, config.settings.local for development (or manage.py / scripts/dev.sh)."
)


def settings_module_required() -> str:
    """The settings module named in the environment; refuses to start without one."""
    module = os.environ.get("DJANGO_SETTINGS_MODULE", "").strip()
    if not module:
        raise ImproperlyConfigured(MISSING_SETTINGS_MODULE)
    return module
