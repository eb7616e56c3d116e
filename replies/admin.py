from django.contrib import admin

from replies.models import DocumentCounter
from replies.models import IssuedLetter
from replies.models import Opinion
from replies.models import Reply
from replies.models import ReplyVersion


class ReplyVersionInline(admin.TabularInline):
    model = ReplyVersion
    extra = 0
    can_delete = False
    readonly_fields = ["version", "answer_class", "submitted_by", "submitted_at"]
    fields = readonly_fields


@admin.register(Reply)
class ReplyAdmin(admin.ModelAdmin):
    list_display = ["assignment", "answer_class", "version", "satisfaction"]
    list_filter = ["answer_class", "satisfaction"]
    inlines = [ReplyVersionInline]


@admin.register(IssuedLetter)
class IssuedLetterAdmin(admin.ModelAdmin):
    """Issued letters never change."""

    list_display = ["doc_number", "issued_date", "reply", "pdf_sha256"]
    search_fields = ["doc_number"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Opinion)
class OpinionAdmin(admin.ModelAdmin):
    list_display = ["assignment", "sent_at"]


@admin.register(DocumentCounter)
class DocumentCounterAdmin(admin.ModelAdmin):
    list_display = ["bureau", "year", "series", "last_serial"]
    readonly_fields = ["last_serial"]
