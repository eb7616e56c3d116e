"""The policy library: creation through the service (bad input refused, nothing written), the
demo loader, the search endpoint and the admin form."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse

from core.exceptions import ApplicationError
from replies.admin import PolicyDocumentForm
from replies.models import PolicyDocument
from replies.policies import policy_document_create
from replies.policies import policy_document_list
from replies.policies import policy_documents_load_demo
from replies.policies import strip_pinyin_glosses

pytestmark = pytest.mark.django_db


def make(**kw):
    data = {
        "title": "关于制造业高质量发展引领产业兴区的若干政策意见",
        "doc_number": "临经信综〔2021〕14号",
        "issuer": "杭州市临安区经济和信息化局",
    }
    data.update(kw)
    return policy_document_create(**data)


def test_create_and_citation():
    p = make(
        title="《关于制造业高质量发展引领产业兴区的若干政策意见》", issued_date=dt.date(2021, 3, 1)
    )
    assert p.title == "关于制造业高质量发展引领产业兴区的若干政策意见"
    assert (
        p.citation == "《关于制造业高质量发展引领产业兴区的若干政策意见》（临经信综〔2021〕14号）"
    )
    no_number = make(title="拱墅区新制造业发展专项行动", doc_number="", issuer="拱墅区")
    assert no_number.citation == "《拱墅区新制造业发展专项行动》"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "政策<script>alert(1)</script>", "不能包含 HTML 标签或脚本"),
        ("summary", '<a href="javascript:alert(1)">点我</a>', "不能包含 HTML 标签或脚本"),
        ("full_text", "第一条<img src=x onerror=alert(1)>", "不能包含 HTML 标签或脚本"),
        ("issuer", "<b>经信局</b>", "不能包含 HTML 标签或脚本"),
        ("doc_number", "14号", "文号格式应为"),
        ("title", "", "标题不能为空"),
        ("issuer", "", "发文机关不能为空"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(field, value, message):
    with pytest.raises(ApplicationError, match=message):
        make(**{field: value})
    assert PolicyDocument.objects.count() == 0


def test_duplicate_number_refused():
    make()
    with pytest.raises(ApplicationError, match="已在政策文件库中"):
        make(title="另一个标题")
    assert PolicyDocument.objects.count() == 1


def test_pinyin_glosses_are_stripped_but_real_parentheses_kept():
    raw = "五金產(chǎn)業(yè)是永康市的特色支柱產(chǎn)業(yè)之一(认定类),質(zhì)量(A)"
    assert strip_pinyin_glosses(raw) == "五金產業是永康市的特色支柱產業之一(认定类),質量(A)"


def test_demo_loader_is_idempotent_and_clean():
    first = policy_documents_load_demo()
    assert (first.created, first.skipped) == (5, 0)
    again = policy_documents_load_demo()
    assert (again.created, again.skipped) == (0, 5)
    numbers = set(PolicyDocument.objects.values_list("doc_number", flat=True))
    assert {"临经信综〔2021〕14号", "临经信综〔2021〕108号", "临平政办〔2022〕92号"} <= numbers
    yongkang = PolicyDocument.objects.get(title__startswith="永康市")
    assert "五金产业是永康市的特色支柱产业之一" in yongkang.full_text
    assert "(chǎn)" not in yongkang.full_text
    assert "?" not in yongkang.full_text
    linping = PolicyDocument.objects.get(doc_number="临平政办〔2022〕92号")
    assert linping.issued_date == dt.date(2022, 6, 23)
    assert "攻坚行动" in linping.full_text


def test_load_policies_command(capsys):
    call_command("load_policies")
    assert "新增 5 件" in capsys.readouterr().out


def test_search_matches_every_word():
    policy_documents_load_demo()
    assert [p.doc_number for p in policy_document_list(query="108号")] == ["临经信综〔2021〕108号"]
    found = {p.doc_number for p in policy_document_list(query="产业兴区 临经信综")}
    assert found == {"临经信综〔2021〕14号", "临经信综〔2021〕108号"}
    assert list(policy_document_list(query="不存在的词")) == []


def test_search_endpoint(client, world):
    policy_documents_load_demo()
    url = reverse("replies:policies")
    assert client.get(url, {"q": "14号"}).status_code == 302  # anonymous: to the login page
    client.force_login(world.clerk)
    data = client.get(url, {"q": "解释说明"}).json()
    assert [r["citation"] for r in data["results"]] == [
        "《关于制造业高质量发展引领产业兴区若干政策意见的解释说明》（临经信综〔2021〕108号）"
    ]


def test_search_endpoint_refuses_users_without_a_post(client, world):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    assert client.get(reverse("replies:policies")).status_code == 403


def test_admin_form_refuses_html():
    form = PolicyDocumentForm(
        data={"title": "政策<script>x</script>", "doc_number": "", "issuer": "经信局"}
    )
    assert not form.is_valid()
    assert "不能包含 HTML 标签或脚本" in str(form.errors)
    good = PolicyDocumentForm(
        data={"title": "《某政策》", "doc_number": "临经信综〔2021〕14号", "issuer": "经信局"}
    )
    assert good.is_valid(), good.errors
    assert good.save().title == "某政策"


def test_admin_changelist_and_add_page(admin_client):
    policy_documents_load_demo()
    page = admin_client.get(reverse("admin:replies_policydocument_changelist"))
    assert "临经信综〔2021〕108号" in page.content.decode()
    response = admin_client.post(
        reverse("admin:replies_policydocument_add"),
        {"title": "<i>坏</i>", "doc_number": "", "issuer": "经信局", "summary": "", "source": ""},
    )
    assert response.status_code == 200  # the form again, with the error
    assert PolicyDocument.objects.filter(title__contains="坏").count() == 0


def test_seed_demo_brings_the_policy_library_and_the_twin_paragraphs():
    from django.contrib.auth import get_user_model

    from replies.similarity import paragraph_list_similar

    call_command("seed_demo")
    assert PolicyDocument.objects.count() == 5
    users = get_user_model().objects
    from pathlib import Path

    demo = Path(__file__).resolve().parents[2] / "offices" / "demo" / "reply_cppcc_46.txt"
    # The whole paragraph of letter 42号 (item 46): its own copy is not offered back.
    yi_shi = next(
        p for p in demo.read_text(encoding="utf-8").splitlines() if p.startswith("**一是")
    )
    top = paragraph_list_similar(user=users.get(username="louwr"), text=yi_shi)[0]
    assert top.doc_number == "临经信建复〔2023〕41号"
    assert top.text.startswith("**一是强化产业链精准招商**")
    # The commerce bureau's clerk sees none of the economy bureau's letters.
    assert paragraph_list_similar(user=users.get(username="wangl"), text=yi_shi) == []
