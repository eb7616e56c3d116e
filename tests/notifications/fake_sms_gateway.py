"""A fake SMS gateway: a real HTTP server on 127.0.0.1 (a free port), speaking the protocol of
notifications.sms.HttpGatewaySmsBackend. Each request takes the next scripted answer:
"ok", an HTTP status (500, 429, 400), ("code", "BUSY"), or "slow" (answers OK after the
client's timeout: the message is accepted, the answer lost). Like real gateways it accepts an
`out_id` once: `sent` counts the messages that would reach a phone."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from typing import Any


class FakeGateway:
    def __init__(self, *, key: str = "test-key", slow_seconds: float = 1.0) -> None:
        self.key = key
        self.slow_seconds = slow_seconds
        self.script: list[Any] = []
        self.requests: list[dict[str, Any]] = []
        self.accepted: dict[str, str] = {}  # out_id -> message id
        self.lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                with gateway.lock:
                    gateway.requests.append(
                        {"body": body, "auth": self.headers.get("Authorization", "")}
                    )
                    action = gateway.script.pop(0) if gateway.script else "ok"
                if self.headers.get("Authorization") != f"Bearer {gateway.key}":
                    return self._answer(401, {"code": "UNAUTHORIZED", "message": "bad key"})
                if isinstance(action, int):
                    return self._answer(action, {"code": "ERROR"})
                if isinstance(action, tuple):
                    return self._answer(200, {"code": action[1], "message": "scripted"})
                if action == "slow":
                    time.sleep(gateway.slow_seconds)
                with gateway.lock:
                    out_id = body.get("out_id", "")
                    message_id = gateway.accepted.setdefault(
                        out_id, f"gw-{len(gateway.accepted) + 1}"
                    )
                return self._answer(200, {"code": "OK", "message_id": message_id})

            def _answer(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/sms/send"

    @property
    def sent(self) -> int:
        return len(self.accepted)

    def start(self) -> FakeGateway:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
