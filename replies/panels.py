"""The reply's section of the item page (registered with proposals.pages in RepliesConfig)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest

from proposals.access import AssignmentCaps
from proposals.models import Assignment
from replies.forms import FeedbackForm
from replies.selectors import co_unit_opinions
from replies.selectors import letter_list_for_co_unit


def reply_panel(
    request: HttpRequest, assignment: Assignment, caps: AssignmentCaps
) -> Mapping[str, Any]:
    terms = assignment.proposal.session.terms
    if not assignment.is_lead:
        return {
            "is_lead": False,
            "opinion": getattr(assignment, "opinion", None),
            # the lead unit's issued letter, which the co-units read (may_read_issued_letters)
            "lead_letters": letter_list_for_co_unit(assignment=assignment, user=request.user),
        }
    reply = getattr(assignment, "reply", None)  # read once for the page (the notes read it too)
    return {
        "is_lead": True,
        "reply": reply,
        "letters": list(reply.letters.all()) if reply else [],
        "latest_version": reply.versions.last() if reply else None,
        "preview": caps.preview_draft.ok,
        "co_units": co_unit_opinions(assignment=assignment),
        "feedback_form": FeedbackForm(prefix="feedback") if caps.record_feedback else None,
        "leader_label": f"{terms['contact']}领导",
        "clerk_label": f"{terms['contact']}人",
    }
