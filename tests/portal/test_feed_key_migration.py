"""The alert feed key's migration gives every organisation already there a key of its own
(a callable default alone would give them all the same one)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("portal", "0005_user_time_zone")]
AFTER = [("portal", "0006_organization_alert_feed_key")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_organisations_get_distinct_feed_keys():
    old = migrate(BEFORE)
    try:
        Organization = old.get_model("portal", "Organization")
        for name in ("One", "Two", "Three"):
            Organization.objects.create(name=name, timezone="UTC")
        new = migrate(AFTER)
        keys = list(
            new.get_model("portal", "Organization").objects.values_list("alert_feed_key", flat=True)
        )
        assert len(keys) == 3
        assert len(set(keys)) == 3
        assert all(len(key) >= 40 for key in keys)
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
