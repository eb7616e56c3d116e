"""Reads for the proposer's page and the public page. The proposer sees their own items only,
with milestones (never drafts, review comments or internal notes); the public sees the
published replies of a session, without contacts or phone numbers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.db.models import QuerySet
from django.utils import timezone
from django_fsm_log.models import StateLog

from core.actors import ProposerActor
from core.choices import AssignmentRole
from core.choices import AssignmentState
from core.choices import ProposalStatus
from core.choices import Publicity
from core.choices import RatingSource
from proposals.access import Can
from proposals.access import may_rate_letter
from proposals.access import proposer_actor
from proposals.models import Assignment
from proposals.models import Person
from proposals.models import Proposal
from proposals.models import ProposalPerson
from proposals.models import Session
from replies.models import IssuedLetter
from replies.models import ProposerRating
from replies.pdf import Paragraph
from replies.pdf import body_paragraphs
from replies.redaction import redact_phones
from replies.selectors import letter_current_by_item

S = AssignmentState
# The milestones a proposer sees, by transition (the rest are internal to the bureau).
MILESTONES = {
    "accept": "{bureau}已签收",
    "reassign": "调整承办单位（原{bureau}）",
    "start_drafting": "{bureau}开始办理",
    "issue": "{bureau}印发复函",
    "reopen": "重新办理（{bureau}）",
}


@dataclass
class Milestone:
    when: dt.date
    text: str


@dataclass
class LetterRow:
    letter: IssuedLetter
    bureau: str
    current: bool
    my_rating: ProposerRating | None
    can_rate: Can


@dataclass
class ItemView:
    proposal: Proposal
    role: str
    state: str
    milestones: list[Milestone] = field(default_factory=list)
    letters: list[LetterRow] = field(default_factory=list)


def actor_for(person: Person) -> ProposerActor:
    return proposer_actor(person_id=person.pk, name=person.name)


def _state_label(proposal: Proposal, leads: list[Assignment]) -> str:
    if proposal.status != ProposalStatus.ACTIVE:
        return proposal.get_status_display()
    live = [a for a in leads if a.state != S.REASSIGNED]
    if live and all(a.state in S.replied() for a in live):
        return "已答复"
    return "办理中"


def proposer_items(*, person: Person) -> list[ItemView]:
    """The person's items (as lead or co-signer), newest session first."""
    actor = actor_for(person)
    links = list(
        ProposalPerson.objects.filter(person=person)
        .select_related("proposal__session")
        .order_by("-proposal__session__year", "proposal__session__name", "proposal__number")
    )
    proposal_ids = [link.proposal_id for link in links]
    leads_by: dict[int, list[Assignment]] = {}
    for a in Assignment.objects.filter(
        proposal_id__in=proposal_ids, role=AssignmentRole.LEAD
    ).select_related("bureau", "proposal__session"):
        leads_by.setdefault(a.proposal_id, []).append(a)
    assignment_ids = [a.pk for rows in leads_by.values() for a in rows]
    logs = (
        StateLog.objects.filter(
            content_type=ContentType.objects.get_for_model(Assignment),
            object_id__in=assignment_ids,
            transition__in=list(MILESTONES),
        )
        .order_by("timestamp", "pk")
        .values_list("object_id", "transition", "timestamp")
    )
    by_id = {a.pk: a for rows in leads_by.values() for a in rows}
    letters = list(
        IssuedLetter.objects.filter(reply__assignment_id__in=assignment_ids)
        .select_related("reply__assignment__bureau", "reply__assignment__proposal__session")
        .order_by("issued_date", "pk")
    )
    latest: dict[int, int] = {}
    for letter in letters:
        latest[letter.reply_id] = letter.pk
    mine = {
        r.letter_id: r
        for r in ProposerRating.objects.filter(person=person, letter__in=[x.pk for x in letters])
    }
    items = []
    for link in links:
        proposal = link.proposal
        leads = leads_by.get(proposal.pk, [])
        view = ItemView(
            proposal=proposal,
            role=link.get_role_display(),
            state=_state_label(proposal, leads),
        )
        view.milestones.append(
            Milestone(
                proposal.assigned_date,
                "交办：" + "、".join(a.bureau.short_name for a in leads if a.bureau) + "主办",
            )
        )
        for object_id, transition, stamp in logs:
            a = by_id.get(int(object_id))
            if a is None or a.proposal_id != proposal.pk:
                continue
            text = MILESTONES[transition].format(bureau=a.bureau.short_name)
            view.milestones.append(Milestone(timezone.localdate(stamp), text))
        for letter in letters:
            a = letter.reply.assignment
            if a.proposal_id != proposal.pk:
                continue
            current = latest[letter.reply_id] == letter.pk
            can = (
                may_rate_letter(
                    assignment=a, person_id=person.pk, actor=actor, source=RatingSource.ONLINE
                )
                if current
                else Can(False, "该复函已重新办理")
            )
            view.letters.append(
                LetterRow(
                    letter=letter,
                    bureau=a.bureau.full_name,
                    current=current,
                    my_rating=mine.get(letter.pk),
                    can_rate=can,
                )
            )
        items.append(view)
    return items


