"""Forms for the item page's POSTs: input is cleaned here, at the edge, with labels and field
errors; services receive clean values and check the rules again (they are the authority)."""

from __future__ import annotations

from typing import Any
from typing import cast

from django import forms
from django.conf import settings

from core.exceptions import ApplicationError
from core.validation import clean_text
from proposals.models import Assignment
from proposals.models import Bureau
from proposals.services import Upload
from proposals.services import attachments_check
from proposals.workflow import Comment
from proposals.workflow import ExtensionWorkflow
from proposals.workflow import Step
from proposals.workflow import step


class PlainTextField(forms.CharField):
    """Text a user types: trimmed, length-checked, and refused with the Chinese reason when it
    holds HTML or a script URL (core.validation.clean_text, the services' own check)."""

    def __init__(self, *, multiline: bool = False, rows: int = 3, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 2000)
        if multiline:
            kwargs.setdefault("widget", forms.Textarea(attrs={"rows": rows}))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        text = super().clean(value)
        try:
            return clean_text(
                text, label=str(self.label or "内容"), max_length=self.max_length or 0
            )
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message) from exc


class TransitionForm(forms.Form):
    """A transition's form as declared: a comment when the step asks for one, required or not,
    under the step's own label."""

    comment = PlainTextField(multiline=True, rows=2, required=False)

    def __init__(self, *args: Any, step: Step, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.step = step
        if step.comment == Comment.NONE:
            del self.fields["comment"]
            return
        field = self.fields["comment"]
        field.label = step.comment_label
        field.required = step.comment == Comment.REQUIRED
        if not field.required:
            field.help_text = "可不填"


class ReassignForm(TransitionForm):
    """同意调整: the office picks the bureau that takes the item over."""

    bureau = forms.ModelChoiceField(
        queryset=Bureau.objects.none(), label="改由哪个单位办理", empty_label="请选择单位"
    )
    field_order = ["bureau", "comment"]

    def __init__(self, *args: Any, assignment: Assignment, **kwargs: Any) -> None:
        super().__init__(*args, step=assignment.step("reassign"), **kwargs)
        bureau = cast(forms.ModelChoiceField, self.fields["bureau"])
        bureau.queryset = Bureau.objects.exclude(pk=assignment.bureau_id)


def transition_form(
    *, assignment: Assignment, name: str, data: Any = None, prefix: str | None = None
) -> TransitionForm:
    """The form of one transition of this assignment, bound to `data` when given."""
    if name == "reassign":
        return ReassignForm(data, assignment=assignment, prefix=prefix)
    return TransitionForm(data, step=assignment.step(name), prefix=prefix)


class ExtensionRequestForm(forms.Form):
    requested_due_date = forms.DateField(
        label="申请延至", widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = PlainTextField(label="延期理由", multiline=True, rows=2)


APPROVE = step("approve", workflow=ExtensionWorkflow)
REJECT = step("reject", workflow=ExtensionWorkflow)


class ExtensionDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="审批结果",
        choices=[("approve", APPROVE.label), ("reject", REJECT.label)],
        widget=forms.RadioSelect,
    )
    comment = PlainTextField(
        label="审批意见", multiline=True, rows=2, required=False, help_text="不同意时必填"
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        declared = APPROVE if data.get("decision") == "approve" else REJECT
        if (
            data.get("decision")
            and declared.comment == Comment.REQUIRED
            and not data.get("comment")
        ):
            self.add_error("comment", f"{declared.label}须填写{declared.comment_label}")
        return data


class WithdrawForm(forms.Form):
    reason = PlainTextField(label="撤回理由", multiline=True, rows=2)


class MergeForm(forms.Form):
    into_number = forms.IntegerField(
        label="并入本届第几号", min_value=1, max_value=99999, widget=forms.NumberInput
    )
    reason = PlainTextField(label="并案说明", multiline=True, rows=2, required=False)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Several files at once (the original suggestion: PDF, PNG/JPEG, .docx). Each is refused
    with its name and the reason, by the attachment service's own check, before anything is
    stored; the cleaned value is the list of uploads."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.docx"})
        )
        limit = settings.FUHAN_ATTACHMENT_MAX_BYTES // 1024 // 1024
        kwargs.setdefault(
            "help_text", f"PDF、PNG/JPEG 图片或 Word（.docx），可多选，每个不超过 {limit} MB"
        )
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Upload]:
        files = list(data) if isinstance(data, list | tuple) else ([data] if data else [])
        if not files:
            if self.required:
                raise forms.ValidationError("请选择要上传的文件")
            return []
        limit = settings.FUHAN_ATTACHMENT_MAX_BYTES
        uploads = []
        for upload in files:
            upload = super().clean(upload, initial)
            if upload.size > limit:  # refused before it is read into memory
                raise forms.ValidationError(
                    f"“{upload.name}”过大（{upload.size / 1024 / 1024:.1f} MB），"
                    f"附件不能超过 {limit / 1024 / 1024:.0f} MB"
                )
            uploads.append(Upload(upload.name, upload.read()))
        try:
            attachments_check(uploads)
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message) from exc
        return uploads


class AttachmentUploadForm(forms.Form):
    upload = AttachmentsField(label="上传原件")


class ConfirmForm(forms.Form):
    """A button with nothing to fill in (removing an attachment)."""
