"""Benchmark the SLA sweep against raw SQL on 100,000 open incidents in 1,000 organisations.

Run from the project root (PostgreSQL on 127.0.0.1, trust auth):
    .venv/bin/python bench/sla_sweep.py [--rounds 3]

It builds its own database (portal_bench), then measures in the same run:
1. an idle sweep (nothing due) against the raw SELECTs that find due clocks;
2. a sweep that records 10,000 breaches at once (events and outbox rows; no
   e-mail is sent) against raw SQL that writes the same rows (the same clock
   updates, events and outbox rows, inserted with multi-row VALUES);
3. re-planning 100,000 running business-time clocks after a holiday is added to
   their calendar (the task's work: every clock computed again, one event and one
   updated acknowledgement per moved deadline, the incidents' urgency columns)
   against raw SQL that writes the same rows from precomputed values.
Goals: idle within 3x, recording within 5x, re-planning within 5x. Prints each
ratio; exits 1 when a goal is missed or the two sides did not write the same rows.
BENCH_DB names the database (default portal_bench).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BENCH_DB = os.environ.get("BENCH_DB", "portal_bench")
os.environ.update(
    DJANGO_SETTINGS_MODULE="portal.settings",
    DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}",
    SECRET_KEY=os.environ.get("SECRET_KEY", "bench"),
    LOG_LEVEL="WARNING",
)

import psycopg2  # noqa: E402
from psycopg2.extras import Json, execute_values  # noqa: E402

ORGS, INCIDENTS, DUE = 1_000, 100_000, 10_000


def fresh_database() -> None:
    admin = psycopg2.connect("postgres://postgres@127.0.0.1:5432/postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        cur.execute(f"CREATE DATABASE {BENCH_DB}")
    admin.close()


GENERATE = """
INSERT INTO portal_user (id, password, is_superuser, email, full_name, staff_role, is_active,
                         date_joined)
SELECT g, '!', false, 'user' || g || '@bench.test', '',
       CASE WHEN g <= 1000 THEN '' WHEN g <= 1050 THEN 'tam' WHEN g <= 1150 THEN 'engineer'
            ELSE 'duty_manager' END, true, now()
FROM generate_series(1, 1152) g;
INSERT INTO portal_organization (id, name, timezone, next_incident_number, created_at)
SELECT g, 'Org ' || g, 'UTC', 101, now() FROM generate_series(1, %(orgs)s) g;
INSERT INTO portal_membership (organization_id, user_id, role, created_at)
SELECT g, g, 'admin', now() FROM generate_series(1, %(orgs)s) g;
INSERT INTO contracts_contract (id, organization_id, tier_id, calendar_id, reference, starts_on,
                                ends_on, licence_type, tam_id, created_at)
SELECT g, g, %(tier)s, %(calendar)s, '', current_date - 30, current_date + 300, 'standard',
       1001 + (g %% 50), now()
FROM generate_series(1, %(orgs)s) g;
INSERT INTO incidents_incident (id, organization_id, contract_id, number, title, description,
    severity, kind, status, premium, channel, received_at, filed_by_id, assignee_id,
    close_reason, created_at, updated_at, priority, sla_due_at, sla_warn_at)
SELECT g, 1 + (g %% %(orgs)s), 1 + (g %% %(orgs)s), (1 + (g %% %(orgs)s)) || '-' || g,
       'Incident ' || g, 'Generated', 1 + (g %% 4), 'problem', 'open', true, 'portal',
       now() - interval '1 hour', 1 + (g %% %(orgs)s),
       CASE WHEN g %% 2 = 0 THEN 1051 + (g %% 100) END, '', now(), now(), 0,
       now() + interval '1 day' + (g %% 43200) * interval '1 minute',
       now() + interval '12 hours' + (g %% 1000) * interval '1 second'
