"""Similar-paragraph lookup on PostgreSQL at 500, 5,000 and 20,000 issued letters: cold and warm
p50/p95 latency, recall@5 on the labelled set, and what a user would otherwise get: the old scan
of every letter, and (with --trgm) pg_trgm, the other index considered.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fuhan_similar_bench \\
        .venv/bin/python bench/similar_paragraphs.py [--sizes 500 5000 20000] [--trgm] \\
        [--budget 1500]

The database name must end in _bench: its data is deleted and rebuilt. On SQLite (no
DATABASE_URL) it runs at --sizes 200 1000 to check the fallback.

Corpus: the two reference letters (临经信建复〔2023〕41号, 临经信提复〔2023〕42号) and synthetic
letters of 12 to 15 paragraphs of 2 to 4 sentences. The sentences come from a character model
(order 2) of the reference letters and the other districts' policy texts
(replies/demo/policies/): new sentences in the words of real letters, so every trigram of the
corpus is a common one (the worst case for a trigram index). Reuse, as clerks do it: 3% of the
paragraphs are paragraphs of the reference letters with their numbers changed (a third of them
also rewritten as in the labelled set), 1% of the sentences are theirs. 30,000 generated sentences
are drawn from (each recurs in a few dozen letters, in other company): nearly every paragraph
is a distinct text. Five bureaus; the first holds 40% of the letters.

Queries: the labelled set (replies/similarity/labelled.py: every paragraph of the reference
letters with numbers changed, clauses swapped, a sentence added or dropped; recall@5 is the
share whose original is among the first five suggestions, checked for the office) plus, for
timing, the first 20 to 40 characters of paragraphs (a paragraph only begun). Users: the office
(sees every letter) and the first bureau's clerk (its 40%).

Cold: a new database connection and empty Python caches before each query, the first run of
that query text. Warm: the same queries again (2 rounds). PostgreSQL's shared buffers and the
OS page cache are NOT emptied (that needs a server restart, not allowed on a shared machine):
"cold" is a new process's first request, not a server just booted. Old scan: the previous
implementation (every visible letter split and compared in Python on each request), 3 queries.
pg_trgm: only its candidate queries (similarity >= 0.3, word_similarity >= 0.5), no scope and no
ranking, so less than a whole lookup.

Left out: HTTP and template time (the JSON view adds one access check and serialisation),
concurrent requests, real letters (none are public in bulk: the corpus is synthetic), and the
cost of indexing at issuance (one letter: a few milliseconds; the whole corpus is indexed with
the rebuild, timed as "index rows").

Bounded: the corpus is built once per size step (the trigram index dropped while loading, built
after); once the time spent passes --budget seconds (default 1500) the remaining sizes are
skipped and the output says so.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db import transaction  # noqa: E402

from core.choices import AssignmentState  # noqa: E402
from core.choices import Body  # noqa: E402
from core.choices import OfficeKind  # noqa: E402
from core.choices import SegmentKind  # noqa: E402
from core.choices import StaffRole  # noqa: E402
from proposals.models import Assignment  # noqa: E402
from proposals.models import Bureau  # noqa: E402
from proposals.models import Office  # noqa: E402
from proposals.models import Proposal  # noqa: E402
from proposals.models import Session  # noqa: E402
from proposals.models import Staff  # noqa: E402
from replies.models import IssuedLetter  # noqa: E402
from replies.models import ParagraphShingle  # noqa: E402
from replies.models import ParagraphText  # noqa: E402
from replies.models import ParagraphUse  # noqa: E402
from replies.models import Reply  # noqa: E402
from replies.policies import DEMO_DIR  # noqa: E402
from replies.similarity import paragraph_index_rebuild  # noqa: E402
from replies.similarity import paragraph_index_vacuum  # noqa: E402
from replies.similarity import paragraph_list_similar  # noqa: E402
from replies.similarity.labelled import REWRITES  # noqa: E402
from replies.similarity.labelled import evaluate  # noqa: E402
from replies.similarity.labelled import labelled_set  # noqa: E402
from replies.similarity.labelled import reference_bodies  # noqa: E402
from replies.similarity.labelled import sentences  # noqa: E402
from replies.similarity.text import bigrams  # noqa: E402
from replies.similarity.text import grams  # noqa: E402
from replies.similarity.text import jaccard  # noqa: E402
from replies.similarity.text import letter_segments  # noqa: E402
from replies.similarity.text import normalize  # noqa: E402

INDUSTRIES = str.split(
    "五金工具 电线电缆 复合装饰材料 光电 竹木加工 坚果炒货 生物医药 新材料 绿色能源 智能物联 "
    "高端装备 文化旅游 现代农业 电子商务 数字经济 医疗器械 纺织服装 汽车零部件 节能环保 食品加工"
)
TOPICS = str.split(
    "产业链招商 龙头企业培育 数字化改造 技术改造 人才引育 品牌建设 市场拓展 要素保障 "
    "融资服务 平台建设 协会作用 检测服务 用地保障 专精特新 科技创新 绿色制造"
)
_DIGITS = re.compile(r"\d+")
POOL_SIZE = 30_000  # generated sentences to draw from
WARM_ROUNDS = 2
# Reuse, as clerks do it: whole paragraphs of the reference letters (numbers changed; a third of
# them also with a sentence dropped, added or two clauses swapped, as in the labelled set), and
# now and then a single sentence.
REUSE_PARAGRAPH = 0.03
REUSE_SENTENCE = 0.01


def training_text() -> str:
    """The reference letters and the other districts' policy texts: what the generator imitates."""
    texts = list(reference_bodies())
    texts += [path.read_text(encoding="utf-8") for path in sorted(DEMO_DIR.glob("*.txt"))]
    return "\n".join(texts).replace(",", "，").replace("**", "")


