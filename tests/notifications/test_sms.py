import pytest
from django.core import mail

from notifications import proposers
from notifications import tasks
from notifications.models import ProposerMessage
from notifications.sms import ConsoleSmsBackend
from notifications.sms import HttpGatewaySmsBackend
from notifications.sms import Sms
from notifications.sms import SmsError
from proposals.models import Person
from tests.notifications.fake_sms_gateway import FakeGateway
from tests.portal.support import issued_item


@pytest.fixture
def gateway(settings):
    fake = FakeGateway(slow_seconds=1.0).start()
    settings.FUHAN_SMS_BACKEND = "notifications.sms.HttpGatewaySmsBackend"
    settings.FUHAN_SMS_GATEWAY_URL = fake.url
    settings.FUHAN_SMS_GATEWAY_KEY = fake.key
    settings.FUHAN_SMS_SIGN_NAME = "临安人大"
    settings.FUHAN_SMS_TIMEOUT_SECONDS = 0.4
    settings.FUHAN_SMS_MAX_ATTEMPTS = 4
    yield fake
    fake.stop()


def one_sms(world, *, mobile="13800000001"):
    _, letter = issued_item(world, cosigners="")
    lead = Person.objects.get(name="申卫康")
    lead.mobile = mobile
    lead.save()
    messages = proposers.proposer_notify_issued(letter_id=letter.pk)
    assert [m.channel for m in messages] == ["sms"]
    return messages[0]


def deliver_until_done(message, limit=10):
    for _ in range(limit):
        proposers.proposer_message_deliver(message_id=message.pk)
        message.refresh_from_db()
        if message.status != "queued":
            return message
    return message


def test_gateway_receives_the_message_with_key_sign_and_template(world, gateway):
    message = one_sms(world)
    assert message.status == "queued"
    assert "请查看并评价" in message.text
    assert "/p/" in message.params["url"]
    delivered = deliver_until_done(message)
    assert (delivered.status, delivered.attempts, delivered.gateway_id) == ("delivered", 1, "gw-1")
    request = gateway.requests[0]
    assert request["auth"] == "Bearer test-key"
    body = request["body"]
    assert body["phone"] == "13800000001"
    assert body["sign_name"] == "临安人大"
    assert body["template_id"] == "SMS_LETTER"
    assert body["params"]["name"] == "申卫康"
    assert body["out_id"] == message.key
    # delivered is final: another delivery (a redelivered task) does not reach the gateway
    assert proposers.proposer_message_deliver(message_id=message.pk) is None
    assert len(gateway.requests) == 1


def test_gateway_errors_are_retried_until_delivered_once(world, gateway):
    message = one_sms(world)
    gateway.script = [500, ("code", "BUSY"), 429]
    delivered = deliver_until_done(message)
    assert (delivered.status, delivered.attempts) == ("delivered", 4)
    assert len(gateway.requests) == 4
    assert gateway.sent == 1
    assert "429" in delivered.last_error


def test_retries_run_out_and_the_message_fails_once(world, gateway):
    message = one_sms(world)
    gateway.script = [500] * 10
    failed = deliver_until_done(message)
    assert (failed.status, failed.attempts) == ("failed", 4)
    assert failed.finished_at is not None
    assert "HTTP 500" in failed.last_error
    assert proposers.proposer_message_deliver(message_id=message.pk) is None
    assert len(gateway.requests) == 4
    assert gateway.sent == 0


def test_a_refusal_fails_at_once(world, gateway):
    message = one_sms(world)
    gateway.script = [400]
    failed = deliver_until_done(message)
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert len(gateway.requests) == 1


def test_a_wrong_key_fails_without_retry(world, gateway, settings):
    settings.FUHAN_SMS_GATEWAY_KEY = "wrong"
    failed = deliver_until_done(one_sms(world))
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert "401" in failed.last_error


def test_lost_answer_is_retried_and_the_phone_gets_one_message(world, gateway):
    """The gateway accepts but answers after our timeout: we retry with the same out_id, and
    the gateway (deduplicating by it) does not send a second message."""
    message = one_sms(world)
    gateway.script = ["slow"]
    delivered = deliver_until_done(message)
    assert delivered.status == "delivered"
    assert delivered.attempts == 2
    assert "超时" in delivered.last_error or "无法连接" in delivered.last_error
    assert len(gateway.requests) == 2
    assert gateway.sent == 1


