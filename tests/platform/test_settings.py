"""Settings profiles and entry points, each in a fresh Python process: importing settings writes
nothing to disk; production refuses to start without its variables; WSGI, ASGI and the Celery
app refuse to start without DJANGO_SETTINGS_MODULE; manage.py keeps its local default."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "production-test-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "DATABASE_URL": "postgres://fuhan@127.0.0.1:5432/fuhan",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "DJANGO_ALLOWED_HOSTS": "fuhan.example.gov.cn",
}
PROFILES = {
    "config.settings.base": {},
    "config.settings.local": {},
    "config.settings.test": {},
    "config.settings.production": PRODUCTION_ENV,
}


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without anything that configures the project."""
    prefixes = ("DJANGO_", "DATABASE_URL", "CELERY_", "FUHAN_", "TEST_REDIS_URL", "PYTHONPATH")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


def python(code: str, *, env: dict[str, str], cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.mark.parametrize("module", list(PROFILES))
def test_importing_settings_and_setting_up_django_creates_nothing_on_disk(tmp_path, module):
    """A copy of config/ in an empty checkout: its BASE_DIR (and var/) is the temporary folder,
    the working directory another empty one. Import the profile and run django.setup(), as
    every process does at start: not a file or folder may appear (the filesystem broker's
    folders are made when a process publishes or a worker starts)."""
    checkout = tmp_path / "checkout"
    shutil.copytree(
        ROOT / "config", checkout / "config", ignore=shutil.ignore_patterns("__pycache__")
    )
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    before = files_under(tmp_path)
    code = (
        "import importlib, os, django\n"
        "importlib.import_module(os.environ['DJANGO_SETTINGS_MODULE'])\n"
        "django.setup()\n"
        "from django.conf import settings\n"
        "import config\n"
        "print(config.__file__)\n"
        "print(settings.BASE_DIR)\n"
    )
    env = clean_env(
        DJANGO_SETTINGS_MODULE=module,
        PYTHONPATH=os.pathsep.join([str(checkout), str(ROOT)]),
        **PROFILES[module],
    )
    result = python(code, env=env, cwd=workdir)
    assert result.returncode == 0, result.stderr
    config_file, base_dir = result.stdout.split()
    assert config_file.startswith(str(checkout))  # the copy was imported, not the checkout's
    assert base_dir == str(checkout)
    assert files_under(tmp_path) == before
    assert not (checkout / "var").exists()


@pytest.mark.parametrize("missing", list(PRODUCTION_ENV))
def test_production_refuses_to_start_without_each_required_variable(missing):
    env = clean_env(DJANGO_SETTINGS_MODULE="config.settings.production", **PRODUCTION_ENV)
    del env[missing]
    result = python("import config.settings.production", env=env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"生产环境缺少环境变量 {missing}" in result.stderr
    assert f"Set the {missing} environment variable" in result.stderr


def test_production_refuses_a_blank_secret_key():
    env = clean_env(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        **{**PRODUCTION_ENV, "DJANGO_SECRET_KEY": "  "},
    )
    result = python("import config.settings.production", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_development_defaults_live_in_local_only():
    code = (
        "import json\n"
        "import config.settings.base as base, config.settings.local as local\n"
        "import config.settings.test as test, config.settings.production as prod\n"
        "print(json.dumps({\n"
        "  'base_has_key': hasattr(base, 'SECRET_KEY'), 'base_debug': base.DEBUG,\n"
        "  'local_debug': local.DEBUG, 'local_key': bool(local.SECRET_KEY),\n"
        "  'test_key': test.SECRET_KEY != local.SECRET_KEY, 'test_debug': test.DEBUG,\n"
        "  'prod_debug': prod.DEBUG, 'prod_key': prod.SECRET_KEY,\n"
        "  'secure': [prod.SESSION_COOKIE_SECURE, prod.CSRF_COOKIE_SECURE,\n"
        "             prod.SECURE_SSL_REDIRECT, prod.SECURE_HSTS_SECONDS],\n"
        "  'hosts': prod.ALLOWED_HOSTS,\n"
        "}))\n"
    )
    env = clean_env(DJANGO_SETTINGS_MODULE="config.settings.production", **PRODUCTION_ENV)
    result = python(code, env=env)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["base_has_key"] is False
    assert found["base_debug"] is False
    assert (found["local_debug"], found["local_key"]) == (True, True)
    assert (found["test_key"], found["test_debug"]) == (True, False)
    assert found["prod_debug"] is False
    assert found["prod_key"] == PRODUCTION_ENV["DJANGO_SECRET_KEY"]
    assert found["secure"] == [True, True, True, 60]
    assert found["hosts"] == ["fuhan.example.gov.cn"]


@pytest.mark.parametrize("module", ["config.wsgi", "config.asgi", "config.celery_app"])
def test_entry_points_refuse_to_start_without_settings_module(module):
    result = python(f"import {module}", env=clean_env(**PRODUCTION_ENV))
    assert result.returncode != 0
    assert "未设置环境变量 DJANGO_SETTINGS_MODULE，拒绝启动" in result.stderr
    assert "DJANGO_SETTINGS_MODULE is not set, refusing to start" in result.stderr


def test_celery_command_refuses_to_start_without_settings_module():
    celery = Path(sys.executable).parent / "celery"
    result = subprocess.run(  # noqa: S603
        [str(celery), "-A", "config.celery_app", "report"],
        env=clean_env(**PRODUCTION_ENV),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "DJANGO_SETTINGS_MODULE is not set, refusing to start" in result.stderr


def test_entry_points_start_with_the_profile_they_are_given():
    code = (
        "import config.wsgi, config.asgi\n"
        "from config.celery_app import app\n"
        "from django.conf import settings\n"
        "print(settings.SETTINGS_MODULE, settings.DEBUG, app.conf.broker_url,\n"
        "      callable(config.wsgi.application), callable(config.asgi.application))\n"
    )
    env = clean_env(DJANGO_SETTINGS_MODULE="config.settings.production", **PRODUCTION_ENV)
    result = python(code, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "config.settings.production",
        "False",
        "redis://127.0.0.1:6379/0",
        "True",
        "True",
    ]


def test_manage_py_keeps_defaulting_to_local():
    code = (
        "import runpy, sys\n"
        "sys.argv = ['manage.py', 'shell', '-c',\n"
        "            'from django.conf import settings; print(settings.SETTINGS_MODULE)']\n"
        "runpy.run_path('manage.py', run_name='__main__')\n"
    )
    result = python(code, env=clean_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "config.settings.local"
