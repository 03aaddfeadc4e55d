"""`make run`'s embedded default: SQLite and the filesystem broker, migrated and seeded."""

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def embedded_env(tmp_path: Path) -> dict[str, str]:
    """The environment the Makefile's EMBEDDED_ENV gives, with the files in tmp_path."""
    makefile = (ROOT / "Makefile").read_text()
    assert "DATABASE_URL=sqlite:///" in makefile
    assert "CELERY_BROKER_URL=filesystem://" in makefile
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "SECRET_KEY"}
    }
    env.update(
        DEBUG="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'portal.sqlite3'}",
        CELERY_BROKER_URL="filesystem://",
        PORTAL_VAR_DIR=str(tmp_path),
        EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
    )
    return env


def manage(env, *args) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


FAIL_TO_LOG_IN = """
from django.test import Client
client = Client(SERVER_NAME="localhost")
for _ in range(3):
    client.post("/accounts/login/", {"login": "admin@acme.example", "password": "wrong guess"})
"""

ASK_FOR_A_TOKEN = """
from django.test import Client
response = Client(SERVER_NAME="localhost").post(
    "/api/v1/auth/token/",
    {"email": "admin@acme.example", "password": "demo-portal"},
    content_type="application/json",
)
print(response.status_code, response.json())
"""


def test_embedded_settings_migrate_and_seed_on_sqlite(tmp_path):
    env = {**embedded_env(tmp_path), "LOGIN_FAILURE_LIMIT": "3"}
    manage(env, "migrate", "--noinput")
    first = manage(env, "seed_demo")
    assert "admin@acme.example" in first
    assert "admin@provider.example" in first
    manage(env, "seed_demo")  # idempotent: a second run adds nothing

    db = sqlite3.connect(tmp_path / "portal.sqlite3")
    tiers = {row[0] for row in db.execute("select code from contracts_tier")}
    assert tiers == {"msa-start", "msa-enterprise", "msa-premium-tam", "av-silver"}
    assert db.execute("select count(*) from portal_organization").fetchone()[0] == 4
    assert db.execute("select count(*) from contracts_contract").fetchone()[0] == 4
    users = db.execute("select count(*) from portal_user").fetchone()[0]
    assert users == len(re.findall(r"@\w+\.example", first))
    assert (tmp_path / "celery-queue").is_dir()

    token = manage(env, "issue_token", "admin@acme.example").strip()
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)  # a new key, shown once (portal.tokens)

    # Without Redis, lockouts are rows in the SQLite database: one process's failed
    # logins lock the account in the next process too.
    assert manage(env, "shell", "-c", ASK_FOR_A_TOKEN).splitlines()[-1].startswith("200 ")
    manage(env, "shell", "-c", FAIL_TO_LOG_IN)
    answer = manage(env, "shell", "-c", ASK_FOR_A_TOKEN).splitlines()[-1]
    assert answer.startswith("429 "), answer
    assert "Too many failed attempts" in answer


SETUP_A_DUE_CLOCK = """
import datetime
from django.utils import timezone
from incidents.models import SlaClock
clock = SlaClock.objects.filter(stopped_at__isnull=True, paused_at__isnull=True).first()
now = timezone.now()
SlaClock.objects.filter(pk=clock.pk).update(
    due_at=now - datetime.timedelta(minutes=1),
    warn_at=now - datetime.timedelta(minutes=2),
    breached_at=None,
    warned_at=None,
)
print(clock.pk)
"""


def test_the_embedded_worker_with_beat_sweeps_on_sqlite(tmp_path):
    """What `make run` starts: a breach is recorded and its e-mails sent, on SQLite."""
    env = embedded_env(tmp_path)
    env.update(SLA_SWEEP_SECONDS="1", OUTBOX_SECONDS="1")
    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo")
    clock = int(manage(env, "shell", "-c", SETUP_A_DUE_CLOCK).split()[-1])
    log = tmp_path / "celery.log"
    worker = subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "portal", "worker", "-B"),
            *("--concurrency", "1", "--loglevel", "INFO"),
            *("--schedule", str(tmp_path / "beat"), "--logfile", str(log)),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    db = sqlite3.connect(tmp_path / "portal.sqlite3", timeout=30)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            sent = db.execute(
                "select count(*) from incidents_notification "
                "where clock_id = ? and event_kind = 'sla_breach' and status = 'sent'",
                [clock],
            ).fetchone()[0]
            if sent:
                break
            time.sleep(1)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(30)
    text = log.read_text() if log.exists() else ""
    assert sent, text[-3000:]
    breached = db.execute("select breached_at from incidents_slaclock where id = ?", [clock])
    assert breached.fetchone()[0] is not None
    assert "Traceback" not in text, text[-3000:]
