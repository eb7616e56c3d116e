"""Deputies and members (Person), their places on items (ProposalPerson) and their links."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.choices import ProposerRole
from proposals.links import link_lifetime
from proposals.models import Person
from proposals.models import PersonLink
from proposals.models import Proposal
from proposals.models import ProposalPerson

NAME_SEPARATORS = re.compile(r"[、，,；;\s]+")


def split_names(text: str) -> list[str]:
    """附议人 as typed: 张三、李四，王五 → [张三, 李四, 王五] (each once, in order)."""
    seen: list[str] = []
    for name in NAME_SEPARATORS.split(text or ""):
        name = name.strip()
        if name and name not in seen:
            seen.append(name[:100])
    return seen


def person_resolve(*, name: str, body: str) -> Person:
    """The person of that name in that body; created when unknown. When more than one has the
    name the oldest is taken and all of them are flagged for the office to merge or tell apart."""
    people = list(Person.objects.filter(name=name, body=body).order_by("pk")[:2])
    if not people:
        return Person.objects.create(name=name, body=body)
    if len(people) > 1:
        Person.objects.filter(name=name, body=body, possible_duplicate=False).update(
            possible_duplicate=True
        )
    return people[0]


def proposal_persons_link(*, proposal: Proposal) -> list[ProposalPerson]:
    """Link the item's 领衔人 and 附议人 to persons (inside the registering transaction)."""
    body = proposal.session.body
    names = [(proposal.lead_proposer, ProposerRole.LEAD)] + [
        (n, ProposerRole.COSIGNER)
        for n in split_names(proposal.cosigners)
        if n != proposal.lead_proposer
    ]
    links = []
    for position, (name, role) in enumerate(names):
        person = person_resolve(name=name, body=body)
        link, _ = ProposalPerson.objects.get_or_create(
            proposal=proposal, person=person, defaults={"role": role, "position": position}
        )
        links.append(link)
    return links


def person_create(
    *, name: str, body: str, group: str = "", mobile: str = "", email: str = ""
) -> Person:
    """A person entered by hand; flagged when the name is already known in the body."""
    exists = Person.objects.filter(name=name, body=body).exists()
    person = Person(
        name=name, body=body, group=group, mobile=mobile, email=email, possible_duplicate=exists
    )
    person.full_clean()
    person.save()
    if exists:
        Person.objects.filter(name=name, body=body).update(possible_duplicate=True)
    return person


@transaction.atomic
def person_link_issue(*, person: Person, actor: Any = None) -> PersonLink:
    """The person's current link: the newest one still valid for at least a day, else a new
    one (so that resending does not multiply links)."""
    now = timezone.now()
    link = (
        PersonLink.objects.filter(
            person=person, revoked_at__isnull=True, expires_at__gt=now + dt.timedelta(days=1)
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    if link is None:
        link = PersonLink.objects.create(
            person=person,
            expires_at=now + link_lifetime(),
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
    return link


@transaction.atomic
def person_link_revoke(*, person: Person) -> int:
    """Revoke every link of the person (the next one sent is a new link)."""
    return PersonLink.objects.filter(person=person, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


@transaction.atomic
def person_set_sms_opt_out(*, person: Person, opt_out: bool) -> Person:
    """The proposer stops (or resumes) text messages; e-mail and the page stay."""
    Person.objects.filter(pk=person.pk).update(sms_opt_out=opt_out, updated_at=timezone.now())
    person.sms_opt_out = opt_out
    return person
