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
from xml.parsers import expat

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
# A hostile workbook within the upload limit must cost little memory and time: the zip members
# are checked from their ZipInfo before anything is decompressed, every XML member is scanned
# by a streaming expat pass (no DOCTYPE or entities, no run of text longer than a cell may be,
# no row with more cells than Excel allows, no sheet with more rows than MAX_SHEET_ROWS) before
# openpyxl parses it, and openpyxl then reads the sheet read-only and streaming, ignoring the
# declared <dimension> and only IMPORT_MAX_COLUMNS + 1 columns wide.

EXCEL_MAX_COLUMNS = 16_384  # XFD
# <row> elements of one sheet, empty ones included (a sheet formatted down to row 65,536 is
# still accepted; each row element is parsed, so this bounds the time).
MAX_SHEET_ROWS = 100_000
# entries of the shared string table (openpyxl keeps them all): far above rows x columns
MAX_SHARED_STRINGS = 200_000
MAX_XML_DEPTH = 64
# Members that may be large: worksheets and the shared string table. Every other part of a
# workbook (styles, workbook, relationships, themes) is small; a large one is refused.
LARGE_MEMBER = re.compile(r"xl/(worksheets/[^/]+|sharedStrings)\.xml", re.IGNORECASE)
SMALL_MEMBER_BYTES = 2 * 1024 * 1024
XML_MEMBER = re.compile(r".*\.(xml|rels|vml)$", re.IGNORECASE)
SCAN_CHUNK = 64 * 1024
MB = 1024 * 1024


class _Hostile(Exception):  # noqa: N818 (the Chinese reason a member is refused)
    pass


def _mb(size: int) -> str:
    return f"{size / MB:.1f} MB"


