from django.conf import settings
from django.db import models

from core.choices import RatingSource
from core.choices import Satisfaction
from core.choices import SegmentKind
from core.models import BaseModel
from proposals.models import Assignment
from proposals.models import Bureau
from proposals.models import Person

# The longest reply body or opinion anyone may save or preview (a long letter is about 6,000).
BODY_MAX_CHARS = 30_000


class Reply(BaseModel):
    """The reply letter (复函) of a lead unit. Its number exists only once it is issued."""

    assignment = models.OneToOneField(
        Assignment, on_delete=models.PROTECT, related_name="reply", verbose_name="交办任务"
    )
    body = models.TextField(
        "正文", blank=True, help_text="每段一行；**加粗**；一、（一）1. 开头的行为标题"
    )
    answer_class = models.CharField("答复分类", max_length=4, blank=True)
    leader_name = models.CharField("承办领导", max_length=30, blank=True)
    clerk_name = models.CharField("承办人", max_length=30, blank=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)
    cc_list = models.JSONField("抄送", default=list, blank=True)
    version = models.PositiveIntegerField("版本", default=0)
    # Feedback from the proposer.
    satisfaction = models.CharField(
        "满意度", max_length=12, choices=Satisfaction.choices, blank=True
    )
    satisfaction_date = models.DateField("反馈日期", null=True, blank=True)
    satisfaction_comment = models.TextField("反馈意见", blank=True)

    class Meta:
        verbose_name = "复函"
        verbose_name_plural = "复函"

    def __str__(self) -> str:
        letter = self.latest_letter
        return letter.doc_number if letter else f"{self.assignment}（草稿）"

    @property
    def latest_letter(self) -> "IssuedLetter | None":
        return self.letters.order_by("-issued_date", "-pk").first()


