"""催办 and 督办单: an office presses a bureau about an assignment without changing its state.

Each write is one transaction with its AuditEvent (the item's history shows it) and queues its
notice for the commit (proposals.events → notifications). Who may do what is decided in
proposals.access (may_urge, may_open_supervision, may_answer_supervision,
may_close_supervision)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError
from django.db import transaction
from django.utils import timezone

from core.choices import AuditVerb
from core.choices import NoticeKind
from core.choices import SupervisionKind
from core.choices import SupervisionState
from core.exceptions import AccessDenied
from core.exceptions import ApplicationError
from core.exceptions import BatchRefused
from core.exceptions import TransitionError
from core.validation import clean_text
from proposals import events
from proposals import tallies
from proposals.access import may_answer_supervision
from proposals.access import may_close_supervision
from proposals.access import may_open_supervision
from proposals.access import may_urge
from proposals.access import staff_of
from proposals.models import Assignment
from proposals.models import Office
from proposals.models import Supervision
from proposals.services.common import audit

# A batch 催办 is one transaction; this bounds how long it holds its row locks.
BATCH_MAX = 500
# How far ahead a 督办单's reply-by date may be set.
REPLY_BY_MAX_DAYS = 366


def _locked_assignments(ids: Sequence[int]) -> dict[int, Assignment]:
    return {
        a.pk: a
        for a in Assignment.objects.select_for_update(of=("self",))
        .select_related("proposal__session", "bureau")
        .filter(pk__in=list(ids))
    }


def _locked_assignment(assignment_id: int) -> Assignment:
    found = _locked_assignments([assignment_id]).get(assignment_id)
    if found is None:
        raise AccessDenied("事项不存在或您无权查看")
    return found


def _notice(supervision: Supervision, kind: NoticeKind) -> None:
    events.notice_on_commit(
        events.NoticeDue(
            assignment_id=supervision.assignment_id,
            kind=kind,
            key=str(supervision.pk),
            data={"supervision": supervision.pk},
        )
    )


def _office_of(actor: Any) -> Office:
    """The sending office (the access checks already required office staff)."""
    staff = staff_of(actor)
    if staff is None or staff.office is None:
        raise AccessDenied("只有交办机构和督查室可以催办、督办")
    return staff.office


def _clean_comment(comment: str, label: str) -> str:
    return clean_text(comment, label=label, required=True, max_length=2000)


def _urge(assignment: Assignment, actor: Any, comment: str) -> Supervision:
    """Inside the caller's transaction, the assignment locked and checked."""
    office = _office_of(actor)
    with tallies.track(proposal_ids=[assignment.proposal_id]):  # the statistics count 催办
        supervision = Supervision.objects.create(
            assignment=assignment,
            kind=SupervisionKind.URGE,
            office=office,
            comment=comment,
            created_by=actor,
        )
    audit(
        proposal=assignment.proposal,
        assignment=assignment,
        actor=actor,
        verb=AuditVerb.URGED,
        message=f"{office.name}：{comment}",
        data={"supervision": supervision.pk},
    )
    _notice(supervision, NoticeKind.URGED)
    return supervision


@transaction.atomic
def supervision_urge(*, assignment_id: int, actor: Any, comment: str) -> Supervision:
    """催办: a comment to the bureau's clerk and supervisors; the assignment keeps its state."""
    assignment = _locked_assignment(assignment_id)
    may_urge(assignment=assignment, user=actor).require()
    return _urge(assignment, actor, _clean_comment(comment, "催办意见"))


def supervision_urge_batch(
    *, assignment_ids: Sequence[int], actor: Any, comment: str
) -> list[Supervision]:
    """催办 several assignments with one comment, all or nothing: every item is checked first
    (access and state); if any is refused nothing is written and BatchRefused says which and
    why."""
    ids = list(dict.fromkeys(assignment_ids))
    if not ids:
        raise ApplicationError("请至少选择一件事项")
    if len(ids) > BATCH_MAX:
        raise ApplicationError(f"一次最多催办 {BATCH_MAX} 件事项")
    comment = _clean_comment(comment, "催办意见")
    with transaction.atomic():
        found = _locked_assignments(ids)
        refused: dict[int, str] = {}
        for pk in ids:
            assignment = found.get(pk)
            if assignment is None:
                refused[pk] = "事项不存在或您无权查看"
                continue
            can = may_urge(assignment=assignment, user=actor)
            if not can:
                refused[pk] = can.reason
        if refused:
            raise BatchRefused(
                f"{len(refused)} 件事项不能催办，本次未催办任何事项", refused=refused
            )
        return [_urge(found[pk], actor, comment) for pk in ids]


