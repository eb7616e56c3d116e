"""What every app's admin shares: rows the workflow owns are shown, not written.

State, document numbers, issued letters, audit rows, state logs, reminders and notifications
are written by the services only (they lock, check, audit and notify). The admin may show
them; adding, changing or deleting them there would bypass all of that, so it is refused
(403), for superusers too."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest


class NoAddNoDeleteMixin:
    """Rows created and removed by the services only; some fields stay editable. The refusals
    carry their reason to the 403 page (templates/403.html)."""

    model: Any  # set by the ModelAdmin or inline this is mixed into

    def _name(self) -> str:
        return str(self.model._meta.verbose_name)

    def add_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        raise PermissionDenied(f"“{self._name()}”由办理流程写入，不能在后台新增。")

    def delete_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        raise PermissionDenied(f"“{self._name()}”是办理记录，不能在后台删除。")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyMixin(NoAddNoDeleteMixin):
    """Rows nobody edits: the change page shows them, a POST to it is refused."""

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def change_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.method == "POST":
            raise PermissionDenied(f"“{self._name()}”由办理流程写入，后台只能查看，不能修改。")
        return super().change_view(request, *args, **kwargs)  # type: ignore[misc]  # ModelAdmin's


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    pass


class ReadOnlyInline(ReadOnlyMixin, admin.TabularInline):
    extra = 0
    can_delete = False
