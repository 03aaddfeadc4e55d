"""Routing vectors with frozen time: where a new incident goes, and the `routed` event
that says why."""

import time_machine

from incidents.models import EventKind, IncidentEvent, RouteReason
from incidents.timeline import summary
from tests.factories import IncidentFactory
from tests.tam.conftest import madrid
from tests.tam.people import absent, shift

# A Wednesday at 11:00 in Madrid, and the Friday evening after it.
WEDNESDAY = madrid(2026, 6, 3, 11, 0)
FRIDAY_EVENING = madrid(2026, 6, 5, 18, 0)


def file_at(desk, at, **extra):
    with time_machine.travel(at, tick=False):
        return IncidentFactory(actor=desk.tenant.member, severity=1, **extra)


def routed(incident):
    event = IncidentEvent.objects.get(incident=incident, kind=EventKind.ROUTED)
    return event.data["to"], event.data["reason"], event


def test_an_available_tam_gets_the_incident(desk):
    incident = file_at(desk, WEDNESDAY)
    assert incident.assignee == desk.tam
    assert routed(incident)[:2] == (desk.tam.pk, RouteReason.TAM)


def test_a_tam_on_leave_hands_over_to_the_available_backup(desk):
    absent(desk.tam, madrid(2026, 6, 1, 0, 0), madrid(2026, 6, 8, 0, 0))
    incident = file_at(desk, WEDNESDAY)
    assert incident.assignee == desk.backup
    assert routed(incident)[:2] == (desk.backup.pk, RouteReason.BACKUP_TAM)


def test_outside_the_tams_hours_the_duty_manager_on_shift_gets_it(desk):
    # Friday 18:00 in Madrid: the TAM's (and backup's) Monday-Friday 9-18 day has ended.
    shift(desk.duty, madrid(2026, 6, 5, 17, 0), madrid(2026, 6, 6, 9, 0))
    incident = file_at(desk, FRIDAY_EVENING)
    assert incident.assignee == desk.duty
    assert routed(incident)[:2] == (desk.duty.pk, RouteReason.TAM_UNAVAILABLE)


def test_one_minute_before_the_end_of_the_day_the_tam_still_gets_it(desk):
    incident = file_at(desk, madrid(2026, 6, 5, 17, 59))
    assert incident.assignee == desk.tam


def test_with_nobody_on_duty_the_incident_stays_unassigned_and_says_why(desk):
    incident = file_at(desk, FRIDAY_EVENING)
    assert incident.assignee is None
    assert routed(incident)[:2] == (None, RouteReason.NOBODY_ON_DUTY)


def test_a_duty_manager_on_leave_is_not_on_duty(desk):
    shift(desk.duty, madrid(2026, 6, 5, 17, 0), madrid(2026, 6, 6, 9, 0))
    absent(desk.duty, madrid(2026, 6, 5, 0, 0), madrid(2026, 6, 6, 0, 0))
    incident = file_at(desk, FRIDAY_EVENING)
    assert incident.assignee is None
    assert routed(incident)[1] == RouteReason.NOBODY_ON_DUTY


def test_without_a_tam_the_incident_goes_to_the_shared_queue(desk):
    desk.tenant.contract.backup_tam = None
    desk.tenant.contract.tam = None
    desk.tenant.contract.save(update_fields=["tam", "backup_tam"])
    shift(desk.duty, madrid(2026, 6, 1, 0, 0), madrid(2026, 6, 8, 0, 0))
    incident = file_at(desk, WEDNESDAY)
    assert incident.assignee is None
    assert routed(incident)[:2] == (None, RouteReason.NO_TAM)


def test_a_call_logged_late_is_routed_by_the_time_it_was_received(desk, staff):
    # Logged on Monday morning, received on Friday evening: the TAM was off then.
    shift(desk.duty, madrid(2026, 6, 5, 17, 0), madrid(2026, 6, 6, 9, 0))
    with time_machine.travel(madrid(2026, 6, 8, 10, 0), tick=False):
        incident = IncidentFactory(
            actor=staff["engineer"],
            organization=desk.tenant.organization,
            severity=2,
            received_at=FRIDAY_EVENING,
        )
    assert incident.assignee == desk.duty


def test_the_routed_event_reads_in_words_for_staff_only(desk):
    incident = file_at(desk, WEDNESDAY)
    _to, _reason, event = routed(incident)
    assert event.internal  # staff only
    assert summary(event) == f"Routed to {desk.tam}: the account's TAM is available"
    absent(desk.tam, madrid(2026, 6, 1), madrid(2026, 6, 30))
    absent(desk.backup, madrid(2026, 6, 1), madrid(2026, 6, 30))
    _to, _reason, event = routed(file_at(desk, WEDNESDAY))
    assert summary(event) == ("Left in the shared queue: the TAM is away and nobody is on duty")


def test_the_routed_tam_is_told_of_the_new_incident(desk):
    from incidents.models import Notification

    incident = file_at(desk, WEDNESDAY)
    told = set(Notification.objects.filter(incident=incident).values_list("recipient", flat=True))
    assert desk.tam.email in told
    assert desk.duty.email not in told


def test_an_incident_left_unassigned_is_not_announced_to_the_absent_tam(desk, staff):
    from incidents.models import Notification

    absent(desk.tam, madrid(2026, 6, 1), madrid(2026, 6, 30))
    absent(desk.backup, madrid(2026, 6, 1), madrid(2026, 6, 30))
    incident = file_at(desk, WEDNESDAY)
    told = set(Notification.objects.filter(incident=incident).values_list("recipient", flat=True))
    assert desk.tam.email not in told
    assert desk.duty.email in told  # nobody on shift: every duty manager hears