def _check_members(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """Caps from the central directory, before anything is decompressed. The declared size is
    an upper bound: zipfile never yields more than ZipInfo.file_size bytes of a member."""
    infos = archive.infolist()
    if len(infos) > settings.IMPORT_MAX_MEMBERS:
        raise ApplicationError(
            f"文件结构异常：包含 {len(infos)} 个部件，超过 {settings.IMPORT_MAX_MEMBERS} 个的上限"
        )
    total = 0
    for info in infos:
        cap = (
            settings.IMPORT_MAX_MEMBER_BYTES
            if LARGE_MEMBER.fullmatch(info.filename)
            else SMALL_MEMBER_BYTES
        )
        if info.file_size > cap:
            raise ApplicationError(
                f"文件中的部件“{info.filename[:60]}”解压后有 {_mb(info.file_size)}，"
                f"超过 {_mb(cap)} 的上限（可能是恶意构造的压缩文件），拒绝读取"
            )
        total += info.file_size
    if total > settings.IMPORT_MAX_UNCOMPRESSED_BYTES:
        raise ApplicationError(
            f"文件解压后共有 {_mb(total)}，"
            f"超过 {_mb(settings.IMPORT_MAX_UNCOMPRESSED_BYTES)} 的上限，拒绝读取"
        )
    return infos


class _XmlScan:
    """One streaming pass of expat over a member, keeping only counters."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.parser = expat.ParserCreate(namespace_separator=" ")
        self.parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        self.parser.StartDoctypeDeclHandler = self._doctype
        self.parser.EntityDeclHandler = self._entity
        self.parser.ExternalEntityRefHandler = self._external
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.CharacterDataHandler = self._text
        self.children: list[int] = []
        self.tags: list[str] = []
        self.text = 0
        self.max_text = settings.IMPORT_MAX_CELL_CHARS
        self.max_columns = settings.IMPORT_MAX_COLUMNS
        # where the cells are (a sheet): the current row and column, and the first value found
        # beyond IMPORT_MAX_COLUMNS (only an error if this member is the sheet imported)
        self.row = 0
        self.column = 0
        self.beyond: tuple[int, int] | None = None

    def _doctype(self, *args: Any) -> None:
        raise _Hostile("含有 DOCTYPE 声明（可能是恶意构造的文件）")

    def _entity(self, *args: Any) -> None:
        raise _Hostile("含有实体声明（可能是“十亿笑声”之类的恶意文件）")

    def _external(self, *args: Any) -> int:
        raise _Hostile("引用了外部实体")

    def _start(self, tag: str, attrs: Any) -> None:
        local = tag.rsplit(" ", 1)[-1]
        if self.children:
            self.children[-1] += 1
            count, parent = self.children[-1], self.tags[-1]
            if parent == "row" and count > EXCEL_MAX_COLUMNS:
                raise _Hostile(f"有一行超过 {EXCEL_MAX_COLUMNS} 个单元格（Excel 的上限）")
            if parent == "sheetData" and count > MAX_SHEET_ROWS:
                raise _Hostile(f"工作表超过 {MAX_SHEET_ROWS} 行（含空行），请删除多余的行后另存")
            if parent == "sst" and count > MAX_SHARED_STRINGS:
                raise _Hostile(f"共享字符串超过 {MAX_SHARED_STRINGS} 个")
        if len(self.tags) >= MAX_XML_DEPTH:
            raise _Hostile(f"XML 嵌套超过 {MAX_XML_DEPTH} 层")
        self.children.append(0)
        self.tags.append(local)
        self.text = 0
        if local == "row":
            self.row = _int_attr(attrs.get("r"), self.row + 1)
            self.column = 0
        elif local == "c":
            self.column = _column_of(attrs.get("r"), self.column + 1)

    def _end(self, tag: str) -> None:
        self.children.pop()
        self.tags.pop()
        self.text = 0

    def _text(self, data: str) -> None:
        self.text += len(data)
        if self.text > self.max_text:
            raise _Hostile(f"有单元格的内容超过 {self.max_text} 个字符")
        if (
            self.beyond is None
            and self.column > self.max_columns
            and self.tags[-1] in ("v", "t")
            and data.strip()
        ):
            self.beyond = (self.row, self.column)

    def run(self, stream: Any) -> None:
        for chunk in iter(lambda: stream.read(SCAN_CHUNK), b""):
            self.parser.Parse(chunk, False)
        self.parser.Parse(b"", True)


def _int_attr(value: str | None, default: int) -> int:
    return int(value) if value and value.isdigit() and len(value) < 10 else default


def _column_of(reference: str | None, default: int) -> int:
    """The column of a cell reference ("AB12" -> 28); the next column when there is none."""
    letters = "".join(ch for ch in (reference or "") if "A" <= ch <= "Z")[:4]
    if not letters:
        return default
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch) - 64
    return number


def _scan_xml(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> dict[str, tuple[int, int]]:
    """Scan every XML member; returns, per member, the first (row, column) holding a value
    beyond IMPORT_MAX_COLUMNS."""
    beyond: dict[str, tuple[int, int]] = {}
    for info in infos:
        if not XML_MEMBER.fullmatch(info.filename):
            continue
        try:
            with archive.open(info) as stream:
                scan = _XmlScan(info.filename)
                scan.run(stream)
                if scan.beyond:
                    beyond[info.filename] = scan.beyond
        except _Hostile as exc:
            raise ApplicationError(f"文件中的“{info.filename[:60]}”{exc}，拒绝读取") from exc
        except (expat.ExpatError, zipfile.BadZipFile, OSError, EOFError) as exc:
            raise ApplicationError("文件不是有效的 .xlsx 文件（内部 XML 或压缩数据损坏）") from exc
    return beyond


def _open_sheet(*, data: bytes, filename: str) -> Any:
    """The first worksheet, opened read-only and streaming, after the checks above."""
    if not filename.lower().endswith(".xlsx"):
        raise ApplicationError("只接受 Excel .xlsx 文件（请在 Excel 中“另存为” .xlsx）")
    limit = settings.UPLOAD_MAX_BYTES
    if len(data) > limit:
        raise ApplicationError(
            f"文件过大（{len(data) / 1024 / 1024:.1f} MB），不能超过 {limit / 1024 / 1024:.0f} MB"
        )
    if not data.startswith(b"PK\x03\x04"):
        raise ApplicationError("文件不是有效的 .xlsx 文件")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise ApplicationError("文件不是有效的 .xlsx 文件，无法读取") from exc
    beyond = _scan_xml(archive, _check_members(archive))

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # whatever a malformed workbook makes openpyxl raise
        raise ApplicationError("文件不是有效的 .xlsx 文件，无法读取") from exc
    if not workbook.worksheets:
        raise ApplicationError("文件中没有工作表")
    sheet = workbook.worksheets[0]
    wide = beyond.get(str(getattr(sheet, "_worksheet_path", "")).lstrip("/"))
    if wide:
        raise ApplicationError(
            f"第{wide[0]}行第{wide[1]}列有内容：交办清单最多 {settings.IMPORT_MAX_COLUMNS} 列"
        )
    # The declared <dimension ref="A1:XFD10001"> is a claim, not a fact: with it openpyxl would
    # pad every row to 16,384 cells and read past the real data or stop before it.
    sheet.reset_dimensions()
    return sheet


def _rows(sheet: Any) -> Iterable[tuple[int, tuple[Any, ...]]]:
    """(Excel row number, the first IMPORT_MAX_COLUMNS values) of each row, streaming. Stops
    with an ApplicationError at the first row beyond IMPORT_MAX_ROWS data rows (the header row
    and empty rows do not count), at a value in a column beyond IMPORT_MAX_COLUMNS, or at a cell
    longer than IMPORT_MAX_CELL_CHARS."""
    max_columns = settings.IMPORT_MAX_COLUMNS
    max_rows = settings.IMPORT_MAX_ROWS
    max_chars = settings.IMPORT_MAX_CELL_CHARS
    filled = 0
    try:
        for index, values in enumerate(
            sheet.iter_rows(max_col=max_columns + 1, values_only=True), start=1
        ):
            if values[max_columns] not in (None, ""):
                raise ApplicationError(
                    f"第{index}行第{max_columns + 1}列有内容：交办清单最多 {max_columns} 列"
                )
            values = values[:max_columns]
            for column, value in enumerate(values, start=1):
                if isinstance(value, str) and len(value) > max_chars:
                    raise ApplicationError(
                        f"第{index}行第{column}列的内容有 {len(value)} 个字符，"
                        f"超过 {max_chars} 个的上限"
                    )
            if any(v not in (None, "") for v in values):
                filled += 1
                if filled > max_rows + 1:  # the header row and max_rows data rows
                    raise ApplicationError(f"行数过多：一次最多导入 {max_rows} 行，请分批导入")
            yield index, tuple(values)
    except ApplicationError:
        raise
    except Exception as exc:  # a malformed sheet part discovered while streaming
        raise ApplicationError("工作表内容损坏，无法读取") from exc


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
    try:
        header_row = next(rows, None)
    except ApplicationError as exc:  # the bounds of _rows
        preview.errors.append(RowError(0, FILE, exc.message))
        return preview
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

    try:  # _rows stops at the first row beyond IMPORT_MAX_ROWS, and at the other bounds
        data_rows = [(n, values) for n, values in rows if any(_text(v) for v in values)]
    except ApplicationError as exc:
        preview.errors.append(RowError(0, FILE, exc.message))
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
