"""Sending recorded reminders: in-app notifications and e-mail, each reminder exactly once.

Runs in the delivery tasks (a batch of ids queued by the sweep, or one transition notice), never
in the sweep itself. Pending rows are claimed with SELECT ... FOR UPDATE SKIP LOCKED, so two
batches holding the same ids (a redelivered task, two sweeps, a transition task) never take the
same row; `sent_at` and the notifications are written in the claiming transaction, after the
e-mail went out. A mail error leaves that reminder pending (attempts + 1, queued_at renewed) for
the task's retry, or for the sweep once it has waited long enough."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field
from functools import cache
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django_fsm_log.models import StateLog

from core.choices import AssignmentState
from core.choices import ExtensionState
from core.choices import NoticeKind
from core.choices import StaffRole
from core.choices import SupervisionState
from core.names import person_name
from notifications.models import Notification
from notifications.models import Reminder
from proposals.models import Assignment
from proposals.models import Bureau
from proposals.models import ExtensionRequest
from proposals.models import Office
from proposals.models import Session
from proposals.models import Staff
from proposals.models import Supervision
from proposals.selectors import due_label
from replies.models import IssuedLetter
from replies.models import Reply

logger = logging.getLogger(__name__)
S = AssignmentState
K = Reminder.Kind
MAIL_ERRORS = (smtplib.SMTPException, OSError)
# After this many failed e-mails a reminder is delivered in-app only (about two hours of sweeps).
MAX_MAIL_ATTEMPTS = 8
DEADLINE_KINDS = frozenset({K.REASSIGNMENT_WINDOW, K.CO_UNIT_DUE, K.REPLY_DUE, K.OVERDUE})
# Keyed by the StateLog id of the transition.
TRANSITION_KINDS = frozenset(
    {K.SUBMITTED, K.RETURNED, K.ISSUED, K.OPINION_SENT, K.REASSIGNMENT_REQUESTED}
)


@dataclass
class DeliveryStats:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    emails: int = 0
    errors: list[BaseException] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {
            "sent": self.sent,
            "skipped": self.skipped,
            "failed": self.failed,
            "emails": self.emails,
        }

    def add(self, other: DeliveryStats) -> None:
        self.sent += other.sent
        self.skipped += other.skipped
        self.failed += other.failed
        self.emails += other.emails
        self.errors += other.errors


class Directory:
    """Who works where, loaded once per delivery run (a few hundred staff at most)."""

    def __init__(self) -> None:
        self.clerks: dict[int, list[Any]] = defaultdict(list)
        self.supervisors: dict[int, list[Any]] = defaultdict(list)
        self.offices: dict[str, list[Any]] = defaultdict(list)
        self.office_names: dict[str, str] = dict(Office.objects.values_list("name", "kind"))
        self.bureau_names: dict[str, int] = {}
        self.sessions: dict[int, Session] = Session.objects.in_bulk()
        self.bureaus: dict[int, Bureau] = Bureau.objects.in_bulk()
        self.bureau_names = {b.short_name: pk for pk, b in self.bureaus.items()}
        self.users: dict[int, Any] = {}
        for staff in Staff.objects.select_related("user", "office").filter(user__is_active=True):
            self.users[staff.user_id] = staff.user
            if staff.bureau_id is not None and staff.role == StaffRole.CLERK:
                self.clerks[staff.bureau_id].append(staff.user)
            elif staff.bureau_id is not None and staff.role == StaffRole.SUPERVISOR:
                self.supervisors[staff.bureau_id].append(staff.user)
            elif staff.office is not None:
                self.offices[staff.office_kind].append(staff.user)

    def clerks_of(self, assignment: Assignment) -> list[Any]:
        """The assignment's own clerk once it has one, otherwise every clerk of the bureau."""
        clerk = self.users.get(assignment.clerk_id) if assignment.clerk_id else None
        return [clerk] if clerk is not None else list(self.clerks[assignment.bureau_id])

    def attach(self, reminder: Reminder) -> None:
        """Sessions and bureaus are few: share them instead of joining them into every row."""
        a = reminder.assignment
        a.bureau = self.bureaus[a.bureau_id]
        a.proposal.session = self.sessions[a.proposal.session_id]

    def handling_office(self, assignment: Assignment) -> list[Any]:
        return list(self.offices[assignment.proposal.session.body])

    def cc_offices(self, names: list[str]) -> list[Any]:
        """The staff of the offices on a CC list, and the clerks of the bureaus on it (the
        co-units are copied by default)."""
        users: list[Any] = []
        for name in names:
            kind = self.office_names.get(name)
            if kind:
                users += self.offices[kind]
            elif name in self.bureau_names:
                users += self.clerks[self.bureau_names[name]]
        return users


