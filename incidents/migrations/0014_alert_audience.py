"""The organisations each malware alert was addressed to when it was published: a tenant
table, behind row-level security like the other tenant tables (0008, 0013)."""

import importlib

import django.db.models.deletion
from django.db import migrations, models

WALLS = importlib.import_module("incidents.migrations.0013_security_tenant_walls")
TENANT_TABLES = [("incidents_alertaudience", "organization_id")]


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0013_security_tenant_walls"),
        ("portal", "0006_organization_alert_feed_key"),
    ]

    operations = [
        migrations.CreateModel(
            name="AlertAudience",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("people", models.PositiveIntegerField(default=0, verbose_name="people sent it")),
                (
                    "alert",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="audience",
                        to="incidents.alert",
                    ),
                ),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="portal.organization",
                    ),
                ),
            ],
            options={
                "verbose_name": "alert recipient organisation",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("organization", "alert"), name="alert_audience_once"
                    )
                ],
            },
        ),
        migrations.RunPython(*WALLS.policies(TENANT_TABLES)),
    ]