def test_unreachable_gateway_is_retried_then_fails(world, settings):
    from tests.net import closed_port

    settings.FUHAN_SMS_BACKEND = "notifications.sms.HttpGatewaySmsBackend"
    settings.FUHAN_SMS_MAX_ATTEMPTS = 3
    with closed_port() as port:
        settings.FUHAN_SMS_GATEWAY_URL = f"http://127.0.0.1:{port}/sms"
        failed = deliver_until_done(one_sms(world))
    assert (failed.status, failed.attempts) == ("failed", 3)


def test_the_task_retries_until_delivered(world, gateway):
    message = one_sms(world)
    gateway.script = [500, 503]
    result = tasks.proposer_message_send.apply(kwargs={"message_id": message.pk})
    message.refresh_from_db()
    assert message.status == "delivered"
    assert message.attempts == 3
    assert gateway.sent == 1
    assert result.state in ("SUCCESS", "RETRY")
    # the task again (redelivered): nothing is sent
    assert tasks.proposer_message_send.apply(kwargs={"message_id": message.pk}).get() == (
        "nothing to send"
    )
    assert len(gateway.requests) == 3


def test_opted_out_person_gets_no_sms(world, gateway):
    _, letter = issued_item(world, cosigners="")
    Person.objects.filter(name="申卫康").update(mobile="13800000002", sms_opt_out=True)
    (message,) = proposers.proposer_notify_issued(letter_id=letter.pk)
    assert (message.status, message.skip_reason) == ("skipped", "已退订短信")
    assert proposers.proposer_message_deliver(message_id=message.pk) is None
    assert gateway.requests == []


def test_rate_limit_per_phone(world, gateway, settings):
    settings.FUHAN_SMS_PER_PHONE_PER_HOUR = 2
    issued_item(world, cosigners="")
    someone = Person.objects.get(name="申卫康")
    someone.mobile = "13800000003"
    someone.save()
    sent = [proposers.proposer_link_send(person=someone)[0] for _ in range(3)]
    assert [m.status for m in sent] == ["queued", "queued", "skipped"]
    assert "每小时 2 条" in sent[2].skip_reason
    for m in sent:
        deliver_until_done(m)
    assert gateway.sent == 2


def test_one_message_per_letter_and_person(world, gateway):
    message = one_sms(world)
    again = proposers.proposer_notify_issued(letter_id=int(message.key.split(":")[1]))
    assert [m.pk for m in again] == [message.pk]
    assert ProposerMessage.objects.count() == 1


def test_email_channel_and_cosigners(world, gateway):
    _, letter = issued_item(world, cosigners="张三")
    Person.objects.filter(name="申卫康").update(email="shen@example.cn", mobile="13800000004")
    Person.objects.filter(name="张三").update(email="zhang@example.cn")
    messages = proposers.proposer_notify_issued(letter_id=letter.pk)
    assert sorted((m.person.name, m.channel) for m in messages) == [
        ("张三", "email"),
        ("申卫康", "email"),
        ("申卫康", "sms"),
    ]
    for m in messages:
        deliver_until_done(m)
    assert sorted(e.to[0] for e in mail.outbox) == ["shen@example.cn", "zhang@example.cn"]
    assert all("/p/" in e.body for e in mail.outbox)
    assert ProposerMessage.objects.filter(status="delivered").count() == 3


def test_console_backend_sends_nothing_out(caplog):
    sms = Sms(phone="13800000005", template_id="T", params={}, text="你好", out_id="k")
    with caplog.at_level("INFO"):
        assert ConsoleSmsBackend().send(sms).startswith("console-")
    assert "13800000005" in caplog.text


def test_gateway_backend_needs_a_url():
    with pytest.raises(SmsError, match="未配置"):
        HttpGatewaySmsBackend(url="", key="k")


def test_issuing_a_letter_queues_the_proposers_notice(world, django_capture_on_commit_callbacks):
    from unittest import mock

    from tests.portal.support import issue
    from tests.portal.support import register

    proposal = register(world, cosigners="")
    with (
        mock.patch.object(tasks.proposers_notify_issued, "apply_async") as queued,
        django_capture_on_commit_callbacks(execute=True),
    ):
        letter = issue(world, proposal)
    queued.assert_called_once_with(kwargs={"letter_id": letter.pk})
    # the task, run: the lead (with a phone) gets one SMS with their link
    Person.objects.filter(name="申卫康").update(mobile="13800000031")
    assert tasks.proposers_notify_issued.apply(kwargs={"letter_id": letter.pk}).get() == 1
    assert ProposerMessage.objects.get().address == "13800000031"
