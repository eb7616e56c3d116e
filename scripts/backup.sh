#!/usr/bin/env bash
# Back up 复函: the PostgreSQL database (pg_dump, custom format) and the media folder (issued
# letters' PDFs) into one dated folder.
#   DATABASE_URL=postgres://… DJANGO_MEDIA_ROOT=/var/lib/fuhan/media \
#     bash scripts/backup.sh /var/backups/fuhan
# Writes <target>/fuhan-YYYYmmdd-HHMMSS/{database.dump,media.tar.gz,SHA256SUMS}. The database is
# dumped first: a letter issued during the backup then has its PDF in the archive, and at worst
# the archive holds a PDF the dump does not know yet (never the other way round).
set -euo pipefail
target="${1:?用法：bash scripts/backup.sh <备份目录>}"
: "${DATABASE_URL:?请设置 DATABASE_URL=postgres://…}"
: "${DJANGO_MEDIA_ROOT:?请设置 DJANGO_MEDIA_ROOT（复函 PDF 所在目录）}"
stamp=$(date +%Y%m%d-%H%M%S)
out="$target/fuhan-$stamp"
mkdir -p "$out"
pg_dump --format=custom --no-owner --no-privileges --file "$out/database.dump" "$DATABASE_URL"
tar -C "$DJANGO_MEDIA_ROOT" -czf "$out/media.tar.gz" .
(cd "$out" && sha256sum database.dump media.tar.gz > SHA256SUMS)
echo "$out"
