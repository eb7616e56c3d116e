"""Writing list views as .xlsx (openpyxl). Pure: rows in, bytes out."""

from __future__ import annotations

import io
from collections.abc import Iterable
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_START = ("=", "+", "-", "@")


def _safe(value: Any) -> Any:
    """Text that Excel would read as a formula is written as text (CSV/formula injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


PERCENT = "0.0%"
DATE = "yyyy-mm-dd"


def xlsx_bytes(
    *,
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    formats: Sequence[str | None] = (),
) -> bytes:
    """Numbers stay numbers (a percentage is written as 0.667 with the format PERCENT, so Excel
    can sum and chart it); `formats` gives a number format per column."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_safe(v) for v in row])
    for i, number_format in enumerate(formats, start=1):
        if number_format:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.number_format = number_format
    for i, header in enumerate(headers, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=i).column_letter].width = max(
            10, min(60, len(str(header)) * 2 + 4)
        )
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def xlsx_response(
    *,
    filename: str,
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    formats: Sequence[str | None] = (),
) -> HttpResponse:
    response = HttpResponse(
        xlsx_bytes(title=title, headers=headers, rows=rows, formats=formats),
        content_type=XLSX_MIME,
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
