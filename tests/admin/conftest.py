"""Rows of every kind the admin shows, written directly (the admin tests are about the admin),
and a browser-like way to submit an admin change form."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils import timezone
from django_fsm_log.models import StateLog

from core.choices import AssignmentState
from core.choices import AuditVerb
from core.choices import NoticeKind
from notifications.models import Notification
from notifications.models import Reminder
from proposals.models import AuditEvent
from proposals.models import ExtensionRequest
from replies.models import DocumentCounter
from replies.models import IssuedLetter
from replies.models import Opinion
from replies.models import ReplyVersion
from tests.factories import AssignmentFactory
from tests.factories import ProposalFactory
from tests.factories import ReplyFactory

S = AssignmentState


@dataclass
class Rows:
    issued: Any
    open: Any
    co_unit: Any
    reply: Any
    letter: Any
    version: Any
    counter: Any
    audit: Any
    statelog: Any
    reminder: Any
    notification: Any
    extension: Any
    opinion: Any
    other_proposal: Any


@pytest.fixture
def rows(world) -> Rows:
    day = dt.date(2026, 5, 8)
    proposal = ProposalFactory(session=world.npc_session)
    issued = AssignmentFactory(
        proposal=proposal,
        bureau=world.bureau,
        state=S.ISSUED,
        clerk=world.clerk,
        assigned_date=dt.date(2026, 2, 10),
        due_date=dt.date(2026, 5, 10),
        reassignment_deadline=dt.date(2026, 2, 17),
        leader_name="顾小晶",
    )
    co_unit = AssignmentFactory(
        proposal=proposal, bureau=world.other_bureau, role="co_unit", state=S.ISSUED
    )
    reply = ReplyFactory(assignment=issued, version=2, satisfaction="satisfied")
    letter = IssuedLetter.objects.create(
        reply=reply,
        doc_year=2026,
        doc_serial=7,
        doc_number="临经信建复〔2026〕7号",
        issued_date=day,
        body=reply.body,
        answer_class="A",
        leader_name="顾小晶",
        clerk_name="楼伟荣",
        phone="89541421",
        cc_list=["区政府督查室"],
        pdf_sha256="0" * 64,
        issued_by=world.clerk,
    )
    open_one = AssignmentFactory(
        proposal=ProposalFactory(session=world.npc_session),
        bureau=world.bureau,
        state=S.DRAFTING,
        clerk=world.clerk,
    )
    reminder = Reminder.objects.create(assignment=issued, kind=NoticeKind.ISSUED, key="1")
    return Rows(
        issued=issued,
        open=open_one,
        co_unit=co_unit,
        reply=reply,
        letter=letter,
        version=ReplyVersion.objects.create(
            reply=reply, version=2, body=reply.body, answer_class="A", submitted_by=world.clerk
        ),
        counter=DocumentCounter.objects.create(
            bureau=world.bureau, year=2026, series="", last_serial=7
        ),
        audit=AuditEvent.objects.create(
            proposal=proposal,
            assignment=issued,
            actor=world.clerk,
            verb=AuditVerb.NUMBER_ALLOCATED,
            message="分配文号 临经信建复〔2026〕7号",
        ),
        statelog=StateLog.objects.create(
            content_object=issued,
            transition="issue",
            source_state=S.APPROVED,
            state=S.ISSUED,
            by=world.clerk,
            description="印发",
        ),
        reminder=reminder,
        notification=Notification.objects.create(
            recipient=world.npc,
            reminder=reminder,
            assignment=issued,
            kind=NoticeKind.ISSUED,
            title="【已印发】临经信建复〔2026〕7号",
        ),
        extension=ExtensionRequest.objects.create(
            assignment=open_one,
            reason="需要进一步调研",
            requested_due_date=open_one.due_date + dt.timedelta(days=30),
            previous_due_date=open_one.due_date,
            requested_by=world.clerk,
        ),
        opinion=Opinion.objects.create(
            assignment=co_unit, body="同意主办单位意见。", sent_at=timezone.now()
        ),
        other_proposal=ProposalFactory(session=world.npc_session),
    )


@pytest.fixture
def admin_client(client, db):
    user = get_user_model().objects.create_superuser("root", "root@example.org", "pw-12345")
    client.force_login(user)
    return client


def admin_url(obj_or_model: Any, action: str, *args: Any) -> str:
    meta = obj_or_model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{action}", args=args)


def snapshot(obj: Any) -> dict[str, Any]:
    """Every concrete field's value as stored."""
    fresh = type(obj).objects.get(pk=obj.pk)
    return model_to_dict(fresh, fields=[f.name for f in fresh._meta.concrete_fields])


class _FormReader(HTMLParser):
    """The values a browser would submit from the admin's change form (<form id="…_form">)."""

    def __init__(self) -> None:
        super().__init__()
        self.in_form = False
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("id", "").endswith("_form"):
            self.in_form = True
        if not self.in_form or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file", "image"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.data.setdefault(name, []).append(a.get("value", "on"))
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select].append(a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = [""]

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea][0] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.in_form = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            if self._textarea:
                # the browser drops the newline that follows <textarea>
                self.data[self._textarea][0] = self.data[self._textarea][0].removeprefix("\n")
            self._textarea = None


def change_form_data(client: Any, url: str) -> dict[str, list[str]]:
    response = client.get(url)
    assert response.status_code == 200
    reader = _FormReader()
    reader.feed(response.content.decode())
    assert reader.data, "change form not found"
    return reader.data
