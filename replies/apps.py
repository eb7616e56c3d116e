from django.apps import AppConfig


class RepliesConfig(AppConfig):
    name = "replies"
    verbose_name = "复函"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """The reply's section of the item page, the search index following registrations, and
        the similar-paragraph index following items that are withdrawn or merged; proposals does
        not import this app."""
        from proposals.events import on_item_changed
        from proposals.events import subscribe_status
        from proposals.pages import Panel
        from proposals.pages import register_panel
        from replies.panels import reply_panel
        from replies.search import search_doc_refresh
        from replies.similarity.hooks import proposal_status_changed

        register_panel(Panel("replies/_panel.html", reply_panel, order=30))
        on_item_changed(search_doc_refresh)
        subscribe_status(proposal_status_changed)
