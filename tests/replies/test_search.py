"""The search index (replies/search.py) finds exactly what a full scan of titles, proposers and
reply bodies finds: two-character words, several words, proposer names."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from offices.board import BoardFilters
from offices.board import board_assignments
from proposals.models import Proposal
from replies.models import Reply
from replies.search import normalize
from replies.search import proposal_ids_matching
from replies.search import search_reindex
from replies.services import reply_save_draft
from tests.factories import AssignmentFactory
from tests.factories import ProposalFactory
from tests.factories import ReplyFactory

# A small alphabet, so that two-character words occur often and in many places.
CHARS = "电商直播基地道路交通五金工具Ａa"
text = st.text(alphabet=CHARS + " ", min_size=0, max_size=12)


def scan(words):
    """What a full scan finds: every word in the title, the proposers or a reply body."""
    found = set()
    for p in Proposal.objects.all():
        parts = [p.title, p.lead_proposer, p.cosigners]
        parts += list(Reply.objects.filter(assignment__proposal=p).values_list("body", flat=True))
        whole = normalize("\n".join(parts))
        if all(normalize(w) in whole for w in words):
            found.add(p.pk)
    return found


@settings(
    max_examples=20,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    items=st.lists(st.tuples(text, text, text, text), min_size=1, max_size=8),
    words=st.lists(st.text(alphabet=CHARS, min_size=1, max_size=3), min_size=1, max_size=3),
)
def test_index_finds_what_a_full_scan_finds(world, items, words):
    with transaction.atomic():
        for title, lead, cosigners, body in items:
            p = ProposalFactory(
                session=world.npc_session,
                title=title or "无",
                lead_proposer=lead,
                cosigners=cosigners,
            )
            if body:
                ReplyFactory(
                    assignment=AssignmentFactory(proposal=p, bureau=world.bureau), body=body
                )
        pairs = {a + b for a in CHARS for b in CHARS}
        for two in sorted(pairs)[::7]:  # every seventh two-character word, and the drawn ones
            assert set(proposal_ids_matching(text=two)) == scan([two]), two
        assert set(proposal_ids_matching(text=" ".join(words))) == scan(words), words
        transaction.set_rollback(True)


def test_several_words_proposer_names_and_reply_bodies(world):
    a = AssignmentFactory(
        proposal=ProposalFactory(
            session=world.npc_session,
            title="关于五金工具产业的建议",
            lead_proposer="申卫康",
            cosigners="孙建文、王丽",
        ),
        bureau=world.bureau,
    )
    ReplyFactory(assignment=a, body="关于电商直播基地的建设，我局已会同有关部门。")
    b = AssignmentFactory(
        proposal=ProposalFactory(
            session=world.npc_session, title="关于道路交通的建议", lead_proposer="孙建文"
        ),
        bureau=world.bureau,
    )

    def found(q):
        return set(board_assignments(user=world.npc, filters=BoardFilters(q=q)))

    assert found("申卫康") == {a}
    assert found("孙建文") == {a, b}  # the lead proposer of one, a co-signer of the other
    assert found("孙建文 直播") == {a}  # all words must match, in any field
    assert found("孙建文　道路") == {b}  # a full-width space separates words too
    assert found("直播 不存在") == set()
    assert found("ＡＢＣ") == set()


def test_the_index_follows_a_saved_draft(world):
    from proposals import services as ps

    p = ps.proposal_register(
        session=world.npc_session,
        number=7,
        title="关于测试的建议",
        lead_proposer="申卫康",
        assigned_date=world.npc_session.created_at.date(),
        lead_bureaus=[world.bureau],
        actor=world.npc,
    )
    assert set(proposal_ids_matching(text="申卫康")) == {p.pk}
    a = p.assignments.get()
    for name in ("accept", "start_drafting"):
        ps.assignment_transition(assignment_id=a.pk, name=name, actor=world.clerk)
    reply_save_draft(
        assignment_id=a.pk,
        actor=world.clerk,
        body="山核桃产业",
        answer_class="A",
        leader_name="甲",
        clerk_name="乙",
        phone="1",
    )
    assert set(proposal_ids_matching(text="核桃")) == {p.pk}
    assert search_reindex() == 1
    assert set(proposal_ids_matching(text="核桃")) == {p.pk}


@pytest.mark.postgres
def test_postgres_uses_the_bigram_index(world):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    ProposalFactory(session=world.npc_session, title="关于直播的建议")
    qs = proposal_ids_matching(text="直播")
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        plan = qs.explain()
        cursor.execute("RESET enable_seqscan")
    assert "searchdoc_grams_gin" in plan