class Markov:
    """Character model of order 2: each next character drawn as it follows the previous two in
    the training text. Sentences come out new, with the phrases (and so the trigrams) of real
    letters: every trigram of the corpus is a common one, the hard case for a trigram index."""

    def __init__(self, text: str, rng: random.Random) -> None:
        self.rng = rng
        self.next: dict[str, list[str]] = {}
        for line in text.splitlines():
            line = "^^" + line.strip()
            for i in range(2, len(line)):
                self.next.setdefault(line[i - 2 : i], []).append(line[i])
        self.starts = [k for k in self.next if k.startswith("^")]
        # Drawing every sentence afresh costs minutes at 20,000 letters: draw a pool once (each
        # sentence then recurs in a few dozen letters, numbers changed, in other company).
        self.pool = [self.sentence() for _ in range(POOL_SIZE)]

    def sentence(self) -> str:
        state, out = "^^", []
        for _ in range(90):
            if state not in self.next:  # the end of a training line: start another
                state = self.rng.choice(self.starts)
            c = self.rng.choice(self.next[state])
            if c in "。！？" and len(out) < 12:
                continue
            out.append(c)
            state = state[1] + c
            if c in "。！？" and len(out) >= 12:
                break
        text = "".join(out)
        return text if text.endswith(("。", "！", "？")) else text + "。"


def sentence_pool() -> list[str]:
    """Sentences of the reference letters: reused now and then (numbers changed), as clerks do."""
    return [
        s
        for body in reference_bodies()
        for seg in letter_segments(body)
        for s in sentences(seg.text)
        if len(normalize(s)) >= 10
    ]


def mutate(s: str, rng: random.Random) -> str:
    s = _DIGITS.sub(lambda m: str(rng.randint(1, 10 ** len(m.group()) * 2)), s)
    if rng.random() < 0.4:
        s = s.replace("五金工具", rng.choice(INDUSTRIES))
    return s


def synthetic_body(
    rng: random.Random, markov: Markov, pool: list[str], paragraphs: list[str], title: str
) -> str:
    lines = [
        f"您在会议上提出的《{title}》，已由区政府转交我局办理。非常感谢您对我区"
        f"{rng.choice(INDUSTRIES)}产业的关心与支持！现答复如下："
    ]
    for h in "一二三":
        lines.append(f"{h}、关于{rng.choice(TOPICS)}的建议")
        for _ in range(rng.randint(4, 5)):
            if rng.random() < REUSE_PARAGRAPH:
                paragraph = mutate(rng.choice(paragraphs), rng)
                if rng.random() < 1 / 3:
                    paragraph = rng.choice(REWRITES)[1](paragraph, rng)
                lines.append(paragraph)
                continue
            parts = [
                mutate(rng.choice(pool if rng.random() < REUSE_SENTENCE else markov.pool), rng)
                for _ in range(rng.randint(2, 4))
            ]
            lines.append("".join(parts))
    lines.append(
        rng.choice(
            [
                "最后，再次感谢您对我们工作的关心和支持！",
                "最后，再次对您长期以来对我区经济工作的关心支持表示衷心感谢！",
                "以上答复如有不妥，敬请批评指正。",
            ]
        )
    )
    return "\n".join(lines)


