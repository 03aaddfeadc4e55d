"""Owner away: a severity 1-2 incident with a running calendar-time clock whose assignee
becomes unavailable is announced to the duty manager on shift once, and shows in the
"Owner away" queue; nothing is reassigned."""

import datetime

import time_machine
from django.core import mail

from incidents.models import EventKind, Incident, IncidentEvent, Notification
from incidents.outbox import outbox_send
from incidents.services import incident_assign
from tam.away import watch_owners
from tam.desk import Queue, queue_condition
from tests.factories import IncidentFactory
from tests.tam.conftest import madrid
from tests.tam.people import absent, shift

FILED = madrid(2026, 6, 3, 11, 0)
MIN = datetime.timedelta(minutes=1)


def notices(incident):
    return list(Notification.objects.filter(incident=incident, event_kind=EventKind.OWNER_AWAY))


def owner_away_queue(desk, now):
    return set(
        Incident.objects.filter(queue_condition(Queue.OWNER_AWAY, desk.duty, now)).values_list(
            "pk", flat=True
        )
    )


def file(desk, severity=1, at=FILED):
    with time_machine.travel(at, tick=False):
        return IncidentFactory(actor=desk.tenant.member, severity=severity)


def test_an_absence_starting_under_a_running_severity_1_tells_the_duty_manager_once(desk):
    shift(desk.duty, madrid(2026, 6, 3, 0, 0), madrid(2026, 6, 4, 0, 0))
    incident = file(desk)
    assert incident.assignee == desk.tam
    now = FILED + 5 * MIN
    assert watch_owners(now) == 0  # present: nothing to say
    absent(desk.tam, FILED + 10 * MIN, FILED + datetime.timedelta(days=2))

    assert watch_owners(FILED + 11 * MIN) == 1
    assert watch_owners(FILED + 12 * MIN) == 0
    assert watch_owners(FILED + 13 * MIN) == 0

    sent = notices(incident)
    assert [n.recipient for n in sent] == [desk.duty.email]
    assert IncidentEvent.objects.filter(incident=incident, kind=EventKind.OWNER_AWAY).count() == 1
    incident.refresh_from_db()
    assert incident.assignee == desk.tam  # nothing reassigned silently
    assert incident.pk in owner_away_queue(desk, FILED + 13 * MIN)


def test_the_outbox_key_holds_even_when_the_claim_is_lost(desk):
    shift(desk.duty, madrid(2026, 6, 3, 0, 0), madrid(2026, 6, 4, 0, 0))
    incident = file(desk)
    absent(desk.tam, FILED + 10 * MIN, FILED + datetime.timedelta(days=2))
    watch_owners(FILED + 11 * MIN)
    # A second worker that never saw the first one's claim writes its own event...
    Incident.objects.filter(pk=incident.pk).update(owner_away_at=None)
    watch_owners(FILED + 12 * MIN)
    # ...but the (clock, kind, deadline, recipient) key keeps the e-mail single.
    assert len(notices(incident)) == 1


def test_the_end_of_the_working_day_counts_as_becoming_unavailable(desk):
    shift(desk.duty, madrid(2026, 6, 3, 17, 0), madrid(2026, 6, 4, 9, 0))
    incident = file(desk, severity=2, at=madrid(2026, 6, 3, 16, 0))  # 4 h calendar time
    assert watch_owners(madrid(2026, 6, 3, 17, 59)) == 0
    assert watch_owners(madrid(2026, 6, 3, 18, 0)) == 1
    assert [n.recipient for n in notices(incident)] == [desk.duty.email]


def test_business_time_and_low_severities_are_not_watched(desk):
    shift(desk.duty, madrid(2026, 6, 3, 0, 0), madrid(2026, 6, 4, 0, 0))
    file(desk, severity=3)  # business-time clock
    absent(desk.tam, FILED + MIN, FILED + datetime.timedelta(days=1))
    assert watch_owners(FILED + 2 * MIN) == 0


def test_the_incident_leaves_the_queue_when_the_owner_is_back_or_someone_takes_it(desk, staff):
    shift(desk.duty, madrid(2026, 6, 3, 0, 0), madrid(2026, 6, 4, 0, 0))
    first, second = file(desk), file(desk)
    absent(desk.tam, FILED + MIN, FILED + 5 * MIN)
    watch_owners(FILED + 2 * MIN)
    assert owner_away_queue(desk, FILED + 2 * MIN) == {first.pk, second.pk}
    with time_machine.travel(FILED + 3 * MIN, tick=False):
        incident_assign(incident=second, actor=desk.duty, assignee=staff["engineer"])
    assert owner_away_queue(desk, FILED + 3 * MIN) == {first.pk}
    watch_owners(FILED + 6 * MIN)  # the TAM is back
    assert owner_away_queue(desk, FILED + 6 * MIN) == set()


def test_the_notice_says_who_is_away_until_when_and_that_nothing_was_reassigned(desk):
    shift(desk.duty, madrid(2026, 6, 3, 0, 0), madrid(2026, 6, 4, 0, 0))
    incident = file(desk)
    absent(desk.tam, FILED + MIN, madrid(2026, 6, 5, 0, 0))
    watch_owners(FILED + 2 * MIN)
    with time_machine.travel(FILED + 3 * MIN, tick=False):
        outbox_send()
    told = [m for m in mail.outbox if desk.duty.email in m.to]
    assert len(told) == 1
    assert f"[{incident.number}] Owner away" in told[0].subject
    # Back on Friday at 09:00 Madrid, which is 07:00 UTC.
    assert f"{desk.tam} is away until Fri 5 Jun 2026, 07:00 UTC" in told[0].body
    assert "Nothing was reassigned" in told[0].body


def test_each_spell_away_is_told_once(desk):
    shift(desk.duty, madrid(2026, 6, 3, 0, 0), madrid(2026, 6, 4, 0, 0))
    incident = file(desk)
    absent(desk.tam, FILED + 5 * MIN, FILED + 10 * MIN)
    absent(desk.tam, FILED + 15 * MIN, FILED + 20 * MIN)
    assert [watch_owners(FILED + m * MIN) for m in (6, 7, 11, 16, 17)] == [1, 0, 0, 1, 0]
    assert len(notices(incident)) == 2
