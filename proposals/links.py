"""Personal links of deputies and members: a token signed with django.core.signing over the
PersonLink row's random key. The signature refuses a changed or made-up token; the row refuses
a revoked or expired one (FUHAN_PROPOSER_LINK_DAYS after it was made)."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.core import signing
from django.utils import timezone

from core.exceptions import ApplicationError
from proposals.models import Person
from proposals.models import PersonLink

SALT = "fuhan.proposer-link"


class LinkRefused(ApplicationError):  # noqa: N818
    """The link cannot be used: the page says why, in Chinese, and nothing is recorded."""


def link_lifetime() -> dt.timedelta:
    return dt.timedelta(days=settings.FUHAN_PROPOSER_LINK_DAYS)


def link_token(link: PersonLink) -> str:
    """The same token for the same link every time (no time stamp: the row bounds its life), so
    a resent or printed link is the one the person already has."""
    return signing.Signer(salt=SALT).sign(link.key.hex)


def link_path(link: PersonLink) -> str:
    from django.urls import reverse

    return reverse("portal:home", kwargs={"token": link_token(link)})


def link_url(link: PersonLink) -> str:
    return settings.FUHAN_SITE_URL.rstrip("/") + link_path(link)


def link_resolve(token: str) -> tuple[Person, PersonLink]:
    """The person a token belongs to, or LinkRefused with the reason."""
    try:
        key = uuid.UUID(hex=signing.Signer(salt=SALT).unsign(token))
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise LinkRefused("链接无效（可能被改动或不完整），请使用短信或邮件中的完整链接") from exc
    link = PersonLink.objects.select_related("person").filter(key=key).first()
    if link is None:
        raise LinkRefused("链接无效，请联系交办机构重新发送")
    if link.revoked_at is not None:
        raise LinkRefused("该链接已被交办机构撤销，请使用最新收到的链接")
    if link.expires_at <= timezone.now():
        raise LinkRefused("该链接已过期，请联系交办机构重新发送")
    return link.person, link
