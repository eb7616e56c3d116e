"""Run the reminder sweep once, now, in this process (what beat runs every 15 minutes)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from notifications.services import reminder_sweep


class Command(BaseCommand):
    help = "立即执行一次到期提醒扫描（与定时任务相同，可重复执行，不会重复发送）"

    def handle(self, *args: Any, **options: Any) -> None:
        result = reminder_sweep().as_dict()
        self.stdout.write(
            "提醒扫描：{today}（{day}），新增提醒 {planned} 条，发送 {sent} 条，"
            "跳过 {skipped} 条，失败 {failed} 条，邮件 {emails} 封".format(
                day="工作日" if result["workday"] else "非工作日", **result
            )
        )
