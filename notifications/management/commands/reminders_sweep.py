"""Run the reminder sweep once, now (what beat runs every 15 minutes): plan and queue; the
worker sends. With --send the queued batches are sent in this process as well."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.core.management.base import CommandParser

from notifications.services import reminder_sweep


class Command(BaseCommand):
    help = "立即执行一次到期提醒扫描（与定时任务相同，可重复执行，不会重复发送）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--send",
            action="store_true",
            help="在本进程内发送待发提醒（没有运行 Celery 工作进程时使用）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = reminder_sweep().as_dict()
        self.stdout.write(
            "提醒扫描：{today}（{day}），新增提醒 {planned} 条，"
            "排队发送 {queued} 条（{batches} 批），未能排队 {not_queued} 条".format(
                day="工作日" if result["workday"] else "非工作日", **result
            )
        )
        if options["send"]:
            from notifications.services import reminder_deliver

            stats = reminder_deliver()
            self.stdout.write(
                f"本进程发送：发送 {stats.sent} 条，跳过 {stats.skipped} 条，"
                f"失败 {stats.failed} 条，邮件 {stats.emails} 封"
            )
