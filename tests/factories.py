import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from proposals.models import Assignment
from proposals.models import Bureau
from proposals.models import Office
from proposals.models import Proposal
from proposals.models import Session
from proposals.models import Staff
from replies.models import Reply
from replies.search import search_doc_refresh


class BureauFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bureau

    full_name = factory.Sequence(lambda n: f"杭州市临安区测试{n}局")
    short_name = factory.Sequence(lambda n: f"区测试{n}局")
    doc_prefix = factory.Sequence(lambda n: f"临测{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    last_name = ""
    first_name = factory.Sequence(lambda n: f"王测{n}")
    password = factory.PostGenerationMethodCall("set_password", "pw-12345")

    @factory.post_generation
    def _save(self, create, extracted, **kwargs):
        if create:
            self.save()


def make_staff(
    *,
    role: str,
    bureau: Bureau | None = None,
    office: Office | None = None,
    username: str | None = None,
):
    user = UserFactory(**({"username": username} if username else {}))
    Staff.objects.create(user=user, role=role, bureau=bureau, office=office, phone="12345678")
    return user


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    body = "npc"
    name = factory.Sequence(lambda n: f"区十七届人大第{n}次会议")
    year = 2026
    default_cc = factory.LazyFunction(
        lambda: ["区人大常委会办公室", "区人大代表工委", "区政府督查室"]
    )


class ProposalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Proposal
        skip_postgeneration_save = True

    session = factory.SubFactory(SessionFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"关于测试事项{n}的建议")
    lead_proposer = "申卫康"
    signer_count = 1
    assigned_date = factory.LazyFunction(timezone.localdate)

    @factory.post_generation
    def _search_index(self, create, extracted, **kwargs):
        """As registration does: the item's search index follows its text."""
        if create:
            search_doc_refresh(self.pk)


class AssignmentFactory(factory.django.DjangoModelFactory):
    """Builds an assignment directly in any state (the workflow tests need every source state)."""

    class Meta:
        model = Assignment

    proposal = factory.SubFactory(ProposalFactory)
    bureau = factory.SubFactory(BureauFactory)
    role = "lead"
    state = "assigned"
    assigned_date = factory.LazyFunction(timezone.localdate)
    due_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=90))
    reassignment_deadline = factory.LazyFunction(
        lambda: timezone.localdate() + dt.timedelta(days=7)
    )


class ReplyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reply
        skip_postgeneration_save = True

    assignment = factory.SubFactory(AssignmentFactory)
    body = "您的建议收悉。\n一、关于测试\n正文。"
    answer_class = "A"
    leader_name = "顾小晶"
    clerk_name = "楼伟荣"
    phone = "89541421"
    cc_list = factory.LazyFunction(lambda: ["区人大常委会办公室", "区政府督查室"])

    @factory.post_generation
    def _search_index(self, create, extracted, **kwargs):
        """As reply_save_draft does: the reply body is searchable."""
        if create:
            search_doc_refresh(self.assignment.proposal_id)
