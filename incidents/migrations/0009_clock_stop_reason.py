"""Why each clock stopped, so that "met" means stopped by the event it measures.

Clocks stopped before this field existed are read from what they left: a first-response
clock of an incident with a qualified response, and a resolution clock of a resolved
incident, were stopped by their event; a clock whose stop event gives a reason was stopped
by a severity without a target; any other stopped clock was closed before its event (a
breached one stays breached either way: `incidents.rules.clock_met`).
"""

from django.db import migrations, models
from django.db.models import Exists, OuterRef
from django.db.models.fields.json import KT


def backfill(apps, schema_editor):
    SlaClock = apps.get_model("incidents", "SlaClock")
    ThreadEntry = apps.get_model("incidents", "ThreadEntry")
    IncidentEvent = apps.get_model("incidents", "IncidentEvent")
    stopped = SlaClock.objects.filter(stopped_at__isnull=False, stop_reason="")
    lost_target = (
        IncidentEvent.objects.filter(
            organization_id=OuterRef("organization_id"),
            incident_id=OuterRef("incident_id"),
            kind="clock_stopped",
            data__has_key="reason",
        )
        .annotate(stopped_metric=KT("data__metric"))
        .filter(stopped_metric=OuterRef("metric"))
    )
    stopped.filter(Exists(lost_target)).update(stop_reason="no_target")
    answered = ThreadEntry.objects.filter(
        organization_id=OuterRef("organization_id"),
        incident_id=OuterRef("incident_id"),
        qualified_response=True,
    )
    stopped.filter(metric="first_response").filter(Exists(answered)).update(stop_reason="measured")
    stopped.filter(metric="resolution", incident__resolved_at__isnull=False).update(
        stop_reason="measured"
    )
    stopped.filter(stop_reason="").update(stop_reason="closed")


def clear(apps, schema_editor):
    apps.get_model("incidents", "SlaClock").objects.update(stop_reason="")


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0008_row_level_security"),
    ]

    operations = [
        migrations.AddField(
            model_name="slaclock",
            name="stop_reason",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "running"),
                    ("measured", "stopped by the event it measures"),
                    ("closed", "closed before the event it measures"),
                    ("no_target", "no target at the new severity"),
                ],
                default="",
                max_length=10,
            ),
        ),
        migrations.RunPython(backfill, clear),
    ]
