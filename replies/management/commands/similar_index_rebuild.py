from typing import Any

from django.core.management.base import BaseCommand

from replies.models import ParagraphText
from replies.models import ParagraphUse
from replies.similarity import paragraph_index_rebuild
from replies.similarity import paragraph_index_refingerprint
from replies.similarity import paragraph_index_vacuum


class Command(BaseCommand):
    help = (
        "重建相似段落索引：按已印发复函补齐、更正、删除索引行，重新判定哪些复函可供参考。"
        "可重复运行，第二次不再改动任何数据。"
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch-size", type=int, default=500, help="每批复函数（默认 500）")
        parser.add_argument(
            "--fingerprints",
            action="store_true",
            help="同时重写全部指纹（指纹规则改变后，或修复指纹时使用）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        c = paragraph_index_rebuild(batch_size=options["batch_size"])
        if options["fingerprints"]:
            n = paragraph_index_refingerprint()
            self.stdout.write(f"指纹已重写：{n} 条。")
        paragraph_index_vacuum()  # after every bulk write, so the lookup reads the index alone
        self.stdout.write(
            self.style.SUCCESS(
                f"相似段落索引：新增文本 {c.texts_created}，新增引用 {c.uses_created}，"
                f"更正 {c.uses_changed}，删除引用 {c.uses_deleted}，删除文本 {c.texts_deleted}；"
                f"现有文本 {ParagraphText.objects.count()}，"
                f"引用 {ParagraphUse.objects.count()}（可供参考 "
                f"{ParagraphUse.objects.filter(suggestible=True).count()}）。"
            )
        )
