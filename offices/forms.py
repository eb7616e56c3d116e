"""Forms of the offices' tools and the contact record: cleaned at the edge, with labels and
field errors; the services check the rules again."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone

from core.choices import ContactMethod
from proposals.forms import PlainTextField


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