class Corpus:
    def __init__(self) -> None:
        self.rng = random.Random(20261128)  # noqa: S311 (repeatable data)
        self.pool = sentence_pool()
        self.paragraphs = [
            seg.text
            for body in reference_bodies()
            for seg in letter_segments(body)
            if seg.kind == SegmentKind.PARAGRAPH
        ]
        self.markov = Markov(training_text(), self.rng)
        today = dt.date(2025, 6, 1)
        self.today = today
        self.session = Session.objects.create(body=Body.NPC, name="区十七届人大二次会议", year=2025)
        self.bureaus = [
            Bureau.objects.create(
                full_name=f"杭州市临安区第{i}局", short_name=f"第{i}局", doc_prefix=f"临{i}"
            )
            for i in range(5)
        ]
        user_model = get_user_model()
        self.clerk = user_model.objects.create_user(username="clerk", password="x")
        Staff.objects.create(user=self.clerk, role=StaffRole.CLERK, bureau=self.bureaus[0])
        self.office = user_model.objects.create_user(username="npc", password="x")
        Staff.objects.create(
            user=self.office,
            role=StaffRole.OFFICE,
            office=Office.objects.create(kind=OfficeKind.NPC, name="区人大常委会办公室"),
        )
        self.count = 0
        self.editing = self._assignments(1, state=AssignmentState.DRAFTING)[0]

    def _assignments(self, n: int, state: str = AssignmentState.CC_SENT) -> list[Assignment]:
        start = Proposal.objects.count() + 1
        proposals = Proposal.objects.bulk_create(
            Proposal(
                session=self.session,
                number=start + i,
                title=f"关于加快{self.rng.choice(INDUSTRIES)}{self.rng.choice(TOPICS)}的建议",
                lead_proposer="申卫康",
                assigned_date=self.today,
            )
            for i in range(n)
        )
        return Assignment.objects.bulk_create(
            Assignment(
                proposal=p,
                bureau=self.bureaus[0 if self.rng.random() < 0.4 else self.rng.randrange(1, 5)],
                role="lead",
                state=state,
                assigned_date=self.today,
                due_date=self.today,
                reassignment_deadline=self.today,
            )
            for p in proposals
        )

    def grow(self, size: int) -> None:
        n = size - self.count
        assignments = self._assignments(n)
        bodies = [
            synthetic_body(self.rng, self.markov, self.pool, self.paragraphs, a.proposal.title)
            for a in assignments
        ]
        if self.count == 0:  # the reference letters, in the first bureau
            for a in assignments[:2]:
                a.bureau = self.bureaus[0]
            Assignment.objects.bulk_update(assignments[:2], ["bureau"])
            bodies[:2] = reference_bodies()
        replies = Reply.objects.bulk_create(
            Reply(assignment=a, body=b) for a, b in zip(assignments, bodies, strict=True)
        )
        IssuedLetter.objects.bulk_create(
            IssuedLetter(
                reply=r,
                doc_year=2025,
                doc_serial=self.count + i + 1,
                doc_number=f"临经信建复〔2025〕{self.count + i + 1}号",
                issued_date=self.today - dt.timedelta(days=i % 900),
                body=r.body,
                answer_class="ABC"[i % 3],
                leader_name="顾小晶",
                clerk_name="楼伟荣",
                phone="89541421",
            )
            for i, r in enumerate(replies)
        )
        self.count = size


def old_scan(user, text: str) -> list[tuple[float, str]]:
    """The previous lookup: every visible letter split and compared on each request."""
    from proposals.selectors import assignment_list_visible

    query = bigrams(text)
    visible = assignment_list_visible(user=user)
    out = []
    for (body,) in (
        IssuedLetter.objects.filter(reply__assignment__in=visible.values("pk"))
        .values_list("body")
        .iterator(chunk_size=200)
    ):
        for seg in letter_segments(body):
            s = jaccard(query, grams(seg.norm))
            if s >= 0.1:
                out.append((s, seg.text))
    out.sort(reverse=True)
    return out[:5]


