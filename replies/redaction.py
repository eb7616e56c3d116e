"""What the public may not read in a published letter: phone numbers (mobile, landline, with or
without area code, spaces or hyphens). The contact block (承办人, phone) is left out whole."""

from __future__ import annotations

import re

HIDDEN = "（号码已隐去）"

_PHONE = re.compile(
    r"(?<![\d])(?:"
    r"(?:\+?86[-\s－]?)?1[3-9]\d(?:[-\s－]?\d{4}){2}"  # mobile, 138 0000 0000
    r"|0\d{2,3}[-\s－]?\d{7,8}(?:[-－]\d{1,4})?"  # landline with area code
    r"|\(0\d{2,3}\)\s?\d{7,8}|（0\d{2,3}）\s?\d{7,8}"  # (0571)63712345
    r")(?![\d])"
)
# a local number without area code, only where the text says it is one
_LABELLED = re.compile(r"((?:电话|手机|联系方式|热线|传真)[：:\s]*)(\d[\d\-－\s]{5,}\d)")


def redact_phones(text: str) -> str:
    text = _PHONE.sub(HIDDEN, text)
    return _LABELLED.sub(lambda m: m.group(1) + HIDDEN, text)
