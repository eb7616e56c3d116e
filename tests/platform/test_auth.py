"""Authentication: one login throttle (django-axes, database) for the web login and the token
endpoint, per user name + address and per address across user names, unaffected by a cache
outage; Chinese password rules; API tokens that expire and are revoked at logout and password
change; the account page; `check --deploy` of the production profile."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils import translation
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.factories import UserFactory
from tests.net import closed_port
from tests.platform.test_settings import PRODUCTION_ENV
from tests.platform.test_settings import ROOT
from tests.platform.test_settings import clean_env

PASSWORD = "pw-12345"


def login(client, password, username="clerk", ip="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def token_for(username="clerk", password=PASSWORD, ip="10.0.0.1"):
    return APIClient().post(
        reverse("api:token"),
        {"username": username, "password": password},
        format="json",
        REMOTE_ADDR=ip,
    )


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- the throttle ---------------------------------------------------------------------------


def test_five_failures_for_one_name_and_address_block_even_the_right_password(world, client):
    for _ in range(4):
        response = login(client, "wrong")
        assert response.status_code == 200
        assert "用户名或密码不正确" in response.content.decode()
    response = login(client, "wrong")  # the fifth
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    response = login(client, PASSWORD)
    assert response.status_code == 429
    assert not logged_in(client)
    # Another address, or another user from this address, is not blocked.
    assert login(client, PASSWORD, ip="10.0.0.2").status_code == 302
    client.logout()
    assert login(client, PASSWORD, username="supervisor").status_code == 302


def test_one_password_against_many_names_is_blocked_per_address(world, client, settings):
    """20 failures from one address, each for another user name, block that address."""
    names = [f"guess{i}" for i in range(settings.AXES_FAILURE_LIMIT_PER_ADDRESS - 1)]
    for name in names:
        assert login(client, "Passw0rd!", username=name).status_code == 200
    assert login(client, "Passw0rd!", username="admin").status_code == 429
    # now even a real user from that address waits; another address does not
    response = login(client, PASSWORD, username="supervisor")
    assert response.status_code == 429
    assert not logged_in(client)
    assert login(client, PASSWORD, username="supervisor", ip="10.0.0.9").status_code == 302


def test_success_clears_only_its_own_name_and_address(world, client, settings):
    """An attacker owning one account cannot wipe the address's count by logging into it."""
    limit = settings.AXES_FAILURE_LIMIT_PER_ADDRESS
    for i in range(limit - 1):
        login(client, "x", username=f"guess{i}")
    assert login(client, PASSWORD, username="clerk").status_code == 302
    client.logout()
    assert login(client, "x", username="guess-last").status_code == 429


def test_block_ends_after_the_cool_off(world, client, settings):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(5):
            login(client, "wrong")
        assert login(client, PASSWORD).status_code == 429
        traveller.shift(settings.AXES_COOLOFF_TIME + dt.timedelta(seconds=1))
        assert login(client, PASSWORD).status_code == 302


def test_token_endpoint_is_throttled_by_the_same_rule(world, client):
    for _ in range(4):
        assert token_for(password="x").status_code == 400
    response = token_for(password="x")
    assert response.status_code == 429
    assert "登录失败次数过多" in response.json()["detail"]
    assert token_for().status_code == 429
    # the web login shares the count: same name, same address
    assert login(client, PASSWORD).status_code == 429
    assert AuthToken.objects.count() == 0


def test_proxy_header_names_the_client_only_when_configured(world, client, settings):
    """Behind nginx every REMOTE_ADDR is the proxy's; its X-Real-IP is used only when
    FUHAN_CLIENT_IP_HEADER says so (otherwise a client could pick its own address)."""
    for i in range(5):
        client.post(
            reverse("login"),
            {"username": "clerk", "password": "x"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_REAL_IP=f"10.1.0.{i}",
        )
    assert login(client, PASSWORD, ip="127.0.0.1").status_code == 429  # header ignored
    settings.FUHAN_CLIENT_IP_HEADER = "X-Real-IP"
    response = client.post(
        reverse("login"),
        {"username": "clerk", "password": PASSWORD},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_REAL_IP="10.2.0.1",
    )
    assert response.status_code == 302


def test_login_and_token_work_while_the_cache_is_down(world, client, settings):
    """DJANGO_CACHE_URL=redis://… with that Redis down: nothing of the login uses the cache."""
    with closed_port() as port:
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": f"redis://127.0.0.1:{port}/0",
            }
        }
        from django.core.cache import cache

        with pytest.raises(Exception, match=r"(?i)connect"):
            cache.get("probe")
        assert login(client, "wrong").status_code == 200
        assert login(client, PASSWORD).status_code == 302
        assert token_for(ip="10.0.0.3").status_code == 200
        for _ in range(5):
            login(client, "wrong", username="supervisor", ip="10.0.0.4")
        assert login(client, PASSWORD, username="supervisor", ip="10.0.0.4").status_code == 429


