"""The contact record's section of the item page (registered in OfficesConfig.ready)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest

from offices.contacts import contact_list_for_assignment
from offices.forms import ContactForm
from proposals.access import AssignmentCaps
from proposals.models import Assignment


def contacts_panel(
    request: HttpRequest, assignment: Assignment, caps: AssignmentCaps
) -> Mapping[str, Any]:
    return {
        "contacts": list(contact_list_for_assignment(assignment=assignment)),
        "form": ContactForm(prefix="contact")
        if caps.record_contact and assignment.is_open
        else None,
        # a collective proposal is addressed by its name only, never as 委员
        "member": assignment.proposal.lead_proposer
        if assignment.proposal.is_collective
        else assignment.proposal.session.terms["member"],
    }
