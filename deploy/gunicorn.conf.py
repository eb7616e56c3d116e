"""gunicorn settings for 复函 (deploy/fuhan-web.service): `gunicorn -c deploy/gunicorn.conf.py
config.wsgi`. Environment: GUNICORN_BIND (127.0.0.1:8000, nginx in front), GUNICORN_WORKERS (3)."""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
# a letter PDF renders in about 0.1-0.7 s, a session ZIP of hundreds of letters takes longer
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
# recycle workers now and then: no slow growth survives
max_requests = 2000
max_requests_jitter = 200
# Django logs one JSON line per request with its request id (core/logging.py): no second
# access log; gunicorn's own messages as JSON lines on stdout too
accesslog = None
errorlog = "-"
forwarded_allow_ips = "127.0.0.1,::1"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json",
        }
    },
    "root": {"level": "INFO", "handlers": ["stdout"]},
    "loggers": {
        "gunicorn.error": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
    },
}
