from django.apps import AppConfig


class RepliesConfig(AppConfig):
    name = "replies"
    verbose_name = "复函"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """The reply's section of the item page, and the search index following registrations;
        proposals does not import this app."""
        from proposals.events import on_item_changed
        from proposals.pages import Panel
        from proposals.pages import register_panel
        from replies.panels import reply_panel
        from replies.search import search_doc_refresh

        register_panel(Panel("replies/_panel.html", reply_panel, order=30))
        on_item_changed(search_doc_refresh)
