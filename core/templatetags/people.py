from typing import Any

from django import template

from core.names import person_name

register = template.Library()


@register.filter
def person(user: Any) -> str:
    """A user's Chinese name as written (楼伟荣); empty for no user."""
    return person_name(user) if user else ""