@dataclass
class Message:
    recipients: list[Any]
    title: str
    body: str
    attachment: tuple[str, bytes, str] | None = None
    skip_reason: str = ""


class Composer:
    """Turns one reminder into a message; context for a whole batch is loaded up front."""

    def __init__(self, batch: list[Reminder], directory: Directory, today: dt.date) -> None:
        self.directory = directory
        self.today = today
        self._labels: dict[tuple[dt.date, bool], str] = {}
        kinds = {r.kind for r in batch}
        log_ids = [int(r.key) for r in batch if r.kind in TRANSITION_KINDS]
        self.logs = StateLog.objects.select_related("by").in_bulk(log_ids) if log_ids else {}
        self.letters: dict[int, IssuedLetter] = {}
        if K.ISSUED in kinds:
            ids = [r.assignment_id for r in batch if r.kind == K.ISSUED]
            for letter in (
                IssuedLetter.objects.filter(reply__assignment_id__in=ids)
                .select_related("reply")
                .order_by("issued_date", "pk")
            ):
                self.letters[letter.reply.assignment_id] = letter  # the latest one wins
        self.extensions: dict[int, ExtensionRequest] = {}
        if K.EXTENSION_PENDING in kinds:
            ext_ids = [int(r.data["extension"]) for r in batch if r.kind == K.EXTENSION_PENDING]
            self.extensions = ExtensionRequest.objects.in_bulk(ext_ids)
        self.replies: dict[int, Reply] = {}
        if K.FEEDBACK_MISSING in kinds:
            ids = [r.assignment_id for r in batch if r.kind == K.FEEDBACK_MISSING]
            self.replies = {x.assignment_id: x for x in Reply.objects.filter(assignment_id__in=ids)}
        self.supervisions: dict[int, Supervision] = {}
        supervision_ids = [int(r.key) for r in batch if r.kind in NoticeKind.supervision()]
        if supervision_ids:
            self.supervisions = Supervision.objects.select_related(
                "office", "created_by", "answered_by"
            ).in_bulk(supervision_ids)
        self.leads: dict[int, Assignment] = {}
        if K.OPINION_SENT in kinds:
            proposals = [r.assignment.proposal_id for r in batch if r.kind == K.OPINION_SENT]
            for lead in (
                Assignment.objects.filter(proposal_id__in=proposals, role=Assignment.Role.LEAD)
                .exclude(state=S.REASSIGNED)
                .select_related("clerk")
            ):
                self.leads[lead.proposal_id] = lead

    def due(self, a: Assignment) -> str:
        key = (a.due_date, a.is_open)
        if key not in self._labels:
            self._labels[key] = str(due_label(assignment=a, today=self.today))
        return self._labels[key]

    def compose(self, r: Reminder) -> Message:
        a = r.assignment
        p = a.proposal
        d = self.directory
        item = f"{p.session.name}第{p.number}号{p.kind_label}"
        due_line = f"办结期限：{cn_date(a.due_date)}（{self.due(a)}）"
        lines = [
            f"事项：{item}《{p.title}》",
            f"承办单位：{a.bureau.short_name}（{a.get_role_display()}）",
            due_line,
        ]
        log = self.logs.get(int(r.key)) if r.kind in TRANSITION_KINDS else None
        actor = person_name(log.by) if log and log.by else "系统"
        comment = (log.description or "") if log else ""

        if r.kind in DEADLINE_KINDS and not a.is_open:
            return Message([], "", "", skip_reason="事项已办结")
        if r.kind == K.REPLY_DUE:
            n = r.data.get("workdays", 0)
            users = d.clerks_of(a) + (d.supervisors[a.bureau_id] if r.data.get("leaders") else [])
            title = (
                f"【到期提醒】{item}还有 {n} 个工作日到期" if n else f"【到期提醒】{item}今日到期"
            )
            return Message(users, title, "\n".join([*lines, "请抓紧办理答复。"]))
        if r.kind == K.CO_UNIT_DUE:
            n = r.data.get("workdays", 0)
            users = d.clerks_of(a) + (d.supervisors[a.bureau_id] if r.data.get("leaders") else [])
            title = f"【协办提醒】{item}的协办意见还有 {n} 个工作日到期"
            return Message(users, title, "\n".join([*lines, "请按时向主办单位送出协办意见。"]))
        if r.kind == K.OVERDUE:
            days = r.data.get("days", 0)
            users = d.clerks_of(a)
            note = "请尽快办理答复，或向交办机构申请延期。"
            if r.data.get("escalate"):
                users += d.supervisors[a.bureau_id] + d.handling_office(a)
                users += d.offices[Office.Kind.SUPERVISION]
                note = f"已逾期 {days} 天，同时提醒承办领导和交办、督查机构。"
            title = f"【逾期提醒】{item}（{a.bureau.short_name}）已逾期 {days} 天"
            return Message(users, title, "\n".join([*lines, note]))
        if r.kind == K.REASSIGNMENT_WINDOW:
            if a.state not in (S.ASSIGNED, S.ACCEPTED):
                return Message([], "", "", skip_reason="已不在申请调整阶段")
            deadline = a.reassignment_deadline
            users = d.clerks_of(a) + d.supervisors[a.bureau_id]
            title = f"【调整期限】{item}申请调整承办单位截至 {deadline.month}月{deadline.day}日"
            body = [
                *lines,
                f"如非本单位职责，请在 {cn_date(deadline)} 前向交办机构申请调整，"
                "逾期不再受理，不得自行转办。",
            ]
            return Message(users, title, "\n".join(body))
        if r.kind == K.EXTENSION_PENDING:
            ext = self.extensions.get(int(r.data.get("extension", 0)))
            if ext is None or ext.state != ExtensionState.PENDING:
                return Message([], "", "", skip_reason="延期申请已处理")
            waited = r.data.get("workdays")
            title = f"【待审批】{a.bureau.short_name}的{item}延期申请已等待 {waited} 个工作日"
            body = [
                *lines,
                f"申请延至：{cn_date(ext.requested_due_date)}；理由：{ext.reason}",
            ]
            return Message(d.handling_office(a), title, "\n".join(body))
        if r.kind == K.FEEDBACK_MISSING:
            reply = self.replies.get(a.pk)
            if reply is None or reply.satisfaction:
                return Message([], "", "", skip_reason="满意度已登记")
            title = f"【满意度】{item}复函印发已 {r.data.get('days')} 天，尚未登记满意度"
            body = [*lines[:2], f"请联系{p.salutation}并登记满意度。"]
            return Message(d.handling_office(a), title, "\n".join(body))
        if r.kind == K.SUBMITTED:
            what = "复函" if a.is_lead else "协办意见"
            title = f"【待审核】{actor}提交了{item}的{what}，请审核签批"
            body = [*lines, *([f"说明：{comment}"] if comment else [])]
            return Message(list(d.supervisors[a.bureau_id]), title, "\n".join(body))
        if r.kind == K.RETURNED:
            title = f"【退回修改】{item}的草稿被{actor}退回"
            body = [*lines, f"退回意见：{comment}"]
            return Message(d.clerks_of(a), title, "\n".join(body))
        if r.kind == K.REASSIGNMENT_REQUESTED:
            title = f"【申请调整】{a.bureau.short_name}申请调整{item}的承办单位"
            body = [*lines, f"理由：{comment or a.reassignment_reason}"]
            return Message(d.handling_office(a), title, "\n".join(body))
        if r.kind == K.OPINION_SENT:
            lead = self.leads.get(a.proposal_id)
            users = d.clerks_of(lead) if lead else []
            title = f"【协办意见】{a.bureau.short_name}已送出{item}的协办意见"
            return Message(users, title, "\n".join(lines[:2]))
        if r.kind in NoticeKind.supervision():
            return self.compose_supervision(r, item, lines)
        if r.kind == K.ISSUED:
            letter = self.letters.get(a.pk)
            if letter is None:
                return Message([], "", "", skip_reason="未找到已印发复函")
            title = f"【抄送】{letter.doc_number} {a.bureau.short_name}关于{item}的复函"
            body = [
                f"事项：{item}《{p.title}》",
                f"文号：{letter.doc_number}，答复分类：{letter.answer_class}类，"
                f"印发日期：{cn_date(letter.issued_date)}",
                f"抄送：{'、'.join(letter.cc_list)}",
            ]
            attachment = _pdf_of(letter)
            if attachment is None:
                body.append("（复函 PDF 尚未生成，请在系统中查看）")
            return Message(
                d.cc_offices(letter.cc_list), title, "\n".join(body), attachment=attachment
            )
        return Message([], "", "", skip_reason=f"未知类别 {r.kind}")

    def compose_supervision(self, r: Reminder, item: str, lines: list[str]) -> Message:
        """催办 and 督办单 go to the bureau's clerk and supervisors; an answer goes to the office
        that opened the 督办单."""
        a = r.assignment
        d = self.directory
        s = self.supervisions.get(int(r.key))
        if s is None:
            return Message([], "", "", skip_reason="催办督办记录不存在")
        bureau = d.clerks_of(a) + d.supervisors[a.bureau_id]
        sender = s.office.name
        if r.kind == K.URGED:
            title = f"【催办】{sender}催办{item}"
            body = [*lines, f"催办意见：{s.comment}"]
            return Message(bureau, title, "\n".join(body))
        if r.kind == K.SUPERVISION_OPENED:
            if s.state == SupervisionState.CLOSED:
                return Message([], "", "", skip_reason="督办单已办结")
            assert s.reply_by is not None  # noqa: S101 (a 督办单 always has one)
            title = f"【督办】{sender}对{item}下发督办单，请于{cn_date(s.reply_by)}前答复"
            body = [*lines, f"督办要求：{s.comment}", f"答复期限：{cn_date(s.reply_by)}"]
            return Message(bureau, title, "\n".join(body))
        who = person_name(s.answered_by) if s.answered_by else a.bureau.short_name
        title = f"【督办答复】{a.bureau.short_name}已答复{item}的督办单"
        body = [*lines, f"督办要求：{s.comment}", f"答复（{who}）：{s.answer}"]
        return Message(list(d.offices[s.office.kind]), title, "\n".join(body))


