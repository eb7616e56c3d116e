from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "提醒与通知"

    def ready(self) -> None:
        """Listen to committed transitions; proposals does not know this app exists."""
        from notifications.hooks import transition_committed
        from proposals.events import subscribe

        subscribe(transition_committed)
