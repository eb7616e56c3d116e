from django.contrib import admin

from notifications.models import Notification
from notifications.models import Reminder


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ["assignment", "kind", "key", "created_at", "sent_at", "attempts"]
    list_filter = ["kind", "sent_at"]
    readonly_fields = [f.name for f in Reminder._meta.fields]

    def has_add_permission(self, request) -> bool:  # only the sweep and the tasks write these
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "kind", "title", "created_at", "read_at"]
    list_filter = ["kind"]
    raw_id_fields = ["recipient", "reminder", "assignment"]
