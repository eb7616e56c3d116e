"""Keyset (cursor) pagination for every API list (core/keyset.py): `?cursor=` from the `next`
and `previous` links, `?page_size=` up to 100. Deep pages cost what the first one costs and
stay stable while items are added. Each list view names its order (`keyset_ordering`, ending in
a unique column)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param
from rest_framework.utils.urls import replace_query_param

from core.exceptions import ApplicationError
from core.keyset import Page
from core.keyset import decode
from core.keyset import encode
from core.keyset import paginate


class Pagination(BasePagination):
    page_size = 25
    max_page_size = 100
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"

    def _size(self, request: Request) -> int:
        try:
            size = int(request.query_params.get(self.page_size_query_param, self.page_size))
        except ValueError:
            return self.page_size
        return max(1, min(size, self.max_page_size))

    def paginate_queryset(  # type: ignore[override]  # keyset pages need a queryset
        self, queryset: QuerySet[Any], request: Request, view: Any = None
    ) -> list[Any]:
        ordering: Sequence[str] = getattr(view, "keyset_ordering", ("id",))
        token = request.query_params.get(self.cursor_query_param)
        try:
            cursor = decode(token, model=queryset.model, ordering=ordering) if token else None
        except ApplicationError as exc:
            raise ValidationError({self.cursor_query_param: exc.message}) from exc
        self.request = request
        self.page: Page = paginate(
            queryset, ordering=ordering, size=self._size(request), cursor=cursor
        )
        return self.page.rows

    def _link(self, cursor: Any) -> str | None:
        if cursor is None:
            return None
        url = self.request.build_absolute_uri()
        if cursor.backwards and cursor.number <= 1:
            return remove_query_param(url, self.cursor_query_param)
        return replace_query_param(url, self.cursor_query_param, encode(cursor))

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {
                "next": self._link(self.page.next),
                "previous": self._link(self.page.previous),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "翻页游标（取自 next / previous 链接）",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"每页条数（最多 {self.max_page_size}）",
                "schema": {"type": "integer"},
            },
        ]
