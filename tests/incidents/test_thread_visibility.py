"""Internal notes stay with the staff: in the replies and in the events customers read."""

import pytest
import time_machine

from incidents.services import incident_reply
from tests.factories import IncidentFactory
from tests.incidents.conftest import T, results

pytestmark = pytest.mark.django_db


def _note_and_reply(tenant, staff):
    with time_machine.travel(T, tick=False):
        incident = IncidentFactory(actor=tenant.member)
        note = incident_reply(
            incident=incident, author=staff["engineer"], body="secret", internal=True
        )
        public = incident_reply(incident=incident, author=staff["engineer"], body="public")
    return incident, note, public


def _replied_entries(client, incident) -> set[int]:
    rows = results(client.get(f"/api/v1/incidents/{incident.pk}/events/"))
    return {row["data"]["entry"] for row in rows if row["kind"] == "replied"}


def test_customers_never_see_internal_notes_but_staff_do(tenant, staff, api):
    incident, note, public = _note_and_reply(tenant, staff)
    url = f"/api/v1/incidents/{incident.pk}/replies/"
    customer, provider = api(tenant.member), api(staff["engineer"])

    customer_replies = {row["id"] for row in results(customer.get(url))}
    assert public.pk in customer_replies
    assert note.pk not in customer_replies
    assert {note.pk, public.pk} <= {row["id"] for row in results(provider.get(url))}

    assert note.pk not in _replied_entries(customer, incident)
    assert _replied_entries(provider, incident) == {note.pk, public.pk}


def test_customers_see_the_replied_event_of_a_public_reply(tenant, staff, api):
    incident, _note, public = _note_and_reply(tenant, staff)
    assert _replied_entries(api(tenant.member), incident) == {public.pk}
