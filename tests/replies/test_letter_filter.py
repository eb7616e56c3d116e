from django.template import Context
from django.template import Template


def render(body: str) -> str:
    template = Template(
        "{% load letters %}{% for p in body|letter_paragraphs %}"
        "<p class='{{ p.kind }}'>{{ p.html }}</p>{% endfor %}"
    )
    return template.render(Context({"body": body}))


def test_the_item_page_shows_the_body_as_the_letter_prints_it():
    html = render("一、关于培育龙头企业的建议\n**一是**聚焦“高端化”提升\n1. 鼓励企业做强做大。")
    assert "<p class='h1'>一、关于培育龙头企业的建议</p>" in html
    assert "<p class='p'><strong>一是</strong>聚焦“高端化”提升</p>" in html
    assert "<p class='item'>1. 鼓励企业做强做大。</p>" in html


def test_markup_typed_into_the_body_stays_text():
    html = render('<script>alert(1)</script> **<img src="x">**')
    assert "<script>" not in html
    assert "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
