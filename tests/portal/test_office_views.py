import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from notifications.models import ProposerMessage
from proposals.links import link_resolve
from proposals.models import Person
from proposals.models import PersonLink
from replies.models import ProposerRating
from tests.portal.support import issued_item
from tests.portal.support import link_of
from tests.portal.support import person
from tests.portal.test_proposer_page import rate


def test_office_sees_each_persons_rating_and_who_has_not_rated(world, client):
    proposal, letter = issued_item(world)
    rate(client, link_of("张三"), letter, "basically", comment="再细化")
    office = Client()
    office.force_login(world.npc)
    page = office.get(reverse("office:proposers", args=[proposal.pk])).content.decode()
    assert "基本满意" in page
    assert "再细化" in page
    assert page.count("未评价") == 2  # 申卫康 and 李四
    assert "重发链接" in page
    lines = office.get(reverse("office:ratings"), {"session": world.npc_session.pk, "unrated": "1"})
    html = lines.content.decode()
    assert "申卫康" in html
    assert "李四" in html
    assert "张三" not in html
    # the supervision office reads, without the buttons
    office.force_login(world.duchashi)
    page = office.get(reverse("office:proposers", args=[proposal.pk])).content.decode()
    assert "基本满意" in page
    assert "重发链接" not in page


@pytest.mark.parametrize("who", ["clerk", "supervisor"])
def test_bureaus_cannot_see_proposers(world, client, who):
    proposal, _ = issued_item(world)
    client.force_login(world.role(who))
    assert client.get(reverse("office:proposers", args=[proposal.pk])).status_code == 403
    assert client.get(reverse("office:ratings")).status_code == 403


def test_resend_and_revoke_links(world, client):
    proposal, _ = issued_item(world)
    zhang = person("张三")
    zhang.mobile = "13800000011"
    zhang.save()
    old_path = link_of("张三")
    client.force_login(world.npc)
    url = reverse("office:proposer_resend", args=[proposal.pk, zhang.pk])
    assert client.post(url).status_code == 302
    message = ProposerMessage.objects.get(person=zhang, purpose="link")
    assert message.channel == "sms"
    assert old_path.split("/")[2] in message.text  # the current link, not a new one
    client.post(reverse("office:proposer_revoke", args=[proposal.pk, zhang.pk]))
    assert client.get(old_path).status_code == 403
    client.post(url)
    newest = ProposerMessage.objects.filter(person=zhang, purpose="link").order_by("-pk")[0]
    token = newest.params["url"].rstrip("/").split("/")[-1]
    assert link_resolve(token)[0] == zhang
    # no phone, no e-mail: the office is told, nothing is recorded
    li = person("李四")
    response = client.post(
        reverse("office:proposer_resend", args=[proposal.pk, li.pk]), follow=True
    )
    assert "没有登记手机号码或电子邮箱" in response.content.decode()
    assert not ProposerMessage.objects.filter(person=li).exists()


@pytest.mark.parametrize("who", ["cppcc", "duchashi", "clerk"])
def test_outsiders_cannot_resend_revoke_rate_or_publish(world, client, who):
    proposal, letter = issued_item(world)
    zhang = person("张三")
    zhang.mobile = "13800000012"
    zhang.save()
    path = link_of("张三")
    client.force_login(world.role(who))
    assert (
        client.post(reverse("office:proposer_resend", args=[proposal.pk, zhang.pk])).status_code
        == 403
    )
    assert (
        client.post(reverse("office:proposer_revoke", args=[proposal.pk, zhang.pk])).status_code
        == 403
    )
    paper = {
        "paper-person": zhang.pk,
        "paper-letter": letter.pk,
        "paper-satisfaction": "unsatisfied",
    }
    response = client.post(reverse("office:paper_rating", args=[proposal.pk]), paper)
    assert response.status_code == 403
    response = client.post(
        reverse("office:publicity", args=[proposal.pk]), {"pub-publicity": "public"}
    )
    assert response.status_code == 403
    assert not ProposerMessage.objects.exists()
    assert not ProposerRating.objects.exists()
    assert Client().get(path).status_code == 200  # not revoked
    proposal.refresh_from_db()
    assert proposal.publicity == "private"


