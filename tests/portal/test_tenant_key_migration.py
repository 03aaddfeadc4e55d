"""The tenant keys' migration checks the rows it finds: rows pointing across tenants stop
it with a list of them, nothing is fixed silently, and it runs backwards."""

import datetime

import pytest
from django.db import connection

from tests.test_migrations import latest, migrate

BEFORE = [("contracts", "0007_backup_tam"), ("incidents", "0006_desk_urgency")]


def constraint_names() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT conname FROM pg_constraint WHERE conname LIKE '%%_same_org'")
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.django_db(transaction=True)
def test_rows_across_tenants_stop_the_migration_until_corrected():
    old = migrate(BEFORE)
    assert constraint_names() == set()
    try:
        Organization = old.get_model("portal", "Organization")
        ours, theirs = (Organization.objects.create(name=n) for n in ("Ours", "Theirs"))
        user = old.get_model("portal", "User").objects.create(email="filer@example.test")
        contract = old.get_model("contracts", "Contract").objects.create(
            organization=ours,
            tier=old.get_model("contracts", "Tier").objects.create(code="t", name="T"),
            calendar=old.get_model("contracts", "BusinessCalendar").objects.create(name="C"),
            starts_on=datetime.date(2026, 1, 1),
            ends_on=datetime.date(2026, 12, 31),
        )
        # The state a moved contract left behind: its incident in the old organisation.
        contract.organization = theirs
        contract.save()
        incident = old.get_model("incidents", "Incident").objects.create(
            organization=ours,
            contract=contract,
            number="1",
            title="t",
            description="d",
            severity=2,
            received_at=datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC),
            filed_by=user,
        )
        with pytest.raises(RuntimeError) as stopped:
            migrate(latest())
        message = str(stopped.value)
        assert (
            f"incidents_incident id={incident.pk} organization_id={ours.pk} -> "
            f"contracts_contract id={contract.pk} organization_id={theirs.pk}"
        ) in message
        Incident = old.get_model("incidents", "Incident")
        assert Incident.objects.get(pk=incident.pk).organization_id == ours.pk  # not "fixed"
        assert constraint_names() == set()

        Incident.objects.filter(pk=incident.pk).update(organization=theirs)
        migrate(latest())
        assert "incidents_incident_contract_id_same_org" in constraint_names()
        # Backwards, the keys go again.
        migrate(BEFORE)
        assert constraint_names() == set()
    finally:
        migrate(latest())
