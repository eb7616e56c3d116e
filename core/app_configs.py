"""App configs that settings name in INSTALLED_APPS instead of "django.contrib.admin" and
"django_fsm_log": the admin with its Chinese site (core/admin_site.py), and django-fsm-log's app
and StateLog model under Chinese names (its fields are labelled by the StateLog admin in
proposals/admin.py).

Not in core/apps.py: Django picks an app's default config among the AppConfig classes there."""

from __future__ import annotations

from django.contrib.admin.apps import AdminConfig
from django_fsm_log.apps import DjangoFSMLogAppConfig

STATE_LOG_NAME = "状态流转记录"


class FuhanAdminConfig(AdminConfig):
    default_site = "core.admin_site.FuhanAdminSite"


class StateLogConfig(DjangoFSMLogAppConfig):
    verbose_name = STATE_LOG_NAME

    def ready(self) -> None:
        super().ready()
        # Display names only: set on _meta, not in Meta.original_attrs, so the third-party
        # model's migration state is unchanged (makemigrations finds nothing to write).
        meta = self.get_model("StateLog")._meta
        meta.verbose_name = STATE_LOG_NAME
        meta.verbose_name_plural = STATE_LOG_NAME
