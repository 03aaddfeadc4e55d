"""The desk page: queues and their counts, rows in urgency order with their countdowns, the
filters and search in the URL, the default queue, and who may see it."""

import pytest
import time_machine

from contracts.models import Product, Tier
from incidents.models import Status
from incidents.services import incident_assign, incident_change_status, incident_reply
from portal.models import StaffRole
from tests.factories import StaffFactory
from tests.tam.desk_world import (
    MIN,
    T,
    filed,
    row_html,
    row_ids,
    tab_count,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client, world):
    """GET a desk URL as the engineer, at T."""
    client.force_login(world.engineer)

    def get(query="", status=200):
        with time_machine.travel(T, tick=False):
            response = client.get(f"/desk/{query}")
        assert response.status_code == status, response.content[:500]
        return response

    return get


def test_staff_land_on_the_desk_and_it_leads_the_navigation(client, world):
    client.force_login(world.engineer)
    assert client.get("/").url == "/desk/"
    nav = client.get("/desk/").content.decode().split('<nav aria-label="Main">')[1]
    assert nav.strip().startswith('<a href="/desk/">Desk</a>')


def test_customers_get_404_on_every_desk_route(client, world):
    client.force_login(world.ours.admin)
    for url in ["/desk/", "/desk/live/", "/desk/take-next/", "/desk/bulk/"]:
        for method in ("get", "post"):
            assert getattr(client, method)(url).status_code == 404, f"{method} {url}"
    assert (
        "/desk/" not in client.get(f"/organizations/{world.ours.organization.pk}/").content.decode()
    )


def test_anonymous_visitors_are_sent_to_log_in(client):
    for url in ["/desk/", "/desk/live/", "/desk/take-next/", "/desk/bulk/"]:
        response = client.post(url) if url.endswith(("next/", "bulk/")) else client.get(url)
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/")


def test_every_queue_is_shown_with_its_count(desk, world):
    page = desk("?queue=open")
    assert tab_count(page, "unassigned") == 4
    assert tab_count(page, "open") == 4
    assert tab_count(page, "breached") == 1
    assert tab_count(page, "at_risk") == 1
    assert tab_count(page, "mine") == 0
    assert tab_count(page, "accounts") == 0
    assert tab_count(page, "waiting") == 0
    assert 'id="queue-owner_away"' not in page.content.decode()  # the duty managers' own
    assert 'id="queue-open" class="queue current"' in page.content.decode()


def test_duty_managers_also_see_the_owner_away_queue(client, world):
    client.force_login(StaffFactory(staff_role=StaffRole.DUTY_MANAGER))
    with time_machine.travel(T, tick=False):
        page = client.get("/desk/")
    assert tab_count(page, "owner_away") == 0


def test_rows_come_in_urgency_order_with_their_countdown(desk, world):
    page = desk("?queue=open")
    assert row_ids(page) == world.urgency
    breached = row_html(page, world.breached)
    assert 'class="desk-row breached"' in breached
    assert "breached 1 h 0 min ago" in breached
    assert 'data-due="2026-06-03T09:00:00+00:00"' in breached
    at_risk = row_html(page, world.at_risk)
    assert 'class="desk-row at_risk"' in at_risk
    assert "at risk: due in 5 min" in at_risk
    running = row_html(page, world.running)
    assert "due in 3 h 0 min" in running
    for part in ("Theirs Inc", "MSA Enterprise", "Question", "Slow reports", "New", "nobody"):
        assert part in running
    assert f'href="/incidents/{world.running.pk}/">{world.running.number}</a>' in running


def test_an_incident_without_a_running_clock_says_so_and_sorts_last(desk, world):
    with time_machine.travel(T - 2 * MIN, tick=False):
        incident_reply(incident=world.at_risk, author=world.engineer, body="On it.")
    page = desk("?queue=open")
    assert row_ids(page)[-1] == world.at_risk.pk  # first response met: no deadline left
    row = row_html(page, world.at_risk)
    assert "data-due" not in row
    assert "no running clock" in row


def test_waiting_on_customer_is_its_own_queue(desk, world):
    incident_change_status(
        incident=world.running, actor=world.engineer, status=Status.WAITING_ON_CUSTOMER
    )
    page = desk("?queue=waiting")
    assert row_ids(page) == [world.running.pk]
    assert "Waiting on customer" in row_html(page, world.running)


def test_last_customer_activity_is_the_latest_customer_reply_in_the_viewers_zone(desk, world):
    with time_machine.travel(T - 30 * MIN, tick=False):
        incident_reply(incident=world.running, author=world.theirs.member, body="Any news?")
    with time_machine.travel(T - 10 * MIN, tick=False):
        incident_reply(incident=world.running, author=world.engineer, body="Looking.")
    page = desk("?queue=open")
    assert "Times in Europe/Madrid" in page.content.decode()
    assert "3 Jun 11:30" in row_html(page, world.running)  # 09:30 UTC, in Madrid
    assert "—" in row_html(page, world.fresh)


