"""Pattern and engine updates included with a purchase (AV Silver: 12 months from the
purchase date): the window, the entitlement on a day, and the admins' notice 30 days
before it ends, sent once however often the task runs."""

import datetime

import pytest
import time_machine
from django.core import mail

from contracts.models import Tier
from contracts.rules import updates_until
from contracts.tasks import notice_updates_ending
from contracts.updates import updates_ending, updates_entitled, updates_on
from incidents.models import Notification
from incidents.outbox import outbox_send
from portal.celery import app
from tests.conftest import make_tenant
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

D = datetime.date
UTC = datetime.UTC


@pytest.fixture
def silver(db):
    """AV Silver bought on 15 March 2026: updates included to 14 March 2027."""
    tenant = make_tenant("Silver JSC", "av-silver")
    tenant.contract.purchased_on = D(2026, 3, 15)
    tenant.contract.save(update_fields=["purchased_on"])
    return tenant


def test_the_window_is_the_tiers_months_from_the_purchase(silver):
    assert Tier.objects.get(code="av-silver").free_updates_months == 12
    assert updates_until(silver.contract) == D(2027, 3, 14)


def test_entitled_to_the_last_day_not_the_day_after(silver):
    org = silver.organization
    assert updates_on(org, D(2027, 3, 14)).entitled
    assert updates_on(org, D(2027, 3, 14)).until == D(2027, 3, 14)
    after = updates_on(org, D(2027, 3, 15))
    assert (after.entitled, after.until) == (False, D(2027, 3, 14))
    before = updates_on(org, D(2026, 3, 14))  # not yet bought
    assert (before.entitled, before.until) == (False, None)


def test_no_window_without_a_purchase_date_or_on_a_tier_without_updates(silver, ours):
    ours.contract.purchased_on = D(2026, 3, 15)  # MSA Enterprise gives no free updates
    ours.contract.save(update_fields=["purchased_on"])
    assert updates_until(ours.contract) is None
    assert not updates_entitled(ours.organization, D(2026, 6, 1))
    silver.contract.purchased_on = None
    silver.contract.save(update_fields=["purchased_on"])
    assert updates_on(silver.organization, D(2026, 6, 1)).until is None


def test_contracts_are_found_within_30_days_of_the_end(silver):
    def ending(day):
        return [c for c, _until in updates_ending(datetime.datetime(*day, 12, tzinfo=UTC))]

    assert ending((2027, 2, 11)) == []  # 31 days before
    assert ending((2027, 2, 12)) == [silver.contract]
    assert ending((2027, 3, 14)) == [silver.contract]
    assert ending((2027, 3, 15)) == []  # ended


def test_the_admins_are_told_once_however_often_the_task_runs(silver):
    second_admin = MembershipFactory(organization=silver.organization, role="admin").user
    with time_machine.travel(datetime.datetime(2027, 2, 20, 9, tzinfo=UTC), tick=False):
        notice_updates_ending()
        notice_updates_ending()
        mail.outbox.clear()
        outbox_send()
        notice_updates_ending()
        assert outbox_send() == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted([silver.admin.email, second_admin.email])
    assert silver.member.email not in {m.to[0] for m in mail.outbox}
    message = mail.outbox[0]
    assert message.subject == "Your included pattern and engine updates end on 14 Mar 2027"
    assert "AV Silver" in message.body
    topics = set(Notification.objects.values_list("topic", flat=True))
    assert topics == {f"updates_end:{silver.contract.pk}:2027-03-14"}


def test_the_task_is_on_the_beat_schedule():
    entry = app.conf.beat_schedule["updates-ending"]
    assert entry["task"] == "contracts.tasks.notice_updates_ending"
    assert entry["schedule"] <= 3600
