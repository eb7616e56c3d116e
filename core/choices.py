"""Every enumeration of the system, in one leaf module that models, workflow, services, forms
and templates all import; nowhere else spells "clerk" or "issued" as a bare string.

Values are stored in the database: change a label freely, never a value."""

from __future__ import annotations

from django.db import models


class Body(models.TextChoices):
    NPC = "npc", "人大"
    CPPCC = "cppcc", "政协"


class OfficeKind(models.TextChoices):
    NPC = "npc", "区人大常委会办公室"
    CPPCC = "cppcc", "区政协办公室"
    SUPERVISION = "supervision", "区政府督查室"

    @classmethod
    def handling(cls, body: str) -> OfficeKind:
        """The office that registers and decides the items of a body (same value)."""
        return cls(body)


class StaffRole(models.TextChoices):
    CLERK = "clerk", "承办人"
    SUPERVISOR = "supervisor", "承办领导"
    OFFICE = "office", "交办/督办机构工作人员"


class AssignmentRole(models.TextChoices):
    LEAD = "lead", "主办"
    CO_UNIT = "co_unit", "协办"


class AssignmentState(models.TextChoices):
    ASSIGNED = "assigned", "已交办"
    ACCEPTED = "accepted", "已签收"
    REASSIGNMENT_REQUESTED = "reassignment_requested", "申请调整中"
    REASSIGNED = "reassigned", "已调整他单位"
    DRAFTING = "drafting", "办理中"
    IN_REVIEW = "in_review", "待领导审核"
    APPROVED = "approved", "已签批"
    ISSUED = "issued", "已答复"
    CC_SENT = "cc_sent", "已抄送办结"

    @classmethod
    def closed(cls) -> tuple[str, ...]:
        """States in which nothing is owed any more (a co-unit is done once its opinion is sent)."""
        return (cls.REASSIGNED, cls.ISSUED, cls.CC_SENT)

    @classmethod
    def replied(cls) -> tuple[str, ...]:
        return (cls.ISSUED, cls.CC_SENT)

    @classmethod
    def open(cls) -> tuple[str, ...]:
        return tuple(s for s in cls.values if s not in cls.closed())

    @classmethod
    def window(cls) -> tuple[str, ...]:
        """States in which the bureau may still ask for reassignment (before work starts)."""
        return (cls.ASSIGNED, cls.ACCEPTED)