def _pdf_of(letter: IssuedLetter) -> tuple[str, bytes, str] | None:
    if not letter.pdf or not letter.pdf.name:
        return None
    try:
        if not letter.pdf.storage.exists(letter.pdf.name):
            return None
        with letter.pdf.open("rb") as fh:
            return (f"{letter.doc_number}.pdf", fh.read(), "application/pdf")
    except OSError:
        logger.warning("复函 PDF 读取失败：%s", letter.pdf.name)
        return None


def cn_date(day: dt.date) -> str:
    """2026年10月9日, as the pages show dates."""
    return f"{day.year}年{day.month}月{day.day}日"


def item_url(assignment_id: int) -> str:
    return _item_url_pattern().replace("987654321", str(assignment_id))


@cache
def _item_url_pattern() -> str:
    return reverse("proposals:assignment", args=[987654321])


def _unique(users: list[Any]) -> list[Any]:
    seen: dict[int, Any] = {}
    for u in users:
        seen.setdefault(u.pk, u)
    return list(seen.values())


def reminder_deliver(
    *, where: Q | None = None, now: dt.datetime | None = None, batch_size: int | None = None
) -> DeliveryStats:
    """Send every pending reminder matching `where` (all pending ones by default)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    batch_size = batch_size or settings.FUHAN_REMINDER_BATCH_SIZE
    stats = DeliveryStats()
    directory: Directory | None = None
    cursor = 0
    while True:
        with transaction.atomic():
            batch = list(
                Reminder.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(where or Q(), sent_at__isnull=True, pk__gt=cursor)
                .select_related("assignment__proposal")
                .order_by("pk")[:batch_size]
            )
            if not batch:
                break
            cursor = batch[-1].pk
            directory = directory or Directory()
            for r in batch:
                directory.attach(r)
            stats.add(_deliver_batch(batch, Composer(batch, directory, today), now))
        if len(batch) < batch_size:
            break
    return stats


def _deliver_batch(batch: list[Reminder], composer: Composer, now: dt.datetime) -> DeliveryStats:
    stats = DeliveryStats()
    notifications: list[Notification] = []
    sent: list[int] = []
    skipped: dict[str, list[int]] = defaultdict(list)
    failed: dict[str, list[int]] = defaultdict(list)
    given_up: dict[str, list[int]] = defaultdict(list)
    connection = get_connection()
    opened = False
    site = settings.FUHAN_SITE_URL.rstrip("/")
    for r in batch:
        msg = composer.compose(r)
        users = _unique(msg.recipients)
        if msg.skip_reason or not users:
            skipped[msg.skip_reason or "无接收人"].append(r.pk)
            stats.skipped += 1
            continue
        emails = sorted({u.email for u in users if u.email})
        url = item_url(r.assignment_id)
        if emails:
            email = EmailMessage(
                subject=msg.title,
                body=f"{msg.body}\n查看：{site}{url}\n\n（复函系统自动发送，请勿回复）",
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=emails,
                connection=connection,
            )
            if msg.attachment:
                email.attach(*msg.attachment)
            try:
                if not opened:
                    connection.open()
                    opened = True
                email.send()
            except MAIL_ERRORS as exc:
                error = f"{type(exc).__name__}: {exc}"[:400]
                if r.attempts + 1 < MAX_MAIL_ATTEMPTS:
                    logger.warning("提醒邮件发送失败（提醒 %s）：%s", r.pk, exc)
                    failed[error].append(r.pk)
                    stats.failed += 1
                    stats.errors.append(exc)
                    continue
                # A permanent error (a refused address…) must not hold back the in-app notice.
                logger.error("提醒邮件多次发送失败，只发站内通知（提醒 %s）：%s", r.pk, exc)
                given_up[f"邮件多次发送失败，仅发站内通知：{error}"].append(r.pk)
            else:
                stats.emails += 1
        notifications += [
            Notification(
                recipient=u,
                reminder=r,
                assignment_id=r.assignment_id,
                kind=r.kind,
                title=msg.title[:200],
                body=msg.body,
                url=url,
            )
            for u in users
        ]
        sent.append(r.pk)
        stats.sent += 1
    if opened:
        try:
            connection.close()
        except MAIL_ERRORS:  # the messages were accepted; a failing QUIT changes nothing
            logger.warning("关闭邮件连接失败", exc_info=True)
    # A handful of set-based writes per batch, whatever its size.
    Notification.objects.bulk_create(notifications, ignore_conflicts=True)
    gave_up = {pk for ids in given_up.values() for pk in ids}
    Reminder.objects.filter(pk__in=[pk for pk in sent if pk not in gave_up]).update(
        sent_at=now, last_error=""
    )
    for error, ids in given_up.items():
        Reminder.objects.filter(pk__in=ids).update(
            sent_at=now, attempts=F("attempts") + 1, last_error=error
        )
    for reason, ids in skipped.items():
        Reminder.objects.filter(pk__in=ids).update(sent_at=now, skip_reason=reason[:60])
    for error, ids in failed.items():
        Reminder.objects.filter(pk__in=ids).update(
            attempts=F("attempts") + 1, last_error=error, queued_at=now
        )
    return stats
