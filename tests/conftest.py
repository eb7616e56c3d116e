from dataclasses import dataclass
from typing import Any

import pytest

from proposals.models import Bureau
from proposals.models import Office
from tests.factories import BureauFactory
from tests.factories import SessionFactory
from tests.factories import make_staff


@dataclass
class World:
    bureau: Bureau
    other_bureau: Bureau
    npc_office: Office
    cppcc_office: Office
    supervision: Office
    clerk: Any
    supervisor: Any
    other_clerk: Any
    other_supervisor: Any
    npc: Any
    cppcc: Any
    duchashi: Any
    npc_session: Any
    cppcc_session: Any

    def role(self, name: str) -> Any:
        return getattr(self, name)


@pytest.fixture
def world(db) -> World:
    bureau = BureauFactory(
        full_name="杭州市临安区经济和信息化局", short_name="区经信局", doc_prefix="临经信"
    )
    other = BureauFactory(
        full_name="杭州市临安区商务局", short_name="区商务局", doc_prefix="临商务"
    )
    npc_office = Office.objects.create(kind="npc", name="区人大常委会办公室")
    cppcc_office = Office.objects.create(kind="cppcc", name="区政协办公室")
    supervision = Office.objects.create(kind="supervision", name="区政府督查室")
    return World(
        bureau=bureau,
        other_bureau=other,
        npc_office=npc_office,
        cppcc_office=cppcc_office,
        supervision=supervision,
        clerk=make_staff(role="clerk", bureau=bureau, username="clerk"),
        supervisor=make_staff(role="supervisor", bureau=bureau, username="supervisor"),
        other_clerk=make_staff(role="clerk", bureau=other, username="other_clerk"),
        other_supervisor=make_staff(role="supervisor", bureau=other, username="other_supervisor"),
        npc=make_staff(role="office", office=npc_office, username="npc"),
        cppcc=make_staff(role="office", office=cppcc_office, username="cppcc"),
        duchashi=make_staff(role="office", office=supervision, username="duchashi"),
        npc_session=SessionFactory(body="npc", name="区十七届人大二次会议", year=2023),
        cppcc_session=SessionFactory(
            body="cppcc",
            name="区政协十届二次会议",
            year=2023,
            default_cc=["区政协办公室", "区政协提案委员会", "区政府督查室"],
        ),
    )


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Issued letters' PDFs go to a temporary folder, never to var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_calendar():
    """Each test reads the holiday calendar of its own database state (a test that enters 2027
    rolls back; the next one must not see 2027 from this process's snapshot)."""
    from proposals import calendar

    calendar.invalidate()
    yield
    calendar.invalidate()
