"""Show a reply body on a web page the way the letter prints it: headings, items, **bold**.
The same parser as the PDF (replies.pdf.body_paragraphs): escaped text plus <strong> only."""

from django import template

from replies.pdf import Paragraph
from replies.pdf import body_paragraphs

register = template.Library()


@register.filter
def letter_paragraphs(body: str) -> tuple[Paragraph, ...]:
    return body_paragraphs(body)
