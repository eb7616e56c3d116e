"""python manage.py proposer_link --session 区十七届人大二次会议 --number 50 --name 张三

Prints that proposer's current personal link (a new one when none is valid), for offices that
hand it over another way (a letter, a visit). Exits 1 with the reason when the item or person
is not found."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.core.management.base import CommandError

from proposals.links import link_url
from proposals.models import ProposalPerson
from proposals.models import Session
from proposals.services import person_link_issue


class Command(BaseCommand):
    help = "打印某位提出人（领衔人或附议人）的个人链接"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--session", required=True, help="会议名称，如：区十七届人大二次会议")
        parser.add_argument("--number", required=True, type=int, help="编号")
        parser.add_argument("--name", required=True, help="姓名")

    def handle(self, *args: Any, **options: Any) -> None:
        sessions = list(Session.objects.filter(name=options["session"]))
        if not sessions:
            raise CommandError(f"没有名为“{options['session']}”的会议")
        links = list(
            ProposalPerson.objects.filter(
                proposal__session__in=sessions,
                proposal__number=options["number"],
                person__name=options["name"],
            ).select_related("person")
        )
        if not links:
            raise CommandError(
                f"{options['session']}第{options['number']}号的提出人中没有“{options['name']}”"
            )
        link = person_link_issue(person=links[0].person)
        self.stdout.write(link_url(link))
        self.stderr.write(f"有效期至 {link.expires_at:%Y-%m-%d %H:%M}")
