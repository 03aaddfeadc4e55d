"""The Celery application. The beat schedule is defined here and only here."""

import os

from celery import Celery

from portal.env import env_float

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every periodic task of the product, in one place. Intervals in seconds, from the
# environment (a malformed value stops start-up, naming the variable).
SLA_SWEEP_SECONDS = env_float("SLA_SWEEP_SECONDS", 30.0, minimum=0.1)
OUTBOX_SECONDS = env_float("OUTBOX_SECONDS", 30.0, minimum=0.1)

app.conf.beat_schedule = {
    "sla-sweep": {
        "task": "incidents.tasks.sweep_sla_clocks",
        "schedule": SLA_SWEEP_SECONDS,
        # A sweep that waited long is superseded by the next one (at least 10 s: the
        # filesystem broker of the embedded default delivers about a second late).
        "options": {"expires": max(SLA_SWEEP_SECONDS, 10)},
    },
    # Retries, and anything queued while no worker ran.
    "send-outbox": {
        "task": "incidents.tasks.send_outbox",
        "schedule": OUTBOX_SECONDS,
        "options": {"expires": max(OUTBOX_SECONDS, 10)},
    },
    # Owners who became unavailable (an absence started, the working day ended).
    "watch-owners": {
        "task": "tam.tasks.watch_owners",
        "schedule": 60.0,
        "options": {"expires": 60},
    },
    # Customer admins told, once, that the updates included with a purchase end soon.
    "updates-ending": {
        "task": "contracts.tasks.notice_updates_ending",
        "schedule": 3600.0,
        "options": {"expires": 3600},
    },
    "portal-heartbeat": {"task": "portal.tasks.heartbeat", "schedule": 60.0},
}
