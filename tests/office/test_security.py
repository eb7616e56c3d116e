"""The audit page's audience, contact records, navigation by role."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from core.choices import AssignmentState
from core.exceptions import AccessDenied
from core.exceptions import ApplicationError
from offices.contacts import assignment_record_contact
from proposals import services as ps
from proposals.models import AuditEvent
from proposals.models import ContactEvent
from tests.factories import AssignmentFactory
from tests.factories import ProposalFactory

S = AssignmentState


def test_csrf_is_enforced(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.npc)
    assert client.post(reverse("office:import"), {"step": "preview"}).status_code == 403


@pytest.mark.parametrize(("who", "status"), [("npc", 200), ("duchashi", 200), ("clerk", 403)])
def test_audit_page_for_offices_only(world, client, who, status):
    a = AssignmentFactory(proposal=ProposalFactory(session=world.npc_session), bureau=world.bureau)
    ps.assignment_transition(name="accept", assignment_id=a.pk, actor=world.clerk)
    client.force_login(world.role(who))
    response = client.get(reverse("office:audit"))
    assert response.status_code == status
    if status == 200:
        assert "签收" in response.content.decode()


def test_audit_filters(world, client):
    mine = AssignmentFactory(
        proposal=ProposalFactory(session=world.npc_session), bureau=world.bureau
    )
    theirs = AssignmentFactory(
        proposal=ProposalFactory(session=world.cppcc_session), bureau=world.other_bureau
    )
    ps.assignment_transition(name="accept", assignment_id=mine.pk, actor=world.clerk)
    ps.assignment_transition(name="accept", assignment_id=theirs.pk, actor=world.other_clerk)
    ps.assignment_update_contacts(
        assignment_id=mine.pk, actor=world.clerk, leader_name="顾小晶", phone="1"
    )
    client.force_login(world.npc)
    entries = client.get(reverse("office:audit")).context["entries"]
    assert len(entries) == 3
    entries = client.get(reverse("office:audit"), {"bureau": world.other_bureau.pk}).context[
        "entries"
    ]
    assert [(e.action, e.bureau) for e in entries] == [("签收", "区商务局")]
    entries = client.get(reverse("office:audit"), {"kind": "event"}).context["entries"]
    assert [e.action for e in entries] == ["修改承办信息"]
    entries = client.get(reverse("office:audit"), {"actor": "other_clerk"}).context["entries"]
    assert [e.bureau for e in entries] == ["区商务局"]
    # By the Chinese name the office knows the clerk by (kept whole, surname first).
    name = world.other_clerk.first_name
    entries = client.get(reverse("office:audit"), {"actor": name}).context["entries"]
    assert [(e.action, e.bureau) for e in entries] == [("签收", "区商务局")]


def test_contact_recorded_by_own_clerk_only(world, client):
    a = AssignmentFactory(
        proposal=ProposalFactory(session=world.npc_session),
        bureau=world.bureau,
        state=S.DRAFTING,
        assigned_date=timezone.localdate() - dt.timedelta(days=10),
    )
    day = timezone.localdate() - dt.timedelta(days=1)
    for outsider in (world.other_clerk, world.supervisor, world.npc, world.duchashi):
        with pytest.raises(AccessDenied):
            assignment_record_contact(
                assignment_id=a.pk, actor=outsider, contacted_on=day, method="phone"
            )
    with pytest.raises(ApplicationError):
        assignment_record_contact(
            assignment_id=a.pk, actor=world.clerk, contacted_on=day, method="telepathy"
        )
    with pytest.raises(ApplicationError):
        assignment_record_contact(
            assignment_id=a.pk,
            actor=world.clerk,
            contacted_on=timezone.localdate() + dt.timedelta(days=1),
            method="phone",
        )
    assert ContactEvent.objects.count() == 0

    client.force_login(world.clerk)
    response = client.post(
        reverse("office:contact", args=[a.pk]),
        {
            "contact-contacted_on": day.isoformat(),
            "contact-method": "meeting",
            "contact-note": "当面听取意见",
        },
    )
    assert response.status_code == 302
    event = ContactEvent.objects.get()
    assert (event.method, event.note, event.actor) == ("meeting", "当面听取意见", world.clerk)
    assert AuditEvent.objects.filter(verb="contacted", assignment=a).count() == 1
    page = client.get(reverse("proposals:assignment", args=[a.pk])).content.decode()
    assert "当面听取意见" in page
    assert "登记面商" in page

    client.force_login(world.other_clerk)
    response = client.post(
        reverse("office:contact", args=[a.pk]),
        {"contacted_on": day.isoformat(), "method": "meeting"},
    )
    assert response.status_code == 404
    assert ContactEvent.objects.count() == 1


@pytest.mark.parametrize(
    ("who", "shown", "hidden"),
    [
        ("clerk", ["看板", "统计"], ["导入", "审计"]),
        ("npc", ["看板", "统计", "导入", "审计"], []),
        ("duchashi", ["看板", "统计", "审计"], ["导入"]),
    ],
)
def test_navigation_by_role(world, client, who, shown, hidden):
    client.force_login(world.role(who))
    nav = (
        client.get(reverse("proposals:inbox")).content.decode().split("<nav>")[1].split("</nav>")[0]
    )
    for label in shown:
        assert f">{label}</a>" in nav
    for label in hidden:
        assert f">{label}</a>" not in nav
