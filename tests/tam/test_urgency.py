"""The desk's urgency order comes from columns on the incident row: they must always
equal what the clocks say, and the indexed order must equal a brute-force sort."""

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidents.models import Incident
from portal.models import StaffRole
from tam.desk import OPEN, urgency_ordered, urgency_page
from tests.factories import IncidentFactory, StaffFactory
from tests.tam.randomdesk import ACTIONS, RandomDesk, brute_force_order, expected_columns, tenants


@pytest.fixture
def accounts(db):
    return tenants()


def columns(incident):
    return incident.sla_due_at, incident.sla_warn_at, incident.sla_breached_at


def assert_columns_follow_the_clocks():
    for incident in Incident.objects.all():
        assert columns(incident) == expected_columns(incident), incident.number


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed=st.integers(0, 2**16),
    actions=st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=18),
)
def test_the_next_deadline_on_the_row_follows_every_clock_change(accounts, seed, actions):
    desk = RandomDesk(accounts, StaffFactory(staff_role=StaffRole.ENGINEER), seed)
    for action in actions:
        desk.step(action)
        assert_columns_follow_the_clocks()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_urgency_order_equals_a_brute_force_sort(accounts, seed):
    desk = RandomDesk(accounts, StaffFactory(staff_role=StaffRole.ENGINEER), seed)
    for _ in range(70):
        desk.step(desk.rng.choice(ACTIONS))
    with time_machine.travel(desk.now, tick=False):  # fresh ones, whose clocks run
        for severity in (2, 3):
            IncidentFactory(actor=accounts[0].member, severity=severity)
    ordered = list(urgency_ordered(Incident.objects.filter(OPEN)).values_list("pk", flat=True))
    assert ordered == brute_force_order()
    # The mix the order must handle is there: breached, running, and no deadline at all.
    open_rows = Incident.objects.filter(OPEN)
    assert open_rows.filter(sla_breached_at__isnull=False).exists()
    assert open_rows.filter(sla_breached_at__isnull=True, sla_due_at__isnull=False).exists()
    assert open_rows.filter(sla_due_at__isnull=True).exists()


def test_keyset_pages_walk_the_whole_order_once(accounts):
    desk = RandomDesk(accounts, StaffFactory(staff_role=StaffRole.ENGINEER), 7)
    for _ in range(60):
        desk.step(desk.rng.choice(ACTIONS))
    walked, cursor = [], ""
    while True:
        rows, cursor = urgency_page(Incident.objects.filter(OPEN), cursor=cursor, size=4)
        walked += [row.pk for row in rows]
        if cursor is None:
            break
    assert walked == brute_force_order()
