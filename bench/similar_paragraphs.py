"""How long the similar-paragraph lookup takes as a bureau's issued letters grow.

    .venv/bin/python bench/similar_paragraphs.py [letters ...]   (default: 100 500 2000)

Builds a throw-away test database (SQLite, or PostgreSQL when DATABASE_URL is set), fills it with
letters made of the reference letters' paragraphs (shuffled, with changed numbers), then times
paragraph_list_similar for a paragraph of letter 46: first call (segments not cached yet) and the
median of 5 warm calls. Prints one line per size."""

import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from proposals.models import Assignment  # noqa: E402
from proposals.models import Bureau  # noqa: E402
from proposals.models import Proposal  # noqa: E402
from proposals.models import Session  # noqa: E402
from proposals.models import Staff  # noqa: E402
from replies.models import IssuedLetter  # noqa: E402
from replies.models import Reply  # noqa: E402
from replies.similarity import letter_segments  # noqa: E402
from replies.similarity import paragraph_list_similar  # noqa: E402

DEMO = ROOT / "offices" / "demo"
PARAGRAPHS = [
    line
    for name in ("reply_npc_50.txt", "reply_cppcc_46.txt")
    for line in (DEMO / name).read_text(encoding="utf-8").splitlines()
    if line.strip()
]
QUERY = next(p for p in PARAGRAPHS if p.startswith("**二是大力拓展招商渠道"))


def fill(count: int, start: int, bureau: Bureau, session: Session, rng: random.Random) -> None:
    today = dt.date(2023, 5, 8)
    proposals = Proposal.objects.bulk_create(
        Proposal(
            session=session,
            number=start + i,
            title=f"关于第{start + i}号事项的建议",
            lead_proposer="申卫康",
            assigned_date=today,
        )
        for i in range(count)
    )
    assignments = Assignment.objects.bulk_create(
        Assignment(
            proposal=p,
            bureau=bureau,
            role="lead",
            state="cc_sent",
            assigned_date=today,
            due_date=today,
            reassignment_deadline=today,
        )
        for p in proposals
    )
    bodies = []
    for _ in assignments:
        picked = rng.sample(PARAGRAPHS, 12)
        bodies.append("\n".join(p.replace("2022", str(rng.randint(2000, 2030))) for p in picked))
    replies = Reply.objects.bulk_create(
        Reply(assignment=a, body=b) for a, b in zip(assignments, bodies, strict=True)
    )
    IssuedLetter.objects.bulk_create(
        IssuedLetter(
            reply=r,
            doc_year=2023,
            doc_serial=start + i,
            doc_number=f"临经信建复〔2023〕{start + i}号",
            issued_date=today,
            body=r.body,
            answer_class="A",
            leader_name="顾小晶",
            clerk_name="楼伟荣",
            phone="89541421",
        )
        for i, r in enumerate(replies)
    )


def main(sizes: list[int]) -> None:
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        bureau = Bureau.objects.create(
            full_name="临安区经信局", short_name="经信局", doc_prefix="临经信"
        )
        session = Session.objects.create(body="npc", name="区十七届人大二次会议", year=2023)
        user = get_user_model().objects.create_user(username="clerk", password="x")
        Staff.objects.create(user=user, role="clerk", bureau=bureau)
        rng = random.Random(7)  # noqa: S311 (repeatable test data)
        have = 0
        print(f"database: {connection.vendor}; query: {QUERY[:20]}…")
        for size in sorted(sizes):
            fill(size - have, have + 1, bureau, session, rng)
            have = size
            letter_segments.cache_clear()
            t0 = time.perf_counter()
            top = paragraph_list_similar(user=user, text=QUERY)
            cold = time.perf_counter() - t0
            warm = []
            for _ in range(5):
                t0 = time.perf_counter()
                paragraph_list_similar(user=user, text=QUERY)
                warm.append(time.perf_counter() - t0)
            print(
                f"letters={size:>5}  paragraphs={12 * size:>6}  cold={cold * 1000:7.1f} ms  "
                f"warm(median of 5)={statistics.median(warm) * 1000:7.1f} ms  "
                f"top score={top[0].score:.3f}"
            )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [100, 500, 2000])
