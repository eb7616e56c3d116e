"""Reminders and notifications are written by the sweep and the delivery tasks only: read-only
here (a changed or added row would be sent, or never sent, behind the sweep's back)."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin
from notifications.models import Notification
from notifications.models import ProposerMessage
from notifications.models import Reminder


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ["assignment", "kind", "key", "created_at", "sent_at", "attempts"]
    list_filter = ["kind", "sent_at"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["recipient", "kind", "title", "created_at", "read_at"]
    list_filter = ["kind"]
    search_fields = ["title"]


@admin.register(ProposerMessage)
class ProposerMessageAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "person", "channel", "purpose", "address", "status", "attempts"]
    list_filter = ["channel", "status", "purpose"]
    search_fields = ["person__name", "address"]
