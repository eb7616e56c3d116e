"""Two tabs, two workers: on PostgreSQL, with real row locks."""

import pytest
from django.db import connection

from core.exceptions import ApplicationError
from notifications import proposers
from notifications.models import ProposerMessage
from portal.selectors import actor_for
from proposals.models import Person
from replies import services as rs
from replies.models import ProposerRating
from tests.concurrency import race
from tests.notifications.fake_sms_gateway import FakeGateway
from tests.portal.support import issued_item

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="需要 PostgreSQL 行锁"),
]


def test_two_tabs_submit_the_same_rating_once(world):
    _, letter = issued_item(world)
    zhang = Person.objects.get(name="张三")

    def submit(value):
        return lambda: rs.rating_submit(
            letter_id=letter.pk,
            person_id=zhang.pk,
            actor=actor_for(zhang),
            satisfaction=value,
        )

    results, errors = race([submit("satisfied"), submit("basically")], (ApplicationError,))
    assert len(results) == 1
    assert len(errors) == 1
    assert "已评价过" in str(errors[0])
    assert ProposerRating.objects.filter(person=zhang).count() == 1


def test_two_workers_send_one_sms_once(world, settings):
    gateway = FakeGateway(slow_seconds=0.3).start()
    try:
        settings.FUHAN_SMS_BACKEND = "notifications.sms.HttpGatewaySmsBackend"
        settings.FUHAN_SMS_GATEWAY_URL = gateway.url
        settings.FUHAN_SMS_GATEWAY_KEY = gateway.key
        settings.FUHAN_SMS_TIMEOUT_SECONDS = 2
        _, letter = issued_item(world, cosigners="")
        Person.objects.filter(name="申卫康").update(mobile="13800000009")
        (message,) = proposers.proposer_notify_issued(letter_id=letter.pk)
        gateway.script = ["slow"]  # the first worker holds the row while the gateway answers
        race(
            [
                lambda: proposers.proposer_message_deliver(message_id=message.pk),
                lambda: proposers.proposer_message_deliver(message_id=message.pk),
            ]
        )
        assert len(gateway.requests) == 1
        assert ProposerMessage.objects.get(pk=message.pk).status == "delivered"
    finally:
        gateway.stop()
