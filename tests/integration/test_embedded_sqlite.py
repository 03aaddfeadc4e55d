"""`make run`'s embedded default (SQLite, the filesystem broker) under a person's clicking
while the worker writes to the same file: slow, never a 500 ("database is locked").

Everything runs in subprocesses with make run's environment on a SQLite file of this test:
the demo data is seeded, a "worker" process runs the worker's periodic tasks back to back
(heartbeat, outbox, SLA sweep: each reads, then writes), and a "clicks" process adds
contacts and files incidents from several threads, as several browser tabs would.
"""

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLICKERS = 4
ROUNDS = 6


def embedded_env(var: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))}
    env.update(
        DEBUG="1",
        DATABASE_URL=f"sqlite:///{var / 'portal.sqlite3'}",
        CELERY_BROKER_URL="filesystem://",
        REDIS_URL="",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        PORTAL_STAFF_MFA_REQUIRED="0",
        PORTAL_VAR_DIR=str(var),
        DJANGO_SETTINGS_MODULE="portal.settings",
    )
    env.pop("SECRET_KEY", None)
    return env


def _worker_loop(stop_file: Path) -> None:
    from incidents.tasks import send_outbox, sweep_sla_clocks
    from portal.tasks import heartbeat

    while not stop_file.exists():
        heartbeat()
        send_outbox()
        sweep_sla_clocks()


def _clicks() -> dict:
    from django.test import Client

    from incidents.models import Kind
    from incidents.selectors import filing_contracts
    from portal.models import User

    admin = User.objects.get(email="admin@acme.example")
    organization_id = admin.membership.organization_id
    contract = filing_contracts(admin)[0]
    statuses: list[int] = []
    lock = threading.Lock()

    def tab(number: int) -> None:
        client = Client(SERVER_NAME="127.0.0.1", raise_request_exception=False)
        client.force_login(admin)
        for round_ in range(ROUNDS):
            added = client.post(
                f"/organizations/{organization_id}/contacts/",
                {"email": f"tab{number}-{round_}@acme.example", "role": "member"},
            )
            filed = client.post(
                "/incidents/new/",
                {
                    "title": f"Tab {number} round {round_}",
                    "description": "Filed while the worker writes",
                    "severity": "3",
                    "kind": Kind.PROBLEM,
                    "contract": str(contract.pk),
                    "premium": "0",
                },
            )
            with lock:
                statuses.extend([added.status_code, filed.status_code])

    tabs = [threading.Thread(target=tab, args=(n,)) for n in range(CLICKERS)]
    for thread in tabs:
        thread.start()
    for thread in tabs:
        thread.join()
    return {"statuses": statuses}


def _run(env: dict, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_clicking_while_the_worker_writes_never_gives_a_500(tmp_path):
    env = embedded_env(tmp_path)
    for command in (["migrate", "--noinput"], ["seed_demo"]):
        done = _run(env, "manage.py", *command)
        assert done.returncode == 0, done.stderr[-2000:]
    stop_file = tmp_path / "stop"
    worker = subprocess.Popen(
        [sys.executable, __file__, "worker", str(stop_file)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        clicks = _run(env, __file__, "clicks")
    finally:
        stop_file.touch()
        _out, worker_errors = worker.communicate(timeout=120)
    assert clicks.returncode == 0, clicks.stderr[-3000:]
    statuses = json.loads(clicks.stdout.strip().splitlines()[-1])["statuses"]
    assert len(statuses) == 2 * CLICKERS * ROUNDS
    assert [s for s in statuses if s >= 500] == [], clicks.stderr[-3000:]
    assert "database is locked" not in clicks.stderr
    # Contacts were added (and refused at the contract's limit) and incidents filed.
    assert statuses.count(302) >= CLICKERS * ROUNDS
    assert worker.returncode == 0, worker_errors[-3000:]


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    if sys.argv[1] == "worker":
        _worker_loop(Path(sys.argv[2]))
    else:
        print(json.dumps(_clicks()))
