"""The data revision (proposals/revision.py) and the pages cached under it: a change made by
any path shows at once, a rolled-back one changes nothing, what one user may not see never
reaches them from another user's cached page, and a dead cache only costs time.

These tests commit (transaction=True): inside a test's transaction nothing is cached at all."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.db import transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.choices import AssignmentState
from proposals import services as ps
from proposals.models import Assignment
from proposals.models import Proposal
from proposals.revision import revision_cached
from proposals.revision import revision_current
from proposals.revision import watched_tables

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def register(world, number, title, bureau):
    return ps.proposal_register(
        session=world.npc_session,
        number=number,
        title=title,
        lead_proposer="申卫康",
        assigned_date=world.npc_session.created_at.date(),
        lead_bureaus=[bureau],
        actor=world.npc,
    )


def board(client, user, query=""):
    """The board's HTML without its CSRF tokens (masked anew on every response). Logs in only
    when another user was logged in: a login writes last_login, which raises the revision."""
    if getattr(client, "fuhan_user", None) != user.pk:
        client.force_login(user)
        client.fuhan_user = user.pk
    response = client.get(reverse("office:board") + query)
    assert response.status_code == 200
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def test_every_watched_table_has_the_trigger(world):
    tables = watched_tables()
    assert "proposals_assignment" in tables
    assert "replies_reply" in tables
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname = 'fuhan_revision'"
            )
            have = {r[0] for r in cursor.fetchall()}
            assert set(tables) <= have
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            have = {r[0] for r in cursor.fetchall()}
            for table in tables:
                for op in ("insert", "update", "delete"):
                    assert f"fuhan_revision_{op}_{table}" in have


def test_any_write_raises_the_revision_once_committed_and_a_rollback_does_not(world):
    p = register(world, 1, "关于道路的建议", world.bureau)
    before = revision_current()
    assert before is not None
    # a queryset update sends no signal: the trigger still sees it
    Proposal.objects.filter(pk=p.pk).update(title="关于道路交通的建议")
    after = revision_current()
    assert after != before

    def write_then_fail():
        with transaction.atomic():
            Proposal.objects.filter(pk=p.pk).update(title="不会留下的标题")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        write_then_fail()
    assert revision_current() == after
    with connection.cursor() as cursor:  # raw SQL, as a psql session would write
        cursor.execute("UPDATE proposals_proposal SET is_key = TRUE WHERE id = %s", [p.pk])
    assert revision_current() != after


def test_nothing_is_cached_inside_a_transaction(world):
    calls = []
    with transaction.atomic():
        assert revision_current() is None
        revision_cached(("t",), lambda: calls.append(1))
        revision_cached(("t",), lambda: calls.append(1))
    assert len(calls) == 2


def test_board_is_served_from_the_cache_until_a_transition_changes_it(client, world):
    p = register(world, 1, "关于山核桃产业的建议", world.bureau)
    a = p.assignments.get()
    first = board(client, world.npc)
    assert "关于山核桃产业的建议" in first
    assert "已交办" in first
    with CaptureQueriesContext(connection) as cold:
        cache.clear()
        board(client, world.npc)
    with CaptureQueriesContext(connection) as warm:
        again = board(client, world.npc)
    assert again == first
    assert len(warm) < len(cold)  # the list and the counts were not queried again

    ps.assignment_transition(assignment_id=a.pk, name="accept", actor=world.clerk)
    assert Assignment.objects.get(pk=a.pk).state == AssignmentState.ACCEPTED
    after = board(client, world.npc)
    accepted = dict(AssignmentState.choices)[AssignmentState.ACCEPTED]
    assert f'<span class="state">{accepted}</span>' in after


def test_a_bureau_never_gets_rows_cached_for_an_office(client, world):
    register(world, 1, "关于本局事项的建议", world.bureau)
    register(world, 2, "关于他局事项的建议", world.other_bureau)
    office_page = board(client, world.npc)
    assert "关于他局事项的建议" in office_page
    outsider = board(client, world.clerk)  # same URL, right after the office filled the cache
    assert "关于本局事项的建议" in outsider
    assert "关于他局事项的建议" not in outsider


def test_statistics_and_api_follow_a_withdrawal(client, world):
    p = register(world, 1, "关于停车的建议", world.bureau)
    client.force_login(world.npc)
    api = client.get("/api/proposals/").json()
    assert [r["status"] for r in api["results"]] == ["active"]
    stats = client.get(reverse("office:statistics")).content.decode()
    assert world.bureau.short_name in stats

    ps.proposal_withdraw(proposal_id=p.pk, actor=world.npc, reason="提出人撤回")
    api = client.get("/api/proposals/").json()
    assert [r["status"] for r in api["results"]] == ["withdrawn"]
    assert client.get(reverse("office:statistics")).content.decode() != stats


def test_outsider_api_page_is_not_the_office_page(client, world):
    register(world, 1, "关于他局事项的建议", world.other_bureau)
    client.force_login(world.npc)
    assert client.get("/api/assignments/").json()["results"]
    client.force_login(world.clerk)
    assert client.get("/api/assignments/").json()["results"] == []


def test_a_dead_cache_only_costs_time(client, world, monkeypatch):
    register(world, 1, "关于供水的建议", world.bureau)

    def down(*args, **kwargs):
        raise ConnectionError("Redis 不可用")

    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "set", down)
    assert "关于供水的建议" in board(client, world.npc)
    client.force_login(world.npc)
    assert client.get(reverse("office:statistics")).status_code == 200


def test_the_cached_user_follows_a_password_change_and_a_deactivation(client, world):
    """The request's user is cached under the revision (proposals/backends.py): a new password
    ends the other sessions at once, and so does a deactivation."""
    from django.contrib.auth import get_user_model

    from proposals.backends import StaffModelBackend

    users = get_user_model().objects
    client.force_login(users.get(pk=world.npc.pk), backend="proposals.backends.StaffModelBackend")
    assert client.get(reverse("office:board")).status_code == 200
    backend = StaffModelBackend()
    assert backend.get_user(world.npc.pk).staff.office_id == world.npc_office.pk
    user = users.get(pk=world.npc.pk)
    user.set_password("另一个足够长的口令2026")
    user.save()
    response = client.get(reverse("office:board"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]

    client.force_login(users.get(pk=world.cppcc.pk), backend="proposals.backends.StaffModelBackend")
    assert client.get(reverse("office:board")).status_code == 200
    users.filter(pk=world.cppcc.pk).update(is_active=False)
    assert backend.get_user(world.cppcc.pk) is None
    assert client.get(reverse("office:board")).status_code == 302


def test_a_new_bureau_shows_in_the_header_and_the_board_scope_at_once(client, world):
    from proposals.models import Staff

    register(world, 1, "关于本局事项的建议", world.bureau)
    register(world, 2, "关于他局事项的建议", world.other_bureau)
    assert "关于他局事项的建议" not in board(client, world.clerk)
    assert world.bureau.short_name in board(client, world.clerk)  # the header's line
    Staff.objects.filter(user=world.clerk).update(bureau=world.other_bureau)
    page = board(client, world.clerk)
    assert "关于他局事项的建议" in page
    assert "关于本局事项的建议" not in page


def test_inbox_is_cached_per_user_and_follows_a_transition(client, world):
    p = register(world, 1, "关于山区供水的建议", world.bureau)
    a = p.assignments.get()

    def inbox(user):
        client.force_login(user)
        response = client.get(reverse("proposals:inbox"))
        assert response.status_code == 200
        return response.content.decode()

    assert "关于山区供水的建议" in inbox(world.clerk)
    assert 'name="ids"' in inbox(world.clerk)  # 批量签收 offered to the clerk
    assert "关于山区供水的建议" not in inbox(world.other_clerk)  # outsider, right after
    ps.assignment_transition(assignment_id=a.pk, name="accept", actor=world.clerk)
    assert 'name="ids"' not in inbox(world.clerk)  # accepted: nothing left to accept


def test_the_unread_badge_follows_a_new_and_a_read_notification(client, world):
    from notifications.models import Notification
    from notifications.models import Reminder

    def badge():
        response = client.get(reverse("office:board"))
        match = re.search(r'<span class="badge">(\d+)</span>', response.content.decode())
        return int(match.group(1)) if match else 0

    client.force_login(world.npc)
    assert badge() == 0
    note = Notification.objects.create(
        recipient=world.npc, kind=Reminder.Kind.OVERDUE, title="有事项逾期"
    )
    assert badge() == 1
    Notification.objects.filter(pk=note.pk).update(read_at=timezone.now())
    assert badge() == 0


def test_a_page_reads_the_revision_once_and_again_after_its_own_write(client, world):
    from proposals.revision import RevisionPerRequest

    register(world, 1, "关于路灯的建议", world.bureau)
    client.force_login(world.npc)
    client.get(reverse("office:board"))
    with CaptureQueriesContext(connection) as page:
        assert client.get(reverse("office:board")).status_code == 200
    revision_reads = [q for q in page.captured_queries if "proposals_revision" in q["sql"]]
    assert len(revision_reads) == 1  # the user, the header, the badge and the board share it

    seen = []

    def view(request):
        seen.append(revision_current())
        Proposal.objects.filter(number=1).update(title="关于路灯照明的建议")  # the request writes
        seen.append(revision_current())
        return None

    RevisionPerRequest(view)(None)
    assert seen[0] != seen[1]  # read again after the write, not the answer from before it
