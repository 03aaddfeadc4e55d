"""The database's own walls between tenants (PostgreSQL): composite keys keep every child
row in its parent's organisation, and row-level security shows a customer's transaction
only its organisation's rows (portal/tenancy.py)."""

import importlib

import pytest
from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.utils import timezone

from contracts.models import (
    ClockKind,
    Entitlement,
    EntitlementEntry,
    Metric,
    Product,
    ProductVersion,
)
from incidents.models import (
    Alert,
    AlertAudience,
    AlertRead,
    Attachment,
    EventKind,
    Incident,
    IncidentEvent,
    Notification,
    PrivatePatch,
    SampleAnalysis,
    SampleVerdict,
    SignatureChange,
    SignatureVerdict,
    SlaClock,
    ThreadEntry,
)
from portal.tenancy import tenant_scope

KEYS = importlib.import_module("incidents.migrations.0007_tenant_keys")
RLS = importlib.import_module("incidents.migrations.0008_row_level_security")
WALLS = importlib.import_module("incidents.migrations.0013_security_tenant_walls")
AUDIENCE = importlib.import_module("incidents.migrations.0014_alert_audience")
# Every tenant key and table: the first ones, and the security workflows' (alerts' too).
TENANT_KEYS = KEYS.TENANT_KEYS + WALLS.TENANT_KEYS
TENANT_TABLES = RLS.TENANT_TABLES + WALLS.TENANT_TABLES + AUDIENCE.TENANT_TABLES
# Children that are one to one with their parent.
ONE_PER_PARENT = {"incidents_signaturechange", "incidents_privatepatch", "incidents_sampleanalysis"}

pytestmark = pytest.mark.django_db


def complete(incident: Incident) -> None:
    """Rows of every child kind for the incident's tenant, with every key filled."""
    org = incident.organization
    EntitlementEntry.objects.create(
        organization=org,
        contract=incident.contract,
        incident=incident,
        entitlement=Entitlement.PREMIUM_INCIDENT,
        units=1,
        year_starts_on=incident.contract.starts_on,
    )
    entry = ThreadEntry.objects.filter(incident=incident).first()
    Attachment.objects.filter(incident=incident).update(entry=entry)
    now = timezone.now()
    clock, _ = SlaClock.objects.get_or_create(
        organization=org,
        incident=incident,
        metric=Metric.RESOLUTION,
        defaults={"kind": ClockKind.CALENDAR, "target_minutes": 60, "started_at": now},
    )
    event = IncidentEvent.objects.create(
        organization=org, incident=incident, kind=EventKind.SLA_WARNING, at=timezone.now()
    )
    Notification.objects.create(
        organization=org,
        incident=incident,
        event=event,
        event_kind=EventKind.SLA_WARNING,
        clock=clock,
        deadline=clock.due_at,
        recipient="watcher@example.test",
        next_attempt_at=timezone.now(),
    )
    security_rows(incident)


def security_rows(incident: Incident) -> None:
    """The security workflows' detail rows for the incident's tenant."""
    org = incident.organization
    attachment = Attachment.objects.filter(incident=incident).first()
    SignatureChange.objects.create(
        organization=org,
        incident=incident,
        verdict=SignatureVerdict.FALSE_POSITIVE,
        database_version="1",
        file_name="a.exe",
        sha256="0" * 64,
    )
    version = ProductVersion.objects.create(
        product=incident.product or Product.objects.get_or_create(name="Walls product")[0],
        version=f"walls-{incident.pk}",
        ga_on=incident.contract.starts_on,
    )
    PrivatePatch.objects.create(
        organization=org, incident=incident, product_version=version, patch=attachment
    )
    SampleAnalysis.objects.create(
        organization=org,
        attachment=attachment,
        verdict=SampleVerdict.CLEAN,
        analysed_at=timezone.now(),
    )
    alert = Alert.objects.create(title="Walls", body="-", severity=2)
    AlertRead.objects.create(
        organization=org, alert=alert, user=incident.filed_by, read_at=timezone.now()
    )
    AlertAudience.objects.create(organization=org, alert=alert, people=1)


