"""No 500 on any input: a property-based test (hypothesis) over EVERY URL pattern of the project.

The patterns are found by walking the URL resolver, so pages that other branches add are covered
when they merge. For each pattern and each role (anonymous, clerk, supervisor, another bureau's
clerk, NPC office, CPPCC office, supervision office) it GETs the page with generated values for
every query parameter and POSTs generated values to every form field: the parameter and field
names come from the forms on the pages themselves (parsed from the HTML each role is shown),
from the OpenAPI schema of the API, and from a list of the names the views read. Path values
are ids of objects that exist (items in several states, an issued letter, an extension, a
notification) or generated ones.

Bounded for CI: a fixed number of examples per pattern (FUHAN_FUZZ_EXAMPLES, default 3; the
admin's patterns, which all send these roles to the admin login, get 1), derandomized (the same
examples every run, nothing stored), and a deadline per example. Raise FUHAN_FUZZ_EXAMPLES to
search harder locally."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import string
from dataclasses import dataclass
from dataclasses import field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern
from django.urls import URLResolver
from django.urls import get_resolver
from django.urls.resolvers import RoutePattern
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from notifications.models import Notification
from proposals import services as ps
from proposals.models import Assignment
from proposals.models import ExtensionRequest
from proposals.models import Proposal
from proposals.models import Session
from proposals.workflow import steps
from replies import services as rs
from replies.models import IssuedLetter
from replies.models import PolicyDocument
from tests.factories import AssignmentFactory
from tests.factories import ProposalFactory
from tests.factories import ReplyFactory

EXAMPLES = int(os.environ.get("FUHAN_FUZZ_EXAMPLES", "3"))
DEADLINE = dt.timedelta(seconds=30)
ROLES = ("anonymous", "clerk", "supervisor", "other_clerk", "npc", "cppcc", "duchashi")
# Names the views read from query strings (besides the ones their forms show).
QUERY_NAMES = (
    "page", "size", "page_size", "q", "export", "format", "session", "bureau", "state", "body",
    "role", "key", "overdue", "is_key", "number", "status", "kind", "actor", "since", "until",
    "unread", "next", "step",
)  # fmt: skip
FUZZ = hsettings(
    max_examples=EXAMPLES,
    deadline=DEADLINE,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
    print_blob=False,
)


# --- the URL patterns -----------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    """One URL pattern: its route pieces (literal text, or a converter/regex to fill)."""

    route: str  # e.g. "replies/<int:assignment_id>/draft/" (regex pieces as written)
    pieces: tuple[tuple[str, str, str], ...]  # (kind, text, name): literal | int | str | regex
    admin: bool

    @property
    def api(self) -> bool:
        return self.route.startswith("api/")


ROUTE_PART = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")


def _route_pieces(pattern: Any) -> list[tuple[str, str, str]]:
    if isinstance(pattern, RoutePattern):
        route = str(pattern)
        pieces: list[tuple[str, str, str]] = []
        last = 0
        for m in ROUTE_PART.finditer(route):
            pieces.append(("literal", route[last : m.start()], ""))
            pieces.append((m.group("conv") or "str", "", m.group("name")))
            last = m.end()
        pieces.append(("literal", route[last:], ""))
        return pieces
    regex = str(pattern.regex.pattern).lstrip("^").rstrip("$").replace(r"\Z", "")
    return [("regex", regex, "")]


def endpoints() -> list[Endpoint]:
    found: list[Endpoint] = []

    def walk(patterns: list[Any], prefix: list[tuple[str, str, str]], admin: bool) -> None:
        for p in patterns:
            pieces = prefix + _route_pieces(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, pieces, admin or p.app_name == "admin")
            elif isinstance(p, URLPattern):
                route = "".join(
                    text if kind in ("literal", "regex") else f"<{kind}:{name}>"
                    for kind, text, name in pieces
                )
                found.append(Endpoint(route, tuple(pieces), admin))

    walk(get_resolver().url_patterns, [], False)
    return found


# --- what the roles see: forms and their fields ---------------------------------------------


@dataclass
class Form:
    method: str
    action: str
    fields: dict[str, list[str]] = field(default_factory=dict)  # name -> example values
    files: set[str] = field(default_factory=set)


class FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("method", "get").lower(), a.get("action", "")))
            return
        if not self.forms:
            return
        form = self.forms[-1]
        name = a.get("name")
        if tag in ("input", "textarea", "select") and name:
            if a.get("type") == "file":
                form.files.add(name)
            else:
                form.fields.setdefault(name, []).append(a.get("value", ""))
            self.select = name if tag == "select" else None
        elif tag == "option" and self.select:
            form.fields.setdefault(self.select, []).append(a.get("value", ""))


def forms_of(html: str) -> list[Form]:
    parser = FormParser()
    parser.feed(html)
    return parser.forms


# --- the data the pages show ----------------------------------------------------------------


@dataclass
class FuzzWorld:
    world: Any
    ids: dict[str, list[int]]
    names: list[str]


@pytest.fixture
def fuzz_world(world, django_capture_on_commit_callbacks) -> FuzzWorld:
    """Items in several states for both bureaus and bodies, a reply in review, an issued letter
    with its PDF, a pending extension, a notification, a policy document."""
    today = timezone.localdate()

    def item(state: str, *, bureau=None, session=None, role="lead", proposal=None) -> Assignment:
        return AssignmentFactory(
            proposal=proposal or ProposalFactory(session=session or world.npc_session),
            bureau=bureau or world.bureau,
            state=state,
            role=role,
            clerk=world.clerk if (bureau or world.bureau) == world.bureau else world.other_clerk,
            assigned_date=today - dt.timedelta(days=20),
        )

    item("assigned")
    drafting = item("drafting")
    ReplyFactory(assignment=drafting)
    reviewing = item("drafting", session=world.cppcc_session)
    ReplyFactory(assignment=reviewing)
    issued = item("drafting")
    ReplyFactory(assignment=issued)
    item("drafting", bureau=world.other_bureau, session=world.cppcc_session)
    item("accepted", bureau=world.other_bureau, role="co_unit", proposal=drafting.proposal)
    with django_capture_on_commit_callbacks(execute=False):
        rs.draft_submit(assignment_id=reviewing.pk, actor=world.clerk)
        rs.draft_submit(assignment_id=issued.pk, actor=world.clerk)
        ps.assignment_transition(assignment_id=issued.pk, name="approve", actor=world.supervisor)
        rs.reply_issue(assignment_id=issued.pk, actor=world.clerk)
        ps.extension_request(
            assignment_id=drafting.pk,
            actor=world.clerk,
            requested_due_date=drafting.due_date + dt.timedelta(days=20),
            reason="需要调研",
        )
    Notification.objects.create(recipient=world.clerk, kind="overdue", title="测试通知")
    PolicyDocument.objects.create(title="关于测试的政策", doc_number="临测〔2023〕1号")
    ids = {
        "assignment_id": list(Assignment.objects.values_list("pk", flat=True)),
        "proposal_id": list(Proposal.objects.values_list("pk", flat=True)),
        "letter_id": list(IssuedLetter.objects.values_list("pk", flat=True)),
        "session_id": list(Session.objects.values_list("pk", flat=True)),
        "extension_id": list(ExtensionRequest.objects.values_list("pk", flat=True)),
        "notification_id": list(Notification.objects.values_list("pk", flat=True)),
    }
    return FuzzWorld(world=world, ids=ids, names=sorted(steps()))


# --- generated values -----------------------------------------------------------------------

HOSTILE = [
    "\x00", "a\x00b", "\x1b[31m", "\x7f", "\u0085", "\ufeff", "\u202e", "🙂", "９９", "١٢٣",
    "-1", "0", "9223372036854775808", "-9223372036854775809", "9" * 40, "1e400", "NaN",
    "Infinity", "0x10", "", " ", "\t\n", "<script>alert(1)</script>", "javascript:alert(1)",
    "../../etc/passwd", "%00", "2026-02-30", "9999-12-31", "0000-00-00", "2026年3月15日",
    "x" * 3000, "甲" * 2100, "true", "on", "null", "[]", "{}", "'; DROP TABLE x;--",
]  # fmt: skip
VALUE = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.dates(min_value=dt.date(1, 1, 1)).map(str),
)
JSON_VALUE = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False),
        st.sampled_from(HOSTILE),
        st.text(max_size=40),
    ),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
SEGMENT = st.text(alphabet=string.ascii_letters + string.digits + "_-.~%", min_size=1, max_size=12)


def fill_path(endpoint: Endpoint, draw: Any, fw: FuzzWorld) -> str:
    out = []
    for kind, text, name in endpoint.pieces:
        if kind == "literal":
            out.append(text)
        elif kind == "int":
            known = fw.ids.get(name) or [1]
            out.append(
                str(draw(st.one_of(st.sampled_from(known), st.integers(0, 10**25)), label=name))
            )
        elif kind == "str" and name == "name":
            out.append(draw(st.one_of(st.sampled_from(fw.names), SEGMENT), label=name))
        elif kind in ("str", "slug", "path"):
            out.append(draw(SEGMENT, label=name))
        else:  # a regular expression (re_path, e.g. the admin's app list)
            out.append(draw(st.from_regex(text, fullmatch=True, alphabet=st.characters(
                codec="ascii", exclude_characters="?#%"))))  # fmt: skip
    return "/" + "".join(out)


def api_names(schema: dict[str, Any], route: str) -> tuple[set[str], set[str]]:
    """Query and body field names the OpenAPI schema declares for this route."""
    path = "/" + re.sub(r"<(?:[^>:]+:)?([^>]+)>", r"{\1}", route)
    query: set[str] = set()
    body: set[str] = set()
    for op in schema.get("paths", {}).get(path, {}).values():
        query |= {p["name"] for p in op.get("parameters", []) if p.get("in") == "query"}
        for content in (op.get("requestBody") or {}).get("content", {}).values():
            ref = content.get("schema", {}).get("$ref", "")
            component = schema["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {})
            body |= set(component.get("properties", {}))
    return query, body


def clients(fw: FuzzWorld) -> dict[str, Client]:
    out: dict[str, Client] = {}
    for role in ROLES:
        client = Client()
        if role != "anonymous":
            client.force_login(fw.world.role(role))
        out[role] = client
    return out


def discover(fw: FuzzWorld, role_clients: dict[str, Client], all_endpoints: list[Endpoint]):
    """For each route: the query and POST field names (and example values) the pages show any
    role, by GETting every page once with real ids."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    query: dict[str, dict[str, list[str]]] = {}
    post: dict[str, dict[str, list[str]]] = {}
    files: dict[str, set[str]] = {}
    resolver = get_resolver()

    def route_of(url: str) -> str | None:
        try:
            match = resolver.resolve(urlsplit(url).path)
        except Exception:
            return None
        return match.route

    for e in all_endpoints:
        if e.admin:
            continue
        q, b = api_names(schema, e.route)
        query.setdefault(e.route, {}).update({n: [] for n in q})
        post.setdefault(e.route, {}).update({n: [] for n in b})
        if e.api or re.search(r"\.(pdf|zip|xlsx)$", e.route):
            continue  # no forms there (the schema names the API's fields)
        ints = [name for kind, _, name in e.pieces if kind == "int"]
        # every object of the first id in the path (each item's page shows other forms)
        for first in fw.ids.get(ints[0], [1]) if ints else [None]:
            values = {name: fw.ids.get(name, [1])[0] for name in ints[1:]}
            if ints:
                values[ints[0]] = first
            url = "/" + "".join(
                text if kind == "literal" else str(values.get(name, "x"))
                for kind, text, name in e.pieces
            )
            for client in role_clients.values():
                response = client.get(url)
                if "text/html" not in response.get("Content-Type", ""):
                    continue
                for form in forms_of(response.content.decode(errors="replace")):
                    target = route_of(form.action) if form.action else e.route
                    if target is None:
                        continue
                    bucket = post if form.method == "post" else query
                    for name, examples in form.fields.items():
                        bucket.setdefault(target, {}).setdefault(name, []).extend(examples)
                    files.setdefault(target, set()).update(form.files)
    return query, post, files


