"""面商/沟通 records: the bureau's clerk notes each contact with the proposer before replying."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from core.choices import AuditVerb
from core.choices import ContactMethod
from core.exceptions import AccessDenied
from core.exceptions import ApplicationError
from core.validation import clean_text
from proposals import tallies
from proposals.access import may_record_contact
from proposals.models import Assignment
from proposals.models import ContactEvent
from proposals.services import audit


@transaction.atomic
def assignment_record_contact(
    *,
    assignment_id: int,
    actor: Any,
    contacted_on: dt.date,
    method: str,
    note: str = "",
) -> ContactEvent:
    """Record one contact with the proposer. Only the bureau's own clerk may do this."""
    try:
        assignment = Assignment.objects.select_related("proposal").get(pk=assignment_id)
    except Assignment.DoesNotExist as exc:
        raise AccessDenied("事项不存在或您无权查看") from exc
    may_record_contact(assignment=assignment, user=actor).require()
    with tallies.track(proposal_ids=[assignment.proposal_id]):  # 面商率 counts it
        return _record_contact(
            assignment=assignment, actor=actor, contacted_on=contacted_on, method=method, note=note
        )


def _record_contact(
    *, assignment: Assignment, actor: Any, contacted_on: dt.date, method: str, note: str
) -> ContactEvent:
    if method not in ContactMethod.values:
        raise ApplicationError("请选择沟通方式：当面商谈、电话沟通、实地走访或其他方式")
    if contacted_on > timezone.localdate():
        raise ApplicationError("沟通日期不能晚于今天")
    if contacted_on < assignment.assigned_date:
        raise ApplicationError(f"沟通日期不能早于交办日期 {assignment.assigned_date:%Y年%m月%d日}")
    note = clean_text(note, label="沟通情况", max_length=2000)
    event = ContactEvent(
        assignment=assignment, contacted_on=contacted_on, method=method, note=note, actor=actor
    )
    event.full_clean()
    event.save()
    audit(
        proposal=assignment.proposal,
        assignment=assignment,
        actor=actor,
        verb=AuditVerb.CONTACTED,
        message=f"{contacted_on:%Y年%m月%d日}{event.get_method_display()}"
        + (f"：{note}" if note else ""),
        data={"contacted_on": str(contacted_on), "method": method},
    )
    return event


def contact_list_for_assignment(*, assignment: Assignment) -> QuerySet[ContactEvent]:
    return assignment.contacts.select_related("actor").order_by("contacted_on", "pk")
