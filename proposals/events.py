"""Committed transitions, announced to the apps above proposals that care (notifications sends
the notice a transition declares). They subscribe in their AppConfig.ready(), so proposals never
imports them: dependencies stay one-way."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

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
