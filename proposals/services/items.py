"""Registering items (交办), their due dates, withdrawal (撤回) and merging (并案)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError
from django.db import transaction
from django.utils import timezone

from core.choices import AssignmentRole
from core.choices import AuditVerb
from core.choices import ProposalStatus
from core.choices import Publicity
from core.exceptions import ApplicationError
from core.exceptions import TransitionError
from core.validation import clean_text
from proposals import calendar
from proposals import events
from proposals import tallies
from proposals.access import may_manage_proposers
from proposals.access import may_register
from proposals.models import Assignment
from proposals.models import Bureau
from proposals.models import Proposal
from proposals.models import Session
from proposals.services.attachments import Upload
from proposals.services.attachments import attachments_check
from proposals.services.attachments import attachments_store
from proposals.services.common import audit
from proposals.services.persons import proposal_persons_link

# The full text of a suggestion (内容): long ones run to a few thousand characters.
CONTENT_MAX_LENGTH = 50_000

# --- due dates -------------------------------------------------------------------------------


def reassignment_window_start(*, assigned_date: dt.date, registered_on: dt.date) -> dt.date:
    """The bureau can only ask for reassignment once it has the item: the window runs from the
    later of 交办日期 and the day the item is registered (an earlier list imported today)."""
    return max(assigned_date, registered_on)


def assignment_due_dates(
    *,
    session: Session,
    role: str,
    assigned_date: dt.date,
    is_complex: bool,
    registered_on: dt.date | None = None,
) -> tuple[dt.date, dt.date]:
    """(due date, last day to ask for reassignment) under the session's policy. The due date
    counts from 交办日期 (and moves off a weekend or holiday when the policy says so); the
    reassignment window from the day the bureau receives the item."""
    if role == AssignmentRole.CO_UNIT:
        months = session.co_unit_opinion_months
    else:
        months = session.complex_period_months if is_complex else session.reply_period_months
    due = calendar.due_after_months(
        assigned_date, months, move_to_workday=session.due_moves_to_workday
    )
    start = reassignment_window_start(
        assigned_date=assigned_date, registered_on=registered_on or timezone.localdate()
    )
    window = calendar.add_workdays(start, session.reassignment_window_workdays)
    return due, window


def assignment_open_new(
    *, proposal: Proposal, bureau: Bureau, role: str, assigned_date: dt.date
) -> Assignment:
    """A bureau's new assignment with its due date and reassignment window (inside the
    caller's transaction: registration or reassignment)."""
    due, window = assignment_due_dates(
        session=proposal.session,
        role=role,
        assigned_date=assigned_date,
        is_complex=proposal.is_complex,
    )
    assignment = Assignment(
        proposal=proposal,
        bureau=bureau,
        role=role,
        assigned_date=assigned_date,
        due_date=due,
        reassignment_deadline=window,
    )
    assignment.full_clean(exclude=["state"])
    assignment.save()
    return assignment


@transaction.atomic
def proposal_register(
    *,
    session: Session,
    number: int,
    title: str,
    lead_proposer: str,
    assigned_date: dt.date,
    lead_bureaus: Sequence[Bureau],
    co_bureaus: Sequence[Bureau] = (),
    signer_count: int = 1,
    cosigners: str = "",
    is_collective: bool = False,
    is_key: bool = False,
    is_complex: bool = False,
    content: str = "",
    attachments: Sequence[Upload] = (),
    actor: Any,
) -> Proposal:
    """Register an item and assign it (交办) to its lead unit(s) and co-units in one step, with
    the original's files. Everything is checked first: a refusal writes nothing."""
    may_register(user=actor, session=session).require()
    checked = attachments_check(attachments)
    if number < 1:
        raise ApplicationError("编号必须是正整数")
    if signer_count < 1:
        raise ApplicationError("提出人数至少为 1")
    if not lead_bureaus:
        raise ApplicationError("至少需要一个主办单位")
    overlap = {b.pk for b in lead_bureaus} & {b.pk for b in co_bureaus}
    if overlap:
        raise ApplicationError("同一单位不能既是主办单位又是协办单位")
    if Proposal.objects.filter(session=session, number=number).exists():
        raise ApplicationError(f"{session.name}第{number}号已存在，编号不能重复")
    proposal = Proposal(
        session=session,
        number=number,
        title=clean_text(title, label="标题", required=True, max_length=200),
        lead_proposer=clean_text(lead_proposer, label="领衔人", required=True, max_length=100),
        signer_count=signer_count,
        cosigners=clean_text(cosigners, label="附议人"),
        is_collective=is_collective,
        is_key=is_key,
        is_complex=is_complex,
        content=clean_text(content, label="内容", max_length=CONTENT_MAX_LENGTH),
        assigned_date=assigned_date,
    )
    proposal.full_clean()
    try:
        with transaction.atomic():
            proposal.save()
    except IntegrityError as exc:  # a concurrent registration of the same number
        raise ApplicationError(f"{session.name}第{number}号已存在，编号不能重复") from exc
    with tallies.track(proposal_ids=[proposal.pk], created=True):
        for role, bureaus in (
            (AssignmentRole.LEAD, lead_bureaus),
            (AssignmentRole.CO_UNIT, co_bureaus),
        ):
            for bureau in bureaus:
                assignment_open_new(
                    proposal=proposal, bureau=bureau, role=role, assigned_date=assigned_date
                )
    proposal_persons_link(proposal=proposal)
    events.item_changed(proposal_id=proposal.pk)
    audit(
        proposal=proposal,
        actor=actor,
        verb=AuditVerb.REGISTERED,
        message="主办：{}；协办：{}".format(
            "、".join(b.short_name for b in lead_bureaus),
            "、".join(b.short_name for b in co_bureaus) or "无",
        ),
    )
    if checked:
        attachments_store(proposal=proposal, checked=checked, actor=actor)
    return proposal


