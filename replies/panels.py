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


def reply_panel(
    request: HttpRequest, assignment: Assignment, caps: AssignmentCaps
) -> Mapping[str, Any]:
    if not assignment.is_lead:
        return {
            "is_lead": False,
            "opinion": Opinion.objects.filter(assignment=assignment).first(),
        }
    reply = Reply.objects.filter(assignment=assignment).first()
    co_units = list(
        assignment.proposal.assignments.filter(role=AssignmentRole.CO_UNIT).select_related(
            "bureau", "opinion"
        )
    )
    for c in co_units:
        opinion = getattr(c, "opinion", None)
        c.opinion_sent = bool(opinion and opinion.sent_at)
    return {
        "is_lead": True,
        "reply": reply,
        "letters": list(reply.letters.all()) if reply else [],
        "latest_version": reply.versions.last() if reply else None,
        "preview": caps.preview_draft.ok,
        "co_units": co_units,
        "feedback_form": FeedbackForm(prefix="feedback") if caps.record_feedback else None,
    }