def test_paper_rating_and_publicity_by_the_office(world, client):
    proposal, letter = issued_item(world)
    client.force_login(world.npc)
    li = person("李四")
    data = {
        "paper-person": li.pk,
        "paper-letter": letter.pk,
        "paper-satisfaction": "satisfied",
        "paper-comment": "书面反馈",
    }
    assert client.post(reverse("office:paper_rating", args=[proposal.pk]), data).status_code == 302
    again = client.post(reverse("office:paper_rating", args=[proposal.pk]), data)
    assert again.status_code == 400
    assert "已评价过" in again.content.decode()
    rating = ProposerRating.objects.get()
    assert (rating.person, rating.source, rating.recorded_by) == (li, "paper", world.npc)
    page = client.get(reverse("office:proposers", args=[proposal.pk])).content.decode()
    assert "纸质评价" in page
    # the proposer's own page shows it as a paper rating and offers no form for it
    own = Client().get(link_of("李四")).content.decode()
    assert "纸质评价" in own
    assert "提交评价" not in own
    response = client.post(
        reverse("office:publicity", args=[proposal.pk]), {"pub-publicity": "on_request"}
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.publicity == "on_request"


def test_proposer_link_command(world):
    issued_item(world)
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "proposer_link",
        "--session",
        world.npc_session.name,
        "--number",
        "50",
        "--name",
        "李四",
        stdout=out,
        stderr=err,
    )
    url = out.getvalue().strip()
    assert url.startswith("http")
    assert "/p/" in url
    token = url.rstrip("/").split("/")[-1]
    assert link_resolve(token)[0] == person("李四")
    assert "有效期至" in err.getvalue()
    # twice: the same current link
    again = io.StringIO()
    call_command(
        "proposer_link", "--session", world.npc_session.name, "--number", "50", "--name", "李四",
        stdout=again, stderr=io.StringIO(),
    )  # fmt: skip
    assert again.getvalue().strip() == url
    assert PersonLink.objects.filter(person=person("李四")).count() == 1
    with pytest.raises(CommandError, match="没有“王五”"):
        call_command(
            "proposer_link", "--session", world.npc_session.name, "--number", "50",
            "--name", "王五", stdout=io.StringIO(),
        )  # fmt: skip
    with pytest.raises(CommandError, match="没有名为"):
        call_command(
            "proposer_link", "--session", "无此会议", "--number", "50", "--name", "李四",
            stdout=io.StringIO(),
        )  # fmt: skip


def test_proposer_opts_out_and_requests_a_link(world, client):
    issued_item(world)
    zhang = person("张三")
    zhang.mobile = "13800000013"
    zhang.save()
    path = link_of("张三")
    client.post(f"{path}sms/")
    assert Person.objects.get(pk=zhang.pk).sms_opt_out
    assert "恢复短信通知" in client.get(path).content.decode()
    client.post(f"{path}sms/", {"sms": "on"})
    assert not Person.objects.get(pk=zhang.pk).sms_opt_out
    # asking for the link by phone number: known or not, the same answer
    known = client.post(reverse("portal:link_request"), {"mobile": "13800000013"})
    unknown = client.post(reverse("portal:link_request"), {"mobile": "13800000099"})
    assert known.status_code == unknown.status_code == 200
    assert "如该号码已在交办机构登记" in unknown.content.decode()
    assert ProposerMessage.objects.filter(person=zhang, purpose="link").count() == 1
    bad = client.post(reverse("portal:link_request"), {"mobile": "123"})
    assert bad.status_code == 400
    assert "请输入 11 位手机号码" in bad.content.decode()
