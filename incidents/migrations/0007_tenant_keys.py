"""Every tenant row that points at another tenant row carries the same organisation.

The parents get UNIQUE (id, organization_id); on PostgreSQL each child gets a composite
FOREIGN KEY (parent_id, organization_id) -> parent (id, organization_id), so a row can no
longer point across tenants, whatever the code does. Existing rows are checked first: a
mismatch stops the migration with the rows listed (nothing is fixed silently). SQLite, the
embedded default, keeps the single-column keys only.
"""

from django.conf import settings
from django.db import migrations, models

# (child table, key column, parent table): the children's tenant-consistent references.
TENANT_KEYS = [
    ("incidents_incident", "contract_id", "contracts_contract"),
    ("contracts_entitlemententry", "contract_id", "contracts_contract"),
    ("contracts_entitlemententry", "incident_id", "incidents_incident"),
    ("incidents_threadentry", "incident_id", "incidents_incident"),
    ("incidents_attachment", "incident_id", "incidents_incident"),
    ("incidents_attachment", "entry_id", "incidents_threadentry"),
    ("incidents_slaclock", "incident_id", "incidents_incident"),
    ("incidents_incidentevent", "incident_id", "incidents_incident"),
    ("incidents_notification", "incident_id", "incidents_incident"),
    ("incidents_notification", "event_id", "incidents_incidentevent"),
    ("incidents_notification", "clock_id", "incidents_slaclock"),
]
SHOWN = 20  # mismatching rows listed per key


def constraint_name(child: str, column: str) -> str:
    return f"{child}_{column}_same_org"


def mismatches(cursor) -> list[str]:
    """One line per child row whose organisation differs from its parent's."""
    found = []
    for child, column, parent in TENANT_KEYS:
        cursor.execute(
            f"SELECT c.id, c.organization_id, c.{column}, p.organization_id "  # noqa: S608
            f"FROM {child} c JOIN {parent} p ON p.id = c.{column} "
            "WHERE c.organization_id <> p.organization_id ORDER BY c.id"
        )
        rows = cursor.fetchall()
        found += [
            f"{child} id={row_id} organization_id={org} -> {parent} id={parent_id} "
            f"organization_id={parent_org}"
            for row_id, org, parent_id, parent_org in rows[:SHOWN]
        ]
        if len(rows) > SHOWN:
            found.append(f"... and {len(rows) - SHOWN} more rows of {child}.{column}")
    return found


def add_keys(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        wrong = mismatches(cursor)
        if wrong:
            raise RuntimeError(
                "Rows point at another organisation's rows; correct them (or remove them) "
                "and migrate again:\n  " + "\n  ".join(wrong)
            )
        if schema_editor.connection.vendor != "postgresql":
            return  # SQLite: the checks above only
        for child, column, parent in TENANT_KEYS:
            cursor.execute(
                f"ALTER TABLE {child} ADD CONSTRAINT {constraint_name(child, column)} "
                f"FOREIGN KEY ({column}, organization_id) "
                f"REFERENCES {parent} (id, organization_id) DEFERRABLE INITIALLY IMMEDIATE"
            )


def drop_keys(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for child, column, _parent in TENANT_KEYS:
            cursor.execute(
                f"ALTER TABLE {child} DROP CONSTRAINT IF EXISTS {constraint_name(child, column)}"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0008_tenant_keys"),
        ("incidents", "0006_desk_urgency"),
        ("portal", "0002_organization_next_incident_number"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="incident",
            constraint=models.UniqueConstraint(
                fields=("id", "organization"), name="incident_id_org"
            ),
        ),
        migrations.AddConstraint(
            model_name="incidentevent",
            constraint=models.UniqueConstraint(fields=("id", "organization"), name="event_id_org"),
        ),
        migrations.AddConstraint(
            model_name="slaclock",
            constraint=models.UniqueConstraint(fields=("id", "organization"), name="clock_id_org"),
        ),
        migrations.AddConstraint(
            model_name="threadentry",
            constraint=models.UniqueConstraint(fields=("id", "organization"), name="entry_id_org"),
        ),
        migrations.RunPython(add_keys, drop_keys),
    ]
