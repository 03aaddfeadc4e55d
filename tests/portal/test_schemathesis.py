"""The OpenAPI schema holds under fuzzing: schemathesis, every check, against a live server.

One run per role (a customer admin and a provider admin), each with its own token, over
every operation the schema documents, against gunicorn serving this test's database.
Zero failures: a failure prints schemathesis' report, with a curl line to reproduce it.

What a schema cannot know is given to schemathesis in its configuration (`config_for`):
the ids of objects that exist (a request naming a contract that does not exist is
rightly refused) and rules across fields, given by hooks (schemathesis_hooks.py), and
that cursors are the server's own. The seed is fixed, so a run repeats.
"""

import datetime
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from contracts.catalogue_models import DatabaseRelease, ProductVersion
from contracts.models import Product
from incidents import services
from incidents.models import Kind
from portal.models import StaffRole
from portal.tokens import token_create
from tests.conftest import make_tenant
from tests.factories import IncidentFactory, StaffFactory
from tests.incidents.alert_helpers import addressed
from tests.incidents.signature_helpers import signature

ROOT = Path(__file__).resolve().parents[2]
HOOKS = Path(__file__).resolve().with_name("schemathesis_hooks.py")
BIN = Path(sys.executable).parent
SEED = 20261129
# Enough cases per operation to reach every branch of its schema; the run stays short.
MAX_EXAMPLES = 10

pytestmark = pytest.mark.django_db(transaction=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    """gunicorn on this test's database, with rates no fuzzer can reach."""
    database = connection.settings_dict
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_ALLOW"))}
    env.update(
        DATABASE_URL=f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
        f"{database['NAME']}",
        SECRET_KEY="schemathesis",
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1",
        CELERY_TASK_ALWAYS_EAGER="1",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        PORTAL_VAR_DIR=str(tmp_path / "var"),
        MEDIA_ROOT=str(tmp_path / "media"),
        # Thousands of requests from one address in a minute are the point here.
        USER_THROTTLE_RATE="1000000/min",
        ANON_THROTTLE_RATE="1000000/min",
        LOGIN_THROTTLE_RATE="1000000/min",
        LOGIN_FAILURE_LIMIT="1000000",
    )
    log = (tmp_path / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "portal.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/v1/schema/", timeout=5)
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail((tmp_path / "gunicorn.log").read_text())
            time.sleep(0.2)
    yield url
    process.terminate()
    process.wait(timeout=30)
    log.close()


@pytest.fixture
def world(db):
    ours = make_tenant("Ours Ltd")
    make_tenant("Theirs Inc")
    incidents = [
        IncidentFactory(actor=ours.admin, contract=ours.contract, severity=severity)
        for severity in (1, 3)
    ]
    sample = SimpleUploadedFile("dropper.exe", b"MZ fuzz sample")
    services.attachment_add(incident=incidents[0], actor=ours.admin, upload=sample, sample=True)
    staff = StaffFactory(staff_role=StaffRole.ADMIN)
    backup = StaffFactory(staff_role=StaffRole.TAM)
    colleague = StaffFactory(staff_role=StaffRole.ENGINEER)  # for /staff/{id}/
    product = Product.objects.create(name="Endpoint Shield")
    ours.contract.products.add(product)  # filings name a product the customer holds
    alert = addressed(ours.organization)  # a published alert addressed to the customer
    version = ProductVersion.objects.create(
        product=product, version="12.0", ga_on=datetime.date(2026, 1, 1)
    )
    release = DatabaseRelease.objects.create(
        product=product, version="2026.11.29.1", released_at=timezone.now()
    )
    # A signature change request of the product, for an expedited release to name.
    request = IncidentFactory(
        actor=ours.admin,
        contract=ours.contract,
        kind=Kind.SIGNATURE_CHANGE,
        product=product,
        signature=signature(version=release.version),
    )
    return {
        "ours": ours,
        "incidents": incidents,
        "staff": staff,
        "backup": backup,
        "colleague": colleague,
        "product": product,
        "alert": alert,
        "version": version,
        "release": release,
        "spare_product": Product.objects.create(name="Spare Shield"),
        "signature_request": request,
    }


def fuzz_ids(world) -> dict[str, int]:
    """Objects that exist, for the hooks to name (tests/portal/schemathesis_hooks.py)."""
    ours = world["ours"]
    return {
        "organization": ours.organization.pk,
        "contract": ours.contract.pk,
        "tier": ours.contract.tier_id,
        "calendar": ours.contract.calendar_id,
        "staff": world["staff"].pk,
        "backup_staff": world["backup"].pk,
        "colleague": world["colleague"].pk,
        "product": world["product"].pk,
        "product_version": world["version"].pk,
        "release": world["release"].pk,
        "spare_product": world["spare_product"].pk,
        "signature_request": world["signature_request"].pk,
        "incident": world["incidents"][0].pk,
        "sample": world["incidents"][0].attachments.get(sample=True).pk,
        "membership": ours.member_membership.pk,
        "alert": world["alert"].pk,
    }


def config_text() -> str:
    """schemathesis.toml for the run: what a schema cannot say."""
    lines = [
        f"seed = {SEED}",
        "[generation]",
        f"max-examples = {MAX_EXAMPLES}",
        "[parameters]",
        # Cursors are the server's own: a made-up one is rightly a 400. Send none (the
        # first page).
        '"query.cursor" = ""',
    ]
    return "\n".join(lines) + "\n"


def run_schemathesis(url: str, token: str, role: str, ids: dict, report: Path):
    config = report / "schemathesis.toml"
    config.write_text(config_text())
    command = [
        str(BIN / "schemathesis"),
        "--config-file",
        str(config),
        "--no-color",
        "run",
        f"{url}/api/v1/schema/",
        "--header",
        f"Authorization: Token {token}",
        "--checks",
        "all",
        "--workers",
        "2",
        "--report",
        "junit",
        "--report-dir",
        str(report),
    ]
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": str(HOOKS),
        "PORTAL_FUZZ_IDS": json.dumps(ids),
        "PORTAL_FUZZ_ROLE": role,
    }
    return subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=report, env=env)


@pytest.mark.parametrize("role", ["customer", "provider"])
def test_schema_holds_under_fuzzing(world, server, role, tmp_path):
    user = world["ours"].admin if role == "customer" else world["staff"]
    _, token = token_create(user=user, name="schemathesis")
    spare, _ = token_create(user=user, name="spare")  # for DELETE /auth/tokens/{id}/
    ids = {**fuzz_ids(world), "spare_token": spare.pk}
    result = run_schemathesis(server, token, role, ids, tmp_path)
    assert result.returncode == 0, result.stdout[-60000:] + result.stderr[-5000:]
