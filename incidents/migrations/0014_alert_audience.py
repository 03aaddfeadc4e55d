"""The organisations each malware alert was addressed to when it was published: a tenant
table, behind row-level security like the other tenant tables (0008, 0013)."""

import importlib

import django.db.models.deletion
from django.db import migrations, models

RLS = importlib.import_module("incidents.migrations.0008_row_level_security")
TENANT_TABLES = [("incidents_alertaudience", "organization_id")]


def enable(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql" or not RLS._role():
        return
    role = RLS._role()
    with schema_editor.connection.cursor() as cursor:
        for table, column in TENANT_TABLES:
            condition = RLS._policy_condition(column)
            cursor.execute(f"GRANT {RLS.TABLE_RIGHTS} ON {table} TO {role}")
            cursor.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            cursor.execute(
                f"CREATE POLICY {RLS.POLICY} ON {table} TO {role} "
                f"USING ({condition}) WITH CHECK ({condition})"
            )


def disable(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql" or not RLS._role():
        return
    with schema_editor.connection.cursor() as cursor:
        for table, _column in TENANT_TABLES:
            cursor.execute(f"DROP POLICY IF EXISTS {RLS.POLICY} ON {table}")
            cursor.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")


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
        migrations.RunPython(enable, disable),
    ]
