from django import forms
from django.contrib import admin

from core.exceptions import ApplicationError
from core.validation import clean_text
from replies import policies
from replies.models import DocumentCounter
from replies.models import IssuedLetter
from replies.models import Opinion
from replies.models import PolicyDocument
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


class PolicyDocumentForm(forms.ModelForm):
    """The admin checks what the service checks: plain text only, a well-formed number."""

    class Meta:
        model = PolicyDocument
        fields = ["title", "doc_number", "issuer", "issued_date", "summary", "full_text", "source"]

    def clean(self) -> dict:
        data = super().clean()
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
