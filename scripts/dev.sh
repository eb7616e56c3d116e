#!/usr/bin/env bash
# One entry point for a fresh Debian/Ubuntu machine with Python 3.11:
#   bash scripts/dev.sh run    install, migrate, load demo data, serve on http://127.0.0.1:8000/
#   bash scripts/dev.sh test   install, lint, run the test suite
# Without DATABASE_URL everything runs on SQLite under var/; set DATABASE_URL (and
# CELERY_BROKER_URL) to use PostgreSQL and Redis.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV="$ROOT/.venv"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

APT_PACKAGES=(python3-venv libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig
              poppler-utils fonts-noto-cjk)
# Only for `test`: the browser tests drive Debian's Chromium (Playwright never downloads one).
TEST_APT_PACKAGES=(chromium)

log() { printf '\033[1;32m==> %s\033[0m\n' "$*"; }

install_system() {
  local missing=()
  for p in "${APT_PACKAGES[@]}" "$@"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "安装系统软件包：${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

install_python() {
  local py
  py=$(command -v python3.11 || command -v python3)
  if [ ! -x "$VENV/bin/python" ]; then
    log "创建虚拟环境 .venv（$($py --version)）"
    "$py" -m venv "$VENV"
  fi
  local stamp="$VENV/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
  if [ ! -f "$stamp" ]; then
    log "安装 Python 依赖"
    "$VENV/bin/pip" install -q -e ".[dev]"
    touch "$stamp"
  fi
}

install_fonts() {
  bash "$ROOT/scripts/install_fonts.sh"
}

setup() {
  install_system "$@"
  install_python
  install_fonts
  # The embedded default's files live under var/; the settings never create anything, so the
  # filesystem broker's folders are made here, before seed_demo's transitions queue notices.
  mkdir -p var/broker var/broker-processed var/broker-control
}

cmd_run() {
  setup
  export DJANGO_SETTINGS_MODULE=config.settings.local
  log "初始化数据库并载入演示数据"
  "$VENV/bin/python" manage.py migrate --noinput -v0
  "$VENV/bin/python" manage.py seed_demo
  local port="${PORT:-8000}"
  cat <<MSG

  复函系统已就绪：http://127.0.0.1:${port}/
  演示账号（密码均为 fuhan2026）：
    louwr    楼伟荣  区经信局 承办人        guxj     顾小晶  区经信局 承办领导
    wangl    王丽    区商务局 承办人        zhoujh   周建华  区商务局 承办领导
    chenyf   陈一帆  区科技局 承办人        liuq     刘强    区科技局 承办领导
    npc      张晓燕  区人大常委会办公室     cppcc    李文华  区政协办公室
    duchashi 赵国平  区政府督查室           admin    管理员（后台 /admin/）

MSG
  start_celery
  "$VENV/bin/python" manage.py runserver "127.0.0.1:${port}"
}

# The embedded default needs no Redis: a Celery worker with embedded beat (-B) on the filesystem
# broker under var/ runs the reminder sweep every 15 minutes; it stops when runserver exits.
start_celery() {
  log "提醒：先执行一次到期提醒扫描（输出见 var/celery.log）"
  "$VENV/bin/python" manage.py reminders_sweep >>var/celery.log 2>&1 || true
  log "启动 Celery 工作进程和定时任务（文件系统消息队列，日志 var/celery.log）"
  "$VENV/bin/celery" -A config.celery_app worker -B --pool solo --loglevel INFO \
    --schedule var/celerybeat-schedule >>var/celery.log 2>&1 &
  CELERY_PID=$!
  trap stop_celery EXIT INT TERM
}

stop_celery() {
  if [ -n "${CELERY_PID:-}" ] && kill -0 "$CELERY_PID" 2>/dev/null; then
    log "停止 Celery 工作进程（$CELERY_PID）"
    kill -TERM "$CELERY_PID" 2>/dev/null || true
    wait "$CELERY_PID" 2>/dev/null || true
  fi
  CELERY_PID=""
}

cmd_test() {
  setup
  install_system "${TEST_APT_PACKAGES[@]}"
  log "ruff"
  "$VENV/bin/ruff" check .
  log "import-linter（应用之间只能单向依赖）"
  "$VENV/bin/lint-imports"
  log "mypy（django-stubs）"
  "$VENV/bin/mypy" .
  log "pytest（数据库：${DATABASE_URL:-SQLite}）"
  "$VENV/bin/python" -m pytest -q "$@"
}

case "${1:-}" in
  run) shift; cmd_run "$@" ;;
  test) shift; cmd_test "$@" ;;
  setup) shift; setup "$@" ;;
  *) echo "用法：bash scripts/dev.sh run | test" >&2; exit 2 ;;
esac
