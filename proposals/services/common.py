"""Shared by the service modules: the audit row and the office check."""

from __future__ import annotations

from typing import Any

from proposals.exceptions import AccessDenied
from proposals.models import Assignment
from proposals.models import AuditEvent
from proposals.models import Proposal
from proposals.models import Session


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
    staff = getattr(actor, "staff", None)
    if not (staff and staff.role == "office" and staff.office.kind == session.body):
        raise AccessDenied(f"只有{session.get_body_display()}交办机构可以登记和交办")
