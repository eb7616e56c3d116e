import datetime as dt
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django_fsm import ConcurrentTransitionMixin
from django_fsm import FSMField

from core.choices import AssignmentRole
from core.choices import AssignmentState
from core.choices import AttachmentKind
from core.choices import AuditVerb
from core.choices import Body
from core.choices import CalendarAction
from core.choices import CalendarSource
from core.choices import ContactMethod
from core.choices import ExtensionState
from core.choices import LetterFormat
from core.choices import NumberSeries
from core.choices import OfficeKind
from core.choices import ProposalStatus
from core.choices import ProposerRole
from core.choices import Publicity
from core.choices import RatingPolicy
from core.choices import StaffRole
from core.choices import SupervisionKind
from core.choices import SupervisionState
from core.models import BaseModel
from core.names import person_name
from proposals.credentials import validate_signing_certificate
from proposals.seals import validate_seal_png
from proposals.workflow import AssignmentWorkflow
from proposals.workflow import ExtensionWorkflow
from proposals.workflow import Step
from proposals.workflow import step
from proposals.workflow import transitions_from

# What differs between the two bodies, in the words the letters use.
BODY_TERMS: dict[str, dict[str, str]] = {
    Body.NPC: {"item": "建议", "member": "代表", "series": "建", "contact": "承办"},
    Body.CPPCC: {"item": "提案", "member": "委员", "series": "提", "contact": "主办"},
}


class Bureau(BaseModel):
    LetterFormat = LetterFormat
    NumberSeries = NumberSeries

    full_name = models.CharField("单位全称", max_length=100, unique=True)
    short_name = models.CharField("简称", max_length=30, unique=True)
    doc_prefix = models.CharField("发文字号前缀", max_length=20, help_text="如：临经信")
    letter_format = models.CharField(
        "复函版式", max_length=10, choices=LetterFormat.choices, default=LetterFormat.FILE
    )
    number_series = models.CharField(
        "编号方式", max_length=12, choices=NumberSeries.choices, default=NumberSeries.SHARED
    )
    # Issued letters (issue 11): the seal printed over the 署名 and date, and the signing
    # certificate by reference (proposals/seals.py, proposals/credentials.py).
    seal = models.FileField(
        "印章图片",
        upload_to="seals/",
        blank=True,
        validators=[validate_seal_png],
        help_text="透明背景的 PNG，200–4000 像素，不超过 1 MB；印在正式复函的署名和日期上",
    )
    signing_certificate = models.CharField(
        "签名证书",
        max_length=60,
        blank=True,
        validators=[validate_signing_certificate],
        help_text="证书名称：读取证书目录中的 <名称>.p12，密码取自环境变量 "
        "FUHAN_SIGNING_PASSWORD_<名称> 或密钥目录；留空则复函不签名",
    )

    class Meta:
        verbose_name = "承办单位"
        verbose_name_plural = "承办单位"
        ordering = ["short_name"]

    def __str__(self) -> str:
        return self.short_name


class Office(BaseModel):
    Kind = OfficeKind

    kind = models.CharField("类别", max_length=12, choices=Kind.choices, unique=True)
    name = models.CharField("名称", max_length=100)

    class Meta:
        verbose_name = "交办/督办机构"
        verbose_name_plural = "交办/督办机构"

    def __str__(self) -> str:
        return self.name


