"""Shared by the service modules: the audit row, the office check and the transition guard."""

from __future__ import annotations

from typing import Any

from core.exceptions import AccessDenied
from core.exceptions import TransitionError
from proposals.models import Assignment
from proposals.models import AuditEvent
from proposals.models import Proposal
from proposals.models import Session
from proposals.workflow import CONDITION_MESSAGES
from proposals.workflow import staff_of


def audit(
    *,
    proposal: Proposal,
    actor: Any,
    verb: str,
    message: str = "",
    assignment: Assignment | None = None,
    data: dict | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        proposal=proposal,
        assignment=assignment,
        actor=actor,
        verb=verb,
        message=message,
        data=data or {},
    )


def _require_office(*, actor: Any, session: Session) -> None:
    staff = staff_of(actor)
    if not (staff and staff.role == "office" and staff.office.kind == session.body):
        raise AccessDenied(f"只有{session.get_body_display()}交办机构可以登记和交办")


def transition_guard(
    method: Any, actor: Any, *, state_error: str, denied: str, fallback: str
) -> None:
    """Before running a declared transition (a bound django-fsm method): refuse with a Chinese
    message when the object's state has no such transition (TransitionError), the actor may not
    take it (AccessDenied), or one of its conditions does not hold (its CONDITION_MESSAGES text,
    else `fallback`)."""
    obj = method.__self__
    spec = method._django_fsm.get_transition(method._django_fsm.field.get_state(obj))
    if spec is None:
        raise TransitionError(state_error)
    if not spec.has_perm(obj, actor):
        raise AccessDenied(denied)
    for condition in spec.conditions:
        if not condition(obj):
            raise TransitionError(CONDITION_MESSAGES.get(condition, fallback))
