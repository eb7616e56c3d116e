"""Operations: /healthz, JSON logs with request ids, the retention of reminders and notifications,
staged import files that expire, the broker's visibility timeout against the tasks' time limits,
and `verify_letters`."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import logging.config
import os
import time

import pytest
import time_machine
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import CommandError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from config.celery_app import app as celery_app
from notifications import tasks as notification_tasks
from notifications.models import Notification
from notifications.models import Reminder
from notifications.services import notifications_purge
from offices import staging
from offices.tasks import import_staging_purge
from replies.models import IssuedLetter
from tests.factories import AssignmentFactory
from tests.factories import ProposalFactory
from tests.factories import ReplyFactory
from tests.net import closed_port
from tests.notifications.conftest import broker

# --- /healthz -------------------------------------------------------------------------------


def health(client: Client) -> tuple[int, dict[str, str]]:
    response = client.get(reverse("healthz"), HTTP_ACCEPT="application/json")
    return response.status_code, response.json()


def test_healthz_reports_every_service(db, client):
    status, checks = health(client)
    assert status == 200
    names = " ".join(checks)
    for name in ("Database", "Cache", "Broker", "Storage"):
        assert name in names
    assert set(checks.values()) == {"OK"}


def test_healthz_names_the_broker_when_it_is_down(db, client):
    with closed_port() as port, broker(f"redis://127.0.0.1:{port}/0"):
        status, checks = health(client)
    assert status == 503
    broker_check = next(v for k, v in checks.items() if "Broker" in k)
    assert "消息队列" in broker_check
    assert all(v == "OK" for k, v in checks.items() if "Broker" not in k)


def test_healthz_names_the_cache_when_it_is_down(db, client, settings):
    with closed_port() as port:
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": f"redis://127.0.0.1:{port}/0",
            }
        }
        status, checks = health(client)
    assert status == 503
    assert next(v for k, v in checks.items() if "Cache" in k) != "OK"


def test_healthz_needs_no_login_and_no_https_redirect():
    assert any(__import__("re").fullmatch(p, "healthz") for p in settings.SECURE_REDIRECT_EXEMPT)


# --- logs -----------------------------------------------------------------------------------


def test_production_logs_are_json_lines_with_the_request_id(db, client):
    """The production formatter (python-json-logger) on the LOGGING of the settings: each
    record is one JSON object on one line, with the request id of its request."""
    config = json.loads(json.dumps(settings.LOGGING, default=str))
    stream = io.StringIO()
    config["handlers"]["console"] = {
        "class": "logging.StreamHandler",
        "stream": stream,
        "filters": ["request_id"],
        "formatter": "json",
    }
    config["formatters"]["json"] = settings.LOGGING["formatters"]["json"]
    config["filters"] = settings.LOGGING["filters"]
    try:
        logging.config.dictConfig(config)
        response = client.get(
            "/no-such-page/", HTTP_X_REQUEST_ID="0123456789abcdef0123456789abcdef"
        )
    finally:
        logging.config.dictConfig(settings.LOGGING)
    assert response.status_code == 404
    assert response.headers["X-Request-ID"] == "0123456789abcdef0123456789abcdef"
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    request_lines = [line for line in lines if line["logger"] == "fuhan.request"]
    assert request_lines, lines
    line = request_lines[-1]
    assert line["request_id"] == "0123456789abcdef0123456789abcdef"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/no-such-page/", 404)
    assert {"time", "level", "message", "duration_ms"} <= set(line)


# --- retention ------------------------------------------------------------------------------


def test_old_reminders_and_notifications_are_purged_pending_and_unrated_kept(world, settings):
    settings.FUHAN_NOTIFICATION_RETENTION_DAYS = 30
    a = AssignmentFactory(proposal=ProposalFactory(session=world.npc_session), bureau=world.bureau)
    unrated = AssignmentFactory(
        proposal=ProposalFactory(session=world.npc_session), bureau=world.bureau, state="issued"
    )
    ReplyFactory(assignment=unrated, satisfaction="")
    K = Reminder.Kind  # noqa: N806
    long_ago = timezone.now() - dt.timedelta(days=31)
    with time_machine.travel(long_ago, tick=False):
        sent = Reminder.objects.create(assignment=a, kind=K.OVERDUE, key="old", sent_at=long_ago)
        Notification.objects.create(
            recipient=world.clerk, reminder=sent, kind=K.OVERDUE, title="旧"
        )
        Notification.objects.create(recipient=world.clerk, kind=K.OVERDUE, title="旧的站内通知")
        pending = Reminder.objects.create(assignment=a, kind=K.OVERDUE, key="pending")
        feedback = Reminder.objects.create(
            assignment=unrated, kind=K.FEEDBACK_MISSING, key="letter:1", sent_at=long_ago
        )
    recent = Reminder.objects.create(
        assignment=a, kind=K.OVERDUE, key="new", sent_at=timezone.now()
    )
    Notification.objects.create(recipient=world.clerk, reminder=recent, kind=K.OVERDUE, title="新")

    result = notification_tasks.notifications_purge()

    assert result == {"reminders": 1, "notifications": 2}
    assert set(Reminder.objects.values_list("pk", flat=True)) == {
        pending.pk,
        feedback.pk,
        recent.pk,
    }
    assert list(Notification.objects.values_list("title", flat=True)) == ["新"]
    assert notifications_purge().as_dict() == {"reminders": 0, "notifications": 0}


def test_purge_is_in_the_beat_schedule():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "notifications.tasks.notifications_purge" in tasks
    assert "offices.tasks.import_staging_purge" in tasks


# --- staged imports -------------------------------------------------------------------------


SHA = "a" * 64


def test_staged_import_files_expire_after_a_day(settings, tmp_path):
    settings.IMPORT_STAGING_DIR = tmp_path / "imports"
    staging.staging_store(sha256=SHA, data=b"PK\x03\x04 staged")
    fresh = "b" * 64
    staging.staging_store(sha256=fresh, data=b"PK\x03\x04 fresh")
    old = time.time() - settings.IMPORT_STAGING_MAX_AGE.total_seconds() - 60
    os.utime(tmp_path / "imports" / f"{SHA}.xlsx", (old, old))
    # the import refuses it (and deletes it) ...
    assert staging.staging_read(sha256=SHA) is None
    assert not (tmp_path / "imports" / f"{SHA}.xlsx").exists()
    # ... and the beat task deletes any other that expired
    staging.staging_store(sha256=SHA, data=b"PK\x03\x04 staged")
    os.utime(tmp_path / "imports" / f"{SHA}.xlsx", (old, old))
    assert import_staging_purge() == 1
    assert [p.name for p in (tmp_path / "imports").iterdir()] == [f"{fresh}.xlsx"]
    assert staging.staging_read(sha256=fresh) == b"PK\x03\x04 fresh"


def test_expired_preview_cannot_be_imported(world, client, settings, tmp_path):
    settings.IMPORT_STAGING_DIR = tmp_path / "imports"
    staging.staging_store(sha256=SHA, data=b"PK\x03\x04")
    old = time.time() - settings.IMPORT_STAGING_MAX_AGE.total_seconds() - 1
    os.utime(tmp_path / "imports" / f"{SHA}.xlsx", (old, old))
    client.force_login(world.npc)
    response = client.post(
        reverse("office:import"), {"step": "commit", "sha256": SHA, "filename": "a.xlsx"}
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "预览已过期" in page


def test_staging_refuses_names_that_are_not_a_sha256(settings, tmp_path):
    settings.IMPORT_STAGING_DIR = tmp_path
    with pytest.raises(ValueError, match="SHA-256"):
        staging.staging_read(sha256="../../etc/passwd")


# --- Celery redelivery ----------------------------------------------------------------------


def test_visibility_timeout_is_minutes_and_above_every_task_time_limit():
    """A killed worker's unacknowledged task is redelivered after the visibility timeout: it
    must be short (minutes, not the hour of before) and longer than any task may run or wait
    for a retry, or a task still running would be handed to a second worker."""
    from config.settings import base

    timeout = base.CELERY_VISIBILITY_TIMEOUT
    assert 60 <= timeout <= 15 * 60
    assert timeout > base.CELERY_TASK_TIME_LIMIT
    for name, task in celery_app.tasks.items():
        if name.startswith(("notifications.", "offices.")):
            assert task.acks_late, name
            assert (task.time_limit or base.CELERY_TASK_TIME_LIMIT) < timeout, name
    assert notification_tasks.transition_notify.retry_backoff_max < timeout


def test_production_uses_the_same_visibility_timeout():
    from tests.platform.test_settings import PRODUCTION_ENV
    from tests.platform.test_settings import clean_env
    from tests.platform.test_settings import python

    result = python(
        "from config.settings import production as p\n"
        "print(p.CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout'])\n",
        env=clean_env(DJANGO_SETTINGS_MODULE="config.settings.production", **PRODUCTION_ENV),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "600"


# --- verify_letters -------------------------------------------------------------------------


def stored_letter(world, number: int, content: bytes) -> IssuedLetter:
    a = AssignmentFactory(proposal=ProposalFactory(session=world.npc_session), bureau=world.bureau)
    letter = IssuedLetter(
        reply=ReplyFactory(assignment=a),
        doc_year=2023,
        doc_serial=number,
        doc_number=f"临经信建复〔2023〕{number}号",
        issued_date=dt.date(2023, 5, 8),
        body="正文",
        answer_class="A",
        leader_name="顾小晶",
        clerk_name="楼伟荣",
        phone="1",
        pdf_sha256=hashlib.sha256(content).hexdigest(),
    )
    letter.pdf.save(f"{number}.pdf", ContentFile(content), save=False)
    letter.save()
    return letter


def test_verify_letters_passes_and_names_a_changed_or_missing_pdf(world, capsys):
    good = stored_letter(world, 41, b"%PDF-1.7 letter 41")
    changed = stored_letter(world, 42, b"%PDF-1.7 letter 42")
    missing = stored_letter(world, 43, b"%PDF-1.7 letter 43")
    call_command("verify_letters")
    assert "已校验 3 份复函 PDF，0 份有问题" in capsys.readouterr().out

    with open(changed.pdf.path, "ab") as f:
        f.write(b"tampered")
    os.remove(missing.pdf.path)
    with pytest.raises(CommandError, match="2 份有问题"):
        call_command("verify_letters")
    errors = capsys.readouterr().err
    assert "临经信建复〔2023〕42号" in errors
    assert "SHA-256 不符" in errors
    assert "临经信建复〔2023〕43号" in errors
    assert "文件缺失" in errors
    assert good.doc_number not in errors
