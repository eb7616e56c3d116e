"""Keyset (cursor) pagination for the board and the API lists.

A page is "the next `size` rows after this row" in a stable order ending in a unique column
(e.g. due date, then id), so the database walks an index from the cursor instead of skipping
OFFSET rows: page 1,000 costs what page 1 costs, and rows added meanwhile never shift a page
(no row is shown twice or skipped). The cursor is opaque to users (base64 of the last row's
ordering values, the direction and the page number shown); a tampered one is refused with a
reason, never a server error.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from typing import cast

from django.core.exceptions import ValidationError
from django.db.models import F
from django.db.models import Field
from django.db.models import Model
from django.db.models import QuerySet
from django.db.models.fields.tuple_lookups import Tuple
from django.db.models.fields.tuple_lookups import TupleGreaterThan
from django.db.models.fields.tuple_lookups import TupleLessThan

from core.exceptions import ApplicationError

BAD_CURSOR = "翻页参数无效，请从第一页重新查看"


@dataclass(frozen=True)
class Cursor:
    values: tuple[Any, ...]  # the ordering values of the row the page starts after (or before)
    backwards: bool = False  # True: the page ends before that row ("上一页")
    number: int = 1  # the page number shown; only a label, never used to query


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    number: int
    next: Cursor | None
    previous: Cursor | None


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def encode(cursor: Cursor) -> str:
    data = {"v": [_plain(v) for v in cursor.values], "b": int(cursor.backwards), "p": cursor.number}
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _field_names(ordering: Sequence[str]) -> tuple[list[str], bool]:
    descending = {name.startswith("-") for name in ordering}
    if len(descending) != 1:
        raise ValueError("keyset ordering must be all ascending or all descending")
    return [name.lstrip("-") for name in ordering], descending.pop()


def decode(token: str, *, model: type[Model], ordering: Sequence[str]) -> Cursor:
    """The cursor in a link, checked against the ordering's fields (ApplicationError if not)."""
    names, _ = _field_names(ordering)
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = json.loads(raw)
        values = data["v"]
        if not isinstance(values, list) or len(values) != len(names):
            raise ValueError
        fields = [
            cast("Field[Any, Any]", model._meta.get_field("id" if name == "pk" else name))
            for name in names
        ]
        typed = tuple(f.to_python(v) for f, v in zip(fields, values, strict=True))
        if any(v is None for v in typed):
            raise ValueError
        number = int(data.get("p", 1))
        return Cursor(typed, backwards=bool(data.get("b")), number=max(1, min(number, 10**9)))
    except (
        ValueError,
        TypeError,
        KeyError,
        ValidationError,
        binascii.Error,
        AttributeError,
    ) as exc:
        raise ApplicationError(BAD_CURSOR) from exc


def _value(row: Any, name: str) -> Any:
    if isinstance(row, dict):
        return row[name]
    return getattr(row, "pk" if name in ("id", "pk") else name)


def paginate(
    qs: QuerySet[Any], *, ordering: Sequence[str], size: int, cursor: Cursor | None
) -> Page:
    """One page of `qs` in `ordering` (its last field unique), after or before `cursor`. Rows
    may be model instances or values() dicts holding the ordering fields."""
    names, descending = _field_names(ordering)
    reverse_order = [("" if descending else "-") + n for n in names]

    def key(row: Any) -> tuple[Any, ...]:
        return tuple(_value(row, n) for n in names)

    def beyond(values: tuple[Any, ...], *, backwards: bool) -> Any:
        lookup = TupleLessThan if descending != backwards else TupleGreaterThan
        return lookup(Tuple(*(F(n) for n in names)), values)

    if cursor is not None and cursor.backwards:
        got = list(
            qs.filter(beyond(cursor.values, backwards=True)).order_by(*reverse_order)[: size + 1]
        )
        if len(got) > size:
            rows = got[:size][::-1]
            number = max(2, cursor.number)
            return Page(
                rows,
                number,
                next=Cursor(key(rows[-1]), number=number + 1),
                previous=Cursor(key(rows[0]), backwards=True, number=number - 1),
            )
        cursor = None  # back at the start: show the first page in full
    if cursor is None:
        got = list(qs.order_by(*ordering)[: size + 1])
        rows = got[:size]
        following = Cursor(key(rows[-1]), number=2) if len(got) > size else None
        return Page(rows, 1, next=following, previous=None)
    got = list(qs.filter(beyond(cursor.values, backwards=False)).order_by(*ordering)[: size + 1])
    number = max(2, cursor.number)
    rows = got[:size]
    # the page before ends before this page's first row (or the cursor, past the last row)
    first = key(rows[0]) if rows else cursor.values
    return Page(
        rows,
        number,
        next=Cursor(key(rows[-1]), number=number + 1) if len(got) > size else None,
        previous=Cursor(first, backwards=True, number=number - 1),
    )
