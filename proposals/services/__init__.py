"""Writes for items, assignments and extensions (one module per concern, re-exported here).

Every transition goes through `assignment_run_transition` (transitions.py)."""

from proposals.services.common import audit
from proposals.services.extensions import extension_approve
from proposals.services.extensions import extension_latest_allowed
from proposals.services.extensions import extension_reject
from proposals.services.extensions import extension_request
from proposals.services.items import assignment_due_dates
from proposals.services.items import proposal_merge
from proposals.services.items import proposal_register
from proposals.services.items import proposal_withdraw
from proposals.services.transitions import assignment_accept
from proposals.services.transitions import assignment_approve
from proposals.services.transitions import assignment_keep
from proposals.services.transitions import assignment_reassign
from proposals.services.transitions import assignment_request_reassignment
from proposals.services.transitions import assignment_return
from proposals.services.transitions import assignment_run_transition
from proposals.services.transitions import assignment_send_cc
from proposals.services.transitions import assignment_start_drafting
from proposals.services.transitions import assignment_submit
from proposals.services.transitions import assignment_update_contacts

__all__ = [
    "assignment_accept",
    "assignment_approve",
    "assignment_due_dates",
    "assignment_keep",
    "assignment_reassign",
    "assignment_request_reassignment",
    "assignment_return",
    "assignment_run_transition",
    "assignment_send_cc",
    "assignment_start_drafting",
    "assignment_submit",
    "assignment_update_contacts",
    "audit",
    "extension_approve",
    "extension_latest_allowed",
    "extension_reject",
    "extension_request",
    "proposal_merge",
    "proposal_register",
    "proposal_withdraw",
]
