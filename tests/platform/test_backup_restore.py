"""Backup and restore, for real (PostgreSQL only): issue a letter, back up with scripts/backup.sh
(pg_dump + the media folder), restore with scripts/restore.sh into a NEW database and folder,
and verify_letters passes there; a PDF changed after the backup fails the check."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from replies import services as rs
from replies.models import IssuedLetter
from tests.factories import AssignmentFactory
from tests.factories import ProposalFactory
from tests.factories import ReplyFactory
from tests.platform.test_settings import clean_env

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump 需要 PostgreSQL"),
]
ROOT = Path(settings.BASE_DIR)


def server_url() -> str:
    params = connection.settings_dict
    user = params.get("USER") or "postgres"
    host = params.get("HOST") or "127.0.0.1"
    port = params.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}"


def bash(script: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        ["bash", str(ROOT / "scripts" / script), *args],  # noqa: S607
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_backup_then_restore_into_a_new_database_and_verify_letters(world, tmp_path, settings):
    a = AssignmentFactory(
        proposal=ProposalFactory(session=world.npc_session),
        bureau=world.bureau,
        state="approved",
        clerk=world.clerk,
    )
    ReplyFactory(assignment=a)
    rs.reply_issue(assignment_id=a.pk, actor=world.clerk)
    letter = IssuedLetter.objects.get()
    assert Path(letter.pdf.path).is_file()

    server = server_url()
    source = f"{server}/{connection.settings_dict['NAME']}"
    restored = f"{connection.settings_dict['NAME']}_restore_{os.getpid()}"
    env = clean_env(
        DATABASE_URL=source,
        DJANGO_MEDIA_ROOT=str(settings.MEDIA_ROOT),
        DATABASE_SERVER=server,
        PYTHON=sys.executable,
        DJANGO_SETTINGS_MODULE="config.settings.test",
    )
    backup = bash("backup.sh", str(tmp_path / "backups"), env=env)
    assert backup.returncode == 0, backup.stderr
    folder = Path(backup.stdout.strip().splitlines()[-1])
    assert {p.name for p in folder.iterdir()} == {"database.dump", "media.tar.gz", "SHA256SUMS"}

    # the original changes after the backup: the restore must not care
    Path(letter.pdf.path).write_bytes(b"%PDF-1.7 damaged after the backup")
    media = tmp_path / "media-restored"
    try:
        restore = bash("restore.sh", str(folder), restored, str(media), env=env)
        assert restore.returncode == 0, restore.stdout + restore.stderr
        assert "已校验 1 份复函 PDF，0 份有问题" in restore.stdout
        with psycopg.connect(f"{server}/{restored}") as conn:
            numbers = conn.execute("SELECT doc_number FROM replies_issuedletter").fetchall()
        assert numbers == [(letter.doc_number,)]

        # verify_letters on the restored copy catches a changed PDF
        (media / letter.pdf.name).write_bytes(b"%PDF-1.7 tampered")
        check = subprocess.run(
            [sys.executable, "manage.py", "verify_letters"],
            env={**env, "DATABASE_URL": f"{server}/{restored}", "DJANGO_MEDIA_ROOT": str(media)},
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert check.returncode == 1
        assert letter.doc_number in check.stderr
        assert "SHA-256 不符" in check.stderr
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')


def test_restore_refuses_to_overwrite_an_existing_database(tmp_path):
    folder = tmp_path / "fuhan-x"
    folder.mkdir()
    (folder / "database.dump").write_bytes(b"")
    empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    (folder / "SHA256SUMS").write_text(f"{empty}  database.dump\n")
    env = clean_env(DATABASE_SERVER=server_url())
    result = bash(
        "restore.sh", str(folder), connection.settings_dict["NAME"], str(tmp_path), env=env
    )
    assert result.returncode != 0
    assert "already exists" in result.stderr
