"""My accounts, a customer's portfolio and a contract's owners on the organisation page."""

import datetime
import re

import pytest
from django.utils import timezone

from contracts.models import Contract
from incidents.models import ClockStop, Incident, SlaClock
from incidents.services import incident_change_status
from portal.models import StaffRole
from tests.conftest import make_tenant
from tests.factories import IncidentFactory, StaffFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def name_owners(contract, tam=None, backup=None):
    Contract.objects.filter(pk=contract.pk).update(tam=tam, backup_tam=backup)


# -- my accounts --------------------------------------------------------------------------


def test_a_tam_sees_the_accounts_they_own_or_back_up_with_open_counts(client, ours, theirs):
    tam = StaffFactory(staff_role=StaffRole.TAM, full_name="Tess Tam")
    other_tam = StaffFactory(staff_role=StaffRole.TAM)
    name_owners(ours.contract, tam=tam)
    name_owners(theirs.contract, tam=other_tam, backup=tam)
    elsewhere = make_tenant("Elsewhere SA")  # owned by nobody: not listed
    for _ in range(3):
        IncidentFactory(actor=ours.admin)
    done = IncidentFactory(actor=ours.admin)
    incident_change_status(incident=done, actor=tam, status="resolved")
    IncidentFactory(actor=theirs.admin)
    IncidentFactory(actor=elsewhere.admin)

    client.force_login(tam)
    response = client.get("/desk/accounts/")
    assert response.status_code == 200
    page = response.content.decode()
    rows = re.findall(r'<tr class="account">(.*?)</tr>', page, re.S)
    assert len(rows) == 2
    ours_row = next(r for r in rows if "Ours Ltd" in r)
    theirs_row = next(r for r in rows if "Theirs Inc" in r)
    assert f'href="/desk/accounts/{ours.organization.pk}/"' in ours_row
    assert '<td class="open-count">3</td>' in ours_row
    assert ">TAM<" in ours_row
    assert '<td class="open-count">1</td>' in theirs_row
    assert "Backup TAM" in theirs_row
    assert "Elsewhere SA" not in page


def test_staff_who_own_no_account_are_told_so(client, staff, ours):
    client.force_login(staff[StaffRole.ENGINEER])
    page = client.get("/desk/accounts/").content.decode()
    assert "No contract names you TAM or backup TAM." in page
    assert "Ours Ltd" not in page


# -- the portfolio ------------------------------------------------------------------------


def settle(incident, *, stopped_ago, late=False, breached=False, answered=True):
    """The incident's first-response clock, stopped `stopped_ago`: met, or missed (stopped
    late, or breached on the way), or (not `answered`) closed before a response."""
    stopped_at = timezone.now() - stopped_ago
    due_at = stopped_at - DAY if late else stopped_at + DAY
    SlaClock.objects.update_or_create(
        organization=incident.organization,
        incident=incident,
        metric="first_response",
        defaults={
            "kind": "calendar",
            "target_minutes": 60,
            "started_at": stopped_at - 2 * DAY,
            "due_at": due_at,
            "stopped_at": stopped_at,
            "breached_at": stopped_at - DAY if breached else None,
            "stop_reason": ClockStop.MEASURED if answered else ClockStop.CLOSED,
        },
    )


