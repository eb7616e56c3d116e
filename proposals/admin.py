"""Admin of the configuration (bureaus, offices, staff, sessions) and, read-only where the
workflow owns them, of items, assignments, extensions, audit rows and state logs. Registration,
transitions, extensions, withdrawal and merging go through the services (core/admin.py)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.contenttypes.admin import GenericTabularInline
from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django_fsm_log.models import StateLog

from core.admin import NoAddNoDeleteMixin
from core.admin import ReadOnlyAdmin
from core.admin import ReadOnlyInline
from core.admin import ReadOnlyMixin
from core.choices import AssignmentState
from core.names import person_name
from proposals.models import Assignment
from proposals.models import AuditEvent
from proposals.models import Bureau
from proposals.models import ContactEvent
from proposals.models import ExtensionRequest
from proposals.models import Office
from proposals.models import PersonLink
from proposals.models import Proposal
from proposals.models import Session
from proposals.models import Staff
from proposals.workflow import AssignmentWorkflow
from proposals.workflow import ExtensionWorkflow
from proposals.workflow import steps


def transition_label(model: type | None, name: str) -> str:
    """A logged transition's label as the workflow declares it (the name if no longer declared)."""
    workflow = ExtensionWorkflow if model is ExtensionRequest else AssignmentWorkflow
    declared = steps(workflow).get(name)
    return declared.label if declared else name


@admin.register(Bureau)
class BureauAdmin(admin.ModelAdmin):
    list_display = ["short_name", "full_name", "doc_prefix", "letter_format", "number_series"]
    search_fields = ["short_name", "full_name"]


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ["name", "kind"]


@admin.register(Staff)
class StaffAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "bureau", "office", "phone"]
    list_filter = ["role", "bureau", "office"]
    autocomplete_fields = ["bureau"]


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ["name", "body", "year", "reply_period_months", "reassignment_window_workdays"]
    list_filter = ["body", "year"]


class StateLogColumns:
    """A state log in Chinese: django-fsm-log's own field names are English."""

    @admin.display(description="时间", ordering="timestamp")
    def when(self, log: StateLog) -> Any:
        return log.timestamp

    @admin.display(description="事项")
    def subject(self, log: StateLog) -> str:
        return str(log.content_object) if log.content_object is not None else "（已删除）"

    @admin.display(description="操作")
    def action(self, log: StateLog) -> str:
        return transition_label(log.content_type.model_class(), log.transition)

    @admin.display(description="原状态")
    def from_state(self, log: StateLog) -> str:
        return log.get_source_state_display() if log.source_state else "—"

    @admin.display(description="新状态")
    def to_state(self, log: StateLog) -> str:
        return log.get_state_display()

    @admin.display(description="操作人")
    def actor(self, log: StateLog) -> str:
        return person_name(log.by) if log.by else "—"

    @admin.display(description="说明")
    def comment(self, log: StateLog) -> str:
        return log.description or ""


class StateLogInline(ReadOnlyMixin, StateLogColumns, GenericTabularInline):
    model = StateLog
    fields = ["when", "action", "from_state", "to_state", "actor", "comment"]
    readonly_fields = ["when", "action", "from_state", "to_state", "actor", "comment"]
    extra = 0
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[StateLog]:
        return super().get_queryset(request).select_related("by", "content_type")


class TransitionFilter(admin.SimpleListFilter):
    title = "操作"
    parameter_name = "transition"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        rows = StateLog.objects.values_list("content_type", "transition").distinct()
        labels: dict[str, str] = {}
        for content_type_id, name in rows:
            model = ContentType.objects.get_for_id(content_type_id).model_class()
            labels.setdefault(name, transition_label(model, name))
        return sorted(labels.items(), key=lambda item: item[1])

    def queryset(self, request: HttpRequest, queryset: QuerySet[StateLog]) -> QuerySet[StateLog]:
        return queryset.filter(transition=self.value()) if self.value() else queryset


@admin.register(StateLog)
class StateLogAdmin(StateLogColumns, ReadOnlyAdmin):
    """Every transition, written by the workflow (django-fsm-log); never edited."""

    COLUMNS = ("when", "subject", "action", "from_state", "to_state", "actor", "comment")
    list_display = COLUMNS
    list_filter = [TransitionFilter]
    fields = COLUMNS
    readonly_fields = COLUMNS
    search_fields = ["description"]
    date_hierarchy = "timestamp"
    change_form_template = "admin/statelog_change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[StateLog]:
        return (
            super()
            .get_queryset(request)
            .select_related("by", "content_type")
            .prefetch_related("content_object")
        )

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> Any:
        """The page title names the row in Chinese, not by StateLog's English __str__."""
        log = self.get_object(request, object_id)
        if log is not None:
            when = timezone.localtime(log.timestamp).strftime("%Y-%m-%d %H:%M")
            subtitle = f"{when} {self.subject(log)} {self.action(log)}"
            extra_context = {**(extra_context or {}), "subtitle": subtitle}
        return super().change_view(request, object_id, form_url, extra_context)


class AssignmentInline(ReadOnlyInline):
    model = Assignment
    fields = ["bureau", "role", "state", "due_date"]
    readonly_fields = ["bureau", "role", "state", "due_date"]
    show_change_link = True


@admin.register(Proposal)
class ProposalAdmin(NoAddNoDeleteMixin, admin.ModelAdmin):
    """Registered by import (proposal_register); withdrawn and merged through their services
    (撤回/并案 stop reminders and leave the statistics), so the status is read-only here."""

    list_display = ["number", "title", "session", "lead_proposer", "is_key", "status"]
    list_filter = ["session", "is_key", "status"]
    search_fields = ["title", "lead_proposer"]
    readonly_fields = ["status", "status_reason", "merged_into"]
    inlines = [AssignmentInline]


@admin.register(Assignment)
class AssignmentAdmin(NoAddNoDeleteMixin, admin.ModelAdmin):
    """State and the dates the workflow sets are read-only; the due date too once the item is
    closed (a due date moves through an approved extension)."""

    list_display = ["proposal", "bureau", "role", "state", "due_date"]
    list_filter = ["state", "role", "bureau", "proposal__session"]
    search_fields = ["proposal__title"]
    readonly_fields = [
        "proposal",
        "bureau",
        "role",
        "state",
        "assigned_date",
        "reassignment_deadline",
        "reassignment_reason",
        "reassigned_to",
    ]
    inlines = [StateLogInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is None or obj.state in AssignmentState.closed():
            fields.append("due_date")
        return fields


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(ReadOnlyAdmin):
    """Asked by the bureau and decided by the office on the item page; approval moves the due
    date."""

    list_display = ["assignment", "requested_due_date", "state", "decided_by"]
    list_filter = ["state"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "proposal", "assignment", "actor", "verb", "message"]
    list_filter = ["verb"]


@admin.register(ContactEvent)
class ContactEventAdmin(admin.ModelAdmin):
    list_display = ["assignment", "contacted_on", "method", "actor"]
    list_filter = ["method"]
    raw_id_fields = ["assignment"]


@admin.register(PersonLink)
class PersonLinkAdmin(ReadOnlyAdmin):
    list_display = ["person", "created_at", "expires_at", "revoked_at"]
    search_fields = ["person__name"]
