"""The one place that runs a declared transition. Not a public service: only the named services
in proposals.services and replies.services import it (import-linter's `protected` contract in
pyproject.toml), so `issue` is reached only through reply_issue (number, frozen text, PDF) and
`reopen` only through reply_record_feedback (new period)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django_fsm import ConcurrentTransition
from django_fsm_log.models import StateLog

from core.actors import user_or_none
from core.exceptions import AccessDenied
from core.exceptions import ApplicationError
from core.exceptions import TransitionError
from core.validation import clean_text
from proposals import events
from proposals import tallies
from proposals.access import extension_decision_check
from proposals.access import transition_check
from proposals.models import Assignment
from proposals.models import ExtensionRequest
from proposals.workflow import Comment
from proposals.workflow import Step


def _clean_comment(step: Step, comment: str) -> str:
    """The comment as the step declares it: none (anything given is dropped), optional or
    required."""
    if step.comment == Comment.NONE:
        return ""
    text = clean_text(comment, label=step.comment_label, max_length=2000)
    if step.comment == Comment.REQUIRED and not text:
        raise ApplicationError(f"“{step.label}”须填写{step.comment_label}")
    return text


def run_transition(
    *,
    assignment_id: int,
    name: str,
    actor: Any,
    comment: str = "",
    before_save: Callable[[Assignment], None] | None = None,
) -> Assignment:
    """Run one transition in one transaction: refuse with the declared reason (state, who,
    condition), run it (django-fsm-log records actor and comment: the audit row), let the
    calling service add its part (`before_save`), save, and announce it on commit. On any
    error nothing is written."""
    proposal_id = (
        Assignment.objects.filter(pk=assignment_id).values_list("proposal_id", flat=True).first()
    )
    if proposal_id is None:
        raise AccessDenied("事项不存在或您无权查看")
    try:
        # The counts follow the transition in its transaction (proposals/tallies.py); the item's
        # row lock taken there also keeps two writers of one item apart.
        with transaction.atomic(), tallies.track(proposal_ids=[proposal_id]):
            assignment = Assignment.objects.select_related("proposal__session", "bureau").get(
                pk=assignment_id
            )
            try:
                step = assignment.step(name)
            except KeyError as exc:
                raise TransitionError(f"未知操作：{name}") from exc
            transition_check(assignment=assignment, name=name, user=actor).require()
            comment = _clean_comment(step, comment)
            getattr(assignment, name)(by=user_or_none(actor), description=comment or None)
            if before_save is not None:
                before_save(assignment)
            assignment.save()
            log_id = (
                StateLog.objects.for_(assignment)
                .filter(transition=name)
                .order_by("-pk")
                .values_list("pk", flat=True)
                .first()
            )
            events.announce_on_commit(
                events.TransitionDone(
                    assignment_id=assignment.pk,
                    name=name,
                    role=assignment.role,
                    statelog_id=log_id or 0,
                    step=step,
                )
            )
    except ConcurrentTransition as exc:
        raise TransitionError("该事项刚被他人处理，请刷新页面后重试") from exc
    return assignment


def run_extension_decision(
    *,
    extension_id: int,
    name: str,
    actor: Any,
    comment: str = "",
    after: Callable[[ExtensionRequest], None] | None = None,
) -> ExtensionRequest:
    """The same for an extension request's approve/reject."""
    proposal_id = (
        ExtensionRequest.objects.filter(pk=extension_id)
        .values_list("assignment__proposal_id", flat=True)
        .first()
    )
    if proposal_id is None:
        raise AccessDenied("延期申请不存在或您无权查看")
    try:
        with transaction.atomic(), tallies.track(proposal_ids=[proposal_id]):
            extension = ExtensionRequest.objects.select_related(
                "assignment__proposal__session", "assignment__bureau"
            ).get(pk=extension_id)
            step = extension.step(name)
            extension_decision_check(extension=extension, name=name, user=actor).require()
            comment = _clean_comment(step, comment)
            getattr(extension, name)(by=actor, description=comment or None)
            extension.decision_comment = comment
            if after is not None:
                after(extension)
            extension.save()
    except ConcurrentTransition as exc:
        raise TransitionError("该延期申请刚被他人处理，请刷新页面") from exc
    return extension
