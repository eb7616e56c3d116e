"""Who acts when it is not a staff user: a deputy or member on their own page (signed link)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ProposerActor:
    """A proposer acting through their personal link (or their own account). Not a Django user:
    transitions and audit rows they cause carry no user, and say who in their text."""

    person_id: int
    name: str
    proposal_ids: frozenset[int]

    is_authenticated = False
    is_superuser = False

    def __str__(self) -> str:
        return self.name


def user_or_none(actor: Any) -> Any:
    """The Django user to store as the actor of a row (None for a proposer)."""
    return None if isinstance(actor, ProposerActor) else actor
