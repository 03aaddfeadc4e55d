"""Start-up from the environment: bad values stop it with a message naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def start(env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    base.pop("SECRET_KEY", None)
    base.pop("DEBUG", None)
    base.pop("CELERY_BROKER_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_missing_secret_key_with_debug_off_stops_start_up():
    result = start({"DEBUG": "0"})
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_debug_on_starts_without_secret_key(tmp_path):
    result = start({"DEBUG": "1", "PORTAL_VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DEBUG", "maybe"),
        ("EMAIL_PORT", "twenty-five"),
        ("EMAIL_PORT", "70000"),
        ("DATABASE_URL", "mysql://root@localhost/portal"),
        ("REDIS_URL", "localhost:6379"),
        ("CELERY_BROKER_URL", "carrier-pigeon://coop"),
        ("DEFAULT_FROM_EMAIL", "support"),
        ("SLA_SWEEP_SECONDS", "often"),
        ("OUTBOX_SECONDS", "0"),
        ("SLA_SWEEP_SECONDS", "nan"),
    ],
)
def test_malformed_value_names_the_variable(variable, value, tmp_path):
    env = {"SECRET_KEY": "k", "PORTAL_VAR_DIR": str(tmp_path), variable: value}
    result = start(env)
    assert result.returncode != 0
    assert variable in result.stderr
    assert "ImproperlyConfigured" in result.stderr


def test_celery_broker_defaults_to_redis_url():
    code = "from django.conf import settings; print(settings.CELERY_BROKER_URL)"
    base = {k: v for k, v in os.environ.items() if k != "CELERY_BROKER_URL"}
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={
            **base,
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "SECRET_KEY": "k",
            "REDIS_URL": "redis://127.0.0.1:6379/5",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "redis://127.0.0.1:6379/5", result.stderr


def test_no_task_outlives_the_brokers_visibility_timeout():
    from django.conf import settings as live

    # The suite runs on Redis, whose visibility timeout re-delivers unacknowledged tasks.
    visibility = live.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert live.CELERY_TASK_SOFT_TIME_LIMIT < live.CELERY_TASK_TIME_LIMIT < visibility
    # A stalled SMTP server fails a send long before the task's own limit.
    assert 0 < live.EMAIL_TIMEOUT < live.CELERY_TASK_SOFT_TIME_LIMIT
