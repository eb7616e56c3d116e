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
from proposals.services.items import proposal_set_publicity
from proposals.services.items import proposal_withdraw
from proposals.services.items import reassignment_window_start
from proposals.services.persons import person_create
from proposals.services.persons import person_link_issue
from proposals.services.persons import person_link_revoke
from proposals.services.persons import person_set_sms_opt_out
from proposals.services.persons import proposal_persons_link
from proposals.services.persons import split_names
from proposals.services.supervision import supervision_answer
from proposals.services.supervision import supervision_close
from proposals.services.supervision import supervision_open
from proposals.services.supervision import supervision_urge
from proposals.services.supervision import supervision_urge_batch
from proposals.services.transitions import assignment_accept_batch
from proposals.services.transitions import assignment_reassign
from proposals.services.transitions import assignment_transition
from proposals.services.transitions import assignment_update_contacts

__all__ = [
    "CONTENT_MAX_LENGTH",
    "Upload",
    "assignment_accept_batch",
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
    "person_create",
    "person_link_issue",
    "person_link_revoke",
    "person_set_sms_opt_out",
    "proposal_merge",
    "proposal_persons_link",
    "proposal_register",
    "proposal_set_publicity",
    "proposal_withdraw",
    "reassignment_window_start",
    "split_names",
    "supervision_answer",
    "supervision_close",
    "supervision_open",
    "supervision_urge",
    "supervision_urge_batch",
]
