from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils import timezone

from core.choices import AssignmentState
from proposals.models import Assignment
from proposals.models import Body
from proposals.models import Proposal
from replies.selectors import assignment_search


class AssignmentFilter(django_filters.FilterSet):
    session = django_filters.NumberFilter(field_name="proposal__session_id", label="会议 ID")
    body = django_filters.ChoiceFilter(
        field_name="proposal__session__body", choices=Body.choices, label="类别"
    )
    bureau = django_filters.NumberFilter(field_name="bureau_id", label="承办单位 ID")
    state = django_filters.ChoiceFilter(choices=AssignmentState.choices, label="状态")
    role = django_filters.ChoiceFilter(choices=Assignment.Role.choices, label="办理方式")
    is_key = django_filters.BooleanFilter(field_name="proposal__is_key", label="重点")
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="逾期")
    q = django_filters.CharFilter(method="filter_text", label="检索标题和复函正文")

    class Meta:
        model = Assignment
        fields: list[str] = []

    def filter_overdue(self, qs: QuerySet[Assignment], name: str, value: Any) -> Any:
        if value is None:
            return qs
        late = qs.filter(due_date__lt=timezone.localdate()).exclude(
            state__in=AssignmentState.closed()
        )
        return late if value else qs.exclude(pk__in=late.values("pk"))

    def filter_text(self, qs: QuerySet[Assignment], name: str, value: str) -> Any:
        return assignment_search(qs=qs, text=value.strip()[:100])


class ProposalFilter(django_filters.FilterSet):
    session = django_filters.NumberFilter(field_name="session_id", label="会议 ID")
    body = django_filters.ChoiceFilter(
        field_name="session__body", choices=Body.choices, label="类别"
    )
    status = django_filters.ChoiceFilter(choices=Proposal.Status.choices, label="事项状态")
    is_key = django_filters.BooleanFilter(label="重点")
    number = django_filters.NumberFilter(label="编号")

    class Meta:
        model = Proposal
        fields: list[str] = []
