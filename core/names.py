"""How people are named on pages, letters, the API and the audit trail."""

from typing import Any


def person_name(user: Any) -> str:
    """楼伟荣, not 伟荣 楼 (Django's get_full_name is "first last"); the username when no name
    is recorded."""
    return f"{user.last_name}{user.first_name}".strip() or user.username
