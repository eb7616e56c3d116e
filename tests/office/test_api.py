"""REST API: the same scoping and permissions as the web pages, for every role."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_fsm_log.models import StateLog
from knox.models import AuthToken
from rest_framework.test import APIClient

from core.choices import AssignmentState
from replies.models import IssuedLetter
from tests.factories import AssignmentFactory
from tests.factories import ProposalFactory
from tests.factories import ReplyFactory

S = AssignmentState


@pytest.fixture
def items(world):
    """One item handled by 区经信局 (in review), one by 区商务局."""
    mine = AssignmentFactory(
        proposal=ProposalFactory(session=world.npc_session, title="关于五金产业的建议"),
        bureau=world.bureau,
        state=S.IN_REVIEW,
    )
    ReplyFactory(assignment=mine)
    theirs = AssignmentFactory(
        proposal=ProposalFactory(session=world.cppcc_session, title="关于外贸的提案"),
        bureau=world.other_bureau,
        state=S.ACCEPTED,
    )
    return mine, theirs


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def ids(response):
    return [row["id"] for row in response.json()["results"]]


def test_anonymous_is_refused(items):
    assert APIClient().get(reverse("api:assignment_list")).status_code in (401, 403)


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("clerk", {"mine"}),
        ("supervisor", {"mine"}),
        ("other_clerk", {"theirs"}),
        ("npc", {"mine", "theirs"}),
        ("cppcc", {"mine", "theirs"}),
        ("duchashi", {"mine", "theirs"}),
    ],
)
def test_lists_are_scoped(world, items, who, sees):
    mine, theirs = items
    expected = {"mine": mine, "theirs": theirs}
    client = api(world.role(who))
    got = set(ids(client.get(reverse("api:assignment_list"))))
    assert got == {expected[k].pk for k in sees}
    got = set(ids(client.get(reverse("api:proposal_list"))))
    assert got == {expected[k].proposal_id for k in sees}


def test_other_bureau_gets_404_on_detail(world, items):
    mine, _ = items
    client = api(world.other_clerk)
    assert client.get(reverse("api:assignment", args=[mine.pk])).status_code == 404
    assert client.get(reverse("api:proposal", args=[mine.proposal_id])).status_code == 404
    assert client.get(reverse("api:reply", args=[mine.pk])).status_code == 404
    response = client.post(reverse("api:transition", args=[mine.pk, "approve"]), {})
    assert response.status_code == 404
    mine.refresh_from_db()
    assert mine.state == S.IN_REVIEW


def test_clerk_cannot_approve_supervisor_can(world, items):
    mine, _ = items
    url = reverse("api:transition", args=[mine.pk, "approve"])
    response = api(world.clerk).post(url, {"comment": "同意"}, format="json")
    assert response.status_code == 403
    assert "只有本单位承办领导" in response.json()["detail"]
    mine.refresh_from_db()
    assert mine.state == S.IN_REVIEW
    assert StateLog.objects.count() == 0

    response = api(world.supervisor).post(url, {"comment": "同意"}, format="json")
    assert response.status_code == 200
    assert response.json()["state"] == S.APPROVED
    log = StateLog.objects.get()
    assert (log.transition, log.by, log.description) == ("approve", world.supervisor, "同意")


def test_supervision_office_is_read_only(world, items):
    mine, _ = items
    client = api(world.duchashi)
    assert client.get(reverse("api:assignment", args=[mine.pk])).status_code == 200
    for name in ("approve", "return_for_revision", "keep"):
        response = client.post(
            reverse("api:transition", args=[mine.pk, name]), {"comment": "x"}, format="json"
        )
        assert response.status_code in (403, 409), name
    mine.refresh_from_db()
    assert mine.state == S.IN_REVIEW


def test_transition_in_wrong_state_and_unknown_name(world, items):
    mine, _ = items
    client = api(world.clerk)
    response = client.post(reverse("api:transition", args=[mine.pk, "accept"]), {})
    assert response.status_code == 409
    assert "不能" in response.json()["detail"]
    response = client.post(reverse("api:transition", args=[mine.pk, "explode"]), {})
    assert response.status_code == 404


def test_return_needs_comment(world, items):
    mine, _ = items
    url = reverse("api:transition", args=[mine.pk, "return_for_revision"])
    response = api(world.supervisor).post(url, {}, format="json")
    assert response.status_code == 400
    assert "意见" in response.json()["detail"]


def test_detail_lists_available_actions(world, items):
    mine, _ = items
    data = api(world.supervisor).get(reverse("api:assignment", args=[mine.pk])).json()
    assert {a["name"] for a in data["actions"]} == {"approve", "return_for_revision"}
    data = api(world.clerk).get(reverse("api:assignment", args=[mine.pk])).json()
    assert data["actions"] == []


def test_letters_and_pdf_url(world, items, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    mine, _theirs = items
    letter = IssuedLetter.objects.create(
        reply=mine.reply,
        doc_year=2023,
        doc_serial=41,
        doc_number="临经信建复〔2023〕41号",
        issued_date="2023-05-08",
        body="正文",
        answer_class="A",
        leader_name="顾小晶",
        clerk_name="楼伟荣",
        phone="89541421",
        cc_list=["区政府督查室"],
    )
    client = api(world.clerk)
    data = client.get(reverse("api:letter", args=[letter.pk])).json()
    assert data["doc_number"] == "临经信建复〔2023〕41号"
    assert data["pdf_url"] is None
    assert client.get(reverse("api:letter_pdf", args=[letter.pk])).status_code == 404

    from django.core.files.base import ContentFile

    letter.pdf.save("41.pdf", ContentFile(b"%PDF-1.7 test"), save=True)
    data = client.get(reverse("api:letter_list")).json()
    assert data["results"][0]["pdf_url"].endswith(reverse("api:letter_pdf", args=[letter.pk]))
    response = client.get(reverse("api:letter_pdf", args=[letter.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.7 test"

    outsider = api(world.other_clerk)
    assert outsider.get(reverse("api:letter", args=[letter.pk])).status_code == 404
    assert outsider.get(reverse("api:letter_pdf", args=[letter.pk])).status_code == 404
    assert outsider.get(reverse("api:letter_list")).json()["results"] == []


def test_filters(world, items):
    mine, theirs = items
    client = api(world.npc)
    url = reverse("api:assignment_list")
    assert ids(client.get(url, {"body": "cppcc"})) == [theirs.pk]
    assert ids(client.get(url, {"state": "in_review"})) == [mine.pk]
    assert ids(client.get(url, {"bureau": world.other_bureau.pk})) == [theirs.pk]
    assert ids(client.get(url, {"q": "五金"})) == [mine.pk]
    assert client.get(url, {"state": "nonsense"}).status_code == 400


def test_token_auth(world, items):
    response = APIClient().post(
        reverse("api:token"), {"username": "clerk", "password": "pw-12345"}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert AuthToken.objects.get(user=world.clerk).token_key == token[:15]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert ids(client.get(reverse("api:assignment_list"))) == [items[0].pk]


def test_list_query_count_does_not_grow(world):
    for i in range(30):
        AssignmentFactory(
            proposal=ProposalFactory(session=world.npc_session, number=100 + i),
            bureau=world.bureau if i % 2 else world.other_bureau,
            clerk=world.clerk,
        )
    client = api(world.npc)
    counts = []
    for size in (5, 25):
        for name in ("api:assignment_list", "api:proposal_list"):
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(reverse(name), {"page_size": size})
            assert response.status_code == 200
            assert len(response.json()["results"]) == size
            counts.append((name, len(ctx.captured_queries)))
    assert counts[0][1] == counts[2][1]
    assert counts[1][1] == counts[3][1]


def test_schema_and_docs(world, client):
    # only for users who are logged in
    assert client.get(reverse("api:schema"), {"format": "json"}).status_code in (401, 403)
    assert client.get(reverse("api:docs")).status_code == 302
    client.force_login(world.clerk)
    response = client.get(reverse("api:schema"), {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/assignments/{assignment_id}/transitions/{name}/" in paths
    response = client.get(reverse("api:docs"))
    assert response.status_code == 200
    assert "/api/assignments/" in response.content.decode()


def test_issue_through_the_api_allocates_the_number(world):
    a = AssignmentFactory(
        proposal=ProposalFactory(session=world.npc_session), bureau=world.bureau, state=S.APPROVED
    )
    ReplyFactory(assignment=a)
    url = reverse("api:transition", args=[a.pk, "issue"])
    assert api(world.other_clerk).post(url, {}).status_code == 404
    assert api(world.npc).post(url, {}).status_code == 403
    assert IssuedLetter.objects.count() == 0
    response = api(world.clerk).post(url, {})
    assert response.status_code == 200
    assert response.json()["state"] == S.ISSUED
    letter = IssuedLetter.objects.get()
    assert letter.doc_number.startswith("临经信建复〔")
    data = api(world.npc).get(reverse("api:reply", args=[a.pk])).json()
    assert [x["doc_number"] for x in data["letters"]] == [letter.doc_number]
