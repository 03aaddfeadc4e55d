"""Benchmark the TAM desk on 100,000 open incidents against raw SQL and django-helpdesk.

Run from the project root (PostgreSQL on 127.0.0.1, trust auth; python3.11 on PATH):
    .venv/bin/python bench/desk.py [--reload] [--runs 15] [--helpdesk-runs 5] [--no-helpdesk]

The portal side uses database bench_desk_portal: 100,000 open incidents in 1,000
organisations (four tiers), 200 staff, a customer reply on 30% of the incidents. It is
built with generate_series SQL (as bench/sla_sweep.py does) and reused while it holds
100,000 open incidents; --reload rebuilds it. As a duty manager, through Django's test
client in this process, it times (median of --runs after a warm-up):
1. the desk's first page `/desk/?queue=open` (HTML), its live fragment
   `/desk/live/?queue=open` and `GET /api/v1/incidents/?sort=urgency&queue=open`;
2. the SQL of the desk's first page (`tam.desk.urgency_page` on the open queue) against
   raw SQL that selects the same 50 rows, both checked with EXPLAIN for the partial
   index `incident_urgency`;
3. django-helpdesk's staff ticket list as a user first sees it, its page plus the JSON
   rows request its DataTables script makes, on 100,000 open tickets in 1,000 queues: in
   its own virtualenv (var/bench-helpdesk/venv, from bench/helpdesk-requirements.txt)
   and database (bench_desk_helpdesk), by bench/helpdesk_site/run.py in a subprocess.
Query counts of each desk request are compared on the 100,000 incidents and with all but
five of them resolved (in a transaction rolled back afterwards).

Goals: each desk request at least 10x faster than helpdesk's page plus rows; the first
page's SQL within 2x of the raw SQL; query counts constant. The last line printed is
`goals met`, or names each goal missed (exit status 1).
"""

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BENCH_DB = "bench_desk_portal"
HELPDESK_DB = "bench_desk_helpdesk"
HELPDESK_DIR = ROOT / "var" / "bench-helpdesk"
HELPDESK_REQUIREMENTS = ROOT / "bench" / "helpdesk-requirements.txt"
os.environ.update(
    DJANGO_SETTINGS_MODULE="portal.settings",
    DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}",
    SECRET_KEY=os.environ.get("SECRET_KEY", "bench"),
    DEBUG="0",
    ALLOWED_HOSTS="testserver",
    LOG_LEVEL="WARNING",
)

import psycopg2  # noqa: E402

ORGS, INCIDENTS, STAFF, PAGE = 1_000, 100_000, 200, 50
TINY = 5  # open incidents left for the query-count comparison
DESK_USER = 1151  # the first duty manager (sees every queue)
REQUESTS = {
    "desk page": ("/desk/?queue=open", {}),
    "live fragment": ("/desk/live/?queue=open", {"HTTP_HX_REQUEST": "true"}),
    "API list": ("/api/v1/incidents/?sort=urgency&queue=open", {}),
}

# Users 1..1000 are customer admins (one per organisation); 1001..1050 TAMs,
# 1051..1150 engineers, 1151..1200 duty managers.
GENERATE = """
INSERT INTO portal_user (id, password, is_superuser, email, full_name, staff_role, is_active,
                         date_joined)
SELECT g, '!', false, 'user' || g || '@bench.test', 'User ' || g,
       CASE WHEN g <= 1000 THEN '' WHEN g <= 1050 THEN 'tam' WHEN g <= 1150 THEN 'engineer'
            ELSE 'duty_manager' END, true, now()
FROM generate_series(1, 1000 + %(staff)s) g;
INSERT INTO portal_organization (id, name, timezone, next_incident_number, created_at)
SELECT g, 'Org ' || g, 'UTC', 101, now() FROM generate_series(1, %(orgs)s) g;
INSERT INTO portal_membership (organization_id, user_id, role, created_at)
SELECT g, g, 'admin', now() FROM generate_series(1, %(orgs)s) g;
INSERT INTO contracts_contract (id, organization_id, tier_id, calendar_id, reference, starts_on,
                                ends_on, licence_type, tam_id, backup_tam_id, created_at)
SELECT g, g, (%(tiers)s::bigint[])[1 + g %% 4], %(calendar)s, '', current_date - 30,
       current_date + 300, 'standard', 1001 + (g %% 50), 1001 + ((g + 1) %% 50), now()
FROM generate_series(1, %(orgs)s) g;
INSERT INTO incidents_incident (id, organization_id, contract_id, number, title, description,
    severity, kind, status, premium, channel, received_at, filed_by_id, assignee_id,
    close_reason, created_at, updated_at, priority, sla_due_at, sla_warn_at, sla_breached_at)
SELECT g, 1 + (g %% %(orgs)s), 1 + (g %% %(orgs)s), (1 + (g %% %(orgs)s)) || '-' || g,
       'Incident ' || g, 'Generated', 1 + (g %% 4),
       (ARRAY['problem', 'question', 'problem', 'malware_sample'])[1 + g %% 4],
       CASE WHEN g %% 10 = 0 THEN 'waiting_on_customer' WHEN g %% 10 = 1 THEN 'new'
            ELSE 'open' END,
       true, 'portal', now() - (g %% 20000) * interval '1 minute', 1 + (g %% %(orgs)s),
       CASE WHEN g %% 2 = 0 THEN 1051 + (g %% 100) END, '', now(), now(),
       (%(priorities)s::int[])[1 + (1 + g %% %(orgs)s) %% 4],
       CASE WHEN g %% 50 = 0 THEN now() - (g %% 600) * interval '1 minute'
            ELSE now() + interval '1 day' + (g %% 43200) * interval '1 minute' END,
       now() + interval '12 hours' + (g %% 1000) * interval '1 second',
       CASE WHEN g %% 50 = 0 THEN now() - (g %% 600) * interval '1 minute' END
FROM generate_series(1, %(incidents)s) g;
INSERT INTO incidents_threadentry (organization_id, incident_id, author_id, kind, body,
    by_staff, qualified_response, created_at)
SELECT 1 + (g %% %(orgs)s), g, 1 + (g %% %(orgs)s), 'reply', 'A customer reply', false, false,
       now() - (g %% 500) * interval '1 minute'
FROM generate_series(1, %(incidents)s) g WHERE g %% 10 < 3;
"""


