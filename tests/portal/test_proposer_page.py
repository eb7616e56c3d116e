import datetime as dt

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from core.exceptions import AccessDenied
from proposals import services as ps
from proposals.links import link_path
from proposals.models import Assignment
from proposals.models import PersonLink
from replies import services as rs
from replies.models import ProposerRating
from replies.models import Reply
from tests.portal.support import issue
from tests.portal.support import issued_item
from tests.portal.support import link_of
from tests.portal.support import person
from tests.portal.support import register


def rate(client, base, letter, satisfaction="satisfied", **extra):
    data = {f"l{letter.pk}-satisfaction": satisfaction}
    data.update({f"l{letter.pk}-{k}": v for k, v in extra.items()})
    return client.post(f"{base}letters/{letter.pk}/rate/", data)


def test_the_link_opens_the_own_page_without_login(world, client):
    proposal, letter = issued_item(world)
    other = register(world, number=51, lead="王五", cosigners="")
    issue(world, other)
    page = client.get(link_of("张三"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "张三，您好" in html
    assert proposal.title in html
    assert "附议人" in html
    assert letter.doc_number in html
    assert "提交评价" in html
    assert other.title not in html  # only their own items
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "same-origin"


def test_each_cosigner_rates_once(world, client):
    _, letter = issued_item(world)
    base = link_of("张三")
    response = rate(client, base, letter, "basically", comment="希望加快进度", contacted="on")
    assert response.status_code == 302
    again = rate(client, base, letter, "unsatisfied")  # the second tab
    assert again.status_code == 400
    assert "已评价过这份复函" in again.content.decode()
    rating = ProposerRating.objects.get()
    assert (rating.person.name, rating.satisfaction, rating.source, rating.contacted) == (
        "张三",
        "basically",
        "online",
        True,
    )
    assert rating.comment == "希望加快进度"
    assert rate(client, link_of("李四"), letter, "satisfied").status_code == 302
    assert rate(client, link_of("申卫康"), letter, "satisfied").status_code == 302
    assert ProposerRating.objects.count() == 3
    page = client.get(base).content.decode()
    assert "您的评价：<strong>基本满意</strong>" in page


def test_lead_policy_cosigner_unsatisfied_does_not_reopen(world, client):
    proposal, letter = issued_item(world)
    rate(client, link_of("张三"), letter, "unsatisfied")
    a = proposal.assignments.get(role="lead")
    assert Assignment.objects.get(pk=a.pk).state == "issued"
    assert Reply.objects.get(assignment=a).satisfaction == ""
    rate(client, link_of("申卫康"), letter, "unsatisfied", comment="答复不具体")
    assert Assignment.objects.get(pk=a.pk).state == "drafting"  # reopened as today
    reply = Reply.objects.get(assignment=a)
    assert (reply.satisfaction, reply.satisfaction_comment) == ("unsatisfied", "答复不具体")
    # the letter is no longer current: nobody else can rate it now
    response = rate(client, link_of("李四"), letter, "satisfied")
    assert response.status_code in (400, 403)
    assert ProposerRating.objects.count() == 2


def test_all_policy_any_unsatisfied_reopens(world, client):
    world.npc_session.rating_policy = "all"
    world.npc_session.save()
    proposal, letter = issued_item(world)
    a = proposal.assignments.get(role="lead")
    rate(client, link_of("申卫康"), letter, "satisfied")
    assert Reply.objects.get(assignment=a).satisfaction == "satisfied"
    rate(client, link_of("张三"), letter, "basically")
    assert Reply.objects.get(assignment=a).satisfaction == "basically"  # the worst so far
    rate(client, link_of("李四"), letter, "unsatisfied")
    assert Assignment.objects.get(pk=a.pk).state == "drafting"


def test_office_records_a_paper_rating_marked_as_such(world):
    _, letter = issued_item(world)
    rating = rs.rating_submit(
        letter_id=letter.pk,
        person_id=person("李四").pk,
        actor=world.npc,
        satisfaction="satisfied",
        source="paper",
    )
    assert (rating.source, rating.recorded_by) == ("paper", world.npc)
    for outsider in (world.clerk, world.cppcc, world.duchashi):
        with pytest.raises(AccessDenied):
            rs.rating_submit(
                letter_id=letter.pk,
                person_id=person("张三").pk,
                actor=outsider,
                satisfaction="satisfied",
                source="paper",
            )
    assert ProposerRating.objects.count() == 1


def _refused(response, words):
    html = response.content.decode()
    assert response.status_code == 403
    assert "链接无法使用" in html
    assert words in html


@pytest.mark.parametrize("kind", ["tampered", "expired", "revoked", "garbage", "unknown"])
def test_bad_links_are_refused_and_record_nothing(world, client, kind):
    _, letter = issued_item(world)
    someone = person("张三")
    link = ps.person_link_issue(person=someone)
    path = link_path(link)
    token = path.split("/")[2]
    words = "链接无效"
    if kind == "tampered":
        bad = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
        path = reverse("portal:home", kwargs={"token": bad})
    elif kind == "garbage":
        path = reverse("portal:home", kwargs={"token": "abc"})
    elif kind == "unknown":
        import uuid

        from proposals.links import SALT

        path = reverse("portal:home", kwargs={"token": signing.dumps(uuid.uuid4().hex, salt=SALT)})
    elif kind == "expired":
        PersonLink.objects.filter(pk=link.pk).update(
            expires_at=timezone.now() - dt.timedelta(minutes=1)
        )
        words = "已过期"
    elif kind == "revoked":
        ps.person_link_revoke(person=someone)
        words = "已被交办机构撤销"
    _refused(client.get(path), words)
    _refused(rate(client, path, letter, "unsatisfied"), words)
    _refused(client.get(f"{path}letters/{letter.pk}.pdf"), words)
    assert not ProposerRating.objects.exists()
    assert Assignment.objects.get(pk=letter.reply.assignment_id).state == "issued"


def test_a_link_past_its_lifetime_is_refused(world, client, settings):
    issued_item(world)
    path = link_of("张三")
    import time_machine

    with time_machine.travel(
        timezone.now() + dt.timedelta(days=settings.FUHAN_PROPOSER_LINK_DAYS + 1)
    ):
        _refused(client.get(path), "已过期")


def test_a_proposer_cannot_rate_or_read_another_items_letter(world, client):
    issued_item(world)
    other = register(world, number=51, lead="王五", cosigners="")
    other_letter = issue(world, other)
    base = link_of("张三")
    assert rate(client, base, other_letter, "unsatisfied").status_code == 403
    assert client.get(f"{base}letters/{other_letter.pk}.pdf").status_code == 404
    assert not ProposerRating.objects.exists()
    assert Assignment.objects.get(pk=other_letter.reply.assignment_id).state == "issued"


def test_no_draft_or_review_comment_on_the_proposer_page(world, client):
    proposal = register(world)
    a = proposal.assignments.get(role="lead")
    from proposals.services import assignment_transition

    assignment_transition(name="accept", assignment_id=a.pk, actor=world.clerk)
    assignment_transition(name="start_drafting", assignment_id=a.pk, actor=world.clerk)
    rs.reply_save_draft(
        assignment_id=a.pk,
        actor=world.clerk,
        body="初稿里的内部措辞甲乙丙",
        answer_class="A",
        leader_name="顾小晶",
        clerk_name="楼伟荣",
        phone="89541421",
    )
    rs.draft_submit(assignment_id=a.pk, actor=world.clerk)
    assignment_transition(
        name="return_for_revision",
        assignment_id=a.pk,
        actor=world.supervisor,
        comment="领导退回意见丁戊己",
    )
    page = client.get(link_of("申卫康")).content.decode()
    assert "办理中" in page
    assert "已签收" in page
    assert "开始办理" in page
    for secret in ("甲乙丙", "丁戊己", "退回", "待领导审核", "89541421"):
        assert secret not in page
    assert "复函尚未印发" in page


def test_deputy_with_an_account_logs_in_instead(world, client):
    _, letter = issued_item(world)
    from tests.factories import UserFactory

    user = UserFactory(username="zhangsan")
    p = person("张三")
    p.user = user
    p.save()
    assert client.get(reverse("portal:me")).status_code == 302  # login first
    client.force_login(user)
    page = client.get(reverse("portal:me"))
    assert "张三，您好" in page.content.decode()
    assert rate(client, reverse("portal:me"), letter, "satisfied").status_code == 302
    assert ProposerRating.objects.get().person == p
    client.force_login(world.clerk)  # staff without a person: refused, not a 500
    assert client.get(reverse("portal:me")).status_code == 403


def test_rating_form_errors_are_chinese_and_keep_nothing(world, client):
    _, letter = issued_item(world)
    base = link_of("张三")
    response = client.post(f"{base}letters/{letter.pk}/rate/", {})
    assert response.status_code == 400
    assert "请选择满意、基本满意或不满意" in response.content.decode()
    response = rate(client, base, letter, "satisfied", comment="<script>alert(1)</script>")
    assert response.status_code == 400
    assert not ProposerRating.objects.exists()
