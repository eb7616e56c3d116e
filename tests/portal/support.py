"""Items registered and issued through the services, with proposers linked as persons."""

from __future__ import annotations

from django.utils import timezone

from proposals import services as ps
from proposals.links import link_path
from proposals.models import Assignment
from proposals.models import Person
from replies import services as rs
from tests.factories import ReplyFactory


def register(world, *, number=50, lead="申卫康", cosigners="张三、李四", session=None, actor=None):
    session = session or world.npc_session
    office = actor or (world.npc if session.body == "npc" else world.cppcc)
    return ps.proposal_register(
        session=session,
        number=number,
        title=f"关于第{number}号测试事项的建议",
        lead_proposer=lead,
        assigned_date=timezone.localdate(),
        lead_bureaus=[world.bureau],
        signer_count=1 + len(ps.split_names(cosigners)),
        cosigners=cosigners,
        actor=office,
    )


def issue(world, proposal, *, body="您的建议收悉。\n一、关于测试\n正文。"):
    """Take the lead assignment to 已签批 the short way and issue its letter for real."""
    a = proposal.assignments.get(role="lead")
    Assignment.objects.filter(pk=a.pk).update(state="approved")
    ReplyFactory(assignment=a, body=body)
    return rs.reply_issue(assignment_id=a.pk, actor=world.clerk)


def issued_item(world, **kwargs):
    proposal = register(world, **kwargs)
    return proposal, issue(world, proposal)


def person(name, body="npc"):
    return Person.objects.get(name=name, body=body)


def link_of(name, body="npc"):
    return link_path(ps.person_link_issue(person=person(name, body)))
