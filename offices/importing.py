"""Importing the office's assignment list (交办清单, .xlsx).

`proposal_import_preview` reads and checks every row and writes nothing; each problem is reported
with its Excel row number and column name. `proposal_import_commit` checks again and, only if the
whole file is clean, registers every new row through `proposal_register` in one transaction: all
or nothing. Rows identical to items already registered are skipped (已存在，跳过), so importing the
same file twice changes nothing; rows that clash with an existing item are errors.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.choices import AssignmentRole
from core.choices import AuditVerb
from core.choices import Body
from core.exceptions import ApplicationError
from core.validation import clean_text
from proposals import calendar
from proposals.access import handling_body
from proposals.access import may_import
from proposals.models import Bureau
from proposals.models import Proposal
from proposals.models import Session
from proposals.services import CONTENT_MAX_LENGTH
from proposals.services import assignment_due_dates
from proposals.services import audit
from proposals.services import proposal_register

# Column headers of the assignment list, in the order of the template.
COL_SESSION = "会议"
COL_NUMBER = "编号"
COL_TITLE = "标题"
COL_LEAD = "领衔人"
COL_SIGNERS = "提出人数"
COL_COSIGNERS = "附议人"
COL_COLLECTIVE = "集体提案"
COL_LEAD_UNITS = "主办单位"
COL_CO_UNITS = "协办单位"
COL_KEY = "重点"
COL_DATE = "交办日期"
COL_CONTENT = "内容"
HEADERS: tuple[str, ...] = (
    COL_SESSION,
    COL_NUMBER,
    COL_TITLE,
    COL_LEAD,
    COL_SIGNERS,
    COL_COSIGNERS,
    COL_COLLECTIVE,
    COL_LEAD_UNITS,
    COL_CO_UNITS,
    COL_KEY,
    COL_DATE,
    COL_CONTENT,
)
# Columns a file may leave out (lists made with the earlier template): an absent column is
# neither imported nor compared with items already registered.
OPTIONAL_HEADERS: tuple[str, ...] = (COL_SIGNERS, COL_COSIGNERS, COL_COLLECTIVE, COL_CO_UNITS,
                                     COL_KEY, COL_CONTENT)  # fmt: skip
REQUIRED_HEADERS: tuple[str, ...] = (
    COL_SESSION,
    COL_NUMBER,
    COL_TITLE,
    COL_LEAD,
    COL_LEAD_UNITS,
    COL_DATE,
)
FILE = "文件"  # the "column" of errors about the whole file

_UNIT_SPLIT = re.compile(r"[、，,；;\s]+")
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")


@dataclass(frozen=True)
class RowError:
    row: int  # Excel row number; 0 for the file as a whole
    column: str
    message: str

    def __str__(self) -> str:
        where = f"第{self.row}行“{self.column}”" if self.row else self.column
        return f"{where}：{self.message}"


@dataclass
class ImportRow:
    row: int
    session: Session
    number: int
    title: str
    lead_proposer: str
    signer_count: int
    cosigners: str
    lead_bureaus: list[Bureau]
    co_bureaus: list[Bureau]
    is_key: bool
    assigned_date: dt.date
    is_collective: bool | None = None  # None: the file has no 集体提案 column
    content: str | None = None  # None: the file has no 内容 column
    exists: bool = False  # identical to an item already registered: skipped
    warnings: list[str] = field(default_factory=list)  # shown, never block the import

    @property
    def status(self) -> str:
        return "已存在，跳过" if self.exists else "新增"

    @property
    def content_preview(self) -> str:
        text = " ".join((self.content or "").split())
        if not text:
            return ""
        return f"{text[:24]}…（{len(text)} 字）" if len(text) > 24 else text

    @property
    def lead_names(self) -> str:
        return "、".join(b.short_name for b in self.lead_bureaus)

    @property
    def co_names(self) -> str:
        return "、".join(b.short_name for b in self.co_bureaus)


@dataclass
class ImportPreview:
    filename: str
    sha256: str
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def new_rows(self) -> list[ImportRow]:
        return [r for r in self.rows if not r.exists]

    @property
    def skipped_rows(self) -> list[ImportRow]:
        return [r for r in self.rows if r.exists]

    @property
    def warned_rows(self) -> list[ImportRow]:
        return [r for r in self.rows if r.warnings]


@dataclass(frozen=True)
class ImportResult:
    created: list[Proposal]
    skipped: int


# --- who may import ------------------------------------------------------------------------------


def import_office_body(*, actor: Any) -> str:
    """The body ("npc" / "cppcc") whose items this user may import; AccessDenied otherwise."""
    may_import(user=actor).require()
    return handling_body(actor) or ""


# --- reading cells -------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return str(value).strip()


def _int(value: Any, *, label: str) -> int:
    if isinstance(value, bool):
        raise ApplicationError(f"{label}须为正整数")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise ApplicationError(f"{label}须为正整数（现为 {value}）")
        number = int(value)
    else:
        text = _text(value)
        text = re.sub(r"^第|号$|人$", "", text)
        if not text.isdigit():
            raise ApplicationError(f"{label}须为正整数（现为“{_text(value)}”）")
        number = int(text)
    if number < 1:
        raise ApplicationError(f"{label}须为正整数（现为 {number}）")
    return number


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    if not text:
        raise ApplicationError("交办日期不能为空")
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 (a date, no time)
        except ValueError:
            continue
    raise ApplicationError(f"日期格式不正确（现为“{text}”），请填写如 2026-03-15")


def _flag(value: Any, *, word: str = "重点") -> bool:
    text = _text(value)
    if text in ("", "否", "N", "n", "0"):
        return False
    if text in ("是", "Y", "y", "1", word):
        return True
    raise ApplicationError(f"请填写“是”或“否”（现为“{text}”）")


def _units(value: Any, *, bureaus: dict[str, Bureau], required: bool) -> list[Bureau]:
    text = clean_text(_text(value), label="单位")
    names = [n for n in _UNIT_SPLIT.split(text) if n]
    if required and not names:
        raise ApplicationError("至少需要一个主办单位")
    unknown = [n for n in names if n not in bureaus]
    if unknown:
        raise ApplicationError(f"未知的承办单位：{'、'.join(unknown)}")
    seen: dict[int, Bureau] = {}
    for n in names:
        seen.setdefault(bureaus[n].pk, bureaus[n])
    return list(seen.values())


# --- the file ------------------------------------------------------------------------------------


def _open_sheet(*, data: bytes, filename: str) -> Any:
    if not filename.lower().endswith(".xlsx"):
        raise ApplicationError("只接受 Excel .xlsx 文件（请在 Excel 中“另存为” .xlsx）")
    limit = settings.UPLOAD_MAX_BYTES
    if len(data) > limit:
        raise ApplicationError(
            f"文件过大（{len(data) / 1024 / 1024:.1f} MB），不能超过 {limit / 1024 / 1024:.0f} MB"
        )
    if not data.startswith(b"PK\x03\x04"):
        raise ApplicationError("文件不是有效的 .xlsx 文件")
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise ApplicationError("文件不是有效的 .xlsx 文件，无法读取") from exc
    if not workbook.worksheets:
        raise ApplicationError("文件中没有工作表")
    return workbook.worksheets[0]


def _rows(sheet: Any) -> Iterable[tuple[int, tuple[Any, ...]]]:
    for index, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        yield index, tuple(values)


def _existing_matches(*, item: ImportRow, proposal: Proposal) -> list[str]:
    """Fields in which the row differs from the registered item ([] when identical)."""
    diffs = []
    if proposal.title != item.title:
        diffs.append(COL_TITLE)
    if proposal.lead_proposer != item.lead_proposer:
        diffs.append(COL_LEAD)
    if proposal.signer_count != item.signer_count:
        diffs.append(COL_SIGNERS)
    if proposal.cosigners != item.cosigners:
        diffs.append(COL_COSIGNERS)
    if item.is_collective is not None and proposal.is_collective != item.is_collective:
        diffs.append(COL_COLLECTIVE)
    if proposal.is_key != item.is_key:
        diffs.append(COL_KEY)
    if proposal.assigned_date != item.assigned_date:
        diffs.append(COL_DATE)
    if item.content is not None and proposal.content != item.content:
        diffs.append(COL_CONTENT)
    # Compare with the bureaus the office assigned, not those a later reassignment brought in.
    assignments = list(proposal.assignments.all())
    successors = {a.reassigned_to_id for a in assignments if a.reassigned_to_id}
    original = [a for a in assignments if a.pk not in successors]
    lead = {a.bureau_id for a in original if a.role == AssignmentRole.LEAD}
    co = {a.bureau_id for a in original if a.role == AssignmentRole.CO_UNIT}
    if lead != {b.pk for b in item.lead_bureaus}:
        diffs.append(COL_LEAD_UNITS)
    if co != {b.pk for b in item.co_bureaus}:
        diffs.append(COL_CO_UNITS)
    return diffs


def _late_warnings(item: ImportRow, *, today: dt.date) -> list[str]:
    """An earlier list imported today: counted from 交办日期 the reassignment window (and maybe
    the reply period) would already be over. The window runs from today instead; the due date
    stays as the session's policy gives it, so such an item arrives overdue."""
    warnings = []
    session = item.session
    natural = calendar.add_workdays(item.assigned_date, session.reassignment_window_workdays)
    if natural < today:
        due, window = assignment_due_dates(
            session=session,
            role=AssignmentRole.LEAD,
            assigned_date=item.assigned_date,
            is_complex=False,
            registered_on=today,
        )
        warnings.append(
            f"按交办日期计算，申请调整期限已于{natural:%Y年%m月%d日}截止；"
            f"导入后自今天起算，至{window:%Y年%m月%d日}止"
        )
        if due < today:
            warnings.append(f"答复期限{due:%Y年%m月%d日}已过，导入后即为逾期")
    return warnings