def test_the_default_queue_is_mine_when_i_have_incidents_else_unassigned(desk, world):
    assert 'id="queue-unassigned" class="queue current"' in desk().content.decode()
    incident_assign(incident=world.running, actor=world.engineer, assignee=world.engineer)
    page = desk()
    assert 'id="queue-mine" class="queue current"' in page.content.decode()
    assert row_ids(page) == [world.running.pk]


def test_queues_switch_by_the_url(desk, world):
    assert row_ids(desk("?queue=breached")) == [world.breached.pk]
    assert row_ids(desk("?queue=at_risk")) == [world.at_risk.pk]
    assert row_ids(desk("?queue=unassigned")) == world.urgency
    assert row_ids(desk("?queue=accounts")) == []
    world.ours.contract.tam = world.engineer
    world.ours.contract.save(update_fields=["tam"])
    assert row_ids(desk("?queue=accounts")) == [world.breached.pk, world.at_risk.pk]


def test_a_queue_that_is_not_mine_says_so_and_shows_the_default(desk, world):
    page = desk("?queue=owner_away").content.decode()
    assert "there is no queue “owner_away” for you; showing Unassigned" in page
    assert 'id="queue-unassigned" class="queue current"' in page


def test_filters_narrow_the_rows_and_stay_in_the_links(desk, world):
    theirs = world.theirs.organization.pk
    assert row_ids(desk("?queue=open&severity=1")) == [world.at_risk.pk, world.fresh.pk]
    page = desk(f"?queue=open&organization={theirs}")
    assert row_ids(page) == [world.fresh.pk, world.running.pk]
    body = page.content.decode()
    assert f'href="/desk/?queue=breached&amp;organization={theirs}"' in body
    assert f'<option value="{theirs}" selected>Theirs Inc</option>' in body
    assert row_ids(desk("?queue=open&kind=question")) == [world.running.pk]
    assert row_ids(desk("?queue=open&status=open")) == []
    assert row_ids(desk(f"?queue=open&assignee={world.engineer.pk}")) == []


def test_tier_product_and_assignee_filters(desk, world):
    premium = Tier.objects.get(code="msa-premium-tam")
    world.theirs.contract.tier = premium
    world.theirs.contract.save(update_fields=["tier"])
    assert row_ids(desk(f"?queue=open&tier={premium.pk}")) == [world.fresh.pk, world.running.pk]
    gateway = Product.objects.create(name="Mail Gateway", vendor="Kaspersky")
    world.ours.contract.products.add(gateway)
    with_product = filed(world.ours, T - 2 * MIN, severity=4, product=gateway)
    assert row_ids(desk(f"?queue=open&product={gateway.pk}")) == [with_product.pk]
    incident_assign(incident=world.fresh, actor=world.engineer, assignee=world.engineer)
    assert row_ids(desk(f"?queue=open&assignee={world.engineer.pk}")) == [world.fresh.pk]


def test_search_reads_titles_and_numbers(desk, world):
    assert row_ids(desk("?queue=open&q=gateway")) == [world.at_risk.pk]
    assert row_ids(desk(f"?queue=open&q={world.running.number}")) == [world.running.pk]
    assert row_ids(desk("?queue=open&q=part")) == []  # descriptions are not searched here


def test_a_bad_filter_is_named_and_the_others_still_apply(desk, world):
    page = desk("?queue=open&severity=9&organization=abc&kind=question", status=400)
    body = page.content.decode()
    assert page.status_code == 400
    assert "<code>severity</code>: Select a valid choice." in body
    assert "<code>organization</code>: Enter a whole number." in body
    assert row_ids(page) == [world.running.pk]


def test_more_rows_follow_by_cursor(desk, world, monkeypatch):
    monkeypatch.setattr("tam.dashboard.PAGE_SIZE", 3)
    first = desk("?queue=open")
    assert row_ids(first) == world.urgency[:3]
    more = first.content.decode().split('id="desk-more" href="/desk/?')[1].split('"')[0]
    second = desk("?" + more.replace("&amp;", "&"))
    assert row_ids(second) == world.urgency[3:]
    assert 'id="desk-more"' not in second.content.decode()


def test_the_page_carries_the_live_refresh_and_the_keyboard_script(desk, settings):
    settings.DESK_POLL_SECONDS = 2.5
    body = desk("?queue=open&severity=1").content.decode()
    assert 'hx-get="/desk/live/?queue=open&amp;severity=1&amp;seen=' in body
    # No trigger filter (it would need eval under the CSP): desk.js vetoes a poll instead.
    assert 'hx-trigger="every 2500ms"' in body
    assert '<script src="/static/js/desk.js" defer></script>' in body
    assert '"breached": "breached %(span)s ago"' in body  # the script's words
