"""A calendar with no working time: filing on it answers, and its clocks have no deadline
until it has hours again (nothing can fall due on time that does not exist)."""

import pytest

from contracts.models import BusinessCalendar, ClockKind
from incidents.models import SlaClock

pytestmark = pytest.mark.django_db


def test_filing_on_a_calendar_without_working_time_starts_clocks_with_no_deadline(api, ours):
    calendar = BusinessCalendar.objects.create(name="Closed office", timezone="Europe/Madrid")
    ours.contract.calendar = calendar
    ours.contract.save()
    response = api(ours.member).post(
        "/api/v1/incidents/",
        {"title": "Scanner down", "description": "It stopped.", "severity": 3},
        format="json",
    )
    assert response.status_code == 201, response.content
    business = SlaClock.objects.filter(incident_id=response.json()["id"], kind=ClockKind.BUSINESS)
    assert business.exists()
    assert all(clock.due_at is None and clock.warn_at is None for clock in business)
