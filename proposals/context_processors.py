"""The menu's capability flags for every page: templates show a link when its flag is set and
never test roles themselves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import SafeString
from django.utils.safestring import mark_safe

from proposals.access import may_edit_calendar
from proposals.access import may_export_letters
from proposals.access import may_import
from proposals.access import may_register_items
from proposals.access import may_see_audit
from proposals.access import may_see_calendar
from proposals.access import may_see_proposers
from proposals.access import may_use_system
from proposals.access import visibility_key
from proposals.revision import revision_cached
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


def header_for(user: Any) -> list[SafeString]:
    """The header's links and the user's line (templates/_header.html), in three parts around
    the notifications link. The flags read the user's Staff row, office and bureau, which the
    data revision watches; the account's own fields are part of the key."""
    key = ("header", user.pk, user.username, user.first_name, user.last_name, user.is_staff,
           user.is_superuser)  # fmt: skip

    def render() -> list[str]:
        html = render_to_string("_header.html", {"menu": menu_for(user), "user": user})
        return html.split("<!--cut-->")

    return [mark_safe(part) for part in revision_cached(key, render)]  # noqa: S308 (escaped)


def calendar_warning_cached(user: Any) -> Any:
    """The same for every office user on a day until the data changes (the counts by due date
    and the holiday calendar are both watched by the revision); boxed, as None is a value."""
    key = ("calendar_warning", visibility_key(user), timezone.localdate())
    return revision_cached(key, lambda: (calendar_warning(user=user),))[0]


def menu(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "menu": SimpleLazyObject(lambda: menu_for(user)),
        "header": SimpleLazyObject(lambda: header_for(user)),
        # read only by the pages that include proposals/_calendar_warning.html
        "calendar_warning": SimpleLazyObject(lambda: calendar_warning_cached(user)),
    }
