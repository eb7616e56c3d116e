"""The menu's capability flags for every page: templates show a link when its flag is set and
never test roles themselves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from proposals.access import may_edit_calendar
from proposals.access import may_export_letters
from proposals.access import may_import
from proposals.access import may_register_items
from proposals.access import may_see_audit
from proposals.access import may_see_calendar
from proposals.access import may_see_proposers
from proposals.access import may_use_system
from proposals.selectors import calendar_warning


@dataclass(frozen=True)
class Menu:
    board: bool
    statistics: bool
    import_list: bool
    audit: bool
    export_letters: bool
    admin: bool
    register: bool
    calendar: bool
    calendar_edit: bool
    proposers: bool = False


def menu_for(user: Any) -> Menu:
    staff = bool(may_use_system(user=user))
    return Menu(
        board=staff,
        statistics=staff,
        import_list=bool(may_import(user=user)),
        audit=bool(may_see_audit(user=user)),
        export_letters=bool(may_export_letters(user=user)),
        admin=bool(getattr(user, "is_staff", False)),
        register=bool(may_register_items(user=user)),
        calendar=bool(may_see_calendar(user=user)),
        calendar_edit=bool(may_edit_calendar(user=user)),
        proposers=bool(may_see_proposers(user=user)),
    )


def menu(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "menu": SimpleLazyObject(lambda: menu_for(user)),
        # read (one query) only by the pages that include proposals/_calendar_warning.html
        "calendar_warning": SimpleLazyObject(lambda: calendar_warning(user=user)),
    }
