from celery import shared_task
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.updates import updates_ending
from incidents.notifications import notify_topic
from incidents.recipients import customer_admins


@shared_task
def notice_updates_ending() -> int:
    """Tell each organisation's admins, once, that the pattern and engine updates included
    with a purchase end within 30 days (run hourly by beat; the outbox keeps one message
    per contract, end date and address however often it runs)."""
    queued = 0
    for contract, until in updates_ending(timezone.now()):
        day = f"{until:%-d %b %Y}"
        with transaction.atomic():
            queued += notify_topic(
                organization_id=contract.organization_id,
                topic=f"updates_end:{contract.pk}:{until.isoformat()}",
                people=customer_admins(contract.organization_id),
                subject=_("Your included pattern and engine updates end on %(day)s") % {"day": day},
                body=_(
                    "The pattern and engine updates included with your %(tier)s purchase "
                    "(contract %(contract)s) end on %(day)s. To keep receiving them after "
                    "that day, contact your provider about renewing."
                )
                % {
                    "tier": contract.tier.name,
                    "contract": contract.reference or contract.pk,
                    "day": day,
                },
            )
    return queued
