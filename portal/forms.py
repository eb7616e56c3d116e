from django import forms

from core.choices import Satisfaction
from proposals.forms import PlainTextField


class RatingForm(forms.Form):
    """A proposer's rating of one issued letter; nothing is preselected."""

    satisfaction = forms.ChoiceField(
        label="您对这份复函的评价",
        choices=Satisfaction.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择满意、基本满意或不满意"},
    )
    contacted = forms.BooleanField(label="办理过程中，承办单位曾与我面商或沟通", required=False)
    comment = PlainTextField(label="意见（可不填）", multiline=True, rows=3, required=False)


class PublicSearchForm(forms.Form):
    q = forms.CharField(label="搜索", max_length=50, required=False)


class LinkRequestForm(forms.Form):
    mobile = forms.RegexField(
        label="登记的手机号码",
        regex=r"^1[3-9]\d{9}$",
        error_messages={"invalid": "请输入 11 位手机号码", "required": "请输入手机号码"},
    )
