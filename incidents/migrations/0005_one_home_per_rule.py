"""Products now live in contracts (state only); SlaClock.clock is renamed kind; event
kinds get their vocabulary; unique keys of tenant tables lead with organization_id
(incident numbers are unique per organisation)."""

import django.db.models.deletion
from django.db import migrations, models

EVENT_KINDS = [
    ("filed", "New incident"),
    ("replied", "Reply"),
    ("status_changed", "Status changed"),
    ("severity_changed", "Severity changed"),
    ("assigned", "Assigned"),
    ("clock_started", "Clock started"),
    ("clock_stopped", "Clock stopped"),
    ("clock_paused", "Clock paused"),
    ("clock_resumed", "Clock resumed"),
    ("clock_restarted", "Clock restarted"),
    ("sla_warning", "SLA at risk"),
    ("sla_breach", "SLA breached"),
    ("escalated", "Escalated"),
    ("attachment_added", "File added"),
    ("premium_refunded", "Premium incident refunded"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0006_product"),
        ("incidents", "0004_outbox_sla_once"),
        ("portal", "0002_organization_next_incident_number"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="incident",
                    name="product",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="contracts.product",
                    ),
                ),
                migrations.DeleteModel(name="Product"),
            ],
            database_operations=[],
        ),
        migrations.RenameField(model_name="slaclock", old_name="clock", new_name="kind"),
        migrations.AlterField(
            model_name="slaclock",
            name="kind",
            field=models.CharField(
                choices=[
                    ("calendar", "Calendar time (24x7)"),
                    ("business", "Business time (contract calendar)"),
                ],
                max_length=10,
            ),
        ),
        migrations.AlterField(
            model_name="incidentevent",
            name="kind",
            field=models.CharField(choices=EVENT_KINDS, max_length=30),
        ),
        migrations.AlterField(
            model_name="notification",
            name="event_kind",
            field=models.CharField(choices=EVENT_KINDS, max_length=30),
        ),
        # The new keys first, then the old ones go: uniqueness holds throughout.
        migrations.AddConstraint(
            model_name="incident",
            constraint=models.UniqueConstraint(
                fields=("organization", "number"), name="incident_org_number"
            ),
        ),
        migrations.AlterField(
            model_name="incident", name="number", field=models.CharField(max_length=30)
        ),
        migrations.AddConstraint(
            model_name="attachment",
            constraint=models.UniqueConstraint(
                fields=("organization", "stored_name"), name="attachment_org_stored_name"
            ),
        ),
        migrations.AlterField(
            model_name="attachment", name="stored_name", field=models.CharField(max_length=255)
        ),
        migrations.AddConstraint(
            model_name="slaclock",
            constraint=models.UniqueConstraint(
                fields=("organization", "incident", "metric"), name="clock_org_incident_metric"
            ),
        ),
        migrations.RemoveConstraint(model_name="slaclock", name="clock_incident_metric"),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.UniqueConstraint(
                fields=("organization", "event", "recipient"), name="outbox_org_event_recipient"
            ),
        ),
        migrations.RemoveConstraint(model_name="notification", name="outbox_event_recipient"),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.UniqueConstraint(
                condition=models.Q(("clock__isnull", False)),
                fields=("organization", "clock", "event_kind", "deadline", "recipient"),
                name="outbox_org_sla_once",
            ),
        ),
        migrations.RemoveConstraint(model_name="notification", name="outbox_sla_once"),
        # The clock's own index (the old key led with it): deleting a clock finds its rows.
        migrations.AlterField(
            model_name="notification",
            name="clock",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="incidents.slaclock",
            ),
        ),
    ]
