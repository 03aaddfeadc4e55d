"""The database's tenant walls around the security workflows' tables: composite keys keep
each detail row in its incident's (or attachment's) organisation, and row-level security
shows a customer's transaction only its own rows, as 0007 and 0008 do for the first
tenant tables (their functions, applied to these tables)."""

import importlib

from django.conf import settings
from django.db import migrations, models

KEYS = importlib.import_module("incidents.migrations.0007_tenant_keys")
RLS = importlib.import_module("incidents.migrations.0008_row_level_security")

TENANT_KEYS = [
    ("incidents_signaturechange", "incident_id", "incidents_incident"),
    ("incidents_privatepatch", "incident_id", "incidents_incident"),
    ("incidents_privatepatch", "patch_id", "incidents_attachment"),
    ("incidents_sampleanalysis", "attachment_id", "incidents_attachment"),
]
TENANT_TABLES = [
    ("incidents_signaturechange", "organization_id"),
    ("incidents_privatepatch", "organization_id"),
    ("incidents_sampleanalysis", "organization_id"),
    ("incidents_alertread", "organization_id"),
]


def add_keys(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # new tables: no rows to check, and SQLite has no such keys
    with schema_editor.connection.cursor() as cursor:
        for child, column, parent in TENANT_KEYS:
            cursor.execute(
                f"ALTER TABLE {child} ADD CONSTRAINT {KEYS.constraint_name(child, column)} "
                f"FOREIGN KEY ({column}, organization_id) "
                f"REFERENCES {parent} (id, organization_id) DEFERRABLE INITIALLY IMMEDIATE"
            )


def drop_keys(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for child, column, _parent in TENANT_KEYS:
            name = KEYS.constraint_name(child, column)
            cursor.execute(f"ALTER TABLE {child} DROP CONSTRAINT IF EXISTS {name}")


def policies(tables):
    """RunPython's pair for `tables` [(table, organisation column)]: grant the customers'
    role and give each table 0008's policy; the reverse removes them. 0014 uses it too."""

    def enable(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql" or not RLS._role():
            return
        role = RLS._role()
        with schema_editor.connection.cursor() as cursor:
            for table, column in tables:
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
            for table, _column in tables:
                cursor.execute(f"DROP POLICY IF EXISTS {RLS.POLICY} ON {table}")
                cursor.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")

    return enable, disable


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0012_security_workflows"),
        ("portal", "0005_user_time_zone"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="attachment",
            constraint=models.UniqueConstraint(
                fields=("id", "organization"), name="attachment_id_org"
            ),
        ),
        migrations.RunPython(add_keys, drop_keys),
        migrations.RunPython(*policies(TENANT_TABLES)),
    ]
