from django.apps import AppConfig


class OfficesConfig(AppConfig):
    """The NPC/CPPCC offices' and the supervision office's tools: import, board, statistics,
    audit, contact records, demo data. On top: it reads proposals and replies, nothing reads it."""

    name = "offices"
    verbose_name = "交办机构工具"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """The contact record's section of the item page; proposals does not import offices."""
        from offices.panels import contacts_panel
        from proposals.pages import Panel
        from proposals.pages import register_panel

        register_panel(Panel("office/_contacts.html", contacts_panel, order=60))