class IssuedLetter(models.Model):
    """An issued letter: number, date, the text as issued and its PDF. Never changes once written;
    a re-handled item (重新办理) gets a new letter with a new number."""

    reply = models.ForeignKey(
        Reply, on_delete=models.PROTECT, related_name="letters", verbose_name="复函"
    )
    doc_year = models.PositiveSmallIntegerField("文号年份")
    doc_serial = models.PositiveIntegerField("文号序号")
    doc_number = models.CharField("文号", max_length=40, unique=True)
    issued_date = models.DateField("印发日期")
    # The due date in force when the letter was issued: 按时办复 is judged against it, not
    # against a later period (重新办理 gives the item a new one).
    due_date = models.DateField("印发时的办结期限", null=True, blank=True)
    body = models.TextField("正文")
    answer_class = models.CharField("答复分类", max_length=4)
    leader_name = models.CharField("承办领导", max_length=30)
    clerk_name = models.CharField("承办人", max_length=30)
    phone = models.CharField("联系电话", max_length=30)
    cc_list = models.JSONField("抄送", default=list)
    pdf = models.FileField("复函PDF", upload_to="letters/%Y/", blank=True)
    pdf_sha256 = models.CharField("PDF 校验值（SHA-256）", max_length=64, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="印发人",
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "已印发复函"
        verbose_name_plural = "已印发复函"
        ordering = ["issued_date", "pk"]

    def __str__(self) -> str:
        return self.doc_number


class ReplyVersion(models.Model):
    """A snapshot of the draft each time it is submitted for review (for the reviewer's diff)."""

    reply = models.ForeignKey(
        Reply, on_delete=models.CASCADE, related_name="versions", verbose_name="复函"
    )
    version = models.PositiveIntegerField("版本")
    body = models.TextField("正文")
    answer_class = models.CharField("答复分类", max_length=4, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="提交人",
    )
    submitted_at = models.DateTimeField("提交时间", auto_now_add=True)

    class Meta:
        verbose_name = "复函版本"
        verbose_name_plural = "复函版本"
        ordering = ["reply", "version"]
        constraints = [
            models.UniqueConstraint(fields=["reply", "version"], name="reply_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.reply} v{self.version}"


class Opinion(BaseModel):
    """A co-unit's written opinion (协办意见) to the lead unit."""

    assignment = models.OneToOneField(
        Assignment, on_delete=models.PROTECT, related_name="opinion", verbose_name="交办任务"
    )
    body = models.TextField("协办意见", blank=True)
    leader_name = models.CharField("协办领导", max_length=30, blank=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)
    sent_at = models.DateTimeField("送出时间", null=True, blank=True)

    class Meta:
        verbose_name = "协办意见"
        verbose_name_plural = "协办意见"

    def __str__(self) -> str:
        return f"{self.assignment} 协办意见"


class DocumentCounter(models.Model):
    """Gapless serials per bureau, year and series ('' when 建复 and 提复 share one counter)."""

    bureau = models.ForeignKey(
        Bureau, on_delete=models.PROTECT, related_name="counters", verbose_name="承办单位"
    )
    year = models.PositiveSmallIntegerField("年份")
    series = models.CharField("系列", max_length=4, blank=True)
    last_serial = models.PositiveIntegerField("已用至", default=0)

    class Meta:
        verbose_name = "文号计数器"
        verbose_name_plural = "文号计数器"
        constraints = [
            models.UniqueConstraint(fields=["bureau", "year", "series"], name="counter_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.bureau.doc_prefix}{self.series}〔{self.year}〕至{self.last_serial}号"


class PolicyDocument(BaseModel):
    """A policy the clerks cite in reply letters (政策文件库): 《title》（doc_number）."""

    title = models.CharField("标题", max_length=200)
    doc_number = models.CharField(
        "文号", max_length=60, blank=True, help_text="如：临经信综〔2021〕14号；无文号可留空"
    )
    issuer = models.CharField("发文机关", max_length=100)
    issued_date = models.DateField("成文日期", null=True, blank=True)
    summary = models.TextField("摘要", blank=True)
    full_text = models.TextField("全文", blank=True)
    source = models.CharField("来源", max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="录入人",
    )

    class Meta:
        verbose_name = "政策文件"
        verbose_name_plural = "政策文件库"
        ordering = ["-issued_date", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["doc_number"],
                condition=~models.Q(doc_number=""),
                name="policy_doc_number_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.citation

    @property
    def citation(self) -> str:
        """The form used in letters: 《title》（doc_number）, or 《title》 without a number."""
        return f"《{self.title}》" + (f"（{self.doc_number}）" if self.doc_number else "")


class SearchDoc(models.Model):
    """What the board and the API search in, one row per item: its title, proposers (领衔人,
    附议人) and reply bodies, normalised (NFKC, lower case), and the set of character bigrams
    of that text. On PostgreSQL a GIN index over the bigrams (migration
    replies/0004_search_index_and_letter_due_date) finds the items holding every bigram of every
    word without reading the others, including two-character words; replies/search.py keeps it
    in step."""

    proposal = models.OneToOneField(
        "proposals.Proposal",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="search_doc",
        verbose_name="建议提案",
    )
    text = models.TextField("检索文本")
    grams = models.TextField("字符二元组", help_text="以空格分隔")

    class Meta:
        verbose_name = "检索索引"
        verbose_name_plural = "检索索引"

    def __str__(self) -> str:
        return f"检索索引 {self.proposal_id}"


class ParagraphText(models.Model):
    """One distinct passage of issued letters (whole paragraph or whole sentences), stored once
    however many letters used it: the similar-paragraph index (replies.similarity). `norm` is
    what is compared; `shape` groups texts that differ only in their numbers, and its
    fingerprints (ParagraphShingle) are what is looked up."""

    key = models.CharField("规范文本摘要", max_length=64, unique=True)
    shape = models.BigIntegerField("数字归一摘要", db_index=True)
    text = models.TextField("段落")
    norm = models.TextField("规范文本")

    class Meta:
        verbose_name = "相似段落索引文本"
        verbose_name_plural = "相似段落索引文本"

    def __str__(self) -> str:
        return self.text[:30]


class ParagraphShingle(models.Model):
    """A fingerprint of a shape (replies.similarity.text.fingerprints; texts that differ only
    in their numbers share a shape and so their fingerprints, stored once). The lookup finds
    the shapes sharing the most fingerprints with the paragraph being written through the
    (hash, shape) index, on PostgreSQL and SQLite alike."""

    shape = models.BigIntegerField("数字归一摘要")
    hash = models.IntegerField("指纹")

    class Meta:
        verbose_name = "相似段落指纹"
        verbose_name_plural = "相似段落指纹"
        constraints = [
            models.UniqueConstraint(fields=["hash", "shape"], name="paragraph_shingle_hash"),
        ]

    def __str__(self) -> str:
        return f"{self.shape}:{self.hash}"


class ParagraphUse(models.Model):
    """A passage as used in one issued letter. Only `suggestible` uses are suggested: the
    current letter of an item that is answered (not reopened, withdrawn or merged). Assignment
    and bureau are copied from the letter so scoping needs no join through replies."""

    text = models.ForeignKey(ParagraphText, on_delete=models.CASCADE, related_name="uses")
    letter = models.ForeignKey(
        IssuedLetter, on_delete=models.CASCADE, related_name="paragraph_uses"
    )
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="+")
    bureau = models.ForeignKey(Bureau, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField("类型", max_length=10, choices=SegmentKind.choices)
    position = models.PositiveIntegerField("段落序号")
    suggestible = models.BooleanField("可供参考", default=True)

    class Meta:
        verbose_name = "相似段落索引"
        verbose_name_plural = "相似段落索引"
        constraints = [
            models.UniqueConstraint(fields=["letter", "text"], name="paragraph_use_unique"),
        ]
        indexes = [
            models.Index(
                fields=["text", "assignment"],
                condition=models.Q(suggestible=True),
                name="paragraph_use_suggestible",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.letter_id}:{self.position}"


class ProposerRating(models.Model):
    """One proposer's rating of one issued letter (each co-signer rates separately): online on
    their own page, or recorded by the office from paper (marked as such). Once per person and
    letter; the session's rating policy says how the ratings make the item's satisfaction."""

    Source = RatingSource

    letter = models.ForeignKey(
        IssuedLetter, on_delete=models.PROTECT, related_name="ratings", verbose_name="复函"
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="ratings", verbose_name="代表委员"
    )
    satisfaction = models.CharField("满意度", max_length=12, choices=Satisfaction.choices)
    comment = models.TextField("意见", blank=True)
    contacted = models.BooleanField("承办单位曾与我面商沟通", default=False)
    source = models.CharField("评价方式", max_length=8, choices=Source.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="代录人",
    )
    created_at = models.DateTimeField("评价时间", auto_now_add=True)

    class Meta:
        verbose_name = "代表委员评价"
        verbose_name_plural = "代表委员评价"
        ordering = ["letter", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["letter", "person"], name="rating_once_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.person.name}：{self.get_satisfaction_display()}"
