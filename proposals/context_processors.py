"""The menu's capability flags for every page: templates show a link when its flag is set and
never test roles themselves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from proposals.access import may_export_letters
from proposals.access import may_import
from proposals.access import may_see_audit
from proposals.access import may_use_system


@dataclass(frozen=True)
class Menu:
    board: bool
    statistics: bool
    import_list: bool
    audit: bool
    export_letters: bool
    admin: bool


def menu_for(user: Any) -> Menu:
    staff = bool(may_use_system(user=user))
    return Menu(
        board=staff,
        statistics=staff,
        import_list=bool(may_import(user=user)),
        audit=bool(may_see_audit(user=user)),
        export_letters=bool(may_export_letters(user=user)),
        admin=bool(getattr(user, "is_staff", False)),
    )


def menu(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"menu": SimpleLazyObject(lambda: menu_for(user))}
