from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "提醒与通知"

    def ready(self) -> None:
        """Listen to committed transitions; proposals does not know this app exists."""
        from notifications.hooks import notice_committed
        from notifications.hooks import proposers_on_issue
        from notifications.hooks import transition_committed
        from proposals.events import subscribe
        from proposals.events import subscribe_notices

        subscribe(transition_committed)
        subscribe(proposers_on_issue)
        subscribe_notices(notice_committed)
