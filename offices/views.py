"""The offices' tools: tracking board, statistics, import of the assignment list, audit trail,
and the clerk's contact record. Thin: access decides, forms clean, selectors read, services
write."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http import HttpResponse
from django.shortcuts import redirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from core.choices import AssignmentState
from core.choices import Body
from core.exceptions import AccessDenied
from core.exceptions import ApplicationError
from core.exceptions import BatchRefused
from core.keyset import encode
from offices import board
from offices import importing
from offices import statistics
from offices.contacts import assignment_record_contact
from offices.forms import ContactForm
from offices.forms import ImportCommitForm
from offices.forms import ImportUploadForm
from offices.staging import staging_discard
from offices.staging import staging_read
from offices.staging import staging_store
from offices.xlsx import PERCENT
from offices.xlsx import xlsx_response
from proposals.access import may_import
from proposals.access import may_record_contact
from proposals.access import may_see_audit
from proposals.access import may_urge_in_batch
from proposals.access import visibility_key
from proposals.forms import BatchUrgeForm
from proposals.models import Session
from proposals.pages import batch_refusals
from proposals.pages import require
from proposals.pages import run_form
from proposals.pages import visible_or_404
from proposals.revision import content_cached
from proposals.revision import revision_cached
from proposals.selectors import assignment_list_visible
from proposals.services import supervision_urge_batch

EXPORT_MAX_ROWS = 50_000


def _page_size(request: HttpRequest) -> int:
    try:
        size = int(request.GET.get("size", board.PAGE_SIZES[0]))
    except ValueError:
        size = board.PAGE_SIZES[0]
    return size if size in board.PAGE_SIZES else board.PAGE_SIZES[0]


def _query_without(request: HttpRequest, *names: str) -> str:
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


@login_required
def board_view(request: HttpRequest) -> HttpResponse:
    filters = board.BoardFilters.from_query(request.GET)
    today = timezone.localdate()
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            filename=f"办理看板-{today:%Y%m%d}.xlsx",
            title="办理看板",
            headers=board.EXPORT_HEADERS,
            rows=board.board_export_rows(
                user=request.user, filters=filters, limit=EXPORT_MAX_ROWS, today=today
            ),
            formats=board.EXPORT_FORMATS,
        )
    status = 200
    try:
        cursor = board.board_cursor(request.GET.get("cursor"))
    except ApplicationError as exc:
        messages.error(request, exc.message)
        cursor, status = None, 400
    size = _page_size(request)
    query = _query_without(request, "cursor", "export")
    may_urge = bool(may_urge_in_batch(user=request.user))
    scope = visibility_key(request.user)

    def parts() -> tuple[str, str, str]:
        # one filtered queryset for the list and the counts (the search runs once)
        qs = board.board_assignments(user=request.user, filters=filters, today=today)
        page = board.board_page(
            user=request.user, filters=filters, size=size, cursor=cursor, today=today, qs=qs
        )
        matrix = board.board_counts(user=request.user, filters=filters, today=today, qs=qs)
        query_no_state = _query_without(request, "cursor", "export", "state", "bureau")
        rows = {
            "soon_days": settings.FUHAN_DUE_SOON_WORKDAYS,
            "urge": may_urge,
            "total": matrix.total,
            "page": page,
            "rows": page.rows,
            "next_cursor": encode(page.next) if page.next else "",
            "previous_cursor": encode(page.previous) if page.previous else "",
            "size": size,
            "query": query,
        }
        lists = {
            "filters": filters,
            "sessions": Session.objects.values_list("pk", "name"),
            "bodies": Body.choices,
            "bureaus": board.board_bureaus(user=request.user).values_list("pk", "short_name"),
            "states": AssignmentState.choices,
        }
        return (
            render_to_string("office/_board_filter_lists.html", lists),
            # 40 bureaus x 10 states: rendered again only when the figures change
            content_cached(
                ("board_matrix", matrix.digest, query_no_state),
                lambda: render_to_string(
                    "office/_board_counts.html",
                    {"matrix": matrix, "query_no_state": query_no_state},
                ),
            ),
            render_to_string("office/_board_rows.html", rows),
        )

    # the counts and rows are the same for everyone who sees the same items with the same query
    # and the urge checkboxes on the same day: cached until the data changes (proposals.revision)
    lists_html, counts_html, rows_html = revision_cached(
        ("board", scope, may_urge, filters, size, cursor and encode(cursor), query, today), parts
    )
    context = {
        "urge_form": (
            BatchUrgeForm(prefix="batch", initial={"next": request.get_full_path()})
            if may_urge
            else None
        ),
        "filters": filters,
        # rendered by our templates (escaped there)
        "filter_lists_html": mark_safe(lists_html),  # noqa: S308
        "counts_html": mark_safe(counts_html),  # noqa: S308
        "rows_html": mark_safe(rows_html),  # noqa: S308
        "page_sizes": board.PAGE_SIZES,
        "size": size,
        "query": query,
    }
    return render(request, "office/board.html", context, status=status)


@login_required
def statistics_view(request: HttpRequest) -> HttpResponse:
    session_id = board._int_or_none(request.GET.get("session"))
    if request.GET.get("export") == "xlsx":
        report = statistics.statistics_by_bureau(user=request.user, session_id=session_id)
        columns, values = statistics.statistics_table(report)
        name = report.session.name if report.session else "全部会议"
        return xlsx_response(
            filename=f"办理统计-{name}.xlsx",
            title="办理统计",
            headers=[c.header for c in columns],
            rows=(
                [
                    (None if v is None else float(v) / 100) if c.percent else v
                    for c, v in zip(columns, row, strict=True)
                ]
                for row in values
            ),
            formats=[PERCENT if c.percent else None for c in columns],
        )

    def body() -> str:
        report = statistics.statistics_by_bureau(user=request.user, session_id=session_id)
        columns, values = statistics.statistics_table(report)
        table = statistics.statistics_display(columns, values)
        headers = [c.header for c in columns]
        # rendered again only when the figures change (a write elsewhere leaves them as they were)
        return content_cached(
            ("statistics", repr(headers), repr(table), repr(report.rows)),
            lambda: render_to_string(
                "office/_statistics_table.html",
                {
                    "headers": headers,
                    "table": table,
                    "chart": mark_safe(statistics.statistics_chart_svg(report.rows)),  # noqa: S308
                },
            ),
        )

    # the same for everyone who sees the same bureaus, until the data changes (proposals.revision)
    key = ("statistics", visibility_key(request.user), session_id, timezone.localdate())
    sessions = list(Session.objects.values_list("pk", "name"))
    context = {
        "body_html": mark_safe(revision_cached(key, body)),  # noqa: S308 (our template, escaped)
        "sessions": sessions,
        "session_id": session_id,
        "session_name": dict(sessions).get(session_id, "") if session_id else "",
    }
    return render(request, "office/statistics.html", context)


@login_required
def import_view(request: HttpRequest) -> HttpResponse:
    """Upload → preview (every problem with its row and column; nothing written) → confirm."""
    require(may_import(user=request.user))
    context: dict[str, Any] = {"headers": importing.HEADERS, "upload_form": ImportUploadForm()}
    if request.method == "POST" and request.POST.get("step") == "commit":
        commit = ImportCommitForm(request.POST)
        data = staging_read(sha256=commit.cleaned_data["sha256"]) if commit.is_valid() else None
        if data is None:
            messages.error(request, "预览已过期，请重新上传交办清单")
            return redirect("office:import")
        filename = commit.cleaned_data["filename"]
        try:
            result = importing.proposal_import_commit(
                data=data, filename=filename, actor=request.user
            )
        except AccessDenied as exc:
            raise PermissionDenied(exc.message) from exc
        except ApplicationError as exc:
            messages.error(request, exc.message)
            context["errors"] = exc.extra.get("errors", [])
            return render(request, "office/import.html", context, status=400)
        staging_discard(sha256=commit.cleaned_data["sha256"])
        messages.success(
            request, f"导入完成：新增 {len(result.created)} 件，已存在跳过 {result.skipped} 件"
        )
        return redirect("office:import")
    if request.method == "POST":
        upload_form = ImportUploadForm(request.POST, request.FILES)
        context["upload_form"] = upload_form
        if not upload_form.is_valid():
            return render(request, "office/import.html", context, status=400)
        upload = upload_form.cleaned_data["file"]
        data = upload.read()
        preview = importing.proposal_import_preview(
            data=data, filename=upload.name, actor=request.user
        )
        if preview.ok and preview.new_rows:
            staging_store(sha256=preview.sha256, data=data)
        context["preview"] = preview
        context["commit_form"] = ImportCommitForm(
            initial={"sha256": preview.sha256, "filename": preview.filename}
        )
    return render(request, "office/import.html", context)


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    require(may_import(user=request.user))
    return xlsx_response(
        filename="交办清单模板.xlsx",
        title="交办清单",
        headers=importing.HEADERS,
        rows=importing.import_template_rows(body=importing.import_office_body(actor=request.user)),
    )


@login_required
def audit_view(request: HttpRequest) -> HttpResponse:
    require(may_see_audit(user=request.user))
    filters = board.AuditFilters.from_query(request.GET)
    size = _page_size(request)
    try:
        page_number = max(1, int(request.GET.get("page", 1)))
    except ValueError:
        page_number = 1
    entries, total = board.audit_trail(
        user=request.user, filters=filters, offset=(page_number - 1) * size, limit=size
    )
    pages = max(1, -(-total // size))
    context = {
        "entries": entries,
        "total": total,
        "page_number": page_number,
        "pages": pages,
        "filters": filters,
        "bodies": Body.choices,
        "bureaus": board.board_bureaus(user=request.user),
        "query": _query_without(request, "page"),
    }
    return render(request, "office/audit.html", context)


@login_required
@require_POST
def contact_record(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = visible_or_404(request, assignment_id)
    require(may_record_contact(assignment=assignment, user=request.user))
    return run_form(
        request,
        assignment=assignment,
        form=ContactForm(request.POST, prefix="contact"),
        call=lambda data: assignment_record_contact(
            assignment_id=assignment.pk,
            actor=request.user,
            contacted_on=data["contacted_on"],
            method=data["method"],
            note=data["note"],
        ),
        success="面商情况已登记",
        title="登记面商",
    )


def _board_return(request: HttpRequest, value: str) -> str:
    """Back to the board page the selection came from (its filters kept), never elsewhere."""
    board_path = reverse("office:board")
    if value.startswith(board_path) and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return board_path


@login_required
@require_POST
def board_urge_batch(request: HttpRequest) -> HttpResponse:
    """批量催办 from the board's selection: one comment, every item checked for access and
    state, all or nothing. A refusal shows the selection again (400) with each reason and the
    comment kept."""
    require(may_urge_in_batch(user=request.user))
    form = BatchUrgeForm(request.POST, prefix="batch")
    refused: dict[int, str] = {}
    if form.is_valid():
        try:
            done = supervision_urge_batch(
                assignment_ids=form.cleaned_data["ids"],
                actor=request.user,
                comment=form.cleaned_data["comment"],
            )
        except AccessDenied as exc:
            raise PermissionDenied(exc.message) from exc
        except BatchRefused as exc:
            form.add_error(None, exc.message)
            refused = exc.refused
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已催办 {len(done)} 件事项，承办人和承办领导将收到通知")
            return redirect(_board_return(request, form.cleaned_data.get("next") or ""))
    visible = assignment_list_visible(user=request.user)
    ids = form.cleaned_data.get("ids", [])
    selected = list(visible.filter(pk__in=ids).order_by("due_date", "pk")) if ids else []
    context = {
        "form": form,
        "selected": selected,
        "refusals": batch_refusals(refused=refused, visible=visible),
        "back": _board_return(request, request.POST.get("batch-next", "")),
    }
    return render(request, "office/batch_urge.html", context, status=400)
