"""Checks on text that users type. Nothing here writes; callers raise before any change."""

import datetime as dt
import re

from core.exceptions import ApplicationError

_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!?][^>]*>")
_SCRIPT_URL = re.compile(r"(?i)\b(?:javascript|vbscript)\s*:")


def clean_text(
    value: str | None, *, label: str, required: bool = False, max_length: int = 0
) -> str:
    """Plain text only: HTML tags or script URLs are refused with a clear message."""
    text = (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if required and not text:
        raise ApplicationError(f"{label}不能为空")
    if _TAG.search(text) or _SCRIPT_URL.search(text):
        raise ApplicationError(f"{label}不能包含 HTML 标签或脚本，请只填写文字")
    if max_length and len(text) > max_length:
        raise ApplicationError(f"{label}不能超过 {max_length} 个字符（现为 {len(text)} 个）")
    return text


def parse_date(value: str | None) -> dt.date | None:
    """A date typed into a form or query string (2026-03-15); None when empty or malformed."""
    try:
        return dt.date.fromisoformat(value or "")
    except ValueError:
        return None
