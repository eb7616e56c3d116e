"""Keyset pagination (core/keyset.py) on the board and the API: walking the pages returns every
row exactly once while rows are added before and after the cursor."""

import datetime as dt
import random

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from offices.board import BoardFilters
from offices.board import board_page
from tests.factories import AssignmentFactory
from tests.factories import ProposalFactory

BASE = dt.date(2026, 3, 1)


def add(world, rng):
    # few distinct due dates, so that many rows share one and the id breaks the tie
    return AssignmentFactory(
        proposal=ProposalFactory(session=world.npc_session),
        bureau=world.bureau if rng.random() < 0.5 else world.other_bureau,
        due_date=BASE + dt.timedelta(days=rng.randrange(6)),
    ).pk


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_board_pages_return_every_row_once_while_rows_are_added(world, seed):
    rng = random.Random(seed)  # noqa: S311 (test data)
    existing = {add(world, rng) for _ in range(40)}
    seen: list[int] = []
    cursor = None
    for _ in range(100):
        page = board_page(user=world.npc, filters=BoardFilters(), size=7, cursor=cursor)
        seen += [row["id"] for row in page.rows]
        for _ in range(rng.randrange(4)):  # others register items meanwhile
            add(world, rng)
        if page.next is None:
            break
        cursor = page.next
    assert len(seen) == len(set(seen)), "a row was shown twice"
    assert existing <= set(seen), "a row that existed all along was skipped"


def test_previous_pages_walk_back_to_the_first(world):
    rng = random.Random(7)  # noqa: S311 (test data)
    for _ in range(23):
        add(world, rng)
    pages = []
    cursor = None
    while True:
        page = board_page(user=world.npc, filters=BoardFilters(), size=5, cursor=cursor)
        pages.append([r["id"] for r in page.rows])
        if page.next is None:
            break
        cursor = page.next
    assert [len(p) for p in pages] == [5, 5, 5, 5, 3]
    back = []
    cursor = page.previous
    while cursor is not None:
        page = board_page(user=world.npc, filters=BoardFilters(), size=5, cursor=cursor)
        back.append([r["id"] for r in page.rows])
        cursor = page.previous
    assert back == pages[-2::-1]
    assert page.number == 1


def test_api_pages_return_every_row_once_while_rows_are_added(world):
    rng = random.Random(11)  # noqa: S311 (test data)
    existing = {add(world, rng) for _ in range(30)}
    client = APIClient()
    client.force_authenticate(world.npc)
    url = reverse("api:assignment_list") + "?page_size=4"
    seen = []
    while url:
        data = client.get(url).json()
        seen += [row["id"] for row in data["results"]]
        add(world, rng)
        url = data["next"]
    assert len(seen) == len(set(seen))
    assert existing <= set(seen)
    assert client.get(reverse("api:assignment_list"), {"cursor": "bad"}).status_code == 400
