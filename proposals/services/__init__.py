"""Writes for items, assignments and extensions (one module per concern, re-exported here).

Transitions run only through named services: `assignment_transition` for the plain ones,
`assignment_reassign` here, and draft_submit / reply_issue / opinion_send /
reply_record_feedback in replies.services. The runner they share (services/runner.py) is not
exported."""

from proposals.services.attachments import Upload
from proposals.services.attachments import attachment_add
from proposals.services.attachments import attachment_check
from proposals.services.attachments import attachment_remove
from proposals.services.attachments import attachments_check
from proposals.services.common import audit
from proposals.services.extensions import extension_approve
from proposals.services.extensions import extension_latest_allowed
from proposals.services.extensions import extension_reject
from proposals.services.extensions import extension_request
from proposals.services.holidays import holiday_calendar_seed
from proposals.services.holidays import holiday_day_remove
from proposals.services.holidays import holiday_days_set
from proposals.services.holidays import holiday_year_publish
from proposals.services.items import CONTENT_MAX_LENGTH
from proposals.services.items import assignment_due_dates
from proposals.services.items import proposal_merge
from proposals.services.items import proposal_register
from proposals.services.items import proposal_withdraw
from proposals.services.items import reassignment_window_start
from proposals.services.transitions import assignment_reassign
from proposals.services.transitions import assignment_transition
from proposals.services.transitions import assignment_update_contacts

__all__ = [
    "CONTENT_MAX_LENGTH",
    "Upload",
    "assignment_due_dates",
    "assignment_reassign",
    "assignment_transition",
    "assignment_update_contacts",
    "attachment_add",
    "attachment_check",
    "attachment_remove",
    "attachments_check",
    "audit",
    "extension_approve",
    "extension_latest_allowed",
    "extension_reject",
    "extension_request",
    "holiday_calendar_seed",
    "holiday_day_remove",
    "holiday_days_set",
    "holiday_year_publish",
    "proposal_merge",
    "proposal_register",
    "proposal_withdraw",
    "reassignment_window_start",
]
