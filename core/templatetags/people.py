from typing import Any

from django import template

from core.names import person_name

register = template.Library()


@register.filter
def person(user: Any) -> str:
    """A user's Chinese name as written (楼伟荣); empty for no user."""
    return person_name(user) if user else ""


@register.filter
def paragraphs(text: str) -> list[str]:
    """Plain text as its non-empty lines: one paragraph each (a proposal's full text)."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]
