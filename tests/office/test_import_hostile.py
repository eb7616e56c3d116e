"""Hostile workbooks (generated here, tests/office/hostile_xlsx.py): each is refused with a Chinese
reason, or read within bounds, and never costs the process more than 100 MB of Python memory
(tracemalloc's peak). Time and RSS are measured by bench/bench_import.py, not here."""

from __future__ import annotations

import tracemalloc
import zipfile
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.exceptions import ApplicationError
from offices import importing
from proposals.models import Proposal
from tests.office import hostile_xlsx as hx

MB = 1024 * 1024


def preview(world, data: bytes):
    tracemalloc.start()
    try:
        result = importing.proposal_import_preview(data=data, filename="a.xlsx", actor=world.npc)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 100 * MB, f"peak {peak / MB:.0f} MB"
    assert Proposal.objects.count() == 0
    return result


def file_error(result) -> str:
    assert not result.ok
    assert [e.row for e in result.errors] == [0]
    return result.errors[0].message


@pytest.mark.parametrize(
    ("build", "says"),
    [
        (lambda: hx.inline_string_bomb(40), "解压后有 40.0 MB，超过 25.0 MB 的上限"),
        (lambda: hx.zip_bomb(64), "xl/sharedStrings.xml”解压后有 64.0 MB"),
        (hx.entity_bomb, "含有 DOCTYPE 声明"),
        (hx.doctype_only, "含有 DOCTYPE 声明"),
        (hx.utf16_doctype, "含有 DOCTYPE 声明"),
        (lambda: hx.lying_zip(8), "压缩数据损坏"),
        (lambda: hx.cells_without_reference(20_000), "超过 16384 个单元格"),
        (lambda: hx.long_cell(50_000), "内容超过 20000 个字符"),
        (hx.too_many_columns, "第2行第200列有内容：交办清单最多 40 列"),
    ],
    ids=[
        "inline-string",
        "zip-bomb",
        "billion-laughs",
        "doctype",
        "utf16-doctype",
        "lying-zip",
        "wide-row",
        "long-cell",
        "many-columns",
    ],
)
def test_hostile_files_are_refused_with_a_chinese_reason(world, build, says):
    message = file_error(preview(world, build()))
    assert says in message


def test_oversized_members_are_refused_before_anything_is_decompressed(world):
    data = hx.zip_bomb(64)
    with mock.patch.object(zipfile.ZipFile, "open", side_effect=AssertionError("decompressed")):
        assert "解压后有 64.0 MB" in file_error(preview(world, data))


def test_the_declared_dimension_is_ignored(world):
    """A1:XFD10001 declared over 300 real rows: read as 300 rows, 10 columns, within bounds
    (the probe: +1.0 GB when openpyxl trusted it)."""
    result = preview(world, hx.dimension_lie(300))
    assert result.ok, result.errors
    assert len(result.rows) == 300


def test_a_dimension_smaller_than_the_data_does_not_hide_rows(world):
    data = hx._rewrite(
        hx.normal_list(20), hx.SHEET, lambda xml: xml.replace('ref="A1:J21"', 'ref="A1:B2"')
    )
    assert len(preview(world, data).rows) == 20


def test_reading_stops_at_the_first_row_beyond_the_limit(world, settings):
    settings.IMPORT_MAX_ROWS = 5
    sheet = importing._open_sheet(data=hx.normal_list(1000), filename="a.xlsx")
    read = []

    def consume():
        for number, _values in importing._rows(sheet):
            read.append(number)

    with pytest.raises(ApplicationError, match="一次最多导入 5 行"):
        consume()
    assert read == [1, 2, 3, 4, 5, 6]  # the header and 5 rows; the 6th data row stops it


def test_rows_are_cut_to_the_column_limit(world, settings):
    sheet = importing._open_sheet(data=hx.normal_list(2), filename="a.xlsx")
    widths = {len(values) for _, values in importing._rows(sheet)}
    assert widths == {settings.IMPORT_MAX_COLUMNS}


def test_a_hostile_upload_through_the_page_is_answered_not_a_500(world, client, settings, tmp_path):
    settings.IMPORT_STAGING_DIR = tmp_path
    client.force_login(world.npc)
    upload = SimpleUploadedFile("清单.xlsx", hx.entity_bomb())
    response = client.post(reverse("office:import"), {"file": upload})
    assert response.status_code == 200
    assert "含有 DOCTYPE 声明" in response.content.decode()
    assert not list(tmp_path.iterdir())  # nothing staged
