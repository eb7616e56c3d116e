"""Which reminders are due today: set-based, a fixed number of queries whatever the number of
open items. Rows are inserted with the unique (assignment, kind, key), so planning twice, or in
two beat processes at once, records each reminder once."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from typing import cast

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Field
from django.db.models import Q
from django.utils import timezone
from django_fsm_log.models import StateLog

from core.choices import AssignmentRole
from core.choices import AssignmentState
from core.choices import ExtensionState
from core.choices import NoticeKind
from core.choices import ProposalStatus
from core.choices import SupervisionKind
from notifications.models import Reminder
from proposals import calendar
from proposals.models import Assignment
from proposals.models import ExtensionRequest
from proposals.models import Session
from proposals.models import Supervision
from proposals.workflow import steps
from replies.models import IssuedLetter

S = AssignmentState
K = Reminder.Kind
OPEN_STATES = list(S.open())
WINDOW_STATES = list(S.window())
# How far back the sweep looks for transition notices whose task never ran (broker down when the
# transition committed).
CATCH_UP = dt.timedelta(days=2)

Key = tuple[int, str, str]  # assignment id, kind, key
Row = tuple[int, str, str, dict[str, Any]]  # … and data


def transition_kind(*, transition: str, role: str) -> str | None:
    """The notice a transition declares for a lead unit's or a co-unit's assignment."""
    declared = steps().get(transition)
    return declared.for_role(role).notice if declared else None


def notifying_transitions() -> list[str]:
    """Transitions that declare a notice for some role."""
    return [
        name
        for name, declared in steps().items()
        if any(declared.for_role(role).notice for role in AssignmentRole.values)
    ]


def _first_threshold(thresholds: list[int], remaining: int) -> int | None:
    """The smallest threshold already reached: with [30, 14, 7, 3, 1] and 6 working days left
    that is 7. A missed sweep still sends it (late), and never sends 14 and 30 as well."""
    return next((t for t in sorted(thresholds) if remaining <= t), None)


def _insert(rows: list[Row], existing: set[Key]) -> int:
    """Record the rows not already there, in one statement; the unique key drops any that a
    concurrent sweep inserted meanwhile. Returns how many were new when the sweep looked."""
    new = [row for row in rows if row[:3] not in existing]
    if not new:
        return 0
    if connection.vendor == "postgresql":
        _insert_unnest(new)
    else:
        # Django splits it where the backend limits parameters (SQLite)
        Reminder.objects.bulk_create(
            [Reminder(assignment_id=a, kind=k, key=key, data=data) for a, k, key, data in new],
            ignore_conflicts=True,
        )
    return len(new)


def _insert_unnest(rows: list[Row]) -> None:
    """INSERT … SELECT FROM unnest(four arrays) ON CONFLICT DO NOTHING: one statement with the
    same five parameters for 10 or 50,000 reminders, and no model instance per row (building and
    preparing those took most of a 100,000-item sweep). The columns without a value here are
    the model's defaults; tests on PostgreSQL read the rows back through the model."""
    opts = Reminder._meta
    quote = connection.ops.quote_name
    columns = ", ".join(
        quote(cast(Field, opts.get_field(name)).column or name)
        for name in (
            "assignment",
            "kind",
            "key",
            "data",
            "created_at",
            "skip_reason",
            "attempts",
            "last_error",
        )
    )
    with connection.cursor() as cursor:
        cursor.execute(
            # identifiers from the model's meta, quoted; every value is a parameter
            f"INSERT INTO {quote(opts.db_table)} ({columns}) "  # noqa: S608
            "SELECT a, k, r, d::jsonb, %s, '', 0, '' "
            "FROM unnest(%s::integer[], %s::varchar[], %s::varchar[], %s::text[]) AS t(a, k, r, d) "
            "ON CONFLICT DO NOTHING",
            [
                timezone.now(),
                [a for a, _, _, _ in rows],
                [k for _, k, _, _ in rows],
                [key for _, _, key, _ in rows],
                [json.dumps(data) for _, _, _, data in rows],
            ],
        )


