"""The tracking board: filters, counts matrix, search, scoping, pagination, export, audit page."""

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from core.choices import AssignmentState
from offices.board import BoardFilters
from offices.board import board_assignments
from offices.board import board_matrix
from tests.factories import AssignmentFactory
from tests.factories import ProposalFactory
from tests.factories import ReplyFactory

S = AssignmentState


@pytest.fixture
def items(world):
    today = timezone.localdate()
    late = AssignmentFactory(
        proposal=ProposalFactory(
            session=world.npc_session, title="关于五金工具产业的建议", is_key=True
        ),
        bureau=world.bureau,
        state=S.DRAFTING,
        due_date=today - dt.timedelta(days=3),
    )
    ReplyFactory(assignment=late, body="关于电商直播基地的建设，我局已会同有关部门。")
    done_late = AssignmentFactory(  # past due but closed: not overdue
        proposal=ProposalFactory(session=world.npc_session, title="关于道路的建议"),
        bureau=world.bureau,
        state=S.CC_SENT,
        due_date=today - dt.timedelta(days=30),
    )
    other = AssignmentFactory(
        proposal=ProposalFactory(session=world.cppcc_session, title="关于外贸企业的提案"),
        bureau=world.other_bureau,
        state=S.ACCEPTED,
        due_date=today + dt.timedelta(days=30),
    )
    return late, done_late, other


def rows(user, **filters):
    return list(board_assignments(user=user, filters=BoardFilters(**filters)))


def test_filters(world, items):
    late, done_late, other = items
    npc = world.npc
    assert set(rows(npc)) == {late, done_late, other}
    assert rows(npc, overdue=True) == [late]
    assert rows(npc, key=True) == [late]
    assert rows(npc, body="cppcc") == [other]
    assert rows(npc, session=world.npc_session.pk) == [done_late, late]
    assert rows(npc, bureau=world.other_bureau.pk) == [other]
    assert rows(npc, state=S.CC_SENT) == [done_late]
    assert rows(npc, q="五金") == [late]  # title
    assert rows(npc, q="电商直播") == [late]  # reply body
    assert rows(npc, q="不存在的词") == []


def test_filters_from_query_ignore_bad_values():
    f = BoardFilters.from_query({"state": "nope", "body": "x", "session": "abc", "key": "1"})
    assert (f.state, f.body, f.session, f.key) == ("", "", None, True)


def test_bureau_staff_see_only_their_bureau(world, items):
    late, done_late, other = items
    assert set(rows(world.clerk)) == {late, done_late}
    assert rows(world.other_clerk) == [other]
    # Asking for another bureau explicitly gives nothing, not their items.
    assert rows(world.clerk, bureau=world.other_bureau.pk) == []


def test_matrix_counts(world, items):
    matrix = board_matrix(qs=board_assignments(user=world.npc, filters=BoardFilters()))
    states = [v for v, _ in matrix.states]
    by_bureau = {r.bureau: r for r in matrix.rows}
    jx = by_bureau["区经信局"]
    assert jx.counts[states.index(S.DRAFTING)] == 1
    assert jx.counts[states.index(S.CC_SENT)] == 1
    assert (jx.total, jx.overdue) == (2, 1)
    assert by_bureau["区商务局"].counts[states.index(S.ACCEPTED)] == 1
    assert (matrix.total, matrix.overdue) == (3, 1)


def test_board_page(world, items, client):
    late, _, _other = items
    client.force_login(world.clerk)
    html = client.get(reverse("office:board"), {"overdue": "1"}).content.decode()
    assert "已逾期 3 天" in html
    assert reverse("proposals:assignment", args=[late.pk]) in html
    assert "关于外贸企业的提案" not in html
    client.force_login(world.duchashi)
    html = client.get(reverse("office:board")).content.decode()
    assert "关于外贸企业的提案" in html


