"""Migrations that move or rename keep every row: the product move is state only, the
clock's `clock` column becomes `kind`, and the tenant-led keys replace the old ones."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

BEFORE = [
    ("contracts", "0005_tier_notify_customer_on_sla_tier_warn_at_percent"),
    ("incidents", "0004_outbox_sla_once"),
]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_products_clocks_and_numbers_survive_the_move_to_tenant_led_keys():
    old = migrate(BEFORE)
    try:
        org = old.get_model("portal", "Organization").objects.create(name="Old Co", timezone="UTC")
        user = old.get_model("portal", "User").objects.create(email="old@example.test")
        tier = old.get_model("contracts", "Tier").objects.create(code="old", name="Old")
        calendar = old.get_model("contracts", "BusinessCalendar").objects.create(name="Old hours")
        contract = old.get_model("contracts", "Contract").objects.create(
            organization=org,
            tier=tier,
            calendar=calendar,
            starts_on=datetime.date(2026, 1, 1),
            ends_on=datetime.date(2026, 12, 31),
        )
        product = old.get_model("incidents", "Product").objects.create(name="Old Shield")
        now = datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC)
        incident = old.get_model("incidents", "Incident").objects.create(
            organization=org,
            contract=contract,
            number="001-00001",
            title="t",
            description="d",
            severity=2,
            product=product,
            received_at=now,
            filed_by=user,
        )
        old.get_model("incidents", "SlaClock").objects.create(
            organization=org,
            incident=incident,
            metric="first_response",
            clock="business",
            target_minutes=240,
            started_at=now,
        )
    finally:
        new = migrate(latest())

    from contracts.models import Contract, Product
    from incidents.models import Incident, SlaClock
    from portal.models import Organization

    moved = Incident.objects.select_related("product").get(pk=incident.pk)
    assert moved.product == Product.objects.get(name="Old Shield")
    assert SlaClock.objects.get(incident=moved).kind == "business"
    ContentType = new.get_model("contenttypes", "ContentType")
    assert not ContentType.objects.filter(app_label="incidents", model="product").exists()

    def same_number_in(organization):
        # An incident stays in its contract's organisation (the tenant keys): a contract there.
        contract = Contract.objects.filter(organization=organization).first() or (
            Contract.objects.create(
                organization=organization,
                tier=moved.contract.tier,
                calendar=moved.contract.calendar,
                starts_on=moved.contract.starts_on,
                ends_on=moved.contract.ends_on,
            )
        )
        return Incident.objects.create(
            organization=organization,
            contract=contract,
            number=moved.number,
            title="t",
            description="d",
            severity=2,
            received_at=now,
            filed_by=moved.filed_by,
        )

    # Numbers are unique per organisation now: another organisation may reuse one.
    assert same_number_in(Organization.objects.create(name="New Co")).number == moved.number
    with pytest.raises(IntegrityError), transaction.atomic():
        same_number_in(moved.organization)


@pytest.mark.django_db(transaction=True)
def test_clocks_stopped_before_stop_reasons_get_the_reason_their_history_shows():
    old = migrate([("incidents", "0008_row_level_security")])
    try:
        org = old.get_model("portal", "Organization").objects.create(name="Old Co", timezone="UTC")
        user = old.get_model("portal", "User").objects.create(email="old@example.test")
        tier = old.get_model("contracts", "Tier").objects.create(code="old", name="Old")
        calendar = old.get_model("contracts", "BusinessCalendar").objects.create(name="Old hours")
        contract = old.get_model("contracts", "Contract").objects.create(
            organization=org,
            tier=tier,
            calendar=calendar,
            starts_on=datetime.date(2026, 1, 1),
            ends_on=datetime.date(2026, 12, 31),
        )
        now = datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC)
        clocks = {}
        for name, metric, resolved in [
            ("answered", "first_response", True),
            ("unanswered", "first_response", False),
            ("resolved", "resolution", True),
            ("closed", "resolution", False),
            ("lost_target", "first_response", False),
            ("running", "first_response", False),
        ]:
            incident = old.get_model("incidents", "Incident").objects.create(
                organization=org,
                contract=contract,
                number=name,
                title="t",
                description="d",
                severity=2,
                received_at=now,
                filed_by=user,
                resolved_at=now if resolved else None,
            )
            if name == "answered":
                old.get_model("incidents", "ThreadEntry").objects.create(
                    organization=org, incident=incident, body="b", qualified_response=True
                )
            if name == "lost_target":
                old.get_model("incidents", "IncidentEvent").objects.create(
                    organization=org,
                    incident=incident,
                    kind="clock_stopped",
                    at=now,
                    data={"metric": metric, "met": False, "reason": "no target at severity 2"},
                )
            clocks[name] = old.get_model("incidents", "SlaClock").objects.create(
                organization=org,
                incident=incident,
                metric=metric,
                kind="calendar",
                target_minutes=240,
                started_at=now,
                due_at=now + datetime.timedelta(hours=4),
                stopped_at=None if name == "running" else now + datetime.timedelta(hours=1),
            )
    finally:
        migrate(latest())

    from incidents.models import SlaClock

    reasons = {name: SlaClock.objects.get(pk=row.pk).stop_reason for name, row in clocks.items()}
    assert reasons == {
        "answered": "measured",
        "unanswered": "closed",
        "resolved": "measured",
        "closed": "closed",
        "lost_target": "no_target",
        "running": "",
    }
