"""A malware sample filed again reuses the earlier analysis of the same file: an index on
samples' SHA-256, and a database function that finds the newest analysis staff made of a
hash in any organisation.

A customer's transaction runs under row-level security (portal/tenancy.py) and cannot
read another organisation's rows; the function runs with its owner's rights (SECURITY
DEFINER: the migrating user, whom the policies do not restrict) and returns the result
only, never the attachment, the incident or the organisation it came from."""

import importlib

from django.db import migrations, models

RLS = importlib.import_module("incidents.migrations.0008_row_level_security")
FUNCTION = "portal_earlier_sample_analysis"
# Staff's own analyses only (a reused one is a copy), newest first; no tenant in the result.
NEWEST_ANALYSIS = (
    "SELECT s.id, s.verdict, s.detection_name, s.release_id, s.removal "
    "FROM incidents_sampleanalysis s "
    "JOIN incidents_attachment a ON a.id = s.attachment_id "
    "WHERE a.sample AND a.sha256 = digest AND s.reused_from_id IS NULL "
    "ORDER BY s.analysed_at DESC, s.id DESC LIMIT 1"
)


def create_function(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = schema_editor.quote_name(cursor.fetchone()[0])
        cursor.execute(
            f"CREATE OR REPLACE FUNCTION {schema}.{FUNCTION}(digest text) "
            "RETURNS TABLE (id bigint, verdict varchar, detection_name varchar, "
            "release_id bigint, removal text) "
            f"LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp "
            f"AS $$ {NEWEST_ANALYSIS} $$"
        )
        cursor.execute(f"REVOKE ALL ON FUNCTION {schema}.{FUNCTION}(text) FROM PUBLIC")
        if RLS._role():
            cursor.execute(f"GRANT EXECUTE ON FUNCTION {schema}.{FUNCTION}(text) TO {RLS._role()}")


def drop_function(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}(text)")


class Migration(migrations.Migration):
    dependencies = [("incidents", "0015_signature_analysts")]

    operations = [
        migrations.AddIndex(
            model_name="attachment",
            index=models.Index(
                condition=models.Q(("sample", True)),
                fields=["sha256"],
                name="attachment_sample_sha256",
            ),
        ),
        migrations.RunPython(create_function, drop_function),
    ]
