"""The Celery application. The beat schedule is defined here and only here."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "portal-heartbeat": {"task": "portal.tasks.heartbeat", "schedule": 60.0},
    # Retries and anything queued while no worker ran.
    "incidents-send-outbox": {"task": "incidents.tasks.send_outbox", "schedule": 60.0},
}
