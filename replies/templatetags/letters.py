"""Show a reply body on a web page the way the letter prints it: headings, items, **bold**.
The same parser as the PDF (replies.pdf.body_paragraphs): escaped text plus <strong> only. And
what an issued letter's file says about itself (stored hash, digital signature)."""

from django import template

from replies.models import IssuedLetter
from replies.pdf import Paragraph
from replies.pdf import body_paragraphs
from replies.selectors import letter_verification as verification

register = template.Library()


@register.filter
def letter_paragraphs(body: str) -> tuple[Paragraph, ...]:
    return body_paragraphs(body)


@register.filter
def letter_verification(letter: IssuedLetter) -> str:
    return verification(letter=letter)
