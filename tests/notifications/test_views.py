"""The notification page: one's own notifications only, mark read, unread count in the header."""

import pytest
from django.urls import reverse

from notifications.models import Notification
from tests.factories import AssignmentFactory
from tests.factories import ProposalFactory


@pytest.fixture
def notes(world):
    a = AssignmentFactory(proposal=ProposalFactory(session=world.npc_session), bureau=world.bureau)
    url = reverse("proposals:assignment", args=[a.pk])
    mine = [
        Notification.objects.create(
            recipient=world.clerk, assignment=a, kind="reply_due", title=f"提醒{i}", url=url
        )
        for i in range(3)
    ]
    theirs = Notification.objects.create(
        recipient=world.other_clerk, kind="overdue", title="别人的逾期提醒", url=url
    )
    return mine, theirs


def test_list_shows_only_my_notifications_and_the_unread_count(world, client, notes):
    mine, theirs = notes
    client.force_login(world.clerk)
    page = client.get(reverse("notifications:list")).content.decode()
    assert all(n.title in page for n in mine)
    assert theirs.title not in page
    assert '通知 <span class="badge">3</span>' in page


def test_mark_read_and_follow_the_link(world, client, notes):
    mine, _ = notes
    client.force_login(world.clerk)
    response = client.post(reverse("notifications:read", args=[mine[0].pk]), {"next": "item"})
    assert response.status_code == 302
    assert response["Location"] == mine[0].url
    mine[0].refresh_from_db()
    assert mine[0].read_at is not None
    page = client.get(reverse("proposals:inbox")).content.decode()
    assert '通知 <span class="badge">2</span>' in page
    client.post(reverse("notifications:read_all"))
    assert not Notification.objects.filter(recipient=world.clerk, read_at__isnull=True).exists()
    page = client.get(reverse("proposals:inbox")).content.decode()
    assert 'class="badge"' not in page


def test_nobody_reads_or_marks_someone_elses_notifications(world, client, notes):
    mine, _ = notes
    client.force_login(world.other_clerk)
    response = client.post(reverse("notifications:read", args=[mine[0].pk]))
    assert response.status_code == 404
    client.post(reverse("notifications:read_all"))
    assert Notification.objects.filter(recipient=world.clerk, read_at__isnull=True).count() == 3
    page = client.get(reverse("notifications:list")).content.decode()
    assert "提醒0" not in page
    # the supervisor of the same bureau does not see the clerk's notifications either
    client.force_login(world.supervisor)
    assert "提醒0" not in client.get(reverse("notifications:list")).content.decode()
    assert client.post(reverse("notifications:read", args=[mine[1].pk])).status_code == 404


def test_anonymous_is_sent_to_login(client, notes):
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    mine, _ = notes
    response = client.post(reverse("notifications:read", args=[mine[0].pk]))
    assert response.status_code == 302
    mine[0].refresh_from_db()
    assert mine[0].read_at is None


def test_get_cannot_mark_read(world, client, notes):
    mine, _ = notes
    client.force_login(world.clerk)
    assert client.get(reverse("notifications:read", args=[mine[0].pk])).status_code == 405


def test_open_redirect_is_refused(world, client, notes):
    mine, _ = notes
    client.force_login(world.clerk)
    response = client.post(
        reverse("notifications:read", args=[mine[0].pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("notifications:list")
