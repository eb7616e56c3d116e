import pytest

from core.exceptions import AccessDenied
from offices import importing
from proposals import services as ps
from proposals.models import Person
from proposals.models import ProposalPerson
from tests.office.test_import import good_rows
from tests.office.test_import import xlsx
from tests.portal.support import register


def test_names_are_split_as_typed():
    assert ps.split_names("张三、李四，王五, 赵六；张三  钱七") == [
        "张三",
        "李四",
        "王五",
        "赵六",
        "钱七",
    ]
    assert ps.split_names("") == []


def test_registration_links_lead_and_cosigners_to_persons(world):
    p = register(world, cosigners="张三、李四")
    rows = list(p.proposers.select_related("person").order_by("position"))
    assert [(r.person.name, r.role, r.position) for r in rows] == [
        ("申卫康", "lead", 0),
        ("张三", "cosigner", 1),
        ("李四", "cosigner", 2),
    ]
    assert all(r.person.body == "npc" for r in rows)
    # the same names in the next item map to the same persons; a new one is created
    p2 = register(world, number=51, lead="张三", cosigners="王五")
    assert Person.objects.filter(body="npc").count() == 4
    assert ProposalPerson.objects.get(proposal=p2, role="lead").person == rows[1].person
    # the same name in the other body is another person
    register(world, number=52, lead="张三", cosigners="", session=world.cppcc_session)
    assert Person.objects.filter(name="张三").count() == 2
    assert not Person.objects.filter(possible_duplicate=True).exists()


def test_likely_duplicates_are_flagged_for_the_office(world):
    ps.person_create(name="张三", body="npc", group="锦城代表团")
    second = ps.person_create(name="张三", body="npc", group="於潜代表团")
    assert second.possible_duplicate
    assert Person.objects.filter(name="张三", possible_duplicate=True).count() == 2
    p = register(world, cosigners="张三")
    # linked to the oldest; both stay flagged until the office merges them
    link = p.proposers.get(person__name="张三")
    assert link.person.group == "锦城代表团"
    assert not Person.objects.get(name="申卫康").possible_duplicate


def test_import_maps_names_to_persons(world):
    data = xlsx(good_rows())
    importing.proposal_import_commit(data=data, filename="清单.xlsx", actor=world.npc)
    names = set(Person.objects.values_list("name", flat=True))
    assert names == {"申卫康", "张三", "李四", "王五", "赵六"}
    assert ProposalPerson.objects.filter(proposal__number=50).count() == 3
    # re-import changes nothing (no person is created twice)
    importing.proposal_import_commit(data=data, filename="清单.xlsx", actor=world.npc)
    assert Person.objects.count() == 5


@pytest.mark.parametrize("who", ["clerk", "cppcc", "duchashi"])
def test_outsiders_cannot_register_persons_through_items(world, who):
    from core.exceptions import AccessDenied

    with pytest.raises(AccessDenied):
        register(world, number=60, actor=world.role(who))
    assert not Person.objects.exists()


def test_office_merges_duplicates_with_their_items_and_ratings(world):
    from replies import services as rs
    from tests.portal.support import issue

    first = ps.person_create(name="张三", body="npc", group="锦城代表团")
    second = ps.person_create(name="张三", body="npc", mobile="13800000021")
    p = register(world, cosigners="")
    ProposalPerson.objects.create(proposal=p, person=second, role="cosigner", position=1)
    letter = issue(world, p)
    rs.rating_submit(
        letter_id=letter.pk,
        person_id=second.pk,
        actor=world.npc,
        satisfaction="satisfied",
        source="paper",
    )
    with pytest.raises(AccessDenied):
        rs.person_merge(keep_id=first.pk, drop_ids=[second.pk], actor=world.duchashi)
    kept = rs.person_merge(keep_id=first.pk, drop_ids=[second.pk], actor=world.npc)
    assert not Person.objects.filter(pk=second.pk).exists()
    assert (kept.group, kept.mobile, kept.possible_duplicate) == (
        "锦城代表团",
        "13800000021",
        False,
    )
    assert p.proposers.get(role="cosigner").person == kept
    assert letter.ratings.get().person == kept


def test_admin_merge_action(world, admin_client):
    from django.urls import reverse

    a = ps.person_create(name="李四", body="npc")
    b = ps.person_create(name="李四", body="npc")
    response = admin_client.post(
        reverse("admin:proposals_person_changelist"),
        {"action": "merge_into_oldest", "_selected_action": [a.pk, b.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert list(Person.objects.filter(name="李四")) == [a]