def admin_connection():
    admin = psycopg2.connect("postgres://postgres@127.0.0.1:5432/postgres")
    admin.autocommit = True
    return admin


def prepare_database(name: str, *, reload: bool) -> bool:
    """Create the database if missing (dropped first with reload); True when created."""
    admin = admin_connection()
    with admin.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        exists = cur.fetchone() is not None
        if exists and reload:
            cur.execute(f"DROP DATABASE {name} WITH (FORCE)")
        if not exists or reload:
            cur.execute(f"CREATE DATABASE {name}")
    admin.close()
    return not exists or reload


def load_portal(*, reload: bool) -> str:
    """Migrate bench_desk_portal and fill it unless it already holds the data."""
    from django.core.management import call_command
    from django.db import connection

    from contracts.models import BusinessCalendar, Tier
    from contracts.rules import priority
    from incidents.models import Incident
    from tam.desk import OPEN

    created = prepare_database(BENCH_DB, reload=reload)
    call_command("migrate", verbosity=0)
    if not created and Incident.objects.filter(OPEN).count() == INCIDENTS:
        return f"data: {INCIDENTS:,} open incidents reused from {BENCH_DB} (--reload rebuilds)"
    if not created:
        connection.close()
        prepare_database(BENCH_DB, reload=True)
        call_command("migrate", verbosity=0)
    started = time.perf_counter()
    tiers = (list(Tier.objects.order_by("pk")[:4]) * 4)[:4]  # the catalogue's tiers
    with connection.cursor() as cur:
        cur.execute(
            GENERATE,
            {
                "orgs": ORGS,
                "incidents": INCIDENTS,
                "staff": STAFF,
                "tiers": [t.pk for t in tiers],
                "priorities": [priority(t, premium=True) for t in tiers],
                "calendar": BusinessCalendar.objects.get(name="24x7").pk,
            },
        )
        for table in (
            "portal_user",
            "portal_organization",
            "contracts_contract",
            "incidents_incident",
            "incidents_threadentry",
        ):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"
            )
        cur.execute("ANALYZE")
    return (
        f"data: {INCIDENTS:,} open incidents in {ORGS:,} organisations, {STAFF} staff, "
        f"{INCIDENTS * 3 // 10:,} customer replies ({time.perf_counter() - started:.1f} s "
        "to generate)"
    )


