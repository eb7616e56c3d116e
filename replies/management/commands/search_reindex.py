"""Rebuild the search index (replies/search.py) after loads that bypassed the services."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from replies.search import search_reindex


class Command(BaseCommand):
    help = "重建事项检索索引（标题、提出人、复函正文的字符二元组）"

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        count = search_reindex()
        self.stdout.write(
            f"已重建 {count} 件事项的检索索引（{time.perf_counter() - started:.1f} 秒）"
        )
