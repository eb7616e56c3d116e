from django.apps import AppConfig


class OfficesConfig(AppConfig):
    """The NPC/CPPCC offices' and the supervision office's tools: import, board, statistics,
    audit, contact records, demo data. On top: it reads proposals and replies, nothing reads it."""

    name = "offices"
    verbose_name = "交办机构工具"
    default_auto_field = "django.db.models.BigAutoField"
