"""Fill in the holiday calendar from chinese-calendar (also run after every migrate)."""

from typing import Any

from django.core.management.base import BaseCommand

from proposals import calendar
from proposals.models import HolidayYear
from proposals.services import holiday_calendar_seed


class Command(BaseCommand):
    help = "从 chinese-calendar 导入尚未录入的年度节假日安排（已有年度不改动）"

    def handle(self, *args: Any, **options: Any) -> None:
        added = holiday_calendar_seed()
        years = list(HolidayYear.objects.values_list("year", "complete"))
        self.stdout.write(
            f"新导入 {len(added)} 个年度{('：' + '、'.join(map(str, added))) if added else ''}；"
            f"已完整录入：{', '.join(str(y) for y, c in years if c) or '无'}；"
            f"录入中：{', '.join(str(y) for y, c in years if not c) or '无'}"
        )
        calendar.invalidate()