def proposer_letter(*, person: Person, letter_id: int) -> IssuedLetter | None:
    """An issued letter of one of the person's items, or None."""
    return (
        IssuedLetter.objects.filter(
            pk=letter_id,
            reply__assignment__proposal__proposers__person=person,
        )
        .select_related("reply__assignment__proposal__session", "reply__assignment__bureau")
        .first()
    )


# --- public replies -------------------------------------------------------------------------------


@dataclass
class PublicRow:
    proposal: Proposal
    letter: IssuedLetter | None
    bureau: str
    on_request: bool
    excerpt: str


def public_sessions() -> QuerySet[Session]:
    return (
        Session.objects.filter(
            proposals__publicity__in=[Publicity.PUBLIC, Publicity.ON_REQUEST],
            proposals__status=ProposalStatus.ACTIVE,
        )
        .distinct()
        .order_by("-year", "body", "name")
    )


def _published_letters(proposal_ids: list[int]) -> dict[int, IssuedLetter]:
    """The current letter of each item's (first) lead unit, when it is answered."""
    return {
        pid: letters[0]
        for pid, letters in letter_current_by_item(proposal_ids=proposal_ids).items()
    }


def public_rows(*, session: Session, query: str = "") -> list[PublicRow]:
    proposals = Proposal.objects.filter(
        session=session,
        status=ProposalStatus.ACTIVE,
        publicity__in=[Publicity.PUBLIC, Publicity.ON_REQUEST],
    ).order_by("number")
    query = query.strip()
    if query:
        proposals = proposals.filter(
            Q(title__icontains=query)
            | Q(lead_proposer__icontains=query)
            | (
                Q(publicity=Publicity.PUBLIC)
                & Q(assignments__reply__letters__body__icontains=query)
            )
        ).distinct()
    items = list(proposals[:500])
    letters = _published_letters([p.pk for p in items])
    rows = []
    for p in items:
        letter = letters.get(p.pk)
        if letter is None:
            continue  # not answered yet: nothing to publish
        on_request = p.publicity == Publicity.ON_REQUEST
        text = " ".join(redact_phones(letter.body).replace("**", "").split())
        rows.append(
            PublicRow(
                proposal=p,
                letter=None if on_request else letter,
                bureau=letter.reply.assignment.bureau.full_name,
                on_request=on_request,
                excerpt="" if on_request else text[:120],
            )
        )
    return rows


def public_letter(*, letter_id: int) -> IssuedLetter | None:
    """A letter the public may read: the current letter of a published (公开) answered item."""
    letter = (
        IssuedLetter.objects.filter(
            pk=letter_id,
            reply__assignment__proposal__publicity=Publicity.PUBLIC,
            reply__assignment__proposal__status=ProposalStatus.ACTIVE,
        )
        .select_related("reply__assignment__proposal__session", "reply__assignment__bureau")
        .first()
    )
    if letter is None:
        return None
    proposal_id = letter.reply.assignment.proposal_id
    if _published_letters([proposal_id]).get(proposal_id) != letter:
        return None
    return letter


def public_paragraphs(letter: IssuedLetter) -> tuple[Paragraph, ...]:
    """The issued text as the page shows it (headings, **bold**), phone numbers hidden."""
    return body_paragraphs(redact_phones(letter.body))


def person_for_user(user: Any) -> Person | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Person.objects.filter(user=user).first()
