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


class ProposalsConfig(AppConfig):
    name = "proposals"
    verbose_name = "建议提案办理"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(seed_holiday_calendar, sender=self)
