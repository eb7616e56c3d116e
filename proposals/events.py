"""Committed transitions, item status changes and other notices (催办, 督办单), announced to
the apps above proposals that care (notifications sends the notices; replies updates its
similar-paragraph index). They subscribe in their AppConfig.ready(), so proposals never imports
them: dependencies stay one-way."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from functools import partial
from typing import Any

from django.db import transaction

from proposals.workflow import Step


@dataclass(frozen=True)
class TransitionDone:
    assignment_id: int
    name: str
    role: str
    statelog_id: int
    step: Step  # as it applies to the assignment's role


Listener = Callable[[TransitionDone], None]
_listeners: list[Listener] = []


def subscribe(listener: Listener) -> Listener:
    """Call `listener` after every committed transition (idempotent: once per function)."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def announce_on_commit(event: TransitionDone) -> None:
    """Queue each listener for when the transition's transaction commits; a rollback drops
    them. Listeners must not raise: the transition has already happened."""
    for listener in list(_listeners):
        transaction.on_commit(partial(listener, event))


@dataclass(frozen=True)
class ProposalStatusChanged:
    """An item was withdrawn (撤回) or merged (并案): its status is no longer 正常办理.
    replies drops the item's letters from the similar-paragraph suggestions."""

    proposal_id: int
    status: str  # ProposalStatus


StatusListener = Callable[[ProposalStatusChanged], None]
_status_listeners: list[StatusListener] = []


def subscribe_status(listener: StatusListener) -> StatusListener:
    """Call `listener` after every committed status change of an item (once per function)."""
    if listener not in _status_listeners:
        _status_listeners.append(listener)
    return listener


def announce_status_on_commit(event: ProposalStatusChanged) -> None:
    """Like announce_on_commit: queued for the commit, dropped on rollback."""
    for listener in list(_status_listeners):
        transaction.on_commit(partial(listener, event))


@dataclass(frozen=True)
class NoticeDue:
    """A notice about something that is not a transition (a 催办, a 督办单 and its answer), to
    be sent once: notifications records it under (assignment, kind, key)."""

    assignment_id: int
    kind: str  # core.choices.NoticeKind
    key: str
    data: dict[str, Any] = field(default_factory=dict)


NoticeListener = Callable[[NoticeDue], None]
_notice_listeners: list[NoticeListener] = []


def subscribe_notices(listener: NoticeListener) -> NoticeListener:
    """Call `listener` for every notice once its transaction commits (once per function)."""
    if listener not in _notice_listeners:
        _notice_listeners.append(listener)
    return listener


def notice_on_commit(event: NoticeDue) -> None:
    """Queue each notice listener for the commit of the current transaction; a rollback (a
    batch refused as a whole) drops them. Listeners must not raise."""
    for listener in list(_notice_listeners):
        transaction.on_commit(partial(listener, event))


# --- items whose text changed (registration, later edits) ---------------------------------------

ItemListener = Callable[[int], None]
_item_listeners: list[ItemListener] = []


def on_item_changed(listener: ItemListener) -> ItemListener:
    """Call `listener(proposal_id)` inside the writing transaction whenever an item's registered
    text (title, proposers) changes, so that indexes kept by higher apps (replies' search
    index) stay exact without proposals importing them."""
    if listener not in _item_listeners:
        _item_listeners.append(listener)
    return listener


def item_changed(*, proposal_id: int) -> None:
    for listener in list(_item_listeners):
        listener(proposal_id)
