"""/healthz for the reverse proxy and monitoring (django-health-check): the database, the cache,
the Celery broker and the media storage. 200 when all answer, 503 naming what failed."""

from __future__ import annotations

import dataclasses
from typing import Any

from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView


@dataclasses.dataclass
class Broker(HealthCheck):
    """The broker web processes queue notices on and workers read from: a connection and, for
    Redis, a PING (the filesystem broker of the embedded default: its folder)."""

    def run(self) -> None:
        from config.celery_app import app

        try:
            with app.connection_for_write() as connection:
                connection.ensure_connection(max_retries=1, timeout=2)
                client = getattr(connection.default_channel, "client", None)
                if client is not None:
                    client.ping()
        except Exception as exc:  # any failure means: tasks cannot be queued now
            raise ServiceUnavailable("消息队列（Celery broker）不可用") from exc


class HealthView(HealthCheckView):
    checks = (
        "health_check.checks.Database",
        "health_check.checks.Cache",
        Broker,
        "health_check.checks.Storage",
    )

    async def get(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        response = await super().get(request, *args, **kwargs)
        if response.status_code == 500:  # a service is down: not an error of this page
            response.status_code = 503
        return response
