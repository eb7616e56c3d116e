"""Admin of replies: issued letters, versions and document counters are read-only (numbers are
allocated only at issuance, the issued text never changes); drafts and opinions are written on
the pages, satisfaction through its service (core/admin.py)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest

from core.admin import NoAddNoDeleteMixin
from core.admin import ReadOnlyAdmin
from core.admin import ReadOnlyInline
from core.exceptions import ApplicationError
from core.validation import clean_text
from proposals.models import Person
from replies import policies
from replies.models import DocumentCounter
from replies.models import IssuedLetter
from replies.models import Opinion
from replies.models import PolicyDocument
from replies.models import ProposerRating
from replies.models import Reply
from replies.models import ReplyVersion
from replies.services import person_merge


class ReplyVersionInline(ReadOnlyInline):
    model = ReplyVersion
    fields = ["version", "answer_class", "submitted_by", "submitted_at"]
    readonly_fields = ["version", "answer_class", "submitted_by", "submitted_at"]


@admin.register(Reply)
class ReplyAdmin(NoAddNoDeleteMixin, admin.ModelAdmin):
    """A draft belongs to its assignment from the first edit; its version counts submissions
    and the proposer's satisfaction is recorded by reply_record_feedback (不满意 reopens)."""

    list_display = ["assignment", "answer_class", "version", "satisfaction"]
    list_filter = ["answer_class", "satisfaction"]
    readonly_fields = [
        "assignment",
        "version",
        "satisfaction",
        "satisfaction_date",
        "satisfaction_comment",
    ]
    inlines = [ReplyVersionInline]


@admin.register(ReplyVersion)
class ReplyVersionAdmin(ReadOnlyAdmin):
    """What was submitted for review, as the reviewer compared it."""

    list_display = ["reply", "version", "answer_class", "submitted_by", "submitted_at"]


@admin.register(IssuedLetter)
class IssuedLetterAdmin(ReadOnlyAdmin):
    """Issued letters never change; a re-handled item gets a new letter with a new number."""

    list_display = ["doc_number", "issued_date", "reply", "pdf_sha256"]
    search_fields = ["doc_number"]


@admin.register(Opinion)
class OpinionAdmin(NoAddNoDeleteMixin, admin.ModelAdmin):
    """A co-unit's opinion is written on its page; once sent to the lead unit it is read-only."""

    list_display = ["assignment", "sent_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is not None and obj.sent_at is not None:
            return ["assignment", "body", "leader_name", "phone", "sent_at"]
        return ["assignment", "sent_at"]


@admin.register(DocumentCounter)
class DocumentCounterAdmin(ReadOnlyAdmin):
    """Serials are allocated only at issuance, gapless per bureau, year and series."""

    list_display = ["bureau", "year", "series", "last_serial"]


class PolicyDocumentForm(forms.ModelForm):
    """The admin checks what the service checks: plain text only, a well-formed number."""

    class Meta:
        model = PolicyDocument
        fields = ["title", "doc_number", "issuer", "issued_date", "summary", "full_text", "source"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            data["title"] = policies.clean_title(data.get("title", ""))
            data["doc_number"] = policies.clean_doc_number(data.get("doc_number", ""))
            for name, label in [
                ("issuer", "发文机关"),
                ("summary", "摘要"),
                ("full_text", "全文"),
                ("source", "来源"),
            ]:
                data[name] = clean_text(data.get(name, ""), label=label)
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message) from exc
        return data


@admin.register(PolicyDocument)
class PolicyDocumentAdmin(admin.ModelAdmin):
    form = PolicyDocumentForm
    list_display = ["title", "doc_number", "issuer", "issued_date"]
    search_fields = ["title", "doc_number", "issuer", "summary"]
    date_hierarchy = "issued_date"

    def save_model(self, request, obj, form, change) -> None:
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    """Deputies and members: the offices add phone numbers and e-mail addresses, clear the
    疑似重复 mark once checked, or merge duplicates (the action below, replies.services)."""

    list_display = ["name", "body", "group", "mobile", "email", "sms_opt_out", "possible_duplicate"]
    list_filter = ["body", "possible_duplicate", "sms_opt_out"]
    search_fields = ["name", "group", "mobile"]
    raw_id_fields = ["user"]
    actions = ["merge_into_oldest"]

    @admin.action(description="合并所选人员（保留最早登记的一位）")
    def merge_into_oldest(self, request: HttpRequest, queryset: QuerySet[Person]) -> None:
        people = list(queryset.order_by("pk"))
        if len(people) < 2:
            self.message_user(request, "请至少选择两位人员", level=messages.ERROR)
            return
        try:
            keep = person_merge(
                keep_id=people[0].pk, drop_ids=[p.pk for p in people[1:]], actor=request.user
            )
        except ApplicationError as exc:
            self.message_user(request, exc.message, level=messages.ERROR)
            return
        self.message_user(request, f"已合并为“{keep}”")


@admin.register(ProposerRating)
class ProposerRatingAdmin(ReadOnlyAdmin):
    list_display = ["letter", "person", "satisfaction", "source", "created_at"]
    list_filter = ["satisfaction", "source"]
    search_fields = ["person__name", "letter__doc_number"]