# --- withdrawal and merging (撤回 / 并案) ---------------------------------------------------


def _proposal_for_office(*, proposal_id: int, actor: Any) -> Proposal:
    proposal = Proposal.objects.select_for_update().select_related("session").get(pk=proposal_id)
    may_register(user=actor, session=proposal.session).require()
    if proposal.status != ProposalStatus.ACTIVE:
        raise TransitionError(f"该事项已{proposal.get_status_display()}")
    return proposal


@transaction.atomic
def proposal_withdraw(*, proposal_id: int, actor: Any, reason: str) -> Proposal:
    """The proposer withdraws the item: handling stops, statistics leave it out."""
    with tallies.track(proposal_ids=[proposal_id]):
        return _proposal_withdraw(proposal_id=proposal_id, actor=actor, reason=reason)


def _proposal_withdraw(*, proposal_id: int, actor: Any, reason: str) -> Proposal:
    proposal = _proposal_for_office(proposal_id=proposal_id, actor=actor)
    proposal.status_reason = clean_text(reason, label="撤回理由", required=True, max_length=2000)
    proposal.status = ProposalStatus.WITHDRAWN
    proposal.save(update_fields=["status", "status_reason", "updated_at"])
    audit(
        proposal=proposal,
        actor=actor,
        verb=AuditVerb.WITHDRAWN,
        message=proposal.status_reason,
    )
    events.announce_status_on_commit(
        events.ProposalStatusChanged(proposal_id=proposal.pk, status=proposal.status)
    )
    return proposal


@transaction.atomic
def proposal_merge(*, proposal_id: int, into_number: int, actor: Any, reason: str = "") -> Proposal:
    """并案: the item is answered together with another item of the same session."""
    with tallies.track(proposal_ids=[proposal_id]):
        return _proposal_merge(
            proposal_id=proposal_id, into_number=into_number, actor=actor, reason=reason
        )


def _proposal_merge(*, proposal_id: int, into_number: int, actor: Any, reason: str) -> Proposal:
    proposal = _proposal_for_office(proposal_id=proposal_id, actor=actor)
    target = Proposal.objects.filter(session=proposal.session, number=into_number).first()
    if target is None:
        raise ApplicationError(f"{proposal.session.name}没有第{into_number}号")
    if target.pk == proposal.pk:
        raise ApplicationError("不能并入事项自身")
    if target.status != ProposalStatus.ACTIVE:
        raise ApplicationError(f"第{into_number}号已{target.get_status_display()}，不能并入")
    proposal.status = ProposalStatus.MERGED
    proposal.merged_into = target
    proposal.status_reason = clean_text(reason, label="并案说明", max_length=2000)
    proposal.save(update_fields=["status", "merged_into", "status_reason", "updated_at"])
    audit(
        proposal=proposal,
        actor=actor,
        verb=AuditVerb.MERGED,
        message="：".join(filter(None, [f"并入第{into_number}号", proposal.status_reason])),
        data={"into": target.pk},
    )
    events.announce_status_on_commit(
        events.ProposalStatusChanged(proposal_id=proposal.pk, status=proposal.status)
    )
    return proposal


@transaction.atomic
def proposal_set_publicity(*, proposal_id: int, publicity: str, actor: Any) -> Proposal:
    """公开 / 不公开 / 依申请公开: the office of the item's body decides whether its reply is
    published on the public page (with contacts and phone numbers removed)."""
    proposal = Proposal.objects.select_for_update().select_related("session").get(pk=proposal_id)
    may_manage_proposers(user=actor, session=proposal.session).require()
    if publicity not in Publicity.values:
        raise ApplicationError("公开属性须为：公开、不公开或依申请公开")
    if proposal.publicity == publicity:
        return proposal
    before = proposal.get_publicity_display()
    proposal.publicity = publicity
    proposal.save(update_fields=["publicity", "updated_at"])
    audit(
        proposal=proposal,
        actor=actor,
        verb=AuditVerb.PUBLICITY_SET,
        message=f"{before} → {proposal.get_publicity_display()}",
    )
    return proposal
