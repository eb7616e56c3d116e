"""Hostile .xlsx files, generated (never stored): the ones the issue-12 probe used and their kin.
Shared by tests/office/test_import_hostile.py and bench/bench_import.py.

Each builder returns the bytes of a file small enough to pass the upload limit."""

from __future__ import annotations

import datetime as dt
import io
import re
import struct
import zipfile

from openpyxl import Workbook

HEADERS = ["会议", "编号", "标题", "领衔人", "提出人数", "附议人", "主办单位", "协办单位", "重点",
           "交办日期"]  # fmt: skip
SHEET = "xl/worksheets/sheet1.xml"
SHARED = "xl/sharedStrings.xml"


def normal_list(rows: int = 2000, session: str = "区十七届人大二次会议") -> bytes:
    """A well-formed assignment list of `rows` rows, as an office would upload it."""
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for n in range(1, rows + 1):
        ws.append([session, n, f"关于进一步加强第{n}项工作的建议", "申卫康", 3, "张三、李四",
                   "区经信局", "区商务局", "否", dt.date(2023, 3, 15)])  # fmt: skip
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _rewrite(data: bytes, name: str, change) -> bytes:
    """The same workbook with member `name` replaced by change(old text)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == name:
                content = change(content.decode()).encode()
            target.writestr(info.filename, content)
    return out.getvalue()


def dimension_lie(rows: int = 1000) -> bytes:
    """About 55 KB, declaring <dimension ref="A1:XFD10001">: openpyxl pads every row to
    16,384 cells and fills 10,001 rows when it trusts that (the probe: +1.0 GB)."""
    return _rewrite(
        normal_list(rows),
        SHEET,
        lambda xml: re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:XFD10001"', xml),
    )


def _streamed_member(prefix: bytes, filler: bytes, count: int, suffix: bytes) -> bytes:
    """A workbook (normal_list(1)) whose sheet is prefix + filler * count + suffix, written in
    chunks and compressed at level 9 (repetitive data: about 1,000 to 1)."""
    base = zipfile.ZipFile(io.BytesIO(normal_list(1)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in base.infolist():
            if info.filename != SHEET:
                target.writestr(info.filename, base.read(info))
                continue
            with target.open(SHEET, "w") as stream:
                stream.write(prefix)
                chunk = filler * 65536
                whole, rest = divmod(count, 65536)
                for _ in range(whole):
                    stream.write(chunk)
                stream.write(filler * rest)
                stream.write(suffix)
    return out.getvalue()


def inline_string_bomb(megabytes: int = 300) -> bytes:
    """About 310 KB holding one inline-string cell of `megabytes` MB (the probe: +583 MB, and
    the worker stayed 280 MB larger)."""
    head = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
    )
    tail = b"</t></is></c></row></sheetData></worksheet>"
    return _streamed_member(head, b"a", megabytes * 1024 * 1024, tail)


def entity_bomb() -> bytes:
    """Billion laughs: a DOCTYPE with nested entities (10^9 "lol"s) in the sheet."""
    doctype = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
            for i in range(1, 10)
        )
        + "]>"
    )
    return _rewrite(
        normal_list(3),
        SHEET,
        lambda xml: (
            doctype
            + re.sub(r"^<\?xml[^>]*\?>", "", xml).replace("<t>申卫康</t>", "<t>&lol9;</t>", 1)
        ),
    )


def doctype_only() -> bytes:
    """A DOCTYPE and no entities (the probe: a 500)."""
    return _rewrite(
        normal_list(3),
        SHEET,
        lambda xml: (
            '<?xml version="1.0"?><!DOCTYPE worksheet>' + re.sub(r"^<\?xml[^>]*\?>", "", xml)
        ),
    )


def utf16_doctype() -> bytes:
    """The DOCTYPE hidden from a byte search: the sheet in UTF-16."""
    base = zipfile.ZipFile(io.BytesIO(normal_list(3)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in base.infolist():
            content = base.read(info)
            if info.filename == SHEET:
                xml = re.sub(r"^<\?xml[^>]*\?>", "", content.decode())
                text = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x>' + xml
                content = text.encode("utf-16")
            target.writestr(info.filename, content)
    return out.getvalue()


def zip_bomb(megabytes: int = 1024) -> bytes:
    """A shared string table declaring (and holding) `megabytes` MB of zeros: about 1 MB."""
    base = zipfile.ZipFile(io.BytesIO(normal_list(1)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in base.infolist():
            if info.filename != SHARED:
                target.writestr(info.filename, base.read(info))
        with target.open(SHARED, "w") as stream:
            chunk = b"\x00" * (1024 * 1024)
            for _ in range(megabytes):
                stream.write(chunk)
    return out.getvalue()


def lying_zip(megabytes: int = 100) -> bytes:
    """The sheet inflates to `megabytes` MB but its headers declare 1 KB: the reader must stop
    at the declared size (zipfile does, then the CRC check fails)."""
    data = bytearray(
        _streamed_member(b"<worksheet>", b"<x/>", megabytes * 1024 * 256, b"</worksheet>")
    )
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = archive.getinfo(SHEET)
    declared = 1024
    # local header: uncompressed size at offset 22 (0xFFFFFFFF with zip64: then in the extra)
    local = info.header_offset
    name_len, extra_len = struct.unpack("<HH", data[local + 26 : local + 30])
    struct.pack_into("<I", data, local + 22, declared)
    _patch_zip64_extra(data, local + 30 + name_len, extra_len, declared)
    # central directory record of the sheet
    position = archive.start_dir
    while data[position : position + 4] == b"PK\x01\x02":
        name_len, extra_len, comment_len = struct.unpack(
            "<HHH", data[position + 28 : position + 34]
        )
        name = bytes(data[position + 46 : position + 46 + name_len]).decode()
        if name == SHEET:
            struct.pack_into("<I", data, position + 24, declared)
            _patch_zip64_extra(data, position + 46 + name_len, extra_len, declared)
        position += 46 + name_len + extra_len + comment_len
    return bytes(data)


def _patch_zip64_extra(data: bytearray, start: int, length: int, size: int) -> None:
    """Rewrite the uncompressed size in a zip64 extra field (id 1), if there is one."""
    end = start + length
    while start + 4 <= end:
        tag, field_len = struct.unpack("<HH", data[start : start + 4])
        if tag == 1 and field_len >= 8:
            struct.pack_into("<Q", data, start + 4, size)
        start += 4 + field_len


def too_many_columns() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    ws.cell(row=2, column=200, value="多出来的列")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def cells_without_reference(cells: int = 200_000) -> bytes:
    """One row of `cells` <c> elements without r="…": openpyxl counts columns itself, so the
    row would be that wide (and built in memory at once)."""
    head = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1">'
    )
    return _streamed_member(head, b"<c><v>1</v></c>", cells, b"</row></sheetData></worksheet>")


def long_cell(chars: int = 50_000) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    ws.append(["区十七届人大二次会议", 1, "甲" * chars])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def many_rows(rows: int = 5000) -> bytes:
    return normal_list(rows)


CASES = {
    "normal 2,000 rows": lambda: normal_list(2000),
    "dimension A1:XFD10001": dimension_lie,
    "300 MB inline string": inline_string_bomb,
    "billion laughs": entity_bomb,
    "DOCTYPE only": doctype_only,
    "zip bomb 1 GB": zip_bomb,
    "lying zip header": lying_zip,
    "200,000 cells in one row": cells_without_reference,
}