def run_helpdesk(*, reload: bool, runs: int) -> dict:
    """django-helpdesk's timings, from its own virtualenv (created here when missing)."""
    python = HELPDESK_DIR / "venv" / "bin" / "python"
    stamp = HELPDESK_DIR / "venv" / "installed-requirements.txt"
    wanted = HELPDESK_REQUIREMENTS.read_text()
    if not stamp.exists() or stamp.read_text() != wanted:
        print("helpdesk: creating var/bench-helpdesk/venv (pip install)", flush=True)
        HELPDESK_DIR.mkdir(parents=True, exist_ok=True)
        if not python.exists():
            subprocess.run(["python3.11", "-m", "venv", str(python.parents[1])], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "-r", str(HELPDESK_REQUIREMENTS)],
            check=True,
        )
        stamp.write_text(wanted)
    prepare_database(HELPDESK_DB, reload=reload)
    command = [str(python), str(ROOT / "bench" / "helpdesk_site" / "run.py"), "--runs", str(runs)]
    if reload:
        command.append("--reload")
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["HELPDESK_DB"] = HELPDESK_DB
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"helpdesk side failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def median_time(fn, runs: int) -> float:
    for _ in range(3):
        fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def paired_medians(first, second, runs: int) -> tuple[float, float]:
    """Both medians, the two run alternately so that a busy machine slows both alike."""
    samples: tuple[list[float], list[float]] = ([], [])
    for i in range(runs + 3):
        for fn, times in ((first, samples[0]), (second, samples[1])):
            started = time.perf_counter()
            fn()
            if i >= 3:
                times.append(time.perf_counter() - started)
    return statistics.median(samples[0]), statistics.median(samples[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reload", action="store_true", help="rebuild both databases")
    parser.add_argument("--runs", type=int, default=15, help="timed runs per desk request")
    parser.add_argument("--helpdesk-runs", type=int, default=5)
    parser.add_argument("--no-helpdesk", action="store_true", help="skip django-helpdesk")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from incidents.models import Incident
    from portal.models import User
    from tam.desk import queue_condition, urgency_ordered, urgency_page

    logging.getLogger("django.request").setLevel(logging.ERROR)  # 404s are reported below
    print(load_portal(reload=args.reload), flush=True)
    user = User.objects.get(pk=DESK_USER)
    now = timezone.now()
    missed: list[str] = []

    # -- the first page's SQL against raw SQL --------------------------------------------
    first = urgency_ordered(Incident.objects.filter(queue_condition("open", user, now)))
    orm_sql, orm_params = first[: PAGE + 1].query.sql_with_params()
    columns = ", ".join(f'"{f.column}"' for f in Incident._meta.concrete_fields)
    raw_sql = (
        f"SELECT {columns} FROM incidents_incident WHERE status NOT IN ('closed', 'resolved') "
        "ORDER BY sla_breached_at, sla_due_at, severity, priority, received_at, id "
        f"LIMIT {PAGE + 1}"
    )
    # The same rows with what each desk row shows: organisation, tier, assignee and the
    # last customer activity (a reference for the page's whole SQL; not a goal).
    display_sql = f"""
        SELECT i.*, o.name, t.name, u.full_name, reply.created_at
        FROM ({raw_sql}) i
        JOIN portal_organization o ON o.id = i.organization_id
        JOIN contracts_contract c ON c.id = i.contract_id
        JOIN contracts_tier t ON t.id = c.tier_id
        LEFT JOIN portal_user u ON u.id = i.assignee_id
        LEFT JOIN LATERAL (
            SELECT e.created_at FROM incidents_threadentry e
            WHERE e.organization_id = i.organization_id AND e.incident_id = i.id
              AND NOT e.by_staff AND e.kind = 'reply'
            ORDER BY e.created_at DESC LIMIT 1
        ) reply ON true
        ORDER BY i.sla_breached_at, i.sla_due_at, i.severity, i.priority, i.received_at, i.id
    """

    def run_sql(sql, params=()):
        with connection.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()

    raw_ids = [row[0] for row in run_sql(raw_sql)][:PAGE]
    first_number = Incident.objects.get(pk=raw_ids[0]).number
    rows, _cursor = urgency_page(
        Incident.objects.filter(queue_condition("open", user, now)), size=PAGE
    )
    if [r.pk for r in rows] != raw_ids:
        missed.append("first page rows differ from the raw SQL's")

    def plan(sql, params=()):
        lines = [r[0] for r in run_sql(f"EXPLAIN {sql}", params)]
        uses = any("incident_urgency" in line for line in lines)
        sorts = any(line.lstrip(" ->").startswith("Sort") for line in lines)
        return "incident_urgency" if uses and not sorts else "NO index walk: " + lines[0]

    raw_time, sql_time = paired_medians(
        lambda: run_sql(raw_sql), lambda: run_sql(orm_sql, orm_params), args.runs * 20
    )
    orm_time = median_time(
        lambda: urgency_page(
            Incident.objects.filter(queue_condition("open", user, now)), size=PAGE
        ),
        args.runs * 10,
    )
    sql_ratio = sql_time / raw_time
    print(f"raw SQL, 50 rows      : {raw_time * 1000:8.2f} ms   plan: {plan(raw_sql)}")
    print(f"first page SQL (ORM)  : {sql_time * 1000:8.2f} ms   plan: {plan(orm_sql, orm_params)}")
    print(f"urgency_page() call   : {orm_time * 1000:8.2f} ms   (SQL plus model instances)")
    print(f"SQL ratio             : {sql_ratio:8.2f}x   (goal <= 2x)")
    display_time = median_time(lambda: run_sql(display_sql), args.runs * 10)
    print(
        f"raw SQL, rows as shown: {display_time * 1000:8.2f} ms   "
        "(with organisation, tier, assignee, last customer reply)"
    )
    if sql_ratio > 2:
        missed.append(f"first-page SQL {sql_ratio:.1f}x the raw SQL (goal <= 2x)")

    # -- the desk's requests through the test client -------------------------------------
    client = Client()
    client.force_login(user)
    desk: dict[str, dict] = {}
    for name, (url, headers) in REQUESTS.items():
        response = client.get(url, **headers)
        entry = desk[name] = {"status": response.status_code}
        if response.status_code != 200:
            print(f"{name:22}: HTTP {response.status_code} from {url}")
            missed.append(f"{name} answers {response.status_code}")
            continue
        if name == "API list":
            body = response.json()
            found = body.get("results", []) if isinstance(body, dict) else body
            ids = [row.get("id") for row in found if isinstance(row, dict)]
            if ids != raw_ids:
                missed.append("API list rows are not the raw SQL's 50 (sort/queue ignored?)")
        elif name == "desk page" and first_number not in response.content.decode():
            print(f"{name:22}: note: the most urgent incident ({first_number}) is not on it")
        entry["time"] = median_time(lambda u=url, h=headers: client.get(u, **h), args.runs)
        with CaptureQueriesContext(connection) as ctx:
            client.get(url, **headers)
        entry["queries"] = len(ctx.captured_queries)
        in_db = sum(float(q["time"]) for q in ctx.captured_queries) * 1000
        print(
            f"{name:22}: {entry['time'] * 1000:8.2f} ms   {entry['queries']} queries, "
            f"~{in_db:.0f} ms of SQL   ({len(response.content):,} bytes)"
        )

    # -- query counts with five open incidents -------------------------------------------
    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            Incident.objects.exclude(pk__in=raw_ids[:TINY]).update(status="resolved")
            for name, (url, headers) in REQUESTS.items():
                if "queries" not in desk[name]:
                    continue
                with CaptureQueriesContext(connection) as ctx:
                    response = client.get(url, **headers)
                desk[name]["tiny"] = len(ctx.captured_queries)
            raise Rollback
    except Rollback:
        pass
    with connection.cursor() as cur:  # the rolled-back rows, before the next run reuses them
        cur.execute("VACUUM ANALYZE incidents_incident")
    for name, entry in desk.items():
        if "queries" not in entry:
            missed.append(f"{name}: query count not measured")
            continue
        same = entry["queries"] == entry["tiny"]
        print(
            f"{name:22}: {entry['queries']} queries on {INCIDENTS:,}, {entry['tiny']} on "
            f"{TINY} open incidents{'' if same else '   GROWS WITH ROWS'}"
        )
        if not same:
            missed.append(f"{name} query count grows ({entry['tiny']} -> {entry['queries']})")

    # -- django-helpdesk -----------------------------------------------------------------
    if args.no_helpdesk:
        missed.append("helpdesk comparison skipped (--no-helpdesk)")
    else:
        connection.close()
        hd = run_helpdesk(reload=args.reload, runs=args.helpdesk_runs)
        first_seen = hd["page"] + hd["rows"]
        print(
            f"django-helpdesk {hd['version']} on {hd['tickets']:,} open tickets"
            + (f" (loaded in {hd['loaded_seconds']:.1f} s)" if hd["loaded_seconds"] else "")
        )
        print(f"helpdesk list page    : {hd['page'] * 1000:8.1f} ms   {hd['page_queries']} queries")
        print(
            f"helpdesk rows (JSON)  : {hd['rows'] * 1000:8.1f} ms   {hd['rows_queries']} queries"
            f"   ({hd['rows_returned']} rows of {hd['records_total']:,})"
        )
        print(f"helpdesk first seen   : {first_seen * 1000:8.1f} ms   (page + rows)")
        for name, entry in desk.items():
            if "time" not in entry:
                continue
            ratio = first_seen / entry["time"]
            print(f"vs {name:19}: {ratio:8.1f}x faster   (goal >= 10x)")
            if ratio < 10:
                missed.append(f"{name} only {ratio:.1f}x faster than helpdesk (goal >= 10x)")

    print("goals met" if not missed else "goals missed: " + "; ".join(missed))
    return 0 if not missed else 1


if __name__ == "__main__":
    sys.exit(main())
