#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into a NEW database and media folder, then check
# every issued letter's PDF against its recorded SHA-256 (manage.py verify_letters).
#   DATABASE_SERVER=postgres://postgres@127.0.0.1:5432 \
#     bash scripts/restore.sh /var/backups/fuhan/fuhan-20261128-030000 fuhan_restored /var/lib/fuhan/media-restored
# The database must not exist yet (nothing is overwritten). Switch the services over by pointing
# DATABASE_URL and DJANGO_MEDIA_ROOT at the restored copies once verify_letters passed.
set -euo pipefail
backup="${1:?用法：bash scripts/restore.sh <备份文件夹> <新数据库名> <新媒体目录>}"
database="${2:?缺少新数据库名}"
media="${3:?缺少新媒体目录}"
server="${DATABASE_SERVER:-postgres://postgres@127.0.0.1:5432}"
cd "$(dirname "$0")/.."
(cd "$backup" && sha256sum --check --quiet SHA256SUMS)
psql --quiet --no-psqlrc "$server/postgres" -c "CREATE DATABASE \"$database\""
pg_restore --no-owner --no-privileges --exit-on-error --dbname "$server/$database" "$backup/database.dump"
mkdir -p "$media"
tar -C "$media" -xzf "$backup/media.tar.gz"
DATABASE_URL="$server/$database" DJANGO_MEDIA_ROOT="$media" \
  DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings.local}" \
  "${PYTHON:-.venv/bin/python}" manage.py verify_letters
