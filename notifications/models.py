"""Reminders (one row per reminder ever due, so nothing is sent twice) and in-app notifications."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.choices import MessageChannel
from core.choices import NoticeKind
from core.choices import ProposerMessagePurpose
from core.choices import SmsStatus
from proposals.models import Assignment
from proposals.models import Person


class Reminder(models.Model):
    """A reminder or a transition notice, recorded once: the unique (assignment, kind, key)
    makes a repeated sweep, a retried task or a second beat process a no-op. `queued_at` is set
    when the sweep hands the row to a delivery task; `sent_at` is set in the same transaction
    that writes the in-app notifications (one per recipient: they are the record of who was
    told), after the e-mail went out."""

    Kind = NoticeKind

    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, related_name="reminders", verbose_name="交办任务"
    )
    kind = models.CharField("类别", max_length=24, choices=Kind.choices)
    key = models.CharField(
        "去重键", max_length=40, help_text="提醒阈值、日期、延期申请或流转记录编号"
    )
    data = models.JSONField("数据", default=dict, blank=True)
    created_at = models.DateTimeField("生成时间", auto_now_add=True)
    queued_at = models.DateTimeField(
        "排队时间",
        null=True,
        blank=True,
        help_text="交给发送任务的时间；未发送且排队已久的提醒由下一次扫描重新排队",
    )
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    skip_reason = models.CharField(
        "未发送原因", max_length=60, blank=True, help_text="如：事项已办结（发送时已无需提醒）"
    )
    attempts = models.PositiveSmallIntegerField("发送失败次数", default=0)
    last_error = models.TextField("最近一次错误", blank=True)

    class Meta:
        verbose_name = "提醒记录"
        verbose_name_plural = "提醒记录"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "kind", "key"], name="reminder_once_per_key"
            ),
        ]
        indexes = [
            models.Index(fields=["id"], condition=Q(sent_at__isnull=True), name="reminder_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（{self.key}）"


class Notification(models.Model):
    """One line in a user's notification list (站内通知)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name="接收人",
    )
    reminder = models.ForeignKey(
        Reminder,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name="提醒记录",
    )
    assignment = models.ForeignKey(
        Assignment,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="交办任务",
    )
    kind = models.CharField("类别", max_length=24, choices=Reminder.Kind.choices)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=200, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = "站内通知"
        verbose_name_plural = "站内通知"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["reminder", "recipient"], name="notification_once_per_recipient"
            ),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.title


class ProposerMessage(models.Model):
    """A text message or e-mail to a deputy or member, recorded once per `key` (the letter and
    the person, or a link request) with its delivery: queued until it is delivered (the gateway
    or the mail server accepted it) or failed (the retries ran out, or the gateway refused it);
    skipped when the person opted out or the phone's hourly limit was reached."""

    Channel = MessageChannel
    Status = SmsStatus

    person = models.ForeignKey(
        Person, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="代表委员"
    )
    channel = models.CharField("渠道", max_length=8, choices=Channel.choices)
    purpose = models.CharField("内容", max_length=16, choices=ProposerMessagePurpose.choices)
    key = models.CharField("去重键", max_length=80, unique=True)
    address = models.CharField("手机号码或邮箱", max_length=254)
    template_id = models.CharField("短信模板", max_length=60, blank=True)
    params = models.JSONField("模板参数", default=dict, blank=True)
    text = models.TextField("内容")
    status = models.CharField(
        "发送状态", max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    skip_reason = models.CharField("未发送原因", max_length=60, blank=True)
    attempts = models.PositiveSmallIntegerField("发送次数", default=0)
    last_error = models.TextField("最近一次错误", blank=True)
    gateway_id = models.CharField("网关消息编号", max_length=80, blank=True)
    created_at = models.DateTimeField("生成时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "代表委员消息"
        verbose_name_plural = "代表委员消息"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["channel", "address", "created_at"], name="proposer_msg_rate"),
            models.Index(fields=["id"], condition=Q(status="queued"), name="proposer_msg_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.address} {self.get_status_display()}"
