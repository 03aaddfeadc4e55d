"""Take next: the most urgent unassigned incident, claimed once however many engineers
click at the same moment."""

import threading

import pytest
from django.db import connection

from incidents.models import EventKind, Incident, IncidentEvent
from portal.models import StaffRole
from tam.services import take_next
from tests.factories import IncidentFactory, StaffFactory

ENGINEERS = 20


def test_take_next_claims_the_most_urgent_unassigned_incident(ours, staff):
    low = IncidentFactory(actor=ours.member, severity=4)
    high = IncidentFactory(actor=ours.member, severity=1)
    engineer = staff["engineer"]
    assert take_next(actor=engineer) == high
    assert take_next(actor=engineer) == low
    assert take_next(actor=engineer) is None
    high.refresh_from_db()
    assert high.assignee == engineer
    event = IncidentEvent.objects.get(incident=high, kind=EventKind.ASSIGNED)
    assert (event.actor, event.data["new"]) == (engineer, engineer.pk)


@pytest.mark.django_db(transaction=True)
def test_twenty_engineers_at_once_get_twenty_different_incidents():
    from tests.conftest import make_tenant

    tenant = make_tenant("Busy Ltd")
    for severity in [1, 2, 3, 4] * 6:  # 24 waiting
        IncidentFactory(actor=tenant.member, severity=severity)
    engineers = [StaffFactory(staff_role=StaffRole.ENGINEER) for _ in range(ENGINEERS)]
    barrier = threading.Barrier(ENGINEERS)
    taken, errors = {}, []

    def click(engineer):
        try:
            barrier.wait()
            incident = take_next(actor=engineer)
            taken[engineer.pk] = incident.pk if incident else None
        except Exception as exc:  # reported below, with the engineer
            errors.append((engineer.pk, exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=click, args=(e,)) for e in engineers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    ids = list(taken.values())
    assert None not in ids
    assert len(set(ids)) == ENGINEERS  # none twice
    owners = dict(Incident.objects.filter(pk__in=ids).values_list("pk", "assignee_id"))
    assert {owners[pk] for pk in ids} == set(taken)
    # The four left are the least urgent: severity 4 comes last.
    left = Incident.objects.filter(assignee__isnull=True).values_list("severity", flat=True)
    assert sorted(left) == [4, 4, 4, 4]