class Staff(BaseModel):
    """A user's place in the system: a bureau clerk or supervisor, or office staff."""

    Role = StaffRole

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff",
        verbose_name="用户",
    )
    role = models.CharField("角色", max_length=12, choices=Role.choices)
    bureau = models.ForeignKey(
        Bureau,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        verbose_name="所属单位",
    )
    office = models.ForeignKey(
        Office,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        verbose_name="所属机构",
    )
    phone = models.CharField("联系电话", max_length=30, blank=True)

    class Meta:
        verbose_name = "工作人员"
        verbose_name_plural = "工作人员"
        constraints = [
            models.CheckConstraint(
                name="staff_bureau_or_office",
                condition=(
                    Q(role=StaffRole.OFFICE, office__isnull=False, bureau__isnull=True)
                    | (
                        Q(
                            role__in=[StaffRole.CLERK, StaffRole.SUPERVISOR],
                            bureau__isnull=False,
                            office__isnull=True,
                        )
                    )
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{person_name(self.user)}（{self.get_role_display()}）"

    @property
    def is_bureau_staff(self) -> bool:
        return self.role in (self.Role.CLERK, self.Role.SUPERVISOR)

    @property
    def office_kind(self) -> str:
        """npc / cppcc / supervision for office staff, "" for a bureau's staff."""
        return self.office.kind if self.office is not None else ""

    @property
    def is_supervision(self) -> bool:
        return self.office_kind == OfficeKind.SUPERVISION


def default_answer_classes() -> list[dict[str, str]]:
    return [
        {"code": "A", "label": "已解决或基本解决"},
        {"code": "B", "label": "正在解决或列入计划解决"},
        {"code": "C", "label": "因条件限制留作参考"},
    ]


def default_reminder_workdays() -> list[int]:
    return [30, 14, 7, 3, 1]


def default_co_unit_reminder_workdays() -> list[int]:
    return [5, 1]


def validate_workday_thresholds(value: object) -> None:
    if not (
        isinstance(value, list)
        and value
        and all(isinstance(v, int) and not isinstance(v, bool) and 0 < v <= 250 for v in value)
    ):
        raise ValidationError("提醒天数须为 1 至 250 之间的整数列表，如 [30, 14, 7, 3, 1]")


class Session(BaseModel):
    """A sitting of the NPC or CPPCC, with its handling policy as data."""

    body = models.CharField("届次类别", max_length=8, choices=Body.choices)
    name = models.CharField("会议名称", max_length=60, help_text="如：区十七届人大二次会议")
    year = models.PositiveSmallIntegerField("年度")
    # Handling policy (办理规则): every period is data, never a constant in code.
    reply_period_months = models.PositiveSmallIntegerField("答复期限（月）", default=3)
    complex_period_months = models.PositiveSmallIntegerField("复杂事项答复期限（月）", default=6)
    reassignment_window_workdays = models.PositiveSmallIntegerField(
        "申请调整期限（工作日）", default=5
    )
    co_unit_opinion_months = models.PositiveSmallIntegerField("协办意见期限（月）", default=1)
    extension_cap_months = models.PositiveSmallIntegerField("单次延期上限（月）", default=3)
    max_total_months = models.PositiveSmallIntegerField("自交办起最长期限（月）", default=6)
    due_moves_to_workday = models.BooleanField(
        "期限遇节假日顺延",
        default=True,
        help_text="按月计算的办结期限（交办、调整、延期上限、重新办理）落在周末或法定节假日时，"
        "顺延至其后第一个工作日",
    )
    reopen_period_months = models.PositiveSmallIntegerField("重新办理期限（月）", default=1)
    answer_classes = models.JSONField("答复分类", default=default_answer_classes)
    default_cc = models.JSONField("默认抄送单位", default=list, blank=True)
    # Reminder policy (提醒规则), read by the reminder sweep (notifications/planning.py).
    reminder_workdays = models.JSONField(
        "答复到期提醒（剩余工作日）",
        default=default_reminder_workdays,
        validators=[validate_workday_thresholds],
        help_text="剩余工作日降到这些数时提醒承办人，如 [30, 14, 7, 3, 1]",
    )
    co_unit_reminder_workdays = models.JSONField(
        "协办意见到期提醒（剩余工作日）",
        default=default_co_unit_reminder_workdays,
        validators=[validate_workday_thresholds],
    )
    leader_reminder_workdays = models.PositiveSmallIntegerField(
        "剩余工作日不超过此数时同时提醒承办领导", default=7
    )
    reassignment_reminder_workdays = models.PositiveSmallIntegerField(
        "申请调整截止前提醒（工作日）", default=1
    )
    overdue_escalation_days = models.PositiveSmallIntegerField(
        "逾期多少天后提醒承办领导和交办机构", default=5
    )
    extension_reminder_workdays = models.PositiveSmallIntegerField(
        "延期申请待审批提醒间隔（工作日）", default=3
    )
    feedback_reminder_days = models.PositiveSmallIntegerField(
        "印发后多少天未登记满意度即提醒", default=15
    )
    rating_policy = models.CharField(
        "满意度评价方式",
        max_length=8,
        choices=RatingPolicy.choices,
        default=RatingPolicy.LEAD,
        help_text="每位提出人分别评价；以领衔人评价为准，或任一提出人不满意即重新办理",
    )

    class Meta:
        verbose_name = "会议届次"
        verbose_name_plural = "会议届次"
        ordering = ["-year", "body"]
        constraints = [
            models.UniqueConstraint(fields=["body", "name"], name="session_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def terms(self) -> dict[str, str]:
        return BODY_TERMS[self.body]

    def answer_class_codes(self) -> list[str]:
        return [c["code"] for c in self.answer_classes]

    def answer_class_label(self, code: str) -> str:
        return next((c["label"] for c in self.answer_classes if c["code"] == code), "")


class Proposal(BaseModel):
    """A suggestion (建议) or proposal (提案) registered by an office."""

    Status = ProposalStatus

    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, related_name="proposals", verbose_name="会议届次"
    )
    number = models.PositiveIntegerField("编号")
    title = models.CharField("标题", max_length=200)
    lead_proposer = models.CharField("领衔人", max_length=100)
    signer_count = models.PositiveSmallIntegerField(
        "提出人数", default=1, help_text="领衔人在内的总人数，如“申卫康等13位代表”填13"
    )
    cosigners = models.TextField("附议人", blank=True)
    is_collective = models.BooleanField("集体提案", default=False)
    is_key = models.BooleanField("重点", default=False)
    is_complex = models.BooleanField("复杂事项", default=False)
    content = models.TextField("内容", blank=True)
    assigned_date = models.DateField("交办日期")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.ACTIVE)
    status_reason = models.TextField("撤回/并案说明", blank=True)
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_items",
        verbose_name="并入事项",
    )
    publicity = models.CharField(
        "公开属性", max_length=12, choices=Publicity.choices, default=Publicity.PRIVATE
    )

    class Meta:
        verbose_name = "建议提案"
        verbose_name_plural = "建议提案"
        ordering = ["session", "number"]
        constraints = [
            models.UniqueConstraint(fields=["session", "number"], name="proposal_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.session.name}第{self.number}号{self.session.terms['item']}"

    @property
    def is_active(self) -> bool:
        """Still handled: not withdrawn (撤回) or merged (并案)."""
        return self.status == ProposalStatus.ACTIVE

    @property
    def kind_label(self) -> str:
        return self.session.terms["item"]

    @property
    def salutation(self) -> str:
        """申卫康等13位代表 / 孙建文委员 / a collective's own name."""
        if self.is_collective:
            return self.lead_proposer
        member = self.session.terms["member"]
        if self.signer_count > 1:
            return f"{self.lead_proposer}等{self.signer_count}位{member}"
        return f"{self.lead_proposer}{member}"

    @property
    def you(self) -> str:
        return "您们" if self.signer_count > 1 or self.is_collective else "您"


class Assignment(ConcurrentTransitionMixin, AssignmentWorkflow, BaseModel):
    """One bureau's handling of one item, as lead unit (主办) or co-unit (协办)."""

    Role = AssignmentRole

    proposal = models.ForeignKey(
        Proposal, on_delete=models.PROTECT, related_name="assignments", verbose_name="建议提案"
    )
    bureau = models.ForeignKey(
        Bureau, on_delete=models.PROTECT, related_name="assignments", verbose_name="承办单位"
    )
    role = models.CharField("办理方式", max_length=8, choices=Role.choices, default=Role.LEAD)
    state = FSMField(
        "状态", choices=AssignmentState.choices, default=AssignmentState.ASSIGNED, protected=True
    )
    assigned_date = models.DateField("交办日期")
    due_date = models.DateField("办结期限")
    reassignment_deadline = models.DateField("申请调整截止日")
    leader_name = models.CharField("承办领导", max_length=30, blank=True)
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="承办人",
    )
    phone = models.CharField("联系电话", max_length=30, blank=True)
    reassignment_reason = models.TextField("申请调整理由", blank=True)
    reassigned_to = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="调整至",
    )

    class Meta:
        verbose_name = "交办任务"
        verbose_name_plural = "交办任务"
        ordering = ["due_date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "bureau"],
                condition=~Q(state=AssignmentState.REASSIGNED),
                name="assignment_one_open_per_bureau",
            ),
        ]
        indexes = [
            models.Index(fields=["bureau", "state"]),
            models.Index(fields=["state", "due_date"]),
            models.Index(fields=["due_date", "id"], name="assignment_due_order"),
            # the board's keyset order within one bureau (a bureau's staff, the bureau filter)
            models.Index(fields=["bureau", "due_date", "id"], name="assignment_bureau_due_order"),
        ]

    def __str__(self) -> str:
        return f"{self.proposal}（{self.bureau}{self.get_role_display()}）"

    @property
    def is_lead(self) -> bool:
        return self.role == self.Role.LEAD

    @property
    def is_open(self) -> bool:
        return self.state not in AssignmentState.closed()

    def days_overdue(self, today: dt.date) -> int:
        return (today - self.due_date).days if self.is_open and today > self.due_date else 0

    def step(self, name: str) -> Step:
        """The declared transition as it applies to this assignment's role (lead or co-unit)."""
        return step(name, role=self.role)

    def transitions_from_here(self) -> list[str]:
        """Names of the transitions declared from the current state, in declaration order."""
        return transitions_from(self.state)


class ExtensionRequest(ConcurrentTransitionMixin, ExtensionWorkflow, BaseModel):
    """延期申请: asked by the bureau, decided by the office; approval moves the due date."""

    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, related_name="extensions", verbose_name="交办任务"
    )
    state = FSMField(
        "状态", choices=ExtensionState.choices, default=ExtensionState.PENDING, protected=True
    )
    reason = models.TextField("延期理由")
    requested_due_date = models.DateField("申请延至")
    previous_due_date = models.DateField("原办结期限")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="申请人"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="审批人",
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_comment = models.TextField("审批意见", blank=True)

    class Meta:
        verbose_name = "延期申请"
        verbose_name_plural = "延期申请"
        constraints = [
            models.UniqueConstraint(
                fields=["assignment"],
                condition=Q(state=ExtensionState.PENDING),
                name="extension_one_pending_per_assignment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assignment} 延期至 {self.requested_due_date}"

    def step(self, name: str) -> Step:
        return step(name, workflow=ExtensionWorkflow)


class AuditEvent(models.Model):
    """Every write that is not a state transition (those are in django-fsm-log's StateLog)."""

    Verb = AuditVerb

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="events", verbose_name="建议提案"
    )
    assignment = models.ForeignKey(
        Assignment,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name="交办任务",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="操作人",
    )
    verb = models.CharField("操作", max_length=24, choices=Verb.choices)
    message = models.TextField("说明", blank=True)
    data = models.JSONField("数据", default=dict, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "操作记录"
        verbose_name_plural = "操作记录"
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_verb_display()}"


class ContactEvent(models.Model):
    """面商/沟通: the bureau's clerk records a contact with the proposer (counted for 面商率 when it
    happened on or before the first reply letter)."""

    Method = ContactMethod

    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, related_name="contacts", verbose_name="交办任务"
    )
    contacted_on = models.DateField("沟通日期")
    method = models.CharField("方式", max_length=10, choices=Method.choices)
    note = models.TextField("沟通情况", blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="登记人",
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "面商记录"
        verbose_name_plural = "面商记录"
        ordering = ["contacted_on", "pk"]

    def __str__(self) -> str:
        return f"{self.assignment} {self.contacted_on} {self.get_method_display()}"


class Tally(models.Model):
    """A count the offices look at all the time (board matrix, statistics), per session and
    bureau (bureau 0: the whole session), kept in the same transaction as every write that
    changes it (proposals/tallies.py). Derived data: `manage.py check_counts` compares it with a
    full recount and repairs it."""

    session_id = models.PositiveBigIntegerField("会议届次")
    bureau_id = models.PositiveBigIntegerField("承办单位（0 为整个届次）")
    key = models.CharField("计数项", max_length=40)
    n = models.IntegerField("数量", default=0)

    class Meta:
        verbose_name = "计数"
        verbose_name_plural = "计数"
        constraints = [
            models.UniqueConstraint(fields=["session_id", "bureau_id", "key"], name="tally_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.session_id}/{self.bureau_id}/{self.key}={self.n}"


class DueTally(models.Model):
    """Counts by due date (办结期限), so that "overdue today" is a sum over the dates before
    today: nothing has to change when a day passes. One row per session, bureau, key and date
    (a few per assignment batch, not one per assignment)."""

    session_id = models.PositiveBigIntegerField("会议届次")
    bureau_id = models.PositiveBigIntegerField("承办单位")
    key = models.CharField("计数项", max_length=40)
    due_date = models.DateField("办结期限")
    n = models.IntegerField("数量", default=0)

    class Meta:
        verbose_name = "按期限计数"
        verbose_name_plural = "按期限计数"
        constraints = [
            models.UniqueConstraint(
                fields=["session_id", "bureau_id", "key", "due_date"], name="due_tally_unique"
            ),
        ]
        indexes = [models.Index(fields=["key", "due_date"], name="due_tally_key_date")]

    def __str__(self) -> str:
        return f"{self.session_id}/{self.bureau_id}/{self.key}/{self.due_date}={self.n}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    """Stored under a random name: the uploader's file name is only ever shown, never a path."""
    kind = AttachmentKind(instance.content_type)
    return f"attachments/{instance.sha256[:2]}/{uuid.uuid4().hex}{kind.extension}"


class Attachment(models.Model):
    """The original suggestion or proposal as the office received it (PDF, image, .docx)."""

    Kind = AttachmentKind

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="attachments", verbose_name="建议提案"
    )
    file = models.FileField("文件", upload_to=attachment_path, max_length=200)
    original_name = models.CharField("原文件名", max_length=200)
    size = models.PositiveBigIntegerField("大小（字节）")
    content_type = models.CharField("文件类型", max_length=100, choices=Kind.choices)
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="上传人",
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "原件附件"
        verbose_name_plural = "原件附件"
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def opens_inline(self) -> bool:
        """PDFs and images open in the browser; Word files download."""
        return self.content_type != AttachmentKind.DOCX

    @property
    def size_label(self) -> str:
        if self.size >= 1024 * 1024:
            return f"{self.size / 1024 / 1024:.1f} MB"
        return f"{max(1, round(self.size / 1024))} KB"


class HolidayYear(BaseModel):
    """One year of the official holiday calendar. `complete` says the office has entered the
    State Council's whole notice for the year (or chinese-calendar supplied it): until then the
    working-day counts that reach the year are provisional."""

    Source = CalendarSource

    year = models.PositiveSmallIntegerField("年度", unique=True)
    complete = models.BooleanField("已完整录入", default=False)
    source = models.CharField("来源", max_length=10, choices=Source.choices)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="发布人",
    )
    published_at = models.DateTimeField("发布时间", null=True, blank=True)

    class Meta:
        verbose_name = "节假日年度"
        verbose_name_plural = "节假日年度"
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year} 年"


