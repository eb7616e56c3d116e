"""Quality measured, not assumed: the labelled set (every paragraph of the two reference
letters rewritten: numbers changed, clauses swapped, a sentence added or dropped) among other
letters; the original must be among the first five suggestions for at least 95% of the
queries, and no suggestion may be a fragment. Deterministic: the set is seeded."""

import datetime as dt
from collections import Counter

import pytest

from core.choices import AssignmentState
from replies.models import IssuedLetter
from replies.policies import DEMO_DIR
from replies.similarity import paragraph_index_rebuild
from replies.similarity import paragraph_list_similar
from replies.similarity.labelled import evaluate
from replies.similarity.labelled import labelled_set
from replies.similarity.labelled import reference_bodies
from tests.factories import AssignmentFactory
from tests.factories import ProposalFactory
from tests.factories import ReplyFactory
from tests.replies.test_similarity import GENERIC

pytestmark = pytest.mark.django_db


def _letter(world, body, n):
    a = AssignmentFactory(
        proposal=ProposalFactory(session=world.npc_session),
        bureau=world.bureau,
        state=AssignmentState.CC_SENT,
    )
    return IssuedLetter.objects.create(
        reply=ReplyFactory(assignment=a, body=body),
        doc_year=2023,
        doc_serial=n,
        doc_number=f"临经信建复〔2023〕{n}号",
        issued_date=dt.date(2023, 5, 8),
        body=body,
        answer_class="A",
        leader_name="顾小晶",
        clerk_name="楼伟荣",
        phone="89541421",
    )


def test_labelled_set_is_deterministic_and_covers_every_rewrite():
    first, again = labelled_set(), labelled_set()
    assert first == again
    changes = Counter(q.change for q in first)
    assert set(changes) == {"改数字", "调换分句", "增加一句", "删去一句"}
    assert len(first) >= 80


def test_recall_at_5_on_the_labelled_set(world):
    # The two reference letters, the demo's generic letters, and letters made of the other
    # districts' policy texts (four paragraphs each) as distractors.
    bodies = reference_bodies()
    bodies += [GENERIC.format(title=f"关于第{n}件事的提案") for n in range(3)]
    policy_paragraphs = [
        line.strip()
        for path in sorted(DEMO_DIR.glob("*.txt"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if len(line.strip()) > 30
    ]
    bodies += ["\n".join(policy_paragraphs[i : i + 4]) for i in range(0, len(policy_paragraphs), 4)]
    for n, body in enumerate(bodies, start=1):
        _letter(world, body, n)
    paragraph_index_rebuild()
    editing = AssignmentFactory(
        proposal=ProposalFactory(session=world.npc_session),
        bureau=world.bureau,
        state=AssignmentState.DRAFTING,
    )
    queries = labelled_set()
    result = evaluate(
        queries,
        lambda q: paragraph_list_similar(user=world.clerk, text=q, assignment=editing),
        lambda letter_id: IssuedLetter.objects.get(pk=letter_id).body,
    )
    assert result.total == len(queries)
    assert result.recall >= 0.95, [(m.change, m.query[:40]) for m in result.misses]
    assert result.suggestions > result.total  # there were other suggestions to check
    assert result.fragments == []