FROM generate_series(1, %(incidents)s) g;
INSERT INTO incidents_slaclock (organization_id, incident_id, metric, kind, target_minutes,
    started_at, paused_seconds, due_at, warn_at, sweep_error, stop_reason)
SELECT 1 + (g %% %(orgs)s), g, 'first_response', 'calendar', 30, now(), 0,
       now() + interval '1 day' + (g %% 43200) * interval '1 minute',
       now() + interval '12 hours' + (g %% 1000) * interval '1 second', '', ''
FROM generate_series(1, %(incidents)s) g;
"""

RAW_DUE = """
SELECT id FROM incidents_slaclock
WHERE stopped_at IS NULL AND paused_at IS NULL AND breached_at IS NULL AND due_at <= %s
  AND (sweep_after IS NULL OR sweep_after <= %s)
ORDER BY due_at LIMIT 500
"""
RAW_WARN = """
SELECT id FROM incidents_slaclock
WHERE stopped_at IS NULL AND paused_at IS NULL AND warned_at IS NULL AND breached_at IS NULL
  AND warn_at <= %s AND (sweep_after IS NULL OR sweep_after <= %s)
ORDER BY warn_at LIMIT 500
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--replan-rounds", type=int, default=1, help="re-planning 100,000 clocks takes minutes"
    )
    args = parser.parse_args()

    fresh_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from contracts.models import BusinessCalendar, Tier
    from incidents import sweep as sweep_module
    from incidents.models import IncidentEvent, Notification, SlaClock
    from incidents.sweep import sweep

    # E-mail sending is excluded from the measurement: nothing is handed to Celery.
    sweep_module.enqueue_sending = lambda: None

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(
            GENERATE,
            {
                "orgs": ORGS,
                "incidents": INCIDENTS,
                "tier": Tier.objects.get(code="msa-enterprise").pk,
                "calendar": BusinessCalendar.objects.get(name="24x7").pk,
            },
        )
        for table in (
            "portal_user",
            "portal_organization",
            "contracts_contract",
            "incidents_incident",
        ):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"
            )
        cur.execute("ANALYZE")
    print(
        f"data: {INCIDENTS:,} open incidents with a running clock in {ORGS:,} organisations "
        f"({time.perf_counter() - started:.1f} s to generate)"
    )

    # 1. Idle: nothing due.
    now = timezone.now()
    sweep(now=now)  # warm up connections and caches

    def raw_select():
        with connection.cursor() as cur:
            cur.execute(RAW_DUE, [now, now])
            cur.fetchall()
            cur.execute(RAW_WARN, [now, now])
            cur.fetchall()

    def timed(fn, repeat=200):
        samples = []
        for _ in range(repeat):
            t = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - t)
        return statistics.median(samples)

    raw_idle = min(timed(raw_select) for _ in range(args.rounds))
    sweep_idle = min(timed(lambda: sweep(now=now)) for _ in range(args.rounds))
    assert not IncidentEvent.objects.filter(kind__startswith="sla_").exists()
    idle_ratio = sweep_idle / raw_idle
    print(f"idle sweep          : {sweep_idle * 1000:8.3f} ms   (median of 200)")
    print(f"raw SELECTs         : {raw_idle * 1000:8.3f} ms")
    print(f"idle ratio          : {idle_ratio:8.2f}x   (goal <= 3x)")

    # 2. 10,000 clocks fall due at once.
    with connection.cursor() as cur:
        cur.execute("SELECT setseed(0.42)")
        cur.execute(
            "UPDATE incidents_slaclock SET due_at = now() - interval '1 minute', "
            "warn_at = now() - interval '8 minutes' WHERE id IN "
            "(SELECT id FROM incidents_slaclock ORDER BY random() LIMIT %s)",
            [DUE],
        )
        cur.execute("ANALYZE incidents_slaclock")

    def reset():
        with connection.cursor() as cur:
            cur.execute("DELETE FROM incidents_notification")
            cur.execute(
                "DELETE FROM incidents_incidentevent WHERE kind LIKE 'sla_%%' OR kind = 'escalated'"
            )
            cur.execute(
                "UPDATE incidents_slaclock SET breached_at = NULL, warned_at = NULL "
                "WHERE breached_at IS NOT NULL OR warned_at IS NOT NULL"
            )
            cur.execute(
                "UPDATE incidents_incident SET sla_breached_at = NULL "
                "WHERE sla_breached_at IS NOT NULL"
            )

    sweep_times, raw_times = [], []
    for _ in range(args.rounds):
        reset()
        now = timezone.now()
        t = time.perf_counter()
        result = sweep(now=now)
        sweep_times.append(time.perf_counter() - t)
        assert result.breaches == DUE, result
        # What the sweep wrote is what the raw SQL must write.
        clock_ids = list(SlaClock.objects.filter(breached_at=now).values_list("pk", flat=True))
        events = list(
            IncidentEvent.objects.filter(kind__in=["sla_breach", "escalated"]).values_list(
                "organization_id", "incident_id", "kind", "at", "data", "internal"
            )
        )
        outbox = list(
            Notification.objects.values_list(
                "organization_id",
                "incident_id",
                "event__incident_id",
                "event_kind",
                "recipient",
                "next_attempt_at",
                "clock_id",
                "deadline",
            )
        )
        reset()
        t = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cur:
            raw = cur.cursor
            raw.execute(
                "UPDATE incidents_slaclock SET breached_at = %s, sweep_after = NULL, "
                "sweep_error = '' WHERE id = ANY(%s)",
                [now, clock_ids],
            )
            # The desk's urgency columns of the incidents breached.
            raw.execute(
                "UPDATE incidents_incident SET sla_breached_at = %s WHERE id IN "
                "(SELECT incident_id FROM incidents_slaclock WHERE id = ANY(%s))",
                [now, clock_ids],
            )
            event_ids = execute_values(
                raw,
                "INSERT INTO incidents_incidentevent "
                "(organization_id, incident_id, kind, at, data, internal) VALUES %s RETURNING id, "
                "incident_id, kind",
                [(o, i, k, a, Json(d), x) for o, i, k, a, d, x in events],
                page_size=1000,
                fetch=True,
            )
            event_of = {(incident, kind): event for event, incident, kind in event_ids}
            execute_values(
                raw,
                "INSERT INTO incidents_notification (organization_id, incident_id, event_id, "
                "event_kind, recipient, subject, body, status, attempts, next_attempt_at, "
                "last_error, created_at, clock_id, deadline) VALUES %s ON CONFLICT DO NOTHING",
                [
                    (o, i, event_of[e, k], k, r, "", "", "pending", 0, n, "", now, c, d)
                    for o, i, e, k, r, n, c, d in outbox
                ],
                page_size=1000,
            )
        raw_times.append(time.perf_counter() - t)
        written = (
            SlaClock.objects.filter(breached_at=now).count(),
            IncidentEvent.objects.filter(kind__in=["sla_breach", "escalated"]).count(),
            Notification.objects.count(),
        )
        assert written == (len(clock_ids), len(events), len(outbox)), written

    sweep_busy, raw_busy = min(sweep_times), min(raw_times)
    busy_ratio = sweep_busy / raw_busy
    print(
        f"10,000 breaches     : {sweep_busy * 1000:8.1f} ms   "
        f"({len(events):,} events, {len(outbox):,} outbox rows; best of {args.rounds})"
    )
    print(f"raw SQL, same rows  : {raw_busy * 1000:8.1f} ms")
    print(f"recording ratio     : {busy_ratio:8.2f}x   (goal <= 5x)")

    # 3. A holiday added to the calendar of 100,000 running business-time clocks.
    reset()
    replan_ratio = replanning(args.replan_rounds)
    print(f"re-planning ratio   : {replan_ratio:8.2f}x   (goal <= 5x)")
    goals = {
        "idle": idle_ratio <= 3,
        "recording": busy_ratio <= 5,
        "re-planning": replan_ratio <= 5,
    }
    missed = [name for name, met in goals.items() if not met]
    print("goals met" if not missed else f"GOAL MISSED: {', '.join(missed)}")
    ok = not missed
    connection.close()
    return 0 if ok else 1