def proposal_import_preview(*, data: bytes, filename: str, actor: Any) -> ImportPreview:
    """Read and check the whole file; writes nothing."""
    body = import_office_body(actor=actor)
    preview = ImportPreview(filename=filename, sha256=hashlib.sha256(data).hexdigest())
    try:
        sheet = _open_sheet(data=data, filename=filename)
    except ApplicationError as exc:
        preview.errors.append(RowError(0, FILE, exc.message))
        return preview

    rows = iter(_rows(sheet))
    header_row = next(rows, None)
    if header_row is None:
        preview.errors.append(RowError(0, FILE, "文件是空的，第1行应为表头"))
        return preview
    header = [_text(v) for v in header_row[1]]
    columns = {name: i for i, name in reversed(list(enumerate(header))) if name}
    missing = [h for h in REQUIRED_HEADERS if h not in columns]
    if missing:
        for h in missing:
            preview.errors.append(
                RowError(1, h, f"缺少表头“{h}”（第1行须为：{'、'.join(HEADERS)}）")
            )
        return preview

    data_rows = [(n, values) for n, values in rows if any(_text(v) for v in values)]
    max_rows = settings.IMPORT_MAX_ROWS
    if len(data_rows) > max_rows:
        preview.errors.append(
            RowError(0, FILE, f"行数过多（{len(data_rows)} 行），一次最多导入 {max_rows} 行")
        )
        return preview
    if not data_rows:
        preview.errors.append(RowError(0, FILE, "文件中没有数据行"))
        return preview

    sessions = {s.name: s for s in Session.objects.all()}
    bureaus: dict[str, Bureau] = {}
    for b in Bureau.objects.all():
        bureaus[b.full_name] = b
        bureaus[b.short_name] = b
    seen: dict[tuple[int, int], int] = {}
    parsed: list[ImportRow] = []

    for row_number, values in data_rows:

        def cell(name: str, values: tuple[Any, ...] = values) -> Any:
            index = columns.get(name)
            return values[index] if index is not None and index < len(values) else None

        errors: list[RowError] = []
        got: dict[str, Any] = {}

        def check(
            name: str,
            parse: Any,
            errors: list[RowError] = errors,
            got: dict[str, Any] = got,
            row_number: int = row_number,
        ) -> None:
            try:
                got[name] = parse()
            except ApplicationError as exc:
                errors.append(RowError(row_number, name, exc.message))

        def parse_session(cell: Any = cell) -> Session:
            name = clean_text(_text(cell(COL_SESSION)), label="会议", required=True)
            session = sessions.get(name)
            if session is None:
                raise ApplicationError(f"未知的会议：“{name}”")
            if session.body != body:
                raise ApplicationError(f"“{name}”不属于本机构，只能导入本机构的会议事项")
            return session

        check(COL_SESSION, parse_session)
        check(COL_NUMBER, lambda cell=cell: _int(cell(COL_NUMBER), label="编号"))
        check(
            COL_TITLE,
            lambda cell=cell: clean_text(
                _text(cell(COL_TITLE)).strip("《》"), label="标题", required=True, max_length=200
            ),
        )
        check(
            COL_LEAD,
            lambda cell=cell: clean_text(
                _text(cell(COL_LEAD)), label="领衔人", required=True, max_length=100
            ),
        )
        check(
            COL_SIGNERS,
            lambda cell=cell: (
                _int(cell(COL_SIGNERS), label="提出人数") if _text(cell(COL_SIGNERS)) else 1
            ),
        )
        check(
            COL_COSIGNERS,
            lambda cell=cell: clean_text(
                _text(cell(COL_COSIGNERS)), label="附议人", max_length=2000
            ),
        )
        check(
            COL_LEAD_UNITS,
            lambda cell=cell: _units(cell(COL_LEAD_UNITS), bureaus=bureaus, required=True),
        )
        check(
            COL_CO_UNITS,
            lambda cell=cell: _units(cell(COL_CO_UNITS), bureaus=bureaus, required=False),
        )
        check(COL_KEY, lambda cell=cell: _flag(cell(COL_KEY)))
        check(COL_DATE, lambda cell=cell: _date(cell(COL_DATE)))
        if COL_COLLECTIVE in columns:
            check(COL_COLLECTIVE, lambda cell=cell: _flag(cell(COL_COLLECTIVE), word="集体"))
        if COL_CONTENT in columns:
            check(
                COL_CONTENT,
                lambda cell=cell: clean_text(
                    _text(cell(COL_CONTENT)), label="内容", max_length=CONTENT_MAX_LENGTH
                ),
            )

        if COL_LEAD_UNITS in got and COL_CO_UNITS in got:
            both = {b.pk for b in got[COL_LEAD_UNITS]} & {b.pk for b in got[COL_CO_UNITS]}
            if both:
                names = "、".join(b.short_name for b in got[COL_CO_UNITS] if b.pk in both)
                errors.append(
                    RowError(row_number, COL_CO_UNITS, f"{names}不能既是主办单位又是协办单位")
                )
        if COL_SESSION in got and COL_NUMBER in got:
            key = (got[COL_SESSION].pk, got[COL_NUMBER])
            if key in seen:
                errors.append(
                    RowError(
                        row_number,
                        COL_NUMBER,
                        f"与第{seen[key]}行编号重复（{got[COL_SESSION].name}第{got[COL_NUMBER]}号）",
                    )
                )
            else:
                seen[key] = row_number
        if errors:
            preview.errors.extend(errors)
            continue
        parsed.append(
            ImportRow(
                row=row_number,
                session=got[COL_SESSION],
                number=got[COL_NUMBER],
                title=got[COL_TITLE],
                lead_proposer=got[COL_LEAD],
                signer_count=got[COL_SIGNERS],
                cosigners=got[COL_COSIGNERS],
                lead_bureaus=got[COL_LEAD_UNITS],
                co_bureaus=got[COL_CO_UNITS],
                is_key=got[COL_KEY],
                assigned_date=got[COL_DATE],
                is_collective=got.get(COL_COLLECTIVE),
                content=got.get(COL_CONTENT),
            )
        )

    # Against what is registered already: identical rows are skipped, clashing rows are errors.
    today = timezone.localdate()
    numbers_by_session: dict[int, set[int]] = {}
    for item in parsed:
        numbers_by_session.setdefault(item.session.pk, set()).add(item.number)
    existing: dict[tuple[int, int], Proposal] = {}
    for session_id, numbers in numbers_by_session.items():
        for p in Proposal.objects.filter(
            session_id=session_id, number__in=numbers
        ).prefetch_related("assignments"):
            existing[(session_id, p.number)] = p
    for item in parsed:
        proposal = existing.get((item.session.pk, item.number))
        if proposal is None:
            item.warnings = _late_warnings(item, today=today)
            preview.rows.append(item)
            continue
        diffs = _existing_matches(item=item, proposal=proposal)
        if diffs:
            preview.errors.append(
                RowError(
                    item.row,
                    COL_NUMBER,
                    f"{item.session.name}第{item.number}号已登记，但与本行的"
                    f"{'、'.join(diffs)}不一致；如需更正请联系管理员，不能重复导入",
                )
            )
        else:
            item.exists = True
            preview.rows.append(item)
    preview.errors.sort(
        key=lambda e: (e.row, HEADERS.index(e.column) if e.column in HEADERS else 99)
    )
    return preview


