"""Forms for drafting, reviewing, issuing and recording feedback: labels, field errors and the
user's input kept on error; the services check the same rules again."""

from __future__ import annotations

from typing import Any
from typing import cast

from django import forms

from core.choices import Satisfaction
from proposals.forms import PlainTextField
from proposals.models import Assignment
from proposals.models import Session
from replies.models import BODY_MAX_CHARS
from replies.models import Reply


class ReplyDraftForm(forms.Form):
    """The lead unit's letter: answer class, body (one paragraph per line), contacts, CC list."""

    answer_class = forms.ChoiceField(label="答复分类", widget=forms.RadioSelect, required=False)
    body = PlainTextField(
        label="正文",
        multiline=True,
        rows=24,
        required=False,
        max_length=BODY_MAX_CHARS,
        help_text="每段一行；以“一、”“（一）”“1.”开头的行为标题；用 **文字** 加粗",
    )
    leader_name = PlainTextField(label="承办领导", max_length=30, required=False)
    clerk_name = PlainTextField(label="承办人", max_length=30, required=False)
    phone = PlainTextField(label="联系电话", max_length=30, required=False)
    cc_list = PlainTextField(
        label="抄送", max_length=600, required=False, help_text="多个单位用“、”分隔"
    )

    def __init__(self, *args: Any, assignment: Assignment, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        session = assignment.proposal.session
        cast(forms.ChoiceField, self.fields["answer_class"]).choices = [
            (c["code"], f"{c['code']}类（{c['label']}）") for c in session.answer_classes
        ]
        terms = session.terms
        self.fields["leader_name"].label = f"{terms['contact']}领导"
        self.fields["clerk_name"].label = f"{terms['contact']}人"

    @classmethod
    def initial_from(cls, reply: Reply) -> dict[str, Any]:
        return {
            "answer_class": reply.answer_class,
            "body": reply.body,
            "leader_name": reply.leader_name,
            "clerk_name": reply.clerk_name,
            "phone": reply.phone,
            "cc_list": "、".join(reply.cc_list),
        }

    def cc_items(self) -> list[str]:
        return [c.strip() for c in self.cleaned_data.get("cc_list", "").split("、") if c.strip()]


class OpinionDraftForm(forms.Form):
    """A co-unit's written opinion to the lead unit (协办意见)."""

    body = PlainTextField(label="协办意见", multiline=True, rows=16, required=False,
                          max_length=BODY_MAX_CHARS)  # fmt: skip
    leader_name = PlainTextField(label="协办领导", max_length=30, required=False)
    phone = PlainTextField(label="联系电话", max_length=30, required=False)


class FeedbackForm(forms.Form):
    """The proposer's satisfaction as the office records it; no choice is preselected."""

    satisfaction = forms.ChoiceField(
        label="代表委员反馈", choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    feedback_date = forms.DateField(
        label="反馈日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="不填为今天",
    )
    comment = PlainTextField(label="反馈意见", multiline=True, rows=2, required=False)


class PreviewForm(forms.Form):
    """The text being edited, posted by the editor's live preview and rendered without saving.
    Printed literally, so only its length and answer class are checked."""

    body = forms.CharField(
        required=False,
        strip=False,
        max_length=BODY_MAX_CHARS,
        error_messages={"max_length": f"复函正文不能超过 {BODY_MAX_CHARS} 个字符"},
    )
    answer_class = forms.ChoiceField(required=False)

    def __init__(self, *args: Any, session: Session, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        codes = session.answer_class_codes()
        field = cast(forms.ChoiceField, self.fields["answer_class"])
        field.choices = [("", "")] + [(c, c) for c in codes]
        field.error_messages["invalid_choice"] = "答复分类须为以下之一：" + "、".join(codes)

    def first_error(self) -> str:
        return next((str(e) for errors in self.errors.values() for e in errors), "输入有误")
