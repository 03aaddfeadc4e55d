"""A real Celery worker (with embedded beat) on the real Redis and PostgreSQL, and an SMTP sink."""

import email
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


class Sink:
    """Collects every message the worker hands to SMTP."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 OK"

    def snapshot(self):
        with self.lock:
            return list(self.messages)


@pytest.fixture
def smtp_sink():
    sink = Sink()
    with socket.socket() as probe:  # a free port on loopback
        probe.bind(("127.0.0.1", 0))
        sink.port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    yield sink
    controller.stop()


class Worker:
    """Starts, kills (-9) and restarts `celery -A portal worker [-B]` as a subprocess."""

    def __init__(self, env: dict, log: Path, schedule: Path, *, embedded_beat: bool = True):
        self.env = env
        self.log = log
        self.schedule = schedule
        self.embedded_beat = embedded_beat
        self.process = None
        self.starts = 0

    def command(self) -> list[str]:
        run = [sys.executable, "-m", "celery", "-A", "portal", "worker", "--concurrency", "2"]
        if self.embedded_beat:
            run += ["-B", "--schedule", str(self.schedule)]
        return [
            *run,
            "--loglevel",
            "INFO",
            "-Q",
            self.env["CELERY_QUEUE"],
            "--without-mingle",
            "--without-gossip",
            "-n",
            f"test-{uuid.uuid4().hex[:8]}@%h",
        ]

    def start(self):
        self.starts += 1
        out = self.log.open("ab")
        self.process = subprocess.Popen(
            self.command(),
            cwd=ROOT,
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: kill -9 takes the pool and beat too
        )

    def kill9(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill9()


class Beat(Worker):
    """`celery -A portal beat` on its own, for sites that run the scheduler apart."""

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "beat",
            "--schedule",
            str(self.schedule),
            "--loglevel",
            "INFO",
        ]


@pytest.fixture
def worker_env(smtp_sink, tmp_path, settings):
    """The worker's environment: this test's database, Redis, a queue of its own, the sink."""
    database = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_ALLOW"))}
    env.update(
        DATABASE_URL=f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
        f"{database['NAME']}",
        REDIS_URL=os.environ["REDIS_URL"],
        CELERY_BROKER_URL=os.environ["REDIS_URL"],
        CELERY_QUEUE=f"portal-test-{uuid.uuid4().hex}",
        SECRET_KEY="integration",
        DEBUG="0",
        SLA_SWEEP_SECONDS="1",
        OUTBOX_SECONDS="1",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_sink.port),
        PORTAL_VAR_DIR=str(tmp_path / "var"),
    )
    return env


@pytest.fixture
def worker(worker_env, tmp_path, settings):
    # The test process enqueues for real too (on commit), into the worker's queue.
    from portal.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    app.conf.task_default_queue = worker_env["CELERY_QUEUE"]
    w = Worker(worker_env, tmp_path / "worker.log", tmp_path / "beat-schedule")
    yield w
    w.stop()
    app.conf.task_default_queue = "celery"
    app.conf.task_always_eager = True
    if os.environ.get("SHOW_WORKER_LOG"):
        print(w.log.read_text())


def wait_until(condition, timeout: float, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    return condition()


@pytest.fixture
def worker_and_beat(worker_env, tmp_path, settings):
    """A worker without beat and `celery beat` as two processes, as larger sites run them."""
    from portal.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    app.conf.task_default_queue = worker_env["CELERY_QUEUE"]
    log = tmp_path / "worker.log"
    w = Worker(worker_env, log, tmp_path / "unused", embedded_beat=False)
    b = Beat(worker_env, tmp_path / "beat.log", tmp_path / "beat-schedule")
    yield w, b
    b.stop()
    w.stop()
    app.conf.task_default_queue = "celery"
    app.conf.task_always_eager = True