# --- passwords ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("a1b2c3", "密码太短，至少需要 8 个字符。"),
        ("12345678901", "密码不能全部是数字。"),
        ("password123", "这个密码太常见，容易被猜中，请换一个。"),
        ("zhangwei2026", "密码与您的用户名、姓名或电子邮箱太相似。"),
    ],
)
def test_the_four_password_rules_speak_chinese_in_any_language(db, password, message):
    user = UserFactory.build(username="zhangwei2026", first_name="张伟")
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        validate_password(password, user)
    assert message in caught.value.messages
    validate_password("Lin'an-复函-2026", user)  # a good one passes


# --- API tokens ----------------------------------------------------------------------------


def api_with(token: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api


def test_tokens_expire(world, settings):
    response = token_for()
    assert response.status_code == 200
    token = response.json()["token"]
    ttl = settings.REST_KNOX["TOKEN_TTL"]
    url = reverse("api:assignment_list")
    assert api_with(token).get(url).status_code == 200
    with time_machine.travel(timezone.now() + ttl + dt.timedelta(seconds=1)):
        refused = api_with(token).get(url)
    assert refused.status_code == 401
    assert "已过期" in refused.json()["detail"]
    assert AuthToken.objects.count() == 0  # an expired token is deleted when used


def test_logout_revokes_the_tokens(world, client):
    token = token_for().json()["token"]
    client.force_login(world.clerk)
    client.post(reverse("logout"))
    assert api_with(token).get(reverse("api:assignment_list")).status_code == 401


def test_api_logout_revokes_the_token_used(world):
    first = token_for().json()["token"]
    second = token_for().json()["token"]
    assert api_with(first).post(reverse("api:token_revoke")).status_code == 204
    assert api_with(first).get(reverse("api:assignment_list")).status_code == 401
    assert api_with(second).get(reverse("api:assignment_list")).status_code == 200


def test_password_change_revokes_the_tokens_wherever_it_happens(world, client):
    token = token_for().json()["token"]
    client.force_login(world.clerk)
    response = client.post(
        reverse("account"),
        {
            "action": "password",
            "pw-old_password": PASSWORD,
            "pw-new_password1": "Lin'an-复函-2026",
            "pw-new_password2": "Lin'an-复函-2026",
        },
    )
    assert response.status_code == 302
    assert logged_in(client)  # the session goes on
    assert api_with(token).get(reverse("api:assignment_list")).status_code == 401
    # the admin, `changepassword`: set_password + save
    token = token_for(password="Lin'an-复函-2026").json()["token"]
    world.clerk.set_password("another-Good-pass-1")
    world.clerk.save()
    assert api_with(token).get(reverse("api:assignment_list")).status_code == 401


def test_password_change_page_refuses_weak_passwords_in_chinese(world, client):
    client.force_login(world.clerk)
    response = client.post(
        reverse("account"),
        {
            "action": "password",
            "pw-old_password": PASSWORD,
            "pw-new_password1": "12345678",
            "pw-new_password2": "12345678",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "密码不能全部是数字" in page
    world.clerk.refresh_from_db()
    assert world.clerk.check_password(PASSWORD)


def test_account_page_lists_and_revokes_ones_own_tokens_only(world, client):
    mine = token_for().json()["token"]
    theirs = token_for(username="other_clerk").json()["token"]
    client.force_login(world.clerk)
    page = client.get(reverse("account")).content.decode()
    assert mine[:15] in page
    assert theirs[:15] not in page
    # an outsider's token cannot be revoked from my page
    response = client.post(reverse("account"), {"action": "revoke", "token_key": theirs[:15]})
    assert response.status_code == 400
    assert api_with(theirs).get(reverse("api:assignment_list")).status_code == 200
    response = client.post(reverse("account"), {"action": "revoke", "token_key": mine[:15]})
    assert response.status_code == 302
    assert api_with(mine).get(reverse("api:assignment_list")).status_code == 401
    # a new one from the page, shown once
    page = client.post(reverse("account"), {"action": "create"}).content.decode()
    created = AuthToken.objects.get(user=world.clerk)
    assert created.token_key in page
    client.post(reverse("account"), {"action": "revoke_all"})
    assert not AuthToken.objects.filter(user=world.clerk).exists()
    assert AuthToken.objects.filter(user=world.other_clerk).exists()


def test_account_page_needs_a_login(client):
    assert client.get(reverse("account")).status_code == 302


# --- production profile ---------------------------------------------------------------------


def check_deploy(**extra: str) -> subprocess.CompletedProcess:
    env = clean_env(DJANGO_SETTINGS_MODULE="config.settings.production", **PRODUCTION_ENV, **extra)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_leaves_only_the_preload_opt_in():
    result = check_deploy()
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "security.W021" in output
    assert "1 issue" in output
    for code in ("W004", "W008", "W012", "W016", "W009", "W018", "W020"):
        assert code not in output


def test_check_deploy_is_clean_with_preload_on():
    result = check_deploy(DJANGO_SECURE_HSTS_PRELOAD="1")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "no issues" in output
