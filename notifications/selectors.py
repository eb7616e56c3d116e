"""Reads of a user's own notifications (nobody reads anyone else's)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from notifications.models import Notification
from proposals.revision import revision_cached


def notification_list(*, user: Any, unread_only: bool = False) -> QuerySet[Notification]:
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    qs = Notification.objects.filter(recipient_id=user.pk)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-pk")


def notification_unread_count(*, user: Any) -> int:
    """The badge on every page: counted once per data revision (notifications are watched by
    it, so a new or read notification shows at once), not on every request."""
    return revision_cached(
        ("unread_notifications", user.pk),
        lambda: notification_list(user=user, unread_only=True).count(),
    )