class CalendarDay(BaseModel):
    """A day that differs from the Monday-to-Friday rule: a holiday (is_workday False, also on
    the weekend days of a holiday span) or a make-up working day (调休上班, is_workday True)."""

    holiday_year = models.ForeignKey(
        HolidayYear, on_delete=models.CASCADE, related_name="days", verbose_name="年度"
    )
    date = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("上班", default=False)
    name = models.CharField("名称", max_length=30, help_text="如：春节、国庆节调休")

    class Meta:
        verbose_name = "节假日与调休"
        verbose_name_plural = "节假日与调休"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}（{'上班' if self.is_workday else '放假'}）"


class CalendarChange(models.Model):
    """The holiday calendar's audit rows: who changed which day of which year, and when."""

    Action = CalendarAction

    year = models.PositiveSmallIntegerField("年度", db_index=True)
    date = models.DateField("日期", null=True, blank=True)
    action = models.CharField("操作", max_length=12, choices=Action.choices)
    message = models.CharField("说明", max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="操作人",
    )
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "节假日修改记录"
        verbose_name_plural = "节假日修改记录"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.year} {self.get_action_display()} {self.message}"


class Supervision(BaseModel):
    """催办 or 督办单 on one assignment, sent by an office (the NPC/CPPCC office for its body, or
    the supervision office). Not a transition: the assignment keeps its state. A 催办 is a
    note with a comment; a 督办单 (opened on an overdue assignment) waits for the bureau's
    answer by `reply_by`, and the office that opened it closes it."""

    Kind = SupervisionKind
    State = SupervisionState

    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, related_name="supervisions", verbose_name="交办任务"
    )
    kind = models.CharField("类别", max_length=8, choices=Kind.choices)
    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="+", verbose_name="发出机构"
    )
    comment = models.TextField("催办/督办意见")
    reply_by = models.DateField("答复期限", null=True, blank=True)
    state = models.CharField("督办单状态", max_length=10, choices=State.choices, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="发出人",
    )
    answer = models.TextField("答复情况", blank=True)
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="答复人",
    )
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="办结人",
    )
    close_comment = models.TextField("办结说明", blank=True)

    class Meta:
        verbose_name = "催办督办"
        verbose_name_plural = "催办督办"
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                name="supervision_kind_fields",
                condition=(
                    Q(kind=SupervisionKind.URGE, state="", reply_by__isnull=True)
                    | Q(
                        kind=SupervisionKind.ORDER,
                        state__in=SupervisionState.values,
                        reply_by__isnull=False,
                    )
                ),
            ),
            models.UniqueConstraint(
                fields=["assignment"],
                condition=Q(kind=SupervisionKind.ORDER, state=SupervisionState.OPEN),
                name="supervision_one_open_order",
            ),
        ]
        indexes = [models.Index(fields=["assignment", "kind", "state"])]

    def __str__(self) -> str:
        return f"{self.assignment} {self.get_kind_display()}"

    @property
    def is_order(self) -> bool:
        return self.kind == SupervisionKind.ORDER


