"""SMS backends: an interface, a console backend for development and an HTTP gateway backend.

The gateway backend POSTs JSON to FUHAN_SMS_GATEWAY_URL with the key in the Authorization
header: {"phone", "sign_name", "template_id", "params", "out_id"}; the gateway answers
{"code": "OK", "message_id": "..."} when it has accepted the message. `out_id` is our message's
key, the same on every attempt, so a gateway that deduplicates by it never sends twice when we
retry after a lost answer. Errors say whether a retry may help (timeouts, 5xx, a busy gateway)
or not (bad key, bad number, unknown template)."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)
RETRYABLE_CODES = frozenset({"BUSY", "THROTTLED", "SYSTEM_ERROR"})


class SmsError(Exception):
    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class Sms:
    phone: str
    template_id: str
    params: dict[str, str]
    text: str  # the message as the template reads, for the log and the console
    out_id: str


class SmsBackend(Protocol):
    def send(self, sms: Sms) -> str:
        """Hand the message to the gateway; return its message id or raise SmsError."""


class ConsoleSmsBackend:
    """Development: the message goes to the log, nothing leaves the machine."""

    def send(self, sms: Sms) -> str:
        logger.info("短信（未实际发送）至 %s：%s", sms.phone, sms.text)
        return f"console-{uuid.uuid4().hex[:12]}"


class HttpGatewaySmsBackend:
    def __init__(
        self,
        *,
        url: str | None = None,
        key: str | None = None,
        sign_name: str | None = None,
        timeout: float | None = None,
    ) -> None:
        self.url = url if url is not None else settings.FUHAN_SMS_GATEWAY_URL
        self.key = key if key is not None else settings.FUHAN_SMS_GATEWAY_KEY
        self.sign_name = sign_name if sign_name is not None else settings.FUHAN_SMS_SIGN_NAME
        self.timeout = timeout if timeout is not None else settings.FUHAN_SMS_TIMEOUT_SECONDS
        if not self.url.startswith(("http://", "https://")):
            raise SmsError("短信网关地址未配置（FUHAN_SMS_GATEWAY_URL）", retryable=False)

    def send(self, sms: Sms) -> str:
        payload = json.dumps(
            {
                "phone": sms.phone,
                "sign_name": self.sign_name,
                "template_id": sms.template_id,
                "params": sms.params,
                "out_id": sms.out_id,
            },
            ensure_ascii=False,
        ).encode()
        request = urllib.request.Request(  # noqa: S310 (the URL is checked above: http/https)
            self.url,
            data=payload,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Authorization": f"Bearer {self.key}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                body = response.read(64 * 1024)
        except urllib.error.HTTPError as exc:
            retryable = exc.code >= 500 or exc.code == 429
            raise SmsError(f"短信网关返回 HTTP {exc.code}", retryable=retryable) from exc
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            raise SmsError(f"短信网关无法连接或超时：{exc}", retryable=True) from exc
        try:
            answer: Any = json.loads(body)
        except ValueError as exc:
            raise SmsError("短信网关的应答无法解析", retryable=True) from exc
        code = str(answer.get("code", "")) if isinstance(answer, dict) else ""
        if code == "OK" and answer.get("message_id"):
            return str(answer["message_id"])
        message = str(answer.get("message", "")) if isinstance(answer, dict) else ""
        raise SmsError(
            f"短信网关拒绝：{code or '无应答码'} {message}".strip(),
            retryable=code in RETRYABLE_CODES,
        )


def sms_backend() -> SmsBackend:
    backend: SmsBackend = import_string(settings.FUHAN_SMS_BACKEND)()
    return backend