def clear_caches() -> None:
    grams.cache_clear()
    letter_segments.cache_clear()
    connection.close()


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))] * 1000


def measure(corpus: Corpus, size: int, queries: list[str], labelled: list) -> None:
    bodies: dict[int, str] = {}

    def body_of(letter_id: int) -> str:
        if letter_id not in bodies:
            bodies[letter_id] = IssuedLetter.objects.get(pk=letter_id).body
        return bodies[letter_id]

    for who, user in (("office", corpus.office), ("clerk", corpus.clerk)):
        editing = Assignment.objects.get(pk=corpus.editing.pk)
        cold, warm = [], []
        for q in queries:
            clear_caches()
            editing = Assignment.objects.select_related("proposal").get(pk=corpus.editing.pk)
            t0 = time.perf_counter()
            paragraph_list_similar(user=user, text=q, assignment=editing)
            cold.append(time.perf_counter() - t0)
        for _ in range(WARM_ROUNDS):
            for q in queries:
                t0 = time.perf_counter()
                paragraph_list_similar(user=user, text=q, assignment=editing)
                warm.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        paragraph_list_similar(user=user, text="", assignment=editing)
        by_item = time.perf_counter() - t0
        quality = ""
        if who == "office":  # the originals are the office's and the clerk's alike
            result = evaluate(
                labelled,
                lambda q, u=user, e=editing: paragraph_list_similar(user=u, text=q, assignment=e),
                body_of,
            )
            quality = (
                f" | recall@5 {result.hits}/{result.total} = {result.recall:.3f}"
                f" | fragments {len(result.fragments)}/{result.suggestions}"
            )
        print(
            f"{size:>6} {who:<6} cold p50 {pct(cold, 50):6.1f} p95 {pct(cold, 95):6.1f} ms | "
            f"warm p50 {pct(warm, 50):6.1f} p95 {pct(warm, 95):6.1f} ms | "
            f"item only {by_item * 1000:6.1f} ms{quality}",
            flush=True,
        )


def measure_old(corpus: Corpus, size: int, queries: list[str], budget_left: float) -> None:
    times = []
    for q in queries[:3]:
        if budget_left - sum(times) < 120:
            break
        clear_caches()
        t0 = time.perf_counter()
        old_scan(corpus.office, q)
        times.append(time.perf_counter() - t0)
    if times:
        print(
            f"{size:>6} office old scan of every letter (cold caches, {len(times)} queries): "
            f"median {statistics.median(times) * 1000:.0f} ms",
            flush=True,
        )
    else:
        print(f"{size:>6} office old scan: skipped (budget)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+")
    parser.add_argument("--budget", type=float, default=1500, help="seconds (default 1500)")
    parser.add_argument(
        "--trgm", action="store_true", help="also time pg_trgm candidate queries (PostgreSQL)"
    )
    args = parser.parse_args()
    vendor = connection.vendor
    sizes = args.sizes or ([500, 5000, 20000] if vendor == "postgresql" else [200, 1000])
    db = settings.DATABASES["default"]
    if vendor == "postgresql":
        if not db["NAME"].endswith("_bench"):
            sys.exit(f"拒绝运行：数据库名须以 _bench 结尾（现为 {db['NAME']}）")
        ensure_pg_database(db)
    else:
        db["NAME"] = str(ROOT / "var" / "similar_bench.sqlite3")
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    started = time.perf_counter()
    load = os.getloadavg()
    print(
        f"database: {vendor} {db['NAME']}; load average {load[0]:.1f} {load[1]:.1f} "
        f"{load[2]:.1f}; {os.cpu_count()} CPUs",
        flush=True,
    )
    corpus = Corpus()
    labelled = labelled_set()
    rng = random.Random(5)  # noqa: S311
    begun = [q.original[: rng.randint(20, 40)] for q in labelled if q.change == "改数字"][:20]
    timing_queries = [q.query for q in labelled[::3]] + begun
    print(
        f"labelled set: {len(labelled)} queries; timing: {len(timing_queries)} queries "
        f"({len(begun)} of them a paragraph only begun)",
        flush=True,
    )
    for size in sorted(sizes):
        spent = time.perf_counter() - started
        if spent > args.budget:
            print(f"{size:>6} skipped: {spent:.0f} s spent, budget {args.budget:.0f} s")
            continue
        t0 = time.perf_counter()
        last = IssuedLetter.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        pg = vendor == "postgresql"
        if pg:
            drop_index()
        corpus.grow(size)
        t1 = time.perf_counter()
        paragraph_index_rebuild(letters_after=last)
        t2 = time.perf_counter()
        if pg:
            create_index(args.trgm)
        t3 = time.perf_counter()
        print(
            f"{size:>6} letters: insert {t1 - t0:.1f} s, index rows {t2 - t1:.1f} s, "
            f"database indexes {t3 - t2:.1f} s; {ParagraphText.objects.count()} texts, "
            f"{ParagraphUse.objects.count()} uses, "
            f"{ParagraphShingle.objects.count()} fingerprints",
            flush=True,
        )
        measure(corpus, size, timing_queries, labelled)
        if pg and args.trgm:
            measure_trgm(size, timing_queries)
        measure_old(corpus, size, timing_queries, args.budget - (time.perf_counter() - started))
    load = os.getloadavg()
    print(f"done in {time.perf_counter() - started:.0f} s; load average {load[0]:.1f}")


