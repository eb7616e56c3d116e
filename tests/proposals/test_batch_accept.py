"""批量签收 from the clerk's inbox: each item through the accept transition's service, in one
transaction; any refusal rolls everything back and the page says which and why."""

import pytest
from django.urls import reverse
from django_fsm_log.models import StateLog

from core.choices import AssignmentState
from core.exceptions import BatchRefused
from proposals import services as ps
from proposals.models import Assignment
from tests.factories import AssignmentFactory
from tests.factories import ProposalFactory

S = AssignmentState


@pytest.fixture
def three(world):
    def make(state, bureau=None):
        return AssignmentFactory(
            proposal=ProposalFactory(session=world.npc_session),
            bureau=bureau or world.bureau,
            state=state,
        )

    return make(S.ASSIGNED), make(S.ASSIGNED), make(S.ASSIGNED, bureau=world.other_bureau)


def states(*items):
    return [Assignment.objects.get(pk=a.pk).state for a in items]


def test_all_or_nothing_with_the_reason_of_each_refusal(world, three):
    a, b, theirs = three
    ps.assignment_transition(name="accept", assignment_id=b.pk, actor=world.clerk)
    logs = StateLog.objects.count()
    with pytest.raises(BatchRefused) as refused:
        ps.assignment_accept_batch(assignment_ids=[a.pk, b.pk, theirs.pk], actor=world.clerk)
    assert refused.value.refused == {
        b.pk: "当前状态为“已签收”，不能签收",
        theirs.pk: "只有本单位承办人员可以签收",
    }
    assert states(a, theirs) == [S.ASSIGNED, S.ASSIGNED]  # a was accepted, then rolled back
    assert StateLog.objects.count() == logs


def test_every_item_through_the_accept_service(world, three):
    a, b, _ = three
    done = ps.assignment_accept_batch(assignment_ids=[a.pk, b.pk], actor=world.clerk)
    assert [x.pk for x in done] == [a.pk, b.pk]
    assert states(a, b) == [S.ACCEPTED, S.ACCEPTED]
    assert Assignment.objects.get(pk=a.pk).clerk == world.clerk  # what accept itself does
    assert StateLog.objects.filter(transition="accept").count() == 2


def test_inbox_page_offers_it_and_reports_refusals(world, three, client):
    a, b, theirs = three
    client.force_login(world.clerk)
    html = client.get(reverse("proposals:inbox")).content.decode()
    assert 'form="batch-accept"' in html
    assert f'value="{a.pk}"' in html
    assert f'value="{theirs.pk}"' not in html  # not in this clerk's inbox at all
    url = reverse("proposals:accept_batch")
    response = client.post(url, {"ids": [a.pk, b.pk, theirs.pk]})
    assert response.status_code == 400
    html = response.content.decode()
    assert "1 件事项不能签收，本次未签收任何事项" in html
    # another bureau's item is named by its id only, and never said to exist
    assert f"事项 {theirs.pk}" in html
    assert "只有本单位承办人员可以签收" not in html
    assert f'value="{a.pk}" id="pick-{a.pk}" form="batch-accept" checked' in html  # kept
    assert states(a, b, theirs) == [S.ASSIGNED] * 3
    assert client.post(url, {"ids": []}).status_code == 400
    assert client.post(url, {"ids": ["abc"]}).status_code == 400
    response = client.post(url, {"ids": [a.pk, b.pk]})
    assert response.status_code == 302
    assert states(a, b) == [S.ACCEPTED, S.ACCEPTED]


def test_the_office_cannot_accept_for_the_bureau(world, three, client):
    a, _, _ = three
    client.force_login(world.npc)
    response = client.post(reverse("proposals:accept_batch"), {"ids": [a.pk]})
    assert response.status_code == 400
    assert "只有本单位承办人员可以签收" in response.content.decode()
    assert states(a) == [S.ASSIGNED]