class Person(BaseModel):
    """A deputy (代表) or member (委员), or a collective that proposes (民盟临安区基层委员会)."""

    name = models.CharField("姓名", max_length=100)
    body = models.CharField("届次类别", max_length=8, choices=Body.choices)
    group = models.CharField("代表团/界别", max_length=60, blank=True)
    mobile = models.CharField("手机号码", max_length=20, blank=True)
    email = models.EmailField("电子邮箱", blank=True)
    sms_opt_out = models.BooleanField("退订短信", default=False)
    possible_duplicate = models.BooleanField(
        "疑似重复",
        default=False,
        help_text="导入时发现同名同届次类别的人员，请核对后合并",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
        verbose_name="登录账号",
    )

    class Meta:
        verbose_name = "代表委员"
        verbose_name_plural = "代表委员"
        ordering = ["body", "name", "pk"]
        indexes = [models.Index(fields=["body", "name"], name="person_body_name")]

    def __str__(self) -> str:
        return f"{self.name}（{self.group}）" if self.group else self.name


class ProposalPerson(models.Model):
    """A proposer of an item: the lead (领衔人) or a co-signer (附议人)."""

    Role = ProposerRole

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="proposers", verbose_name="建议提案"
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="proposals", verbose_name="代表委员"
    )
    role = models.CharField("身份", max_length=10, choices=Role.choices)
    position = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "提出人"
        verbose_name_plural = "提出人"
        ordering = ["proposal", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "person"], name="proposal_person_once"),
        ]

    def __str__(self) -> str:
        return f"{self.proposal} {self.person.name}（{self.get_role_display()}）"

    @property
    def is_lead(self) -> bool:
        return self.role == ProposerRole.LEAD


