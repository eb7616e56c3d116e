from django.apps import AppConfig


class RepliesConfig(AppConfig):
    name = "replies"
    verbose_name = "复函"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """The reply's section of the item page; proposals does not import this app."""
        from proposals.pages import Panel
        from proposals.pages import register_panel
        from replies.panels import reply_panel

        register_panel(Panel("replies/_panel.html", reply_panel, order=30))
