"""Shared by the service modules: the audit row for writes that are not transitions."""

from __future__ import annotations

from typing import Any

from proposals.models import Assignment
from proposals.models import AuditEvent
from proposals.models import Proposal


def audit(
    *,
    proposal: Proposal,
    actor: Any,
    verb: str,
    message: str = "",
    assignment: Assignment | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """One AuditEvent row (transitions have theirs in django-fsm-log's StateLog)."""
    return AuditEvent.objects.create(
        proposal=proposal,
        assignment=assignment,
        actor=actor,
        verb=verb,
        message=message,
        data=data or {},
    )