class ExtensionState(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已同意"
    REJECTED = "rejected", "不同意"


class ProposalStatus(models.TextChoices):
    ACTIVE = "active", "正常办理"
    WITHDRAWN = "withdrawn", "已撤回"
    MERGED = "merged", "已并案"


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASICALLY = "basically", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"


class ContactMethod(models.TextChoices):
    MEETING = "meeting", "当面商谈"
    PHONE = "phone", "电话沟通"
    VISIT = "visit", "实地走访"
    OTHER = "other", "其他方式"


class LetterFormat(models.TextChoices):
    FILE = "file", "文件格式"
    LETTER = "letter", "信函格式"


class NumberSeries(models.TextChoices):
    SHARED = "shared", "建复、提复共用一个流水号"
    PER_SERIES = "per_series", "建复、提复分别编号"


class AuditVerb(models.TextChoices):
    REGISTERED = "registered", "登记交办"
    DRAFT_SAVED = "draft_saved", "保存草稿"
    OPINION_SAVED = "opinion_saved", "保存协办意见"
    EXTENSION_REQUESTED = "extension_requested", "申请延期"
    EXTENSION_APPROVED = "extension_approved", "同意延期"
    EXTENSION_REJECTED = "extension_rejected", "不同意延期"
    NUMBER_ALLOCATED = "number_allocated", "分配文号"
    FEEDBACK_RECORDED = "feedback_recorded", "登记满意度"
    CONTACTS_CHANGED = "contacts_changed", "修改承办信息"
    CONTACTED = "contacted", "面商沟通"
    IMPORTED = "imported", "批量导入"
    WITHDRAWN = "withdrawn", "撤回"
    MERGED = "merged", "并案"
    ATTACHMENT_ADDED = "attachment_added", "上传附件"
    ATTACHMENT_REMOVED = "attachment_removed", "删除附件"
    DATES_MOVED = "dates_moved", "期限按节假日顺延"
    URGED = "urged", "催办"
    SUPERVISION_OPENED = "supervision_opened", "督办"
    SUPERVISION_ANSWERED = "supervision_answered", "答复督办单"
    SUPERVISION_CLOSED = "supervision_closed", "办结督办单"
    PROPOSER_RATED = "proposer_rated", "代表委员评价"
    PERSONS_MERGED = "persons_merged", "合并重复人员"
    PUBLICITY_SET = "publicity_set", "设置公开属性"


class SupervisionKind(models.TextChoices):
    """催办 (a reminder with a comment, nothing to answer) or 督办 (a 督办单 the bureau answers
    by a date). Neither changes the assignment's state."""

    URGE = "urge", "催办"
    ORDER = "order", "督办"


class SupervisionState(models.TextChoices):
    """A 督办单's progress (a 催办 has none: it is a note)."""

    OPEN = "open", "待答复"
    ANSWERED = "answered", "已答复"
    CLOSED = "closed", "已办结"


class SegmentKind(models.TextChoices):
    """What a suggested passage of an issued letter is: a whole paragraph (one line of the body)
    or whole sentences inside one (the items of a paragraph that lists **一是** … **二是** …).
    Never a clause: the similar-paragraph index stores nothing else."""

    PARAGRAPH = "paragraph", "整段"
    SENTENCES = "sentences", "整句"


class NoticeKind(models.TextChoices):
    """What a reminder or notice is about (notifications.Reminder.kind)."""

    # deadline reminders, planned by the periodic sweep
    REASSIGNMENT_WINDOW = "reassignment_window", "申请调整期限即将截止"
    CO_UNIT_DUE = "co_unit_due", "协办意见即将到期"
    REPLY_DUE = "reply_due", "答复即将到期"
    OVERDUE = "overdue", "已逾期"
    EXTENSION_PENDING = "extension_pending", "延期申请待审批"
    FEEDBACK_MISSING = "feedback_missing", "满意度未登记"
    # transition notices, queued on commit of the transition (key: StateLog id); which
    # transition sends which is declared with the transition (proposals/workflow.py)
    SUBMITTED = "submitted", "提交审核"
    RETURNED = "returned", "退回修改"
    ISSUED = "issued", "已印发"
    OPINION_SENT = "opinion_sent", "协办意见已送出"
    REASSIGNMENT_REQUESTED = "reassignment_requested", "申请调整承办单位"
    # 催办 / 督办 (key: the Supervision id), queued on commit of the service that records them
    URGED = "urged", "催办"
    SUPERVISION_OPENED = "supervision_opened", "督办单"
    SUPERVISION_ANSWERED = "supervision_answered", "督办单已答复"

    @classmethod
    def deadline(cls) -> frozenset[str]:
        return frozenset({cls.REASSIGNMENT_WINDOW, cls.CO_UNIT_DUE, cls.REPLY_DUE, cls.OVERDUE})

    @classmethod
    def supervision(cls) -> frozenset[str]:
        """Notices about a 催办 or 督办单, keyed by its id."""
        return frozenset({cls.URGED, cls.SUPERVISION_OPENED, cls.SUPERVISION_ANSWERED})


class TallyKey(models.TextChoices):
    """What a stored count counts (proposals.Tally / DueTally.key): the board's and the
    statistics' figures, kept up to date by every write that changes them. Keys for a state,
    a satisfaction or an answer class are built with the helpers below from those enums."""

    ITEMS = "items", "事项"  # distinct items per bureau; bureau 0: per session
    OPEN = "open", "未办结（按办结期限）"  # DueTally: open assignments of active items
    LEAD = "lead", "主办任务"
    CO_UNIT = "co_unit", "协办任务"
    REPLIED = "replied", "已办复"
    ON_TIME = "on_time", "按期办复"
    CONTACTED = "contacted", "答复前面商"
    FEEDBACK = "feedback", "已反馈"
    UNREPLIED = "unreplied", "未办复（按办结期限）"  # DueTally: lead tasks without a letter
    URGED = "urged", "催办次数"
    ORDERED = "ordered", "督办单数"

    @staticmethod
    def state(role: str, state: str) -> str:
        """Assignments by role and state, whatever the item's status (the board's matrix)."""
        return f"a:{role}:{state}"

    @staticmethod
    def satisfaction(value: str) -> str:
        return f"sat:{value}"

    @staticmethod
    def answer_class(code: str) -> str:
        return f"class:{code}"


class CalendarAction(models.TextChoices):
    """What a change of the holiday calendar did (proposals.CalendarChange.action)."""

    SEEDED = "seeded", "自动导入"
    DAY_SET = "day_set", "录入日期"
    DAY_REMOVED = "day_removed", "删除日期"
    PUBLISHED = "published", "标记为已完整发布"
    UNPUBLISHED = "unpublished", "撤销完整发布"


class CalendarSource(models.TextChoices):
    """Where a year's holiday calendar came from."""

    PACKAGE = "package", "chinese-calendar 自动导入"
    OFFICE = "office", "交办机构录入"


class AttachmentKind(models.TextChoices):
    """File types accepted as attachments, detected from the bytes (never the extension)."""

    PDF = "application/pdf", "PDF"
    PNG = "image/png", "PNG 图片"
    JPEG = "image/jpeg", "JPEG 图片"
    DOCX = (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "Word 文档（.docx）",
    )

    @property
    def extension(self) -> str:
        return {
            AttachmentKind.PDF: ".pdf",
            AttachmentKind.PNG: ".png",
            AttachmentKind.JPEG: ".jpg",
            AttachmentKind.DOCX: ".docx",
        }[self]


class ProposerRole(models.TextChoices):
    """How a deputy or member stands on an item."""

    LEAD = "lead", "领衔人"
    COSIGNER = "cosigner", "附议人"


class RatingPolicy(models.TextChoices):
    """How the proposers' ratings of one letter combine into the item's satisfaction."""

    LEAD = "lead", "以领衔人评价为准"
    ALL = "all", "全部提出人分别评价，任一不满意即重新办理"


class RatingSource(models.TextChoices):
    ONLINE = "online", "网上评价"
    PAPER = "paper", "纸质评价（交办机构代录）"


class Publicity(models.TextChoices):
    """Whether an item's reply is published on the public page."""

    PRIVATE = "private", "不公开"
    PUBLIC = "public", "公开"
    ON_REQUEST = "on_request", "依申请公开"


class SmsStatus(models.TextChoices):
    """A text message's delivery: queued until the gateway accepts it (delivered) or the retries
    run out (failed); skipped when the person opted out or the phone's rate limit was reached."""

    QUEUED = "queued", "待发送"
    DELIVERED = "delivered", "已送达"
    FAILED = "failed", "发送失败"
    SKIPPED = "skipped", "未发送"

    @classmethod
    def final(cls) -> tuple[str, ...]:
        return (cls.DELIVERED, cls.FAILED, cls.SKIPPED)


class MessageChannel(models.TextChoices):
    SMS = "sms", "短信"
    EMAIL = "email", "电子邮件"


class ProposerMessagePurpose(models.TextChoices):
    LETTER_ISSUED = "letter_issued", "复函已印发"
    LINK = "link", "个人链接"