# --- the property ---------------------------------------------------------------------------


def assert_no_500(response: Any, what: str) -> None:
    assert response.status_code != 500, f"{what} → 500"


def value_for(draw: Any, name: str, seen: dict[str, list[str]]) -> str:
    """A value for one field: one the page itself offers (an option, a hidden value) or a
    generated one."""
    examples = [v for v in seen.get(name, []) if v]
    options = st.one_of(st.sampled_from(examples), VALUE) if examples else VALUE
    return draw(options, label=name)


def probe_endpoint(
    fw: FuzzWorld,
    role_clients: dict[str, Client],
    endpoint: Endpoint,
    *,
    known_query: dict[str, list[str]],
    known_post: dict[str, list[str]],
    files: list[str],
) -> None:
    names = sorted(set(QUERY_NAMES) | set(known_query))
    fields = sorted(known_post)

    @hsettings(FUZZ, max_examples=1 if endpoint.admin else EXAMPLES)
    @given(data=st.data())
    def probe(data: Any) -> None:
        draw = data.draw
        url = fill_path(endpoint, draw, fw)
        generic = st.lists(st.sampled_from(names), unique=True, max_size=4)
        shown = sorted(known_query)
        chosen = draw(
            st.one_of(st.lists(st.sampled_from(shown), unique=True, min_size=1), generic)
            if shown
            else generic,
            label="query",
        )
        params = {n: value_for(draw, n, known_query) for n in chosen}
        if fields:
            posted = draw(st.lists(st.sampled_from(fields), unique=True, min_size=1), label="form")
            form: dict[str, Any] = {n: value_for(draw, n, known_post) for n in posted}
        else:
            form = {n: value_for(draw, n, {}) for n in chosen}
        for name in files:
            content = draw(
                st.one_of(st.binary(max_size=300), st.just(b"PK\x03\x04" + b"\x00" * 64)),
                label=name,
            )
            filename = draw(st.sampled_from(["a.xlsx", "a.pdf", "x"]), label="filename")
            form[name] = SimpleUploadedFile(filename, content)
        body = json.dumps(draw(JSON_VALUE, label="json")) if endpoint.api else None
        for role, client in role_clients.items():
            what = f"{role} {url}"
            assert_no_500(client.get(url, params), f"GET {what} {params!r}")
            for upload in form.values():
                if hasattr(upload, "seek"):
                    upload.seek(0)
            assert_no_500(client.post(url, form), f"POST {what} {sorted(form)}")
            if body is not None:
                response = client.post(url, body, content_type="application/json")
                assert_no_500(response, f"POST JSON {what} {body[:200]!r}")

    probe()


@pytest.mark.fuzz
def test_every_url_pattern_answers_every_role_without_a_500(fuzz_world):
    fw = fuzz_world
    all_endpoints = endpoints()
    assert len([e for e in all_endpoints if not e.admin]) >= 40, "the resolver walk found pages"
    role_clients = clients(fw)
    query_names, post_names, file_names = discover(fw, role_clients, all_endpoints)
    for endpoint in all_endpoints:
        probe_endpoint(
            fw,
            role_clients,
            endpoint,
            known_query=query_names.get(endpoint.route, {}),
            known_post=post_names.get(endpoint.route, {}),
            files=sorted(file_names.get(endpoint.route, set())),
        )
