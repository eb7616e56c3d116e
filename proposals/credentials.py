"""A bureau's signing certificate (PKCS#12), found by reference, never stored in the database.

`Bureau.signing_certificate` holds a name such as ``lin-jxj``. The file is
``<FUHAN_SIGNING_DIR>/<name>.p12``; its password comes from the environment variable
``FUHAN_SIGNING_PASSWORD_<NAME>`` (upper case, ``-`` as ``_``) or, when that is unset, from the
secret store file ``<FUHAN_SECRETS_DIR>/<name>.password`` (systemd credentials, Docker secrets).
The admin refuses a name whose certificate cannot be opened, with the reason in Chinese.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,59}$")


@dataclass(frozen=True)
class SigningCredentials:
    name: str
    pkcs12: bytes
    password: bytes
    subject: str
    not_after: dt.datetime


def password_variable(name: str) -> str:
    return "FUHAN_SIGNING_PASSWORD_" + name.upper().replace("-", "_")


def _password(name: str) -> bytes:
    value = os.environ.get(password_variable(name))
    if value is not None:
        return value.encode()
    secret = Path(settings.FUHAN_SECRETS_DIR) / f"{name}.password"
    if secret.is_file():
        return secret.read_bytes().rstrip(b"\r\n")
    raise ValidationError(
        f"找不到证书“{name}”的密码：请设置环境变量 {password_variable(name)}，"
        f"或在密钥目录放置 {name}.password"
    )


def load_signing_credentials(name: str) -> SigningCredentials:
    """The certificate `name` with its password, checked: readable, with a private key, valid
    today. Raises ValidationError with a Chinese message otherwise."""
    from cryptography.hazmat.primitives.serialization import pkcs12

    if not NAME.match(name or ""):
        raise ValidationError("证书名称只能包含字母、数字、- 和 _（例如 lin-jxj）")
    path = Path(settings.FUHAN_SIGNING_DIR) / f"{name}.p12"
    if not path.is_file():
        raise ValidationError(f"找不到证书文件 {name}.p12（证书目录 FUHAN_SIGNING_DIR）")
    data = path.read_bytes()
    password = _password(name)
    try:
        key, cert, _ = pkcs12.load_key_and_certificates(data, password)
    except ValueError as exc:
        raise ValidationError(
            f"无法打开证书 {name}.p12：密码不正确，或文件不是 PKCS#12 格式"
        ) from exc
    if key is None or cert is None:
        raise ValidationError(f"证书 {name}.p12 中没有私钥或签名证书")
    now = dt.datetime.now(dt.UTC)
    if not (cert.not_valid_before_utc <= now <= cert.not_valid_after_utc):
        raise ValidationError(
            f"证书 {name}.p12 不在有效期内（{cert.not_valid_before_utc:%Y-%m-%d} 至 "
            f"{cert.not_valid_after_utc:%Y-%m-%d}）"
        )
    return SigningCredentials(
        name=name,
        pkcs12=data,
        password=password,
        subject=cert.subject.rfc4514_string(),
        not_after=cert.not_valid_after_utc,
    )


def validate_signing_certificate(name: str) -> None:
    """Model-field validator: the named certificate opens with its password."""
    if name:
        load_signing_credentials(name)
