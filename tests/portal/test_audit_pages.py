"""The audit trail's pages: the provider admins' filterable list, each object's history in
it, and a customer admin's history of their own contacts (never another tenant's)."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.utils import timezone

from contracts.services import contract_update, tier_save
from portal.audit import Source, audit_origin
from portal.models import StaffRole
from portal.services import member_set_role
from tam.models import WorkingHours
from tests.factories import CalendarFactory, StaffFactory, TierFactory

pytestmark = pytest.mark.django_db

TARGET = {"severity": 1, "metric": "first_response", "minutes": 30, "clock": "calendar"}


def shown(response) -> str:
    assert response.status_code == 200, response.content.decode()[:2000]
    return response.content.decode()


def test_the_list_answers_provider_admins_only(client, staff, ours):
    for user in [ours.admin, ours.member, *(u for r, u in staff.items() if r != "admin")]:
        client.force_login(user)
        assert client.get("/audit/").status_code == 403, user
    client.force_login(staff["admin"])
    assert client.get("/audit/").status_code == 200


def test_a_tiers_history_holds_its_targets_and_nothing_else(client, provider_admin):
    gold, bronze = TierFactory(name="Gold"), TierFactory(name="Bronze")
    with audit_origin(Source.API):
        tier_save(tier=gold, name="Gold Plus", targets=[TARGET])
        tier_save(tier=bronze, name="Bronze Plus")
    client.force_login(provider_admin)
    page = shown(client.get(f"/audit/?type=tier&object={gold.pk}"))
    assert "Gold Plus" in page
    assert f"{gold.code} S1 First response: 30 minutes" in page  # the target, created
    assert "Bronze" not in page


def test_the_list_filters_by_source_and_actor(client, provider_admin, ours):
    client.force_login(provider_admin)
    tier = TierFactory(name="Filtered")
    with audit_origin(Source.API):
        tier_save(tier=tier, name="Renamed by the API")
    client.force_login(ours.admin)
    client.post(  # a change on the web, by the customer admin
        f"/organizations/{ours.organization.pk}/contacts/{ours.member_membership.pk}/remove/"
    )
    client.force_login(provider_admin)
    by_api = shown(client.get("/audit/?source=api"))
    assert "Renamed by the API" in by_api
    by_actor = shown(client.get(f"/audit/?actor={ours.admin.email}"))
    assert "Renamed by the API" not in by_actor
    assert str(ours.member) in by_actor
    assert str(ours.member) not in by_api


def test_the_list_filters_by_days_in_the_viewers_zone(client, provider_admin):
    WorkingHours.objects.create(
        staff=provider_admin, calendar=CalendarFactory(timezone="Asia/Ho_Chi_Minh")
    )
    tier = TierFactory(name="Late")
    tier_save(tier=tier, name="Late evening change")
    entry = LogEntry.objects.filter(object_repr="Late evening change").get()
    # 20:30 UTC on 1 May is 03:30 on 2 May in Ho Chi Minh City.
    entry.timestamp = datetime.datetime(2026, 5, 1, 20, 30, tzinfo=datetime.UTC)
    entry.save(update_fields=["timestamp"])
    client.force_login(provider_admin)
    on_the_2nd = shown(client.get("/audit/?since=2026-05-02&until=2026-05-02"))
    assert "Late evening change" in on_the_2nd
    assert "2 May 2026 03:30:00" in on_the_2nd
    assert "Asia/Ho_Chi_Minh" in on_the_2nd
    on_the_1st = shown(client.get("/audit/?since=2026-05-01&until=2026-05-01"))
    assert "Late evening change" not in on_the_1st


@pytest.mark.parametrize(
    "query",
    [
        "type=planet",
        "object=5",
        "type=tier&object=x",
        "type=tier&object=99999999999999999999",
        "source=moon",
        "actor=not-an-address",
        "since=2026-13-01",
        "since=2026-05-02&until=2026-05-01",
        "cursor=forged",
    ],
)
def test_bad_filters_get_400(client, provider_admin, query):
    client.force_login(provider_admin)
    assert client.get(f"/audit/?{query}").status_code == 400


def test_pages_follow_each_other_without_gaps_or_repeats(client, provider_admin):
    tier = TierFactory(name="Paged")
    now = timezone.now()
    first = LogEntry.objects.count()
    for n in range(60):
        tier_save(tier=tier, description=f"revision {n}")
    # Same instant for many entries: the id breaks the tie.
    LogEntry.objects.filter(object_id=tier.pk).update(timestamp=now)
    total = LogEntry.objects.count()
    assert total - first >= 60
    client.force_login(provider_admin)
    seen, url = [], "/audit/"
    while url:
        response = client.get(url)
        page = response.context["page"]
        seen += [row.entry.pk for row in page.rows]
        url = f"/audit/?cursor={page.next_cursor}" if page.next_cursor else None
    assert len(seen) == len(set(seen)) == total


def test_history_links_on_the_organisation_contract_and_staff_pages(client, ours, provider_admin):
    client.force_login(provider_admin)
    organization = shown(client.get(f"/organizations/{ours.organization.pk}/"))
    assert f"/audit/?type=organization&amp;object={ours.organization.pk}" in organization
    assert f"/organizations/{ours.organization.pk}/contacts/history/" in organization
    contract = shown(client.get(f"/contracts/{ours.contract.pk}/"))
    assert f"/audit/?type=contract&amp;object={ours.contract.pk}" in contract
    person = StaffFactory(staff_role=StaffRole.TAM)
    assert f"/audit/?type=person&amp;object={person.pk}" in shown(client.get("/desk/staff/"))


def test_an_organisations_history_holds_its_contacts_and_contracts(client, ours, provider_admin):
    member_set_role(membership=ours.member_membership, role="admin")
    contract_update(contract=ours.contract, reference="PO-4711")
    client.force_login(provider_admin)
    page = shown(client.get(f"/audit/?type=organization&object={ours.organization.pk}"))
    assert "Customer admin" in page
    assert "PO-4711" in page


# -- a customer's own contacts ---------------------------------------------------------------


def test_customer_admins_read_their_contacts_history_in_their_zone(client, ours, theirs):
    member_set_role(membership=ours.member_membership, role="admin")
    member_set_role(membership=theirs.member_membership, role="admin")
    client.force_login(ours.admin)
    page = shown(client.get(f"/organizations/{ours.organization.pk}/contacts/history/"))
    assert ours.member.email in page
    assert "Customer admin" in page  # the role's label, not its code
    assert "Europe/Madrid" in page
    assert theirs.member.email not in page
    assert theirs.admin.email not in page
    assert "Theirs Inc" not in page


def test_customer_members_and_other_tenants_cannot_read_contacts_history(client, ours, theirs):
    client.force_login(ours.member)
    assert client.get(f"/organizations/{ours.organization.pk}/contacts/history/").status_code == 403
    client.force_login(ours.admin)
    assert (
        client.get(f"/organizations/{theirs.organization.pk}/contacts/history/").status_code == 404
    )


def test_customers_never_see_provider_configuration_in_their_history(client, ours):
    tier_save(tier=ours.contract.tier, targets=[TARGET])
    client.force_login(ours.admin)
    page = shown(client.get(f"/organizations/{ours.organization.pk}/contacts/history/"))
    assert "first_response" not in page
    assert "msa-enterprise" not in page


def test_the_list_names_the_command_or_task_a_change_came_from(client, provider_admin):
    tier = TierFactory(name="Nightly")
    with audit_origin(Source.COMMAND, detail="seed_demo"):
        tier_save(tier=tier, name="Nightly import")
    client.force_login(provider_admin)
    page = shown(client.get("/audit/?source=command"))
    assert "Nightly import" in page
    assert "(seed_demo)" in page
