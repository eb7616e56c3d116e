from django.contrib import admin
from django_fsm_log.admin import StateLogInline

from proposals.models import Assignment
from proposals.models import AuditEvent
from proposals.models import Bureau
from proposals.models import ContactEvent
from proposals.models import ExtensionRequest
from proposals.models import Office
from proposals.models import Proposal
from proposals.models import Session
from proposals.models import Staff


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


class AssignmentInline(admin.TabularInline):
    model = Assignment
    fields = ["bureau", "role", "state", "due_date"]
    readonly_fields = ["bureau", "role", "state", "due_date"]
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:  # registration goes through services
        return False


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "session", "lead_proposer", "is_key", "status"]
    list_filter = ["session", "is_key", "status"]
    search_fields = ["title", "lead_proposer"]
    inlines = [AssignmentInline]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    """Read the state here; change it only through the workflow pages (services)."""

    list_display = ["proposal", "bureau", "role", "state", "due_date"]
    list_filter = ["state", "role", "bureau", "proposal__session"]
    search_fields = ["proposal__title"]
    readonly_fields = ["state", "proposal", "bureau", "role", "assigned_date", "reassigned_to"]
    inlines = [StateLogInline]


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(admin.ModelAdmin):
    list_display = ["assignment", "requested_due_date", "state", "decided_by"]
    list_filter = ["state"]
    readonly_fields = ["state"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "proposal", "assignment", "actor", "verb", "message"]
    list_filter = ["verb"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ContactEvent)
class ContactEventAdmin(admin.ModelAdmin):
    list_display = ["assignment", "contacted_on", "method", "actor"]
    list_filter = ["method"]
    raw_id_fields = ["assignment"]
