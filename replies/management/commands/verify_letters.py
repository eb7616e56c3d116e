"""python manage.py verify_letters: re-check the SHA-256 of every stored letter PDF; exit status 1
when any is missing or changed (for cron, monitoring and the restore procedure)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.core.management.base import CommandError

from replies.letter_integrity import letters_verify


class Command(BaseCommand):
    help = "重新校验每份已印发复函 PDF 的 SHA-256（缺失或被改动时退出码为 1）"

    def handle(self, *args: Any, **options: Any) -> None:
        result = letters_verify()
        for problem in result.problems:
            self.stderr.write(str(problem))
        summary = (
            f"已校验 {result.checked} 份复函 PDF，{len(result.problems)} 份有问题"
            f"（另有 {result.without_pdf} 份未存 PDF）"
        )
        if not result.ok:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))
