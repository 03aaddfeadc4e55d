"""django-helpdesk's side of bench/desk.py: load its database, time its staff ticket list.

Runs inside var/bench-helpdesk/venv (django-helpdesk, never the portal), started by
bench/desk.py as a subprocess:
    var/bench-helpdesk/venv/bin/python bench/helpdesk_site/run.py [--reload] [--runs 15]

It migrates database bench_desk_helpdesk, bulk-loads the tickets with generate_series
SQL (reused while it holds the right number of open tickets), logs a staff user in with
Django's test client and times what a user first sees: the ticket list page, then the
JSON rows request its DataTables script makes for the first page (the URL is read from
the page, the parameters are the ones DataTables sends in server-side mode with
`order: []`). The last line printed is one JSON object with the medians in seconds and
the query counts.
"""

import argparse
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk_site.settings")

# The columns of helpdesk/ticket_list.html's DataTable, in order (data names).
COLUMNS = [
    ("id", False),
    ("ticket", True),
    ("priority", True),
    ("queue", True),
    ("status", True),
    ("created", True),
    ("due_date", True),
    ("assigned_to", True),
    ("submitter", True),
    ("last_followup", True),
    ("kbitem", True),
]

LOAD = """
INSERT INTO auth_user (id, password, is_superuser, username, first_name, last_name, email,
                       is_staff, is_active, date_joined)
SELECT g, '!', false, 'staff' || g, 'Staff', g::text, 'staff' || g || '@bench.test', true,
       true, now()
FROM generate_series(2, %(staff)s + 1) g;
INSERT INTO helpdesk_usersettings (user_id, email_on_ticket_assign, email_on_ticket_change,
    login_view_ticketlist, tickets_per_page, use_email_as_submitter, ticket_respond_layout)
SELECT g, false, false, true, 50, true, 'full' FROM generate_series(2, %(staff)s + 1) g;
INSERT INTO helpdesk_queue (id, title, slug, allow_public_submission, allow_email_submission,
    email_box_ssl, enable_notifications_on_email_events)
SELECT g, 'Org ' || g, 'org-' || g, false, false, false, false
FROM generate_series(1, %(queues)s) g;
INSERT INTO helpdesk_ticket (id, title, created, modified, submitter_email, status, on_hold,
    description, resolution, priority, due_date, assigned_to_id, queue_id, secret_key)
SELECT g, 'Incident ' || g, now() - (g %% 40000) * interval '1 minute', now(),
       'customer' || (g %% %(queues)s) || '@bench.test', 1, false, 'Generated', '',
       1 + (g %% 5), now() + interval '1 day' + (g %% 43200) * interval '1 minute',
       CASE WHEN g %% 2 = 0 THEN 2 + (g %% %(staff)s) END, 1 + (g %% %(queues)s),
       substr(md5(g::text), 1, 36)
FROM generate_series(1, %(tickets)s) g;
INSERT INTO helpdesk_followup (date, title, comment, public, ticket_id)
SELECT now() - (g %% 500) * interval '1 minute', 'Comment', 'A customer reply', true, g
FROM generate_series(1, %(tickets)s) g WHERE g %% 10 < 3;
"""


def load(tickets: int, queues: int, staff: int) -> float:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(
            "TRUNCATE helpdesk_followup, helpdesk_ticket, helpdesk_queue, "
            "helpdesk_usersettings, auth_user CASCADE"
        )
        cur.execute(LOAD, {"tickets": tickets, "queues": queues, "staff": staff})
        for table in ("auth_user", "helpdesk_queue", "helpdesk_ticket", "helpdesk_followup"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"
            )
        cur.execute("ANALYZE")
    return time.perf_counter() - started


def rows_query(length: int) -> dict[str, str]:
    """The GET parameters of DataTables' first server-side request (no ordering)."""
    params = {"draw": "1"}
    for i, (data, orderable) in enumerate(COLUMNS):
        params.update(
            {
                f"columns[{i}][data]": data,
                f"columns[{i}][name]": "",
                f"columns[{i}][searchable]": "true",
                f"columns[{i}][orderable]": "true" if orderable else "false",
                f"columns[{i}][search][value]": "",
                f"columns[{i}][search][regex]": "false",
            }
        )
    params.update(
        {"start": "0", "length": str(length), "search[value]": "", "search[regex]": "false"}
    )
    params["_"] = str(int(time.time() * 1000))
    return params


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reload", action="store_true")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--queues", type=int, default=1_000)
    parser.add_argument("--staff", type=int, default=200)
    parser.add_argument("--page", type=int, default=50)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from helpdesk.models import Ticket

    call_command("migrate", verbosity=0)
    loaded = None
    if args.reload or Ticket.objects.filter(status=Ticket.OPEN_STATUS).count() != args.tickets:
        loaded = load(args.tickets, args.queues, args.staff)

    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="staff2")
    client = Client()
    client.force_login(user)

    def page():
        response = client.get("/helpdesk/tickets/")
        assert response.status_code == 200, response.status_code
        return response

    html = page().content.decode()
    match = re.search(r'"url":\s*"(/helpdesk/datatables_ticket_list/[^"]+)"', html)
    assert match, "the ticket list page names no datatables URL"
    rows_url = match.group(1)

    def rows():
        response = client.get(rows_url, rows_query(args.page))
        assert response.status_code == 200, response.status_code
        return response

    data = rows().json()
    assert len(data["data"]) == min(args.page, args.tickets), len(data["data"])

    def timed(fn):
        for _ in range(2):
            fn()
        samples = []
        for _ in range(args.runs):
            started = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - started)
        return statistics.median(samples)

    def queries(fn):
        with CaptureQueriesContext(connection) as ctx:
            fn()
        return len(ctx.captured_queries)

    result = {
        "tickets": Ticket.objects.filter(status=Ticket.OPEN_STATUS).count(),
        "loaded_seconds": loaded,
        "page": timed(page),
        "rows": timed(rows),
        "page_queries": queries(page),
        "rows_queries": queries(rows),
        "rows_returned": len(data["data"]),
        "records_total": data["recordsTotal"],
        "rows_url": rows_url,
    }
    from importlib.metadata import version

    result["version"] = version("django-helpdesk")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