@transaction.atomic
def supervision_open(
    *, assignment_id: int, actor: Any, comment: str, reply_by: dt.date
) -> Supervision:
    """督办单 on an overdue assignment: the bureau must answer by `reply_by`."""
    assignment = _locked_assignment(assignment_id)
    may_open_supervision(assignment=assignment, user=actor).require()
    comment = _clean_comment(comment, "督办要求")
    today = timezone.localdate()
    if reply_by < today:
        raise ApplicationError("答复期限不能早于今天")
    if reply_by > today + dt.timedelta(days=REPLY_BY_MAX_DAYS):
        raise ApplicationError("答复期限不能超过一年")
    office = _office_of(actor)
    try:
        with transaction.atomic(), tallies.track(proposal_ids=[assignment.proposal_id]):
            supervision = Supervision.objects.create(
                assignment=assignment,
                kind=SupervisionKind.ORDER,
                state=SupervisionState.OPEN,
                office=office,
                comment=comment,
                reply_by=reply_by,
                created_by=actor,
            )
    except IntegrityError as exc:  # another office opened one at the same moment
        raise TransitionError("已有一份督办单待答复") from exc
    audit(
        proposal=assignment.proposal,
        assignment=assignment,
        actor=actor,
        verb=AuditVerb.SUPERVISION_OPENED,
        message=f"{office.name}，请于{reply_by:%Y年%m月%d日}前答复：{comment}",
        data={"supervision": supervision.pk, "reply_by": reply_by.isoformat()},
    )
    _notice(supervision, NoticeKind.SUPERVISION_OPENED)
    return supervision


def _locked_supervision(supervision_id: int) -> Supervision:
    try:
        return (
            Supervision.objects.select_for_update(of=("self",))
            .select_related("assignment__proposal__session", "assignment__bureau", "office")
            .get(pk=supervision_id)
        )
    except Supervision.DoesNotExist as exc:
        raise AccessDenied("督办单不存在或您无权查看") from exc


@transaction.atomic
def supervision_answer(*, supervision_id: int, actor: Any, answer: str) -> Supervision:
    """The bureau answers a 督办单 (its clerk or supervisor); the office is told."""
    supervision = _locked_supervision(supervision_id)
    assignment = supervision.assignment
    can = may_answer_supervision(assignment=assignment, user=actor)
    if can.denied:
        can.require()
    if supervision.kind != SupervisionKind.ORDER or supervision.state != SupervisionState.OPEN:
        raise TransitionError(
            f"该督办单{supervision.get_state_display() or '无需答复'}，不能再答复"
        )
    supervision.answer = _clean_comment(answer, "答复情况")
    supervision.answered_at = timezone.now()
    supervision.answered_by = actor
    supervision.state = SupervisionState.ANSWERED
    supervision.save(update_fields=["answer", "answered_at", "answered_by", "state", "updated_at"])
    audit(
        proposal=assignment.proposal,
        assignment=assignment,
        actor=actor,
        verb=AuditVerb.SUPERVISION_ANSWERED,
        message=supervision.answer,
        data={"supervision": supervision.pk},
    )
    _notice(supervision, NoticeKind.SUPERVISION_ANSWERED)
    return supervision


@transaction.atomic
def supervision_close(*, supervision_id: int, actor: Any, comment: str = "") -> Supervision:
    """The office that opened a 督办单 closes it; an unanswered one only with a reason."""
    supervision = _locked_supervision(supervision_id)
    may_close_supervision(supervision=supervision, user=actor).require()
    comment = clean_text(comment, label="办结说明", max_length=2000)
    if supervision.state == SupervisionState.OPEN and not comment:
        raise ApplicationError("该督办单尚未答复，办结须填写说明")
    supervision.state = SupervisionState.CLOSED
    supervision.closed_at = timezone.now()
    supervision.closed_by = actor
    supervision.close_comment = comment
    supervision.save(
        update_fields=["state", "closed_at", "closed_by", "close_comment", "updated_at"]
    )
    assignment = supervision.assignment
    audit(
        proposal=assignment.proposal,
        assignment=assignment,
        actor=actor,
        verb=AuditVerb.SUPERVISION_CLOSED,
        message=comment,
        data={"supervision": supervision.pk},
    )
    return supervision
