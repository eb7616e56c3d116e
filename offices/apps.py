from django.apps import AppConfig


class OfficesConfig(AppConfig):
    """The NPC/CPPCC offices' and the supervision office's tools: import, board, statistics,
    audit, contact records, demo data. On top: it reads proposals and replies, nothing reads it."""

    name = "offices"
    verbose_name = "交办机构工具"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """The contact record's section of the item page and the statistics' share of the stored
        counts (proposals.tallies); proposals does not import offices."""
        from offices.panels import contacts_panel
        from offices.statistics import statistics_counts
        from proposals.pages import Panel
        from proposals.pages import register_panel
        from proposals.tallies import register_contributor

        register_panel(Panel("office/_contacts.html", contacts_panel, order=60))
        register_contributor(statistics_counts)
