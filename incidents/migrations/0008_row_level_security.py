"""Row-level security on the tenant tables, for the customers' role (portal/tenancy.py).

PostgreSQL only: creates the role `settings.PORTAL_RLS_ROLE` when missing (NOLOGIN, no
superuser, no BYPASSRLS), lets the migrating user switch to it, grants it the schema's
tables and sequences (and those created later by the same user), and gives each tenant
table a policy that shows and accepts only the rows of the organisation in the
transaction's `app.organization_id`. The owner and superusers are not subject to the
policies (no FORCE): they are the explicit bypass of staff, workers and commands. The
reverse removes the policies and grants; the role stays (roles belong to the cluster,
other databases may use it). SQLite skips all of it.
"""

from django.conf import settings
from django.db import migrations

# (table, column holding the organisation) of every tenant table.
TENANT_TABLES = [
    ("portal_organization", "id"),
    ("portal_membership", "organization_id"),
    ("contracts_contract", "organization_id"),
    ("contracts_entitlemententry", "organization_id"),
    ("incidents_incident", "organization_id"),
    ("incidents_threadentry", "organization_id"),
    ("incidents_attachment", "organization_id"),
    ("incidents_slaclock", "organization_id"),
    ("incidents_incidentevent", "organization_id"),
    ("incidents_notification", "organization_id"),
]
POLICY = "tenant_rows"
TABLE_RIGHTS = "SELECT, INSERT, UPDATE, DELETE"
SEQUENCE_RIGHTS = "USAGE, SELECT, UPDATE"


def _role() -> str:
    return settings.PORTAL_RLS_ROLE  # checked to be a plain lower-case name by the settings


def _ensure_role(cursor, role: str) -> None:
    cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", [role])
    found = cursor.fetchone()
    if found is None:
        cursor.execute(
            "SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user"
        )
        if not cursor.fetchone()[0]:
            raise RuntimeError(
                f"The database role {role!r} (PORTAL_RLS_ROLE) does not exist and this user "
                f"may not create roles. Create it once as a superuser: CREATE ROLE {role} "
                f"NOLOGIN; GRANT {role} TO <the portal's database user>; then migrate again."
            )
        # Two databases of one cluster may migrate at once (parallel tests): the loser of
        # the race finds the role made.
        cursor.execute(
            "DO $$ BEGIN "
            f"CREATE ROLE {role} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE; "
            "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        )
    elif any(found):
        raise RuntimeError(
            f"The database role {role!r} (PORTAL_RLS_ROLE) is a superuser or has BYPASSRLS: "
            "row-level security would not restrict it. Use a role without either."
        )
    cursor.execute("SELECT pg_has_role(current_user, %s, 'MEMBER')", [role])
    if not cursor.fetchone()[0]:
        cursor.execute(f"GRANT {role} TO CURRENT_USER")


def _policy_condition(column: str) -> str:
    return f"{column} = NULLIF(current_setting('app.organization_id', true), '')::bigint"


def enable(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql" or not _role():
        return
    role = _role()
    with schema_editor.connection.cursor() as cursor:
        _ensure_role(cursor, role)
        cursor.execute("SELECT current_schema()")
        schema = schema_editor.quote_name(cursor.fetchone()[0])
        cursor.execute(f"GRANT USAGE ON SCHEMA {schema} TO {role}")
        cursor.execute(f"GRANT {TABLE_RIGHTS} ON ALL TABLES IN SCHEMA {schema} TO {role}")
        cursor.execute(f"GRANT {SEQUENCE_RIGHTS} ON ALL SEQUENCES IN SCHEMA {schema} TO {role}")
        cursor.execute(
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT {TABLE_RIGHTS} ON TABLES TO {role}"
        )
        cursor.execute(
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
            f"GRANT {SEQUENCE_RIGHTS} ON SEQUENCES TO {role}"
        )
        for table, column in TENANT_TABLES:
            condition = _policy_condition(column)
            cursor.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            cursor.execute(
                f"CREATE POLICY {POLICY} ON {table} TO {role} "
                f"USING ({condition}) WITH CHECK ({condition})"
            )


def disable(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql" or not _role():
        return
    role = _role()
    with schema_editor.connection.cursor() as cursor:
        for table, _column in TENANT_TABLES:
            cursor.execute(f"DROP POLICY IF EXISTS {POLICY} ON {table}")
            cursor.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone() is None:
            return
        cursor.execute("SELECT current_schema()")
        schema = schema_editor.quote_name(cursor.fetchone()[0])
        cursor.execute(
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
            f"REVOKE {SEQUENCE_RIGHTS} ON SEQUENCES FROM {role}"
        )
        cursor.execute(
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
            f"REVOKE {TABLE_RIGHTS} ON TABLES FROM {role}"
        )
        cursor.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {role}")
        cursor.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {role}")
        cursor.execute(f"REVOKE USAGE ON SCHEMA {schema} FROM {role}")


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0007_tenant_keys"),
        ("contracts", "0008_tenant_keys"),
        ("portal", "0002_organization_next_incident_number"),
    ]

    operations = [migrations.RunPython(enable, disable)]
