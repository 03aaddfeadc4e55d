"""Malware alerts: who is told when one is published (exactly the active contacts of the
customers that hold an affected product under a tier with alerts), once each, and a
Markdown body made safe."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.alerts import audience, body_html
from incidents.models import AlertAudience, AlertFormat, AlertRead, Notification
from incidents.services.alerts import alert_create, alert_mark_read, alert_publish, alert_update
from portal.errors import ContractRuleError, RuleCode
from tests.factories import MembershipFactory
from tests.incidents.alert_helpers import draft, holder, product

pytestmark = pytest.mark.django_db


def topic_rows(alert):
    return Notification.objects.filter(topic=f"alert:{alert.pk}")


@pytest.fixture
def shield():
    return product("Endpoint Shield")


@pytest.fixture
def entitled(shield):
    return holder("Silver Holder", shield)


def test_the_audience_is_the_active_contacts_of_entitled_holders_only(staff, shield, entitled):
    other_product = product("Mail Gateway")
    other_tier = holder("Enterprise Holder", shield, tier="msa-enterprise")
    not_holding = holder("Silver Other", other_product)
    ended = holder("Silver Ended", shield)
    ended.contract.starts_on = datetime.date(2020, 1, 1)
    ended.contract.ends_on = datetime.date(2021, 1, 1)
    ended.contract.save(update_fields=["starts_on", "ends_on"])
    gone = MembershipFactory(organization=entitled.organization).user
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    alert = draft(staff["engineer"], shield)

    sent = alert_publish(alert=alert, publisher=staff["engineer"])

    told = set(topic_rows(alert).values_list("recipient", flat=True))
    assert told == {entitled.admin.email, entitled.member.email}
    assert (sent.organizations, sent.people) == (1, 2)
    rows = AlertAudience.objects.filter(alert=alert)
    assert {(row.organization_id, row.people) for row in rows} == {(entitled.organization.pk, 2)}
    for tenant in (other_tier, not_holding, ended):
        assert not Notification.objects.filter(organization=tenant.organization).exists()
    assert {row.subject for row in topic_rows(alert)} == {
        "[Malware alert, severity 2] Ransomware wave"
    }
    body = topic_rows(alert).first().body
    assert "Block macros." in body
    assert f"http://testserver/alerts/{alert.pk}/" in body


def test_a_contract_is_judged_on_the_customers_own_day(staff, shield, entitled):
    """Ending yesterday in Madrid is still today in Honolulu: each on its own calendar."""
    entitled.organization.timezone = "Pacific/Honolulu"
    entitled.organization.save(update_fields=["timezone"])
    entitled.contract.ends_on = datetime.date(2026, 6, 1)
    entitled.contract.save(update_fields=["ends_on"])
    alert = draft(staff["admin"], shield)
    # 2 June 05:00 UTC is still 1 June in Honolulu.
    now = datetime.datetime(2026, 6, 2, 5, tzinfo=datetime.UTC)
    assert audience(alert, now).organizations == [entitled.organization.pk]
    later = datetime.datetime(2026, 6, 2, 11, tzinfo=datetime.UTC)
    assert audience(alert, later).organizations == []


def test_each_person_is_sent_it_once_however_often_publishing_runs(staff, shield, entitled):
    alert = draft(staff["admin"], shield)
    alert_publish(alert=alert, publisher=staff["admin"])
    with pytest.raises(ContractRuleError) as refused:
        alert_publish(alert=alert, publisher=staff["admin"])
    assert refused.value.code == RuleCode.STATUS_CONFLICT
    # A retried run after the first one's commit (published_at lost) writes no second row.
    type(alert).objects.filter(pk=alert.pk).update(published_at=None)
    alert_publish(alert=alert, publisher=staff["admin"])
    assert topic_rows(alert).count() == 2
    assert AlertAudience.objects.filter(alert=alert).count() == 1


def test_publishing_makes_no_query_per_contact(staff, shield, entitled):
    def publish() -> tuple[int, int]:
        alert = draft(staff["admin"], shield)
        with CaptureQueriesContext(connection) as queries:
            sent = alert_publish(alert=alert, publisher=staff["admin"])
        return len(queries), sent.people

    few, people = publish()
    assert people == 2
    for _ in range(6):
        MembershipFactory(organization=entitled.organization)
    assert publish() == (few, 8)


def test_customers_neither_write_nor_publish(entitled, shield, staff):
    with pytest.raises(PermissionDenied):
        draft(entitled.admin, shield)
    alert = draft(staff["engineer"], shield)
    with pytest.raises(PermissionDenied):
        alert_publish(alert=alert, publisher=entitled.admin)


def test_an_alert_names_an_affected_product(staff):
    with pytest.raises(ValidationError) as refused:
        alert_create(author=staff["admin"], title="t", body="b", severity=1, products=[])
    assert "products" in refused.value.message_dict


def test_a_published_alert_is_not_changed(staff, shield, entitled):
    alert = draft(staff["admin"], shield)
    alert_update(alert=alert, author=staff["admin"], title="Ransomware wave, update")
    alert.refresh_from_db()
    assert alert.title == "Ransomware wave, update"
    alert_publish(alert=alert, publisher=staff["admin"])
    with pytest.raises(ContractRuleError):
        alert_update(alert=alert, author=staff["admin"], title="Changed after sending")


def test_read_state_is_each_persons_own(staff, shield, entitled):
    alert = draft(staff["admin"], shield)
    alert_publish(alert=alert, publisher=staff["admin"])
    alert_mark_read(alert=alert, user=entitled.admin)
    alert_mark_read(alert=alert, user=entitled.admin)  # twice is once
    reads = AlertRead.objects.filter(alert=alert)
    assert [(r.user_id, r.organization_id) for r in reads] == [
        (entitled.admin.pk, entitled.organization.pk)
    ]
    with pytest.raises(PermissionDenied):
        alert_mark_read(alert=alert, user=staff["admin"])


# -- the body -------------------------------------------------------------------------------


def test_markdown_is_rendered_and_nothing_that_runs_survives():
    source = (
        "# Outbreak\n\nSee [advice](https://vendor.example/advice) and **act**.\n\n"
        "<script>alert('x')</script>\n\n"
        '<img src="x" onerror="alert(1)">\n\n'
        "[click](javascript:alert(1))\n\n"
        '<a href="https://ok.example/" onclick="steal()">raw</a>\n\n'
        '<p style="color:red">styled</p>'
    )
    html = str(body_html(source, AlertFormat.MARKDOWN))
    assert "<h1>Outbreak</h1>" in html
    assert "<strong>act</strong>" in html
    assert 'href="https://vendor.example/advice"' in html
    assert 'rel="nofollow noopener"' in html
    lowered = html.lower()
    for banned in ("<script", "alert('x')", "onerror", "javascript:", "onclick", "<img", "style="):
        assert banned not in lowered, banned


def test_plain_text_is_escaped_with_its_paragraphs():
    html = str(body_html("Line <b>one</b>\n\nSecond & last", AlertFormat.TEXT))
    assert html == "<p>Line &lt;b&gt;one&lt;/b&gt;</p>\n\n<p>Second &amp; last</p>"