def ensure_pg_database(db: dict) -> None:
    import psycopg

    with psycopg.connect(
        host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], dbname="postgres"
    ) as conn:
        conn.autocommit = True
        if not conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]
        ).fetchone():
            conn.execute(f'CREATE DATABASE "{db["NAME"]}"')


TRGM_SQL = (
    "CREATE INDEX IF NOT EXISTS bench_paragraph_text_trgm "
    "ON replies_paragraphtext USING gin (norm gin_trgm_ops)"
)


def drop_index() -> None:
    """Loading is faster without the trigram index (the fingerprints' unique index stays: the
    inserts rely on it); it is built again after."""
    with connection.cursor() as c:
        c.execute("DROP INDEX IF EXISTS bench_paragraph_text_trgm")


def create_index(trgm: bool) -> None:
    with connection.cursor() as c:
        if trgm:
            c.execute(TRGM_SQL)
        c.execute("ANALYZE")
    # What autovacuum does on a live server after a load, as the rebuild command does.
    paragraph_index_vacuum()


def trgm_candidates(qnorm: str) -> int:
    """The pg_trgm alternative measured before choosing fingerprints: passages with trigram
    similarity >= 0.3, or word similarity >= 0.5 for a paragraph only begun (two index scans;
    scope and ranking left out, so this is less than a whole lookup)."""
    with transaction.atomic(), connection.cursor() as c:
        c.execute(
            "SELECT set_config('pg_trgm.similarity_threshold', '0.3', true), "
            "set_config('pg_trgm.word_similarity_threshold', '0.5', true)"
        )
        c.execute(
            "SELECT id FROM replies_paragraphtext WHERE norm %% %s "
            "ORDER BY similarity(norm, %s) DESC LIMIT 60",
            [qnorm, qnorm],
        )
        n = len(c.fetchall())
        c.execute(
            "SELECT id FROM replies_paragraphtext WHERE %s <%% norm "
            "ORDER BY word_similarity(%s, norm) DESC LIMIT 30",
            [qnorm, qnorm],
        )
        return n + len(c.fetchall())


def measure_trgm(size: int, queries: list[str]) -> None:
    cold, warm = [], []
    for q in queries:
        clear_caches()
        t0 = time.perf_counter()
        trgm_candidates(normalize(q))
        cold.append(time.perf_counter() - t0)
    for q in queries:
        t0 = time.perf_counter()
        trgm_candidates(normalize(q))
        warm.append(time.perf_counter() - t0)
    print(
        f"{size:>6} pg_trgm candidates only: cold p50 {pct(cold, 50):6.1f} p95 "
        f"{pct(cold, 95):6.1f} ms | warm p50 {pct(warm, 50):6.1f} p95 {pct(warm, 95):6.1f} ms",
        flush=True,
    )


if __name__ == "__main__":
    main()
