from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def seed_holiday_calendar(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """After every `migrate` (and every test-database flush): fill in the holiday calendar for
    the years chinese-calendar knows and the database does not have yet. Years already present
    (seeded before or entered by an office) are never touched, so a newer chinese-calendar adds
    its new years on the next migrate without a new migration."""
    from django.db import connections

    from proposals.models import HolidayYear
    from proposals.services.holidays import holiday_calendar_seed

    if HolidayYear._meta.db_table not in connections[using].introspection.table_names():
        return  # migrated backwards past the calendar's tables
    holiday_calendar_seed()


def install_revision_triggers(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """After every migrate (and test-database creation): the data revision's triggers on every
    table of the watched apps, new tables included (proposals/revision.py, WATCHED_APPS)."""
    from proposals.revision import revision_triggers_install

    revision_triggers_install(using)


class ProposalsConfig(AppConfig):
    name = "proposals"
    verbose_name = "建议提案办理"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(seed_holiday_calendar, sender=self)
        # after all apps: replies' tables exist only once its own migrations ran
        post_migrate.connect(install_revision_triggers, dispatch_uid="fuhan_revision_triggers")
