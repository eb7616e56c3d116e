"""Messages to deputies and members: their personal link by SMS and e-mail when a letter of
their item is issued, on their request and when the office resends it. Each message is a
ProposerMessage row, unique by key, sent by `proposer_message_deliver` exactly once: the row is
claimed with SELECT ... FOR UPDATE SKIP LOCKED while it is still queued, so a retried or
redelivered task never sends a delivered, failed or skipped message again, and two workers
never send the same one."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import uuid
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from core.choices import AssignmentRole
from core.choices import MessageChannel
from core.choices import ProposerMessagePurpose
from core.choices import SmsStatus
from notifications.models import ProposerMessage
from notifications.sms import Sms
from notifications.sms import SmsError
from notifications.sms import sms_backend
from proposals.links import link_url
from proposals.models import Person
from proposals.models import ProposalPerson
from proposals.services import person_link_issue
from replies.models import IssuedLetter

logger = logging.getLogger(__name__)
MAIL_ERRORS = (smtplib.SMTPException, OSError)
Purpose = ProposerMessagePurpose


# The delivery task, published by name: the task calls this module, so importing it here
# would make a cycle.
SEND_TASK = "notifications.tasks.proposer_message_send"


def _queue_send(message_id: int) -> None:
    try:
        current_app.send_task(SEND_TASK, kwargs={"message_id": message_id})
    except Exception:
        logger.exception("代表委员消息 %s 入队失败，将由下一次定时扫描补发", message_id)


def _sms_refusal(*, person: Person | None, phone: str) -> str:
    if person is not None and person.sms_opt_out:
        return "已退订短信"
    hour_ago = timezone.now() - dt.timedelta(hours=1)
    recent = ProposerMessage.objects.filter(
        channel=MessageChannel.SMS,
        address=phone,
        created_at__gte=hour_ago,
        status__in=[SmsStatus.QUEUED, SmsStatus.DELIVERED],
    ).count()
    if recent >= settings.FUHAN_SMS_PER_PHONE_PER_HOUR:
        return f"超过每小时 {settings.FUHAN_SMS_PER_PHONE_PER_HOUR} 条的发送上限"
    return ""


def proposer_message_record(
    *,
    person: Person | None,
    channel: str,
    purpose: str,
    key: str,
    address: str,
    text: str,
    params: dict[str, str] | None = None,
) -> ProposerMessage:
    """Record a message once per key (a second call returns the first row) and queue its
    delivery on commit. An SMS to an opted-out person or over the phone's hourly limit is
    recorded as skipped, with the reason, and never sent."""
    existing = ProposerMessage.objects.filter(key=key).first()
    if existing is not None:
        return existing
    message = ProposerMessage(
        person=person,
        channel=channel,
        purpose=purpose,
        key=key,
        address=address,
        text=text,
        params=params or {},
        template_id=settings.FUHAN_SMS_TEMPLATES.get(purpose, "")
        if channel == MessageChannel.SMS
        else "",
    )
    if channel == MessageChannel.SMS:
        reason = _sms_refusal(person=person, phone=address)
        if reason:
            message.status = SmsStatus.SKIPPED
            message.skip_reason = reason
            message.finished_at = timezone.now()
    message.save()
    if message.status == SmsStatus.QUEUED:
        transaction.on_commit(lambda: _queue_send(message.pk))
    return message


def _messages_for(
    *, person: Person, purpose: str, key: str, text: str, subject: str, params: dict[str, str]
) -> list[ProposerMessage]:
    out = []
    if person.mobile:
        out.append(
            proposer_message_record(
                person=person,
                channel=MessageChannel.SMS,
                purpose=purpose,
                key=f"{key}:sms",
                address=person.mobile,
                text=text,
                params=params,
            )
        )
    if person.email:
        out.append(
            proposer_message_record(
                person=person,
                channel=MessageChannel.EMAIL,
                purpose=purpose,
                key=f"{key}:email",
                address=person.email,
                text=f"{subject}\n\n{text}\n\n（复函系统自动发送，请勿回复；请勿转发此链接）",
            )
        )
    return out


@transaction.atomic
def proposer_link_send(*, person: Person, actor: Any = None) -> list[ProposerMessage]:
    """Send the person their current link (on their request, or the office's 重发链接)."""
    link = person_link_issue(person=person, actor=actor)
    url = link_url(link)
    days = max(1, (link.expires_at - timezone.now()).days)
    text = f"{person.name}，您好：您的建议提案办理情况和答复请查看 {url} （{days}天内有效）"
    return _messages_for(
        person=person,
        purpose=Purpose.LINK,
        key=f"link:{person.pk}:{uuid.uuid4().hex[:16]}",
        text=text,
        subject="建议提案办理情况查看链接",
        params={"name": person.name, "url": url, "days": str(days)},
    )


@transaction.atomic
def proposer_notify_issued(*, letter_id: int) -> list[ProposerMessage]:
    """A letter of the lead unit was issued: each proposer of the item gets their link by SMS
    and e-mail, once per letter (a second call sends nothing)."""
    letter = IssuedLetter.objects.select_related(
        "reply__assignment__proposal__session", "reply__assignment__bureau"
    ).get(pk=letter_id)
    assignment = letter.reply.assignment
    if assignment.role != AssignmentRole.LEAD:
        return []
    proposal = assignment.proposal
    item = f"{proposal.session.name}第{proposal.number}号{proposal.kind_label}"
    out: list[ProposerMessage] = []
    for link_row in ProposalPerson.objects.filter(proposal=proposal).select_related("person"):
        person = link_row.person
        link = person_link_issue(person=person)
        url = link_url(link)
        text = (
            f"{person.name}，您好：您{link_row.get_role_display()}的{item}已收到"
            f"{assignment.bureau.short_name}的答复（{letter.doc_number}），请查看并评价：{url}"
        )
        out += _messages_for(
            person=person,
            purpose=Purpose.LETTER_ISSUED,
            key=f"issued:{letter.pk}:{person.pk}",
            text=text,
            subject=f"{item}已答复",
            params={"name": person.name, "item": item, "url": url},
        )
    return out


def proposer_message_deliver(*, message_id: int) -> ProposerMessage | None:
    """Send one queued message, once. Returns the row as it ends this attempt (queued again
    after an error a retry may cure), or None when there is nothing to send: it was delivered,
    failed or skipped already, or another worker holds it right now."""
    with transaction.atomic():
        message = (
            ProposerMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, status=SmsStatus.QUEUED)
            .first()
        )
        if message is None:
            return None
        message.attempts += 1
        try:
            if message.channel == MessageChannel.SMS:
                message.gateway_id = sms_backend().send(
                    Sms(
                        phone=message.address,
                        template_id=message.template_id,
                        params={str(k): str(v) for k, v in message.params.items()},
                        text=message.text,
                        out_id=message.key,
                    )
                )
            else:
                EmailMessage(
                    subject=message.text.split("\n", 1)[0],
                    body=message.text,
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    to=[message.address],
                ).send()
            message.status = SmsStatus.DELIVERED
            message.finished_at = timezone.now()
        except SmsError as exc:
            message.last_error = str(exc)
            if not exc.retryable or message.attempts >= settings.FUHAN_SMS_MAX_ATTEMPTS:
                message.status = SmsStatus.FAILED
                message.finished_at = timezone.now()
        except MAIL_ERRORS as exc:
            message.last_error = str(exc)
            if message.attempts >= settings.FUHAN_SMS_MAX_ATTEMPTS:
                message.status = SmsStatus.FAILED
                message.finished_at = timezone.now()
        message.save()
    return message


def proposer_messages_requeue(*, older_than: dt.timedelta = dt.timedelta(minutes=10)) -> int:
    """The sweep's catch-up: queued messages whose task was lost (broker down) are queued
    again; delivery skips any that another worker is sending."""
    stale = list(
        ProposerMessage.objects.filter(
            status=SmsStatus.QUEUED, created_at__lt=timezone.now() - older_than
        ).values_list("pk", flat=True)[:500]
    )
    for pk in stale:
        _queue_send(pk)
    return len(stale)