def reminder_plan_deadlines(*, today: dt.date) -> int:
    """Plan the deadline reminders due today. Returns how many new reminders were recorded."""
    sessions = {s.pk: s for s in Session.objects.all()}
    if not sessions:
        return 0
    lookahead = max(
        max([*s.reminder_workdays, *s.co_unit_reminder_workdays], default=0)
        for s in sessions.values()
    )
    window_lookahead = max(s.reassignment_reminder_workdays for s in sessions.values())
    # the first day with more working days left than any threshold: nothing due before it is
    # left out of the candidates
    due_horizon = calendar.add_workdays(today, lookahead + 1)
    window_horizon = calendar.add_workdays(today, window_lookahead + 1)

    candidates = Assignment.objects.filter(
        state__in=OPEN_STATES, proposal__status=ProposalStatus.ACTIVE
    ).filter(
        Q(due_date__lt=due_horizon)
        | Q(
            state__in=WINDOW_STATES,
            reassignment_deadline__gte=today,
            reassignment_deadline__lt=window_horizon,
        )
    )
    today_key = today.isoformat()
    existing: set[Key] = set(
        Reminder.objects.filter(
            Q(kind=K.OVERDUE, key=today_key)
            | Q(kind__in=[K.REPLY_DUE, K.CO_UNIT_DUE, K.REASSIGNMENT_WINDOW]),
            assignment__in=candidates.values("pk"),
        ).values_list("assignment_id", "kind", "key")
    )
    rows: list[Row] = []
    for pk, session_id, role, state, due, window_end in candidates.values_list(
        "pk", "proposal__session_id", "role", "state", "due_date", "reassignment_deadline"
    ).iterator(chunk_size=5000):
        policy = sessions[session_id]
        if due < today:
            days = (today - due).days
            escalate = days >= policy.overdue_escalation_days
            data = {"days": days, "escalate": escalate, "due": due.isoformat()}
            rows.append((pk, K.OVERDUE, today_key, data))
        else:
            remaining = calendar.workdays_between(today, due)
            lead = role == AssignmentRole.LEAD
            kind = K.REPLY_DUE if lead else K.CO_UNIT_DUE
            thresholds = policy.reminder_workdays if lead else policy.co_unit_reminder_workdays
            threshold = _first_threshold(thresholds, remaining)
            if threshold is not None:
                data = {
                    "workdays": remaining,
                    "threshold": threshold,
                    "due": due.isoformat(),
                    "leaders": threshold <= policy.leader_reminder_workdays,
                }
                rows.append((pk, kind, str(threshold), data))
        if state in WINDOW_STATES and today <= window_end:
            left = calendar.workdays_between(today, window_end)
            if left <= policy.reassignment_reminder_workdays:
                rows.append(
                    (
                        pk,
                        K.REASSIGNMENT_WINDOW,
                        window_end.isoformat(),
                        {"workdays": left, "deadline": window_end.isoformat()},
                    )
                )
    planned = _insert(rows, existing)
    planned += _plan_extensions(today=today, sessions=sessions)
    planned += _plan_feedback(today=today, sessions=sessions)
    return planned


def _plan_extensions(*, today: dt.date, sessions: dict[int, Session]) -> int:
    """A pending extension request is brought to the office again every N working days."""
    rows: list[Row] = []
    pending = ExtensionRequest.objects.filter(
        state=ExtensionState.PENDING, assignment__state__in=OPEN_STATES
    ).values_list("pk", "assignment_id", "assignment__proposal__session_id", "created_at")
    for pk, assignment_id, session_id, created_at in pending:
        every = sessions[session_id].extension_reminder_workdays
        waited = calendar.workdays_between(timezone.localdate(created_at), today)
        rounds = waited // every if every else 0
        if rounds >= 1:
            rows.append(
                (
                    assignment_id,
                    K.EXTENSION_PENDING,
                    f"{pk}:{rounds}",
                    {"extension": pk, "workdays": waited},
                )
            )
    keys = [key for _, _, key, _ in rows]
    existing = set(
        Reminder.objects.filter(kind=K.EXTENSION_PENDING, key__in=keys).values_list(
            "assignment_id", "kind", "key"
        )
    )
    return _insert(rows, existing)