OFFICE_HOURS = [(day, "09:00", "17:00") for day in range(5)]
# Five working days: every deadline lies beyond the next working day, the holiday's.
REPLAN_TARGET_MINUTES = 40 * 60


def replanning(rounds: int) -> float:
    """Section 3: the seconds the re-planning takes over the raw SQL's, best of `rounds`."""
    import datetime
    from zoneinfo import ZoneInfo

    from django.db import connection, transaction
    from django.utils import timezone

    from contracts import calendar_changes
    from contracts.models import BusinessCalendar, Contract
    from contracts.services import calendar_save
    from incidents.models import IncidentEvent, ThreadEntry
    from incidents.replan import replan_stale

    # The change's task is what is measured, called directly: nothing goes to Celery.
    calendar_changes._replan_after_commit = lambda **target: None
    hours = [
        (day, datetime.time.fromisoformat(a), datetime.time.fromisoformat(b))
        for day, a, b in OFFICE_HOURS
    ]
    office = calendar_save(name="Bench office", timezone="Europe/Madrid", hours=hours)
    Contract.objects.update(calendar=office)  # not audited here: the bench's own setup
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE incidents_slaclock SET kind = 'business', target_minutes = %s, "
            "started_at = now() - (id %% 1440) * interval '1 minute', breached_at = NULL, "
            "warned_at = NULL, calendar_id = %s, calendar_version = 0",
            [REPLAN_TARGET_MINUTES, office.pk],
        )
    replan_stale(calendar_id=office.pk)  # the deadlines as computed at filing (version 1)
    with connection.cursor() as cur:
        cur.execute("DELETE FROM incidents_incidentevent WHERE kind = 'clock_replanned'")
        cur.execute("DELETE FROM incidents_threadentry")
        cur.execute("VACUUM ANALYZE incidents_slaclock")
    today = timezone.localdate(timezone=ZoneInfo(office.timezone))
    holiday = today + datetime.timedelta(days=1)
    while holiday.weekday() >= 5:
        holiday += datetime.timedelta(days=1)
    calendar_save(
        calendar=office,
        name=office.name,
        timezone=office.timezone,
        hours=hours,
        holidays=[holiday],
    )
    version = BusinessCalendar.objects.get(pk=office.pk).version
    clock_cols = "id, due_at, warn_at, warned_at, calendar_version"
    incident_cols = "id, sla_due_at, sla_warn_at, sla_breached_at"
    # Typed, for rows whose first values are NULL.
    clock_row = "(%s, %s::timestamptz, %s::timestamptz, %s::timestamptz, %s::bigint)"
    incident_row = "(%s, %s::timestamptz, %s::timestamptz, %s::timestamptz)"
    with connection.cursor() as cur:
        cur.execute(f"SELECT {clock_cols} FROM incidents_slaclock")
        before_clocks = cur.fetchall()
        cur.execute(f"SELECT {incident_cols} FROM incidents_incident")
        before_incidents = cur.fetchall()

    def restore():
        with connection.cursor() as cur:
            cur.execute("DELETE FROM incidents_incidentevent WHERE kind = 'clock_replanned'")
            cur.execute("DELETE FROM incidents_threadentry")
            execute_values(
                cur.cursor,
                "UPDATE incidents_slaclock AS c SET due_at = v.due_at, warn_at = v.warn_at, "
                "warned_at = v.warned_at, calendar_version = v.calendar_version FROM (VALUES %s) "
                f"AS v({clock_cols}) WHERE c.id = v.id",
                before_clocks,
                template=clock_row,
                page_size=5000,
            )
            execute_values(
                cur.cursor,
                "UPDATE incidents_incident AS i SET sla_due_at = v.sla_due_at, "
                "sla_warn_at = v.sla_warn_at, sla_breached_at = v.sla_breached_at "
                f"FROM (VALUES %s) AS v({incident_cols}) WHERE i.id = v.id",
                before_incidents,
                template=incident_row,
                page_size=5000,
            )
            cur.execute("VACUUM ANALYZE incidents_slaclock")

    replan_times, raw_times = [], []
    for _ in range(rounds):
        restore()
        now = timezone.now()
        t = time.perf_counter()
        result = replan_stale(calendar_id=office.pk, now=now)
        replan_times.append(time.perf_counter() - t)
        assert result.replanned == result.moved == INCIDENTS, result
        with connection.cursor() as cur:
            cur.execute(f"SELECT {clock_cols} FROM incidents_slaclock ORDER BY id")
            clocks = cur.fetchall()
            cur.execute(f"SELECT {incident_cols} FROM incidents_incident ORDER BY id")
            incidents = cur.fetchall()
        events = list(
            IncidentEvent.objects.filter(kind="clock_replanned").values_list(
                "organization_id", "incident_id", "kind", "at", "data", "internal"
            )
        )
        entries = list(
            ThreadEntry.objects.values_list(
                "organization_id",
                "incident_id",
                "kind",
                "body",
                "by_staff",
                "qualified_response",
                "created_at",
            )
        )
        assert all(c[4] == version for c in clocks)
        restore()
        t = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cur:
            raw = cur.cursor
            execute_values(
                raw,
                "UPDATE incidents_slaclock AS c SET due_at = v.due_at, warn_at = v.warn_at, "
                "warned_at = v.warned_at, calendar_version = v.calendar_version FROM (VALUES %s) "
                f"AS v({clock_cols}) WHERE c.id = v.id",
                clocks,
                template=clock_row,
                page_size=500,
            )
            execute_values(
                raw,
                "INSERT INTO incidents_incidentevent "
                "(organization_id, incident_id, kind, at, data, internal) VALUES %s",
                [(o, i, k, a, Json(d), x) for o, i, k, a, d, x in events],
                page_size=500,
            )
            execute_values(
                raw,
                "INSERT INTO incidents_threadentry (organization_id, incident_id, kind, body, "
                "by_staff, qualified_response, created_at) VALUES %s",
                entries,
                page_size=500,
            )
            execute_values(
                raw,
                "UPDATE incidents_incident AS i SET sla_due_at = v.sla_due_at, "
                "sla_warn_at = v.sla_warn_at, sla_breached_at = v.sla_breached_at "
                f"FROM (VALUES %s) AS v({incident_cols}) WHERE i.id = v.id",
                incidents,
                template=incident_row,
                page_size=500,
            )
        raw_times.append(time.perf_counter() - t)
        with connection.cursor() as cur:
            cur.execute(f"SELECT {clock_cols} FROM incidents_slaclock ORDER BY id")
            assert cur.fetchall() == clocks
            cur.execute(f"SELECT {incident_cols} FROM incidents_incident ORDER BY id")
            assert cur.fetchall() == incidents
        written = (
            IncidentEvent.objects.filter(kind="clock_replanned").count(),
            ThreadEntry.objects.count(),
        )
        assert written == (len(events), len(entries)), written

    replanned, raw_best = min(replan_times), min(raw_times)
    print(
        f"100,000 re-planned  : {replanned * 1000:8.1f} ms   ({len(events):,} events, "
        f"{len(entries):,} acknowledgements; holiday {holiday}; best of {rounds})"
    )
    print(f"raw SQL, same rows  : {raw_best * 1000:8.1f} ms")
    return replanned / raw_best


if __name__ == "__main__":
    sys.exit(main())
