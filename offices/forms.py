"""Forms of the offices' tools and the contact record: cleaned at the edge, with labels and
field errors; the services check the rules again."""

from __future__ import annotations

import datetime as dt
from typing import Any
from typing import cast

from django import forms
from django.conf import settings
from django.utils import timezone

from core.choices import ContactMethod
from core.choices import Publicity
from core.choices import Satisfaction
from proposals.forms import AttachmentsField
from proposals.forms import PlainTextField
from proposals.models import Bureau
from proposals.models import Proposal
from proposals.models import Session
from proposals.services import CONTENT_MAX_LENGTH


class ContactForm(forms.Form):
    """面商沟通: when and how the clerk contacted the proposer."""

    contacted_on = forms.DateField(label="沟通日期", widget=forms.DateInput(attrs={"type": "date"}))
    method = forms.ChoiceField(label="方式", choices=ContactMethod.choices)
    note = PlainTextField(label="沟通情况", multiline=True, rows=2, required=False)

    def clean_contacted_on(self) -> dt.date:
        day = self.cleaned_data["contacted_on"]
        if day > timezone.localdate():
            raise forms.ValidationError("沟通日期不能晚于今天")
        return day


class ImportUploadForm(forms.Form):
    file = forms.FileField(label="交办清单（.xlsx）", widget=forms.ClearableFileInput(
        attrs={"accept": ".xlsx"}))  # fmt: skip

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = settings.UPLOAD_MAX_BYTES
        if upload.size > limit:  # refused without reading it into memory
            raise forms.ValidationError(f"文件过大，不能超过 {limit // 1024 // 1024} MB")
        return upload


class ImportCommitForm(forms.Form):
    """The preview the office confirms: the staged file, named by its SHA-256."""

    sha256 = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)
    filename = forms.CharField(max_length=200, widget=forms.HiddenInput)


class RegisterForm(forms.Form):
    """登记交办: one item, as the office has it on paper, with its originals. The service checks
    every rule again (number unique in the session, units, text)."""

    session = forms.ModelChoiceField(
        queryset=Session.objects.none(), label="会议届次", empty_label="请选择会议"
    )
    number = forms.IntegerField(label="编号", min_value=1, max_value=99999)
    title = PlainTextField(label="标题", max_length=200, help_text="不含书名号《》")
    lead_proposer = PlainTextField(
        label="领衔人", max_length=100, help_text="集体提案填提出单位全称，如：民建临安区基层委员会"
    )
    signer_count = forms.IntegerField(
        label="提出人数", min_value=1, max_value=999, initial=1, help_text="领衔人在内的总人数"
    )
    cosigners = PlainTextField(
        label="附议人", multiline=True, rows=2, required=False, help_text="多人用“、”分隔"
    )
    is_collective = forms.BooleanField(
        label="集体提案（以单位名义提出：复函只称单位名称，不加“委员”“代表”）", required=False
    )
    is_key = forms.BooleanField(label="重点", required=False)
    is_complex = forms.BooleanField(label="复杂事项（按复杂事项的答复期限办理）", required=False)
    content = PlainTextField(
        label="内容（全文）",
        multiline=True,
        rows=12,
        required=False,
        max_length=CONTENT_MAX_LENGTH,
        help_text="代表委员原文，承办单位在事项页面和复函编辑页面可见",
    )
    lead_bureaus = forms.ModelMultipleChoiceField(
        queryset=Bureau.objects.all(),
        label="主办单位",
        widget=forms.CheckboxSelectMultiple,
        help_text="选多个即为分办，各自答复",
    )
    co_bureaus = forms.ModelMultipleChoiceField(
        queryset=Bureau.objects.all(),
        label="协办单位",
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    assigned_date = forms.DateField(
        label="交办日期", widget=forms.DateInput(attrs={"type": "date"})
    )
    attachments = AttachmentsField(label="原件附件", required=False)

    def __init__(self, *args: Any, body: str, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"assigned_date": timezone.localdate(), "signer_count": 1})
        super().__init__(*args, **kwargs)
        session = cast(forms.ModelChoiceField, self.fields["session"])
        session.queryset = Session.objects.filter(body=body).order_by("-year", "name")

    def clean_title(self) -> str:
        return str(self.cleaned_data["title"]).strip("《》 ")

    def clean_assigned_date(self) -> dt.date:
        day = self.cleaned_data["assigned_date"]
        if day > timezone.localdate():
            raise forms.ValidationError("交办日期不能晚于今天")
        return day

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lead, co = data.get("lead_bureaus") or [], data.get("co_bureaus") or []
        both = {b.pk for b in lead} & {b.pk for b in co}
        if both:
            names = "、".join(b.short_name for b in co if b.pk in both)
            self.add_error("co_bureaus", f"{names}不能既是主办单位又是协办单位")
        session, number = data.get("session"), data.get("number")
        if session and number and Proposal.objects.filter(session=session, number=number).exists():
            self.add_error("number", f"{session.name}第{number}号已存在，编号不能重复")
        return data


class CalendarDaysForm(forms.Form):
    """录入节假日: one day or a span (春节 8 天), off or a make-up working day."""

    OFF, WORK = "off", "work"
    start = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(
        label="至",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="连续多天时填写最后一天，单日可不填",
    )
    kind = forms.ChoiceField(
        label="安排",
        choices=[(OFF, "放假"), (WORK, "调休上班（周六或周日）")],
        initial=OFF,
        widget=forms.RadioSelect,
    )
    name = PlainTextField(label="名称", max_length=30, help_text="如：春节、国庆节调休上班")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", "结束日期不能早于开始日期")
        return data


class CalendarRemoveForm(forms.Form):
    date = forms.DateField(widget=forms.HiddenInput)


class CalendarPublishForm(forms.Form):
    year = forms.IntegerField(min_value=2000, max_value=2100, widget=forms.HiddenInput)
    complete = forms.TypedChoiceField(
        choices=[("1", "1"), ("0", "0")], coerce=lambda v: v == "1", widget=forms.HiddenInput
    )


class PaperRatingForm(forms.Form):
    """A rating a proposer gave on paper, recorded by the office (marked 纸质评价)."""

    person = forms.TypedChoiceField(label="代表委员", coerce=int)
    letter = forms.TypedChoiceField(label="复函", coerce=int)
    satisfaction = forms.ChoiceField(
        label="评价", choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    contacted = forms.BooleanField(label="承办单位曾与其面商沟通", required=False)
    comment = PlainTextField(label="意见", multiline=True, rows=2, required=False)

    def __init__(self, *args: Any, people: list[Any], letters: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["person"]).choices = [(p.pk, p.name) for p in people]
        cast(forms.ChoiceField, self.fields["letter"]).choices = [
            (x.pk, x.doc_number) for x in letters
        ]


class PublicityForm(forms.Form):
    publicity = forms.ChoiceField(label="公开属性", choices=Publicity.choices)
