from typing import Any

from django.core.management.base import BaseCommand

from replies.policies import policy_documents_load_demo


class Command(BaseCommand):
    help = "载入演示政策文件（replies/demo/policies/），已存在的跳过"

    def handle(self, *args: Any, **options: Any) -> None:
        result = policy_documents_load_demo()
        self.stdout.write(
            self.style.SUCCESS(f"政策文件：新增 {result.created} 件，跳过 {result.skipped} 件。")
        )
