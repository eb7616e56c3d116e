"""What the offices see of the proposers: each person's rating of each current letter (or that
they have not rated yet), their links and the messages sent to them."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

from django.utils import timezone

from core.choices import ProposalStatus
from notifications.models import ProposerMessage
from proposals.models import Person
from proposals.models import PersonLink
from proposals.models import Proposal
from proposals.models import ProposalPerson
from proposals.models import Session
from replies.models import IssuedLetter
from replies.models import ProposerRating
from replies.selectors import letter_current_by_item


@dataclass
class PersonRow:
    link: ProposalPerson
    ratings: dict[int, ProposerRating | None] = field(default_factory=dict)  # by letter id
    current_link: PersonLink | None = None
    last_messages: list[ProposerMessage] = field(default_factory=list)

    @property
    def person(self) -> Person:
        return self.link.person


@dataclass
class ProposalOverview:
    proposal: Proposal
    letters: list[IssuedLetter]  # the current letter of each lead unit, answered
    rows: list[PersonRow]


def proposal_overview(*, proposal: Proposal) -> ProposalOverview:
    letters = letter_current_by_item(proposal_ids=[proposal.pk]).get(proposal.pk, [])
    ratings = {
        (r.letter_id, r.person_id): r
        for r in ProposerRating.objects.filter(letter__in=letters).select_related("recorded_by")
    }
    now = timezone.now()
    rows = []
    for link in ProposalPerson.objects.filter(proposal=proposal).select_related("person"):
        row = PersonRow(link=link)
        for letter in letters:
            row.ratings[letter.pk] = ratings.get((letter.pk, link.person_id))
        row.current_link = (
            PersonLink.objects.filter(
                person_id=link.person_id, revoked_at__isnull=True, expires_at__gt=now
            )
            .order_by("-created_at", "-pk")
            .first()
        )
        row.last_messages = list(
            ProposerMessage.objects.filter(person_id=link.person_id).order_by("-created_at")[:3]
        )
        rows.append(row)
    return ProposalOverview(proposal=proposal, letters=letters, rows=rows)


@dataclass
class RatingLine:
    proposal: Proposal
    letter: IssuedLetter
    link: ProposalPerson
    rating: ProposerRating | None


def session_rating_lines(*, session: Session, unrated_only: bool = False) -> list[RatingLine]:
    """Every proposer of every answered item of the session against its current letter(s)."""
    proposals = list(
        Proposal.objects.filter(session=session, status=ProposalStatus.ACTIVE).order_by("number")
    )
    letters = letter_current_by_item(proposal_ids=[p.pk for p in proposals])
    all_letters = [x for rows in letters.values() for x in rows]
    ratings = {
        (r.letter_id, r.person_id): r for r in ProposerRating.objects.filter(letter__in=all_letters)
    }
    links: dict[int, list[ProposalPerson]] = {}
    for link in ProposalPerson.objects.filter(
        proposal__in=[p.pk for p in proposals]
    ).select_related("person"):
        links.setdefault(link.proposal_id, []).append(link)
    lines = []
    for p in proposals:
        for letter in letters.get(p.pk, []):
            for link in links.get(p.pk, []):
                rating = ratings.get((letter.pk, link.person_id))
                if unrated_only and rating is not None:
                    continue
                lines.append(RatingLine(p, letter, link, rating))
    return lines