def _plan_feedback(*, today: dt.date, sessions: dict[int, Session]) -> int:
    """The office is reminded once per letter when no satisfaction was recorded N days on."""
    shortest = min(s.feedback_reminder_days for s in sessions.values())
    letters = IssuedLetter.objects.filter(
        reply__satisfaction="",
        reply__assignment__state__in=S.replied(),
        issued_date__lte=today - dt.timedelta(days=shortest),
    ).values_list(
        "pk", "reply__assignment_id", "reply__assignment__proposal__session_id", "issued_date"
    )
    rows: list[Row] = [
        (
            assignment_id,
            K.FEEDBACK_MISSING,
            f"letter:{pk}",
            {"letter": pk, "days": (today - issued).days},
        )
        for pk, assignment_id, session_id, issued in letters
        if (today - issued).days >= sessions[session_id].feedback_reminder_days
    ]
    existing = set(
        Reminder.objects.filter(
            kind=K.FEEDBACK_MISSING, assignment__reply__satisfaction=""
        ).values_list("assignment_id", "kind", "key")
    )
    return _insert(rows, existing)


def reminder_plan_missed_transitions(*, now: dt.datetime) -> int:
    """Transition notices whose task never ran (the broker was unreachable at commit) are
    recorded here, so the sweep sends them late rather than never."""
    content_type = ContentType.objects.get_for_model(Assignment)
    logs = list(
        StateLog.objects.filter(
            content_type=content_type,
            transition__in=notifying_transitions(),
            timestamp__gte=now - CATCH_UP,
        ).values_list("pk", "object_id", "transition")
    )
    if not logs:
        return 0
    roles = dict(
        Assignment.objects.filter(pk__in={obj for _, obj, _ in logs}).values_list("pk", "role")
    )
    rows: list[Row] = []
    for pk, object_id, name in logs:
        kind = transition_kind(transition=name, role=roles.get(object_id, ""))
        if kind is not None and object_id in roles:
            rows.append(
                (object_id, kind, str(pk), {"transition": name, "statelog": pk, "late": True})
            )
    existing = set(
        Reminder.objects.filter(
            kind__in={kind for _, kind, _, _ in rows}, key__in=[key for _, _, key, _ in rows]
        ).values_list("assignment_id", "kind", "key")
    )
    return _insert(rows, existing)


def reminder_plan_missed_supervisions(*, now: dt.datetime) -> int:
    """催办 / 督办单 notices (and answers) whose task never ran are recorded here too, so a
    broker that was down when they committed delays them instead of losing them."""
    since = now - CATCH_UP
    rows: list[Row] = []
    for pk, assignment_id, kind, created, answered in Supervision.objects.filter(
        Q(created_at__gte=since) | Q(answered_at__gte=since)
    ).values_list("pk", "assignment_id", "kind", "created_at", "answered_at"):
        data = {"supervision": pk, "late": True}
        if created >= since:
            notice = NoticeKind.URGED if kind == SupervisionKind.URGE else K.SUPERVISION_OPENED
            rows.append((assignment_id, notice, str(pk), data))
        if answered is not None and answered >= since:
            rows.append((assignment_id, K.SUPERVISION_ANSWERED, str(pk), data))
    if not rows:
        return 0
    existing = set(
        Reminder.objects.filter(
            kind__in=NoticeKind.supervision(), key__in={key for _, _, key, _ in rows}
        ).values_list("assignment_id", "kind", "key")
    )
    return _insert(rows, existing)