def test_board_export(world, items, client):
    client.force_login(world.npc)
    response = client.get(reverse("office:board"), {"body": "npc", "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    data = list(sheet.iter_rows(values_only=True))
    assert data[0][:4] == ("会议", "编号", "标题", "领衔人")
    assert data[0][-3:] == ("文号", "答复分类", "满意度")
    assert sorted(r[2] for r in data[1:]) == ["关于五金工具产业的建议", "关于道路的建议"]
    by_title = {r[2]: r for r in data[1:]}
    late = by_title["关于五金工具产业的建议"]
    assert late[1] == by_title["关于五金工具产业的建议"][1]
    assert isinstance(late[1], int)  # numbers as numbers
    assert late[3] == "申卫康"
    assert late[10] == 3  # 逾期天数
    assert late[11] is None  # no working days left: overdue
    assert by_title["关于道路的建议"][10] == 0


def test_board_queries_do_not_grow_with_page_size(world, client):
    for i in range(120):
        AssignmentFactory(
            proposal=ProposalFactory(session=world.npc_session, number=1000 + i),
            bureau=world.bureau if i % 2 else world.other_bureau,
        )
    client.force_login(world.npc)
    client.get(reverse("office:board"))  # the process reads the holiday calendar once
    counts = {}
    for size in (25, 50, 100):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("office:board"), {"size": size})
        assert len(response.context["rows"]) == size
        counts[size] = len(ctx.captured_queries)
    assert counts[25] == counts[50] == counts[100]


def test_pagination_follows_the_cursor_links(world, client):
    made = [
        AssignmentFactory(proposal=ProposalFactory(session=world.npc_session), bureau=world.bureau)
        for _ in range(30)
    ]
    client.force_login(world.npc)
    response = client.get(reverse("office:board"), {"size": 25})
    assert len(response.context["rows"]) == 25
    following = response.context["next_cursor"]
    assert following
    assert "cursor=" in response.content.decode()
    response = client.get(reverse("office:board"), {"size": 25, "cursor": following})
    assert len(response.context["rows"]) == 5
    assert response.context["page"].number == 2
    assert not response.context["next_cursor"]
    back = client.get(
        reverse("office:board"), {"size": 25, "cursor": response.context["previous_cursor"]}
    )
    assert [r["id"] for r in back.context["rows"]] == [a.pk for a in made[:25]]


def test_a_tampered_cursor_is_refused_with_a_reason(world, client):
    client.force_login(world.npc)
    for bad in ("nonsense", "eyJ2IjpbMV19", "!!!"):
        response = client.get(reverse("office:board"), {"cursor": bad})
        assert response.status_code == 400
        assert "翻页参数无效" in response.content.decode()


def test_stored_counts_equal_the_counts_over_the_rows(world, items):
    from offices.board import board_counts
    from proposals import tallies

    tallies.rebuild()  # the factories bypass the services that keep them
    for user in (world.npc, world.clerk, world.other_clerk):
        for filters in (
            BoardFilters(),
            BoardFilters(session=world.npc_session.pk),
            BoardFilters(body="cppcc"),
            BoardFilters(bureau=world.other_bureau.pk),
        ):
            stored = board_counts(user=user, filters=filters)
            assert stored.stored
            live = board_matrix(qs=board_assignments(user=user, filters=filters))
            assert (stored.rows, stored.total, stored.overdue, stored.items) == (
                live.rows,
                live.total,
                live.overdue,
                live.items,
            ), (user, filters)
    matrix = board_counts(user=world.npc, filters=BoardFilters())
    assert (matrix.items, matrix.total, matrix.overdue) == (3, 3, 1)


def test_search_for_a_very_common_term_gives_the_same_rows(world, items, monkeypatch):
    from replies import selectors

    expected = rows(world.npc, q="关于")
    assert len(expected) == 3
    monkeypatch.setattr(selectors, "SEARCH_INLINE_IDS", 1)
    assert rows(world.npc, q="关于") == expected
    assert rows(world.npc, q="电商直播") == [items[0]]
