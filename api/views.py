"""REST API: one class per operation, nested Input/Output serializers. Reads go through the same
selectors as the web pages (so a bureau's staff only see their bureau: others' objects are 404),
writes through the same services (so permissions and conditions are the workflow's own)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from typing import cast

from django.contrib.auth import authenticate
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.db.models import QuerySet
from django.http import FileResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.utils import extend_schema
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.filters import AssignmentFilter
from api.filters import ProposalFilter
from core.exceptions import AccessDenied
from core.exceptions import ApplicationError
from core.names import person_name
from core.tokens import api_token_create
from proposals import selectors
from proposals import services as ps
from proposals.access import assignment_actions
from proposals.access import visibility_key
from proposals.models import Assignment
from proposals.models import Bureau
from proposals.models import Proposal
from proposals.revision import revision_cached
from proposals.workflow import Comment
from proposals.workflow import steps
from replies import services as rs
from replies.models import IssuedLetter
from replies.models import Reply
from replies.selectors import letter_list_visible

_URL_MARK = 987654321


def _visible_assignment(request: Request, assignment_id: int) -> Assignment:
    try:
        return selectors.assignment_get_visible(user=request.user, assignment_id=assignment_id)
    except AccessDenied as exc:
        raise NotFound(exc.message) from exc


def _letters_visible(request: Request) -> QuerySet[IssuedLetter]:
    """The letters the pages let this user read (the item's co-units included)."""
    return letter_list_visible(user=request.user).select_related(
        "reply__assignment__proposal__session", "reply__assignment__bureau"
    )


class SessionBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    body = serializers.CharField()


class BureauBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    short_name = serializers.CharField()
    full_name = serializers.CharField()


class LetterSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    doc_number = serializers.CharField()
    issued_date = serializers.DateField()
    answer_class = serializers.CharField()
    leader_name = serializers.CharField()
    clerk_name = serializers.CharField()
    phone = serializers.CharField()
    cc_list = serializers.ListField(child=serializers.CharField())
    body = serializers.CharField()
    pdf_sha256 = serializers.CharField()
    pdf_url = serializers.SerializerMethodField()
    assignment_id = serializers.IntegerField(source="reply.assignment_id")

    def get_pdf_url(self, letter: IssuedLetter) -> str | None:
        if not letter.pdf:
            return None
        path = reverse("api:letter_pdf", args=[letter.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


def _cached_page(view: GenericAPIView, request: Request) -> Response:
    """One page of a list view, cached for everyone who sees the same rows (same visibility,
    same URL, same day: overdue days count from today) until the data changes
    (proposals.revision). A bad filter or cursor raises inside and is never cached."""

    def compute() -> Any:
        page = view.paginate_queryset(view.filter_queryset(view.get_queryset()))
        data = view.get_serializer(page, many=True).data
        return view.get_paginated_response(data).data

    key = (
        type(view).__name__,
        visibility_key(request.user),
        request.build_absolute_uri(),
        timezone.localdate(),
    )
    return Response(revision_cached(key, compute))


# --- items ------------------------------------------------------------------------------------


class ProposalListApi(GenericAPIView):
    """建议提案列表（只含本人可见的交办任务所属事项）。"""

    filter_backends = [DjangoFilterBackend]
    filterset_class = ProposalFilter

    class OutputSerializer(serializers.Serializer):
        class AssignmentBrief(serializers.Serializer):
            id = serializers.IntegerField()
            bureau = serializers.CharField(source="bureau.short_name")
            role = serializers.CharField()
            state = serializers.CharField()

        id = serializers.IntegerField()
        session = SessionBriefSerializer()
        number = serializers.IntegerField()
        title = serializers.CharField()
        lead_proposer = serializers.CharField()
        signer_count = serializers.IntegerField()
        is_key = serializers.BooleanField()
        assigned_date = serializers.DateField()
        status = serializers.CharField()
        assignments = AssignmentBrief(many=True, source="visible_assignments")

    serializer_class = OutputSerializer

    def get_queryset(self) -> QuerySet[Proposal]:
        visible = (
            selectors.assignment_list_visible(user=self.request.user)
            .select_related(None)
            .select_related("bureau")
        )
        return selectors.proposal_list_visible(user=self.request.user).prefetch_related(
            Prefetch("assignments", queryset=visible, to_attr="visible_assignments")
        )

    keyset_ordering = ("session_id", "number")

    def get(self, request: Request) -> Response:
        return _cached_page(self, request)


class ProposalDetailApi(APIView):
    """单个建议提案。"""

    OutputSerializer = ProposalListApi.OutputSerializer

    @extend_schema(responses=ProposalListApi.OutputSerializer)
    def get(self, request: Request, proposal_id: int) -> Response:
        visible = (
            selectors.assignment_list_visible(user=request.user)
            .select_related(None)
            .select_related("bureau")
        )
        proposal = (
            selectors.proposal_list_visible(user=request.user)
            .prefetch_related(
                Prefetch("assignments", queryset=visible, to_attr="visible_assignments")
            )
            .filter(pk=proposal_id)
            .first()
        )
        if proposal is None:
            raise NotFound("事项不存在或您无权查看")
        return Response(self.OutputSerializer(proposal).data)


# --- assignments ------------------------------------------------------------------------------


class AssignmentOutput(serializers.Serializer):
    class ProposalBrief(serializers.Serializer):
        id = serializers.IntegerField()
        session = SessionBriefSerializer()
        number = serializers.IntegerField()
        title = serializers.CharField()
        is_key = serializers.BooleanField()
        status = serializers.CharField()

    id = serializers.IntegerField()
    proposal = ProposalBrief()
    bureau = BureauBriefSerializer()
    role = serializers.CharField()
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    assigned_date = serializers.DateField()
    due_date = serializers.DateField()
    days_overdue = serializers.SerializerMethodField()
    leader_name = serializers.CharField()
    clerk = serializers.SerializerMethodField()
    phone = serializers.CharField()
    web_url = serializers.SerializerMethodField()

    def get_days_overdue(self, a: Assignment) -> int:
        return a.days_overdue(timezone.localdate())

    def get_clerk(self, a: Assignment) -> str:
        return person_name(a.clerk) if a.clerk else ""

    def get_web_url(self, a: Assignment) -> str:
        context = cast(dict[str, Any], self.context)
        pattern = context.get("web_url")
        if pattern is None:  # reversed once per response, not once per row
            pattern = context["web_url"] = reverse(
                "proposals:assignment", args=[_URL_MARK]
            ).replace(str(_URL_MARK), "{}")
        return str(pattern).format(a.pk)


class AssignmentListApi(GenericAPIView):
    """交办任务列表：承办单位只能看到本单位的任务，交办机构和督查室看到全部。"""

    filter_backends = [DjangoFilterBackend]
    filterset_class = AssignmentFilter

    class OutputSerializer(AssignmentOutput):
        pass

    serializer_class = OutputSerializer

    keyset_ordering = ("due_date", "id")

    def get_queryset(self) -> QuerySet[Assignment]:
        return selectors.assignment_list_visible(user=self.request.user)

    def get(self, request: Request) -> Response:
        return _cached_page(self, request)


class AssignmentDetailApi(APIView):
    """单个交办任务，附当前用户可执行的操作。"""

    class OutputSerializer(AssignmentOutput):
        class ActionSerializer(serializers.Serializer):
            name = serializers.CharField()
            # DRF moves declared fields off the class, so this does not shadow Field.label
            label = serializers.CharField()  # type: ignore[assignment]
            needs_comment = serializers.BooleanField()

        actions = serializers.SerializerMethodField()

        @extend_schema_field(ActionSerializer(many=True))
        def get_actions(self, assignment: Assignment) -> list[dict[str, Any]]:
            """What the requesting user may do now (taken from the workflow's declarations)."""
            return [
                {
                    "name": act.name,
                    "label": act.step.label,
                    "needs_comment": act.step.comment == Comment.REQUIRED,
                }
                for act in assignment_actions(assignment=assignment, user=self.context["user"])
                if act.can.ok and act.step.direct
            ]

    @extend_schema(responses=OutputSerializer)
    def get(self, request: Request, assignment_id: int) -> Response:
        assignment = _visible_assignment(request, assignment_id)
        return Response(self.OutputSerializer(assignment, context={"user": request.user}).data)


def _reassign(a: Assignment, user: Any, data: dict[str, Any]) -> Any:
    bureau = Bureau.objects.filter(pk=data.get("bureau") or 0).first()
    if bureau is None:
        raise ApplicationError("请指定新的承办单位（bureau）")
    return ps.assignment_reassign(
        assignment_id=a.pk, actor=user, to_bureau=bureau, comment=data["comment"]
    )


# The transitions that have their own service (declared as Step.service in
# proposals/workflow.py), by that service; plain ones all go through assignment_transition.
OWN_SERVICES: dict[str, Callable[[Assignment, Any, dict[str, Any]], Any]] = {
    "assignment_reassign": _reassign,
    "draft_submit": lambda a, u, d: rs.draft_submit(
        assignment_id=a.pk, actor=u, comment=d["comment"]
    ),
    "reply_issue": lambda a, u, d: rs.reply_issue(assignment_id=a.pk, actor=u),
    "opinion_send": lambda a, u, d: rs.opinion_send(assignment_id=a.pk, actor=u),
}


def transition_run(assignment: Assignment, name: str, user: Any, data: dict[str, Any]) -> Any:
    """Run a transition the way the workflow declares it: by name when plain, otherwise through
    its own service. Transitions taken only inside another form (reopen) are not offered."""
    try:
        declared = assignment.step(name)
    except KeyError as exc:
        raise NotFound(f"未知操作：{name}") from exc
    if not declared.direct:
        raise NotFound(f"“{declared.label}”不能单独执行")
    if declared.plain:
        return ps.assignment_transition(
            assignment_id=assignment.pk, name=name, actor=user, comment=data["comment"]
        )
    return OWN_SERVICES[declared.service](assignment, user, data)


class AssignmentTransitionApi(APIView):
    """执行一个状态操作，与网页相同的服务和权限（操作名称取自 proposals/workflow.py 的声明）。"""

    class InputSerializer(serializers.Serializer):
        comment = serializers.CharField(required=False, allow_blank=True, default="")
        bureau = serializers.IntegerField(required=False, help_text="reassign 时：新承办单位 ID")

    @extend_schema(
        request=InputSerializer,
        responses=AssignmentOutput,
        description="执行一个状态操作（与网页相同的服务和权限）："
        + "、".join(f"{n}（{s.label}）" for n, s in steps().items() if s.direct),
    )
    def post(self, request: Request, assignment_id: int, name: str) -> Response:
        assignment = _visible_assignment(request, assignment_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        transition_run(assignment, name, request.user, serializer.validated_data)
        target_id = assignment.pk
        fresh = _visible_assignment(request, target_id)
        return Response(AssignmentOutput(fresh).data, status=status.HTTP_200_OK)


# --- replies and letters ------------------------------------------------------------------


class AssignmentReplyApi(APIView):
    """主办单位的复函：当前草稿（本单位和交办机构可见）与已印发的复函。"""

    class OutputSerializer(serializers.Serializer):
        assignment_id = serializers.IntegerField()
        body = serializers.CharField()
        answer_class = serializers.CharField()
        leader_name = serializers.CharField()
        clerk_name = serializers.CharField()
        phone = serializers.CharField()
        cc_list = serializers.ListField(child=serializers.CharField())
        version = serializers.IntegerField()
        satisfaction = serializers.CharField()
        satisfaction_date = serializers.DateField(allow_null=True)
        letters = LetterSerializer(many=True)

    @extend_schema(responses=OutputSerializer)
    def get(self, request: Request, assignment_id: int) -> Response:
        assignment = _visible_assignment(request, assignment_id)
        reply = (
            Reply.objects.filter(assignment=assignment)
            .prefetch_related(
                Prefetch("letters", queryset=IssuedLetter.objects.select_related("reply"))
            )
            .first()
        )
        if reply is None:
            raise NotFound("该任务尚无复函")
        return Response(self.OutputSerializer(reply, context={"request": request}).data)


class LetterListApi(GenericAPIView):
    """已印发复函列表（含 PDF 下载地址，PDF 尚未生成时为 null）。"""

    class OutputSerializer(LetterSerializer):
        pass

    serializer_class = OutputSerializer

    keyset_ordering = ("-issued_date", "-id")

    def get_queryset(self) -> QuerySet[IssuedLetter]:
        return _letters_visible(self.request)

    def get(self, request: Request) -> Response:
        return _cached_page(self, request)


class LetterDetailApi(APIView):
    """单份已印发复函。"""

    @extend_schema(responses=LetterSerializer)
    def get(self, request: Request, letter_id: int) -> Response:
        letter = _letters_visible(request).filter(pk=letter_id).first()
        if letter is None:
            raise NotFound("复函不存在或您无权查看")
        return Response(LetterSerializer(letter, context={"request": request}).data)


class LetterPdfApi(APIView):
    """下载复函 PDF。"""

    @extend_schema(responses={(200, "application/pdf"): bytes})
    def get(self, request: Request, letter_id: int) -> FileResponse:
        letter = _letters_visible(request).filter(pk=letter_id).first()
        if letter is None:
            raise NotFound("复函不存在或您无权查看")
        if not letter.pdf:
            raise NotFound("该复函的 PDF 尚未生成")
        return FileResponse(
            letter.pdf.open("rb"),
            as_attachment=True,
            filename=f"{letter.doc_number}.pdf",
            content_type="application/pdf",
        )


# --- authentication -------------------------------------------------------------------------


class TokenObtainApi(APIView):
    """用用户名和密码换取 API 令牌（Authorization: Token <key>）。令牌到期自动失效，退出登录或修改
    密码时注销；失败次数过多时暂时拒绝（429，与网页登录同一规则）。"""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField()
        password = serializers.CharField(style={"input_type": "password"})

    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField()
        expiry = serializers.DateTimeField()

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # django-axes checks and counts inside authenticate() (core/security.py); a lockout
        # becomes a 429 in its middleware
        user = authenticate(
            request._request,
            username=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
        )
        if user is None or not user.is_active:
            return Response({"detail": "用户名或密码不正确"}, status=status.HTTP_400_BAD_REQUEST)
        token, text = api_token_create(user=user)
        return Response(self.OutputSerializer({"token": text, "expiry": token.expiry}).data)


class TokenRevokeApi(APIView):
    """注销本次请求所用的 API 令牌（其他令牌在“账号安全”页面注销）。"""

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        token = request.auth
        if token is None or not hasattr(token, "delete"):
            return Response(
                {"detail": "本次请求没有使用 API 令牌"}, status=status.HTTP_400_BAD_REQUEST
            )
        token.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- documentation ------------------------------------------------------------------------


@login_required
def api_docs(request: Any) -> Any:
    """A self-contained page listing the OpenAPI schema (no CDN assets: the site runs offline)."""
    schema = SchemaGenerator(patterns=None).get_schema(request=None, public=True)
    operations = []
    for path, methods in schema.get("paths", {}).items():
        for method, op in methods.items():
            params = [
                {
                    "name": p.get("name"),
                    "where": p.get("in"),
                    "description": p.get("description", ""),
                    "required": p.get("required", False),
                }
                for p in op.get("parameters", [])
            ]
            body: dict[str, Any] = (op.get("requestBody") or {}).get("content", {})
            first: dict[str, Any] = next(iter(body.values()), {})
            ref = first.get("schema", {}).get("$ref", "") if body else ""
            operations.append(
                {
                    "path": path,
                    "method": method.upper(),
                    "description": op.get("description", ""),
                    "params": params,
                    "request": ref.rsplit("/", 1)[-1],
                }
            )
    return render(
        request,
        "api/docs.html",
        {"operations": operations, "info": schema.get("info", {})},
    )
