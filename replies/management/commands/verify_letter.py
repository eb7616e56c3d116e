"""python manage.py verify_letter 临经信建复〔2023〕41号 [--file 收到的文件.pdf]

Checks an issued letter: the stored file against its SHA-256 from issuance, and its digital
signature (signed? unchanged since? by whom?). With --file, checks a copy someone received
instead of the stored one. Exit status 0 when everything holds, 1 otherwise."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand
from django.core.management.base import CommandError

from replies.models import IssuedLetter
from replies.selectors import letter_stored_pdf
from replies.signing import verify_pdf


class Command(BaseCommand):
    help = "核验已印发复函：存档文件的 SHA-256 与电子签名"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("doc_number", help="文号，如 临经信建复〔2023〕41号")
        parser.add_argument("--file", help="核验收到的这份 PDF，而不是系统存档的文件")

    def handle(self, *args: Any, doc_number: str, file: str | None, **options: Any) -> None:
        letter = IssuedLetter.objects.filter(doc_number=doc_number.strip()).first()
        if letter is None:
            raise CommandError(f"没有文号为 {doc_number} 的已印发复函")
        if file:
            path = Path(file)
            if not path.is_file():
                raise CommandError(f"找不到文件 {file}")
            content = path.read_bytes()
            same = hashlib.sha256(content).hexdigest() == letter.pdf_sha256
        elif letter.pdf:
            content, same = letter_stored_pdf(letter=letter)
        else:
            raise CommandError(f"{doc_number} 没有存档的 PDF 文件")
        result = verify_pdf(content)
        self.stdout.write(f"文号：{letter.doc_number}（{letter.issued_date:%Y-%m-%d} 印发）")
        self.stdout.write(
            "SHA-256：与印发时存档的一致"
            if same
            else "SHA-256：与印发时存档的不一致（文件不是印发的那一份）"
        )
        self.stdout.write(f"电子签名：{result.message}")
        if not same or (result.signed and not result.valid):
            raise CommandError("核验未通过")