def test_the_portfolio_shows_open_by_severity_sla_units_renewal_contacts_and_last_ten(
    client, staff
):
    tenant = make_tenant("Start GmbH", "msa-start")  # 6 premium incidents a contract year
    tenant.contract.renewal_valid_until = datetime.date(2027, 3, 31)
    tenant.contract.save(update_fields=["renewal_valid_until"])
    premium = [IncidentFactory(actor=tenant.admin, severity=s, premium=True) for s in (1, 2, 2, 1)]
    standard = [IncidentFactory(actor=tenant.admin, severity=3, premium=False) for _ in range(9)]
    # Four promises settled in the last 90 days: two met, one late, one breached; one
    # settled long ago does not count, nor does a clock still running.
    settle(premium[0], stopped_ago=DAY)
    settle(premium[1], stopped_ago=DAY)
    settle(premium[2], stopped_ago=10 * DAY, late=True)
    settle(standard[0], stopped_ago=2 * DAY, breached=True)
    settle(standard[1], stopped_ago=100 * DAY)
    # Closed before anyone answered: counted apart, neither met nor missed.
    settle(standard[2], stopped_ago=3 * DAY, answered=False)
    assert SlaClock.objects.get(incident=premium[3]).stopped_at is None  # still running
    incident_change_status(incident=standard[3], actor=staff["engineer"], status="resolved")

    client.force_login(staff[StaffRole.ENGINEER])
    response = client.get(f"/desk/accounts/{tenant.organization.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<dd class="severity-1">2</dd>' in page
    assert '<dd class="severity-2">2</dd>' in page
    assert '<dd class="severity-3">8</dd>' in page  # one of nine resolved
    assert '<dd class="severity-4">0</dd>' in page
    assert "50% met (2 of 4; 2 missed)" in page
    assert "1 clock stopped without a response or resolution" in page
    assert "2 of 6" in page  # four premium incidents filed this contract year
    assert tenant.contract.ends_on.strftime("%-d %b %Y") in page
    assert "renewal valid until 31 Mar 2027" in page
    assert tenant.admin.email in page
    assert tenant.member.email in page
    listed = re.findall(r'<a href="/incidents/(\d+)/">[^<]*</a></td>\s*<td><a', page)
    newest = Incident.objects.filter(organization=tenant.organization).order_by(
        "-received_at", "-id"
    )[:10]
    assert [int(pk) for pk in listed] == [i.pk for i in newest]


def test_a_portfolio_without_settled_promises_says_so(client, staff, ours):
    client.force_login(staff[StaffRole.TAM])
    page = client.get(f"/desk/accounts/{ours.organization.pk}/").content.decode()
    assert "No promise was settled in this time." in page
    assert "No incidents yet." in page


@pytest.mark.parametrize("url", ["/desk/accounts/", "/desk/accounts/{org}/"])
def test_customers_find_no_accounts_pages_even_their_own(client, ours, url):
    for user in (ours.admin, ours.member):
        client.force_login(user)
        assert client.get(url.format(org=ours.organization.pk)).status_code == 404


def test_an_unknown_organisation_has_no_portfolio(client, staff):
    client.force_login(staff[StaffRole.ADMIN])
    assert client.get("/desk/accounts/999999/").status_code == 404


# -- a contract's owners on the organisation page -----------------------------------------


def owners_url(tenant, contract=None):
    contract = contract or tenant.contract
    return f"/organizations/{tenant.organization.pk}/contracts/{contract.pk}/owners/"


def test_provider_admins_get_an_owners_form_per_contract(client, staff, ours):
    name_owners(ours.contract, tam=staff[StaffRole.TAM])
    client.force_login(staff[StaffRole.ADMIN])
    page = client.get(f"/organizations/{ours.organization.pk}/").content.decode()
    assert f'action="{owners_url(ours)}"' in page
    assert f'<option value="{staff[StaffRole.TAM].pk}" selected>' in page
    # Only TAMs and provider admins are offered.
    assert f'<option value="{staff[StaffRole.ENGINEER].pk}"' not in page


@pytest.mark.parametrize("role", [StaffRole.ENGINEER, StaffRole.TAM, StaffRole.DUTY_MANAGER])
def test_other_staff_see_the_owners_without_a_form(client, staff, ours, role):
    tam, backup = staff[StaffRole.TAM], StaffFactory(staff_role=StaffRole.TAM, full_name="Bo Bak")
    name_owners(ours.contract, tam=tam, backup=backup)
    client.force_login(staff[role])
    page = client.get(f"/organizations/{ours.organization.pk}/").content.decode()
    assert f'<dd class="tam">{tam}</dd>' in page
    assert '<dd class="backup-tam">Bo Bak</dd>' in page
    assert "owners-form" not in page
    response = client.post(owners_url(ours), {"tam": tam.pk})
    assert response.status_code == 403


def test_customers_get_no_owners_form_and_cannot_post_one(client, staff, ours, theirs):
    backup = StaffFactory(staff_role=StaffRole.TAM, full_name="Bo Bak")
    name_owners(ours.contract, tam=staff[StaffRole.TAM], backup=backup)
    client.force_login(ours.admin)
    page = client.get(f"/organizations/{ours.organization.pk}/").content.decode()
    assert "owners-form" not in page
    assert "Bo Bak" not in page  # the backup is the provider's business
    tam = staff[StaffRole.TAM].pk
    assert client.post(owners_url(ours), {"tam": tam}).status_code == 403
    assert client.post(owners_url(theirs), {"tam": tam}).status_code == 404
    mixed = f"/organizations/{ours.organization.pk}/contracts/{theirs.contract.pk}/owners/"
    assert client.post(mixed, {"tam": tam}).status_code == 404
    ours.contract.refresh_from_db()
    assert ours.contract.backup_tam == backup


def test_a_provider_admin_names_the_tam_and_backup(client, staff, ours):
    tam, backup = staff[StaffRole.TAM], StaffFactory(staff_role=StaffRole.TAM)
    client.force_login(staff[StaffRole.ADMIN])
    response = client.post(owners_url(ours), {"tam": tam.pk, "backup_tam": backup.pk})
    assert response.status_code == 302
    assert response["Location"].endswith(f"#contract-{ours.contract.pk}")
    ours.contract.refresh_from_db()
    assert (ours.contract.tam, ours.contract.backup_tam) == (tam, backup)

    response = client.post(owners_url(ours), {"tam": "", "backup_tam": ""})
    assert response.status_code == 302
    ours.contract.refresh_from_db()
    assert (ours.contract.tam, ours.contract.backup_tam) == (None, None)


@pytest.mark.parametrize(
    ("choose", "message"),
    [
        (lambda tam, other: {"tam": tam.pk, "backup_tam": tam.pk}, "must be someone else"),
        (lambda tam, other: {"backup_tam": tam.pk}, "Choose the TAM before a backup TAM."),
        (lambda tam, other: {"tam": other.pk}, "Select a valid choice."),
    ],
    ids=["same person", "backup without tam", "not a tam"],
)
def test_owners_the_rules_refuse_are_named_on_the_form(client, staff, ours, choose, message):
    client.force_login(staff[StaffRole.ADMIN])
    response = client.post(owners_url(ours), choose(staff[StaffRole.TAM], staff["engineer"]))
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert 'class="errorlist"' in page
    ours.contract.refresh_from_db()
    assert (ours.contract.tam, ours.contract.backup_tam) == (None, None)


def test_an_owner_who_no_longer_qualifies_is_shown_and_the_rule_says_why(client, staff, ours):
    former = StaffFactory(staff_role=StaffRole.TAM, full_name="Fay Former")
    name_owners(ours.contract, tam=former)
    former.staff_role = StaffRole.ENGINEER
    former.save(update_fields=["staff_role"])
    client.force_login(staff[StaffRole.ADMIN])
    page = client.get(f"/organizations/{ours.organization.pk}/").content.decode()
    assert f'<option value="{former.pk}" selected>Fay Former</option>' in page
    response = client.post(owners_url(ours), {"tam": former.pk})
    assert response.status_code == 400
    assert "Choose an active provider staff member with role tam." in response.content.decode()


def test_a_customer_admin_still_adds_contacts_on_the_page(client, ours):
    client.force_login(ours.admin)
    response = client.post(
        f"/organizations/{ours.organization.pk}/contacts/", {"email": "bad", "role": "member"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter a valid email address." in page
    assert ours.contract.tier.name in page  # the whole page, contracts included
    assert "owners-form" not in page