class PersonLink(models.Model):
    """A proposer's personal link to their page, without an account. The URL carries a token
    signed with django.core.signing over `key`; this row lets the office revoke it and bounds
    its life (`expires_at`)."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="links", verbose_name="代表委员"
    )
    key = models.UUIDField("链接标识", default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField("生成时间", auto_now_add=True)
    expires_at = models.DateTimeField("有效期至")
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="生成人",
    )

    class Meta:
        verbose_name = "个人链接"
        verbose_name_plural = "个人链接"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.person.name} 的链接（至 {self.expires_at:%Y-%m-%d}）"


class Revision(models.Model):
    """One row: a number that the database itself raises in the same transaction as any write
    to the tables of this app, replies, notifications or auth (triggers installed by
    proposals/revision.py after every migrate), so that what a page computed from those tables
    can be cached under it and is never served after a change. `epoch` is drawn anew whenever
    the row is created, so that a flushed database (tests) does not meet the numbers of its
    previous life."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    epoch = models.CharField("纪元", max_length=32)
    n = models.BigIntegerField("修订号", default=0)

    class Meta:
        verbose_name = "数据修订号"
        verbose_name_plural = "数据修订号"
        constraints = [models.CheckConstraint(condition=Q(id=1), name="revision_single_row")]

    def __str__(self) -> str:
        return f"{self.epoch}:{self.n}"