def proposal_import_commit(*, data: bytes, filename: str, actor: Any) -> ImportResult:
    """Check the file again and register every new row in one transaction (all or nothing)."""
    with transaction.atomic():
        preview = proposal_import_preview(data=data, filename=filename, actor=actor)
        if not preview.ok:
            raise ApplicationError(
                f"交办清单有 {len(preview.errors)} 处错误，未导入任何事项",
                extra={"errors": preview.errors},
            )
        created = []
        for item in preview.new_rows:
            proposal = proposal_register(
                session=item.session,
                number=item.number,
                title=item.title,
                lead_proposer=item.lead_proposer,
                assigned_date=item.assigned_date,
                lead_bureaus=item.lead_bureaus,
                co_bureaus=item.co_bureaus,
                signer_count=item.signer_count,
                cosigners=item.cosigners,
                is_collective=bool(item.is_collective),
                is_key=item.is_key,
                content=item.content or "",
                actor=actor,
            )
            audit(
                proposal=proposal,
                actor=actor,
                verb=AuditVerb.IMPORTED,
                message=f"由交办清单“{filename}”第{item.row}行导入",
                data={"file": filename, "sha256": preview.sha256, "row": item.row},
            )
            created.append(proposal)
    return ImportResult(created=created, skipped=len(preview.skipped_rows))


def import_template_rows(*, body: str) -> list[list[str]]:
    """Example rows for the downloadable template, for the office's own body."""
    if body == Body.CPPCC:
        return [
            ["区政协十届二次会议", "46", "关于由行业协会牵头以企引企进行产业链精准招商的建议",
             "孙建文", "1", "", "否", "区经信局", "", "否", "2023-03-15",
             "建议发挥行业协会作用，出台扶持政策……（委员原文全文）"],
            ["区政协十届二次会议", "47", "关于支持民营企业参与乡村振兴的提案",
             "民建临安区基层委员会", "1", "", "是", "区经信局", "", "否", "2023-03-15",
             "（集体提案原文全文；领衔人填提出单位全称）"],
        ]  # fmt: skip
    return [
        ["区十七届人大二次会议", "50", "关于进一步加强五金工具产业发展的建议", "申卫康", "13",
         "张三、李四", "否", "区经信局", "区商务局、区科技局", "是", "2023-03-15",
         "建议培育龙头企业、出台扶持政策、推动全产业链创新……（代表原文全文）"],
    ]  # fmt: skip