@pytest.fixture
def both(world):
    incidents = Incident.objects.filter(
        pk__in=[world["ours"]["incident"], world["theirs"]["incident"]]
    ).select_related("organization", "contract")
    for incident in incidents:
        complete(incident)
    return world["ours"]["organization"], world["theirs"]["organization"]


def violated(sql: str, params) -> str | None:
    """The constraint the statement breaks, or None when it succeeds."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except IntegrityError as exc:
        return exc.__cause__.diag.constraint_name
    return None


def test_a_child_row_cannot_move_to_another_tenant(both):
    ours, theirs = both
    for child, column, _parent in TENANT_KEYS:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM {child} WHERE organization_id = %s AND {column} IS NOT NULL",
                [ours],
            )
            row_id = cursor.fetchone()[0]
        # Refused by the row's own key, or (for a parent) by its children's keys.
        keys = {KEYS.constraint_name(c, k) for c, k, p in TENANT_KEYS if child in (c, p)}
        assert KEYS.constraint_name(child, column) in keys
        moved = f"UPDATE {child} SET organization_id = %s WHERE id = %s"
        assert violated(moved, [theirs, row_id]) in keys, child


def test_a_child_row_cannot_be_written_for_another_tenant(both):
    ours, theirs = both
    for child, column, _parent in TENANT_KEYS:
        with connection.cursor() as cursor:
            # A copy of one of our rows, with a fresh id and the other tenant's organisation
            # (and a fresh number, so the tenant's unique numbering is not what refuses it).
            cursor.execute(
                f"DROP TABLE IF EXISTS copy; CREATE TEMP TABLE copy AS "
                f"SELECT * FROM {child} WHERE organization_id = %s AND {column} IS NOT NULL "
                "LIMIT 1",
                [ours],
            )
            cursor.execute(
                f"UPDATE copy SET id = (SELECT max(id) + 1 FROM {child}), organization_id = %s",
                [theirs],
            )
            if child == "incidents_incident":
                cursor.execute("UPDATE copy SET number = 'copied'")
        insert = f"INSERT INTO {child} SELECT * FROM copy"
        if child in ONE_PER_PARENT:
            # One row per parent: without the original, its uniqueness cannot be what
            # refuses the copy (the statement is rolled back with the copy).
            insert = f"DELETE FROM {child} WHERE {column} = (SELECT {column} FROM copy); {insert}"
        own_keys = {KEYS.constraint_name(c, k) for c, k, _p in TENANT_KEYS if c == child}
        assert violated(insert, []) in own_keys, child


def organizations_in(table: str, column: str) -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")
        names = [c.name for c in cursor.description]
        return {row[names.index(column)] for row in cursor.fetchall()}


def test_a_customer_transaction_reads_only_its_tenant_rows(both):
    ours, theirs = both
    for table, column in TENANT_TABLES:
        assert {ours, theirs} <= organizations_in(table, column), table
    with tenant_scope(ours):
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == RLS.settings.PORTAL_RLS_ROLE
        for table, column in TENANT_TABLES:
            assert organizations_in(table, column) == {ours}, table
    with tenant_scope(None):  # a customer without an organisation finds nothing
        for table, column in TENANT_TABLES:
            assert organizations_in(table, column) == set(), table
    # Out of the scope the connection is itself again.
    assert {ours, theirs} <= organizations_in("incidents_incident", "organization_id")


def test_a_customer_transaction_cannot_write_another_tenants_rows(world, both):
    ours, theirs = both
    their_incident = world["theirs"]["incident"]
    with tenant_scope(ours):
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE incidents_incident SET title = 'taken' WHERE organization_id = %s",
                [theirs],
            )
            assert cursor.rowcount == 0
        refused = pytest.raises(ProgrammingError, match="row-level security")
        with refused, transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO incidents_incidentevent "
                "(organization_id, incident_id, kind, at, data, internal) "
                "VALUES (%s, %s, 'replied', now(), '{}', false)",
                [theirs, their_incident],
            )
    assert Incident.objects.get(pk=their_incident).title != "taken"
