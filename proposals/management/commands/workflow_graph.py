"""Print the workflow as a Mermaid state diagram, from the declarations in proposals/workflow.py
(the README's graph is this output; a test keeps the two equal)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from core.choices import AssignmentState
from proposals.workflow import edges
from proposals.workflow import steps


class Command(BaseCommand):
    help = "输出办理流程图（Mermaid 格式，取自 proposals/workflow.py 的声明）"

    def handle(self, *args: Any, **options: Any) -> None:
        declared = steps()
        lines = ["stateDiagram-v2"]
        lines += [f"    {s.value}: {s.label}" for s in AssignmentState]
        lines += [
            f"    {source} --> {target}: {declared[name].label}" for source, name, target in edges()
        ]
        self.stdout.write("\n".join(lines))
