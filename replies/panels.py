"""The reply's section of the item page (registered with proposals.pages in RepliesConfig)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest

from core.choices import AssignmentRole
from proposals.access import AssignmentCaps
from proposals.models import Assignment
from replies.forms import FeedbackForm
from replies.models import Opinion
from replies.models import Reply


def _sent_opinion(co_unit: Assignment) -> Opinion | None:
    opinion: Opinion | None = getattr(co_unit, "opinion", None)
    return opinion if opinion is not None and opinion.sent_at else None


def reply_panel(
    request: HttpRequest, assignment: Assignment, caps: AssignmentCaps
) -> Mapping[str, Any]:
    if not assignment.is_lead:
        return {
            "is_lead": False,
            "opinion": Opinion.objects.filter(assignment=assignment).first(),
        }
    reply = Reply.objects.filter(assignment=assignment).first()
    co_units = [
        (c, _sent_opinion(c))
        for c in assignment.proposal.assignments.filter(role=AssignmentRole.CO_UNIT).select_related(
            "bureau", "opinion"
        )
    ]
    return {
        "is_lead": True,
        "reply": reply,
        "letters": list(reply.letters.all()) if reply else [],
        "latest_version": reply.versions.last() if reply else None,
        "preview": caps.preview_draft.ok,
        "co_units": co_units,
        "feedback_form": FeedbackForm(prefix="feedback") if caps.record_feedback else None,
    }
