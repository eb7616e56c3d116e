"""Prove the stored counts (proposals.tallies) equal to a full recount, or repair them."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.core.management.base import CommandError

from proposals import tallies


class Command(BaseCommand):
    help = "核对看板和统计使用的计数与全量重新计数是否一致（--repair 时按重新计数修复）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--repair", action="store_true", help="不一致时用全量重新计数替换")
        parser.add_argument("--show", type=int, default=20, help="最多列出多少条差异")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        differences = tallies.check(repair=options["repair"])
        seconds = time.perf_counter() - started
        if not differences:
            self.stdout.write(f"计数一致（全量重新计数用时 {seconds:.2f} 秒）")
            return
        for d in differences[: options["show"]]:
            self.stdout.write(f"  {d.key}: 存储 {d.stored}，重新计数 {d.recounted}")
        if options["repair"]:
            self.stdout.write(
                f"发现 {len(differences)} 处不一致，已按重新计数修复（{seconds:.2f} 秒）"
            )
            return
        raise CommandError(f"发现 {len(differences)} 处不一致；运行 check_counts --repair 修复")
