"""Writing, publishing and reading malware alerts. Who an alert goes to is for
`incidents.alerts` to say; this records it and queues the e-mails.

Publishing is once: the first publish sets `published_at` (a compare-and-set, so two
publishers at once cannot both send) and a second is refused with 409 `status_conflict`.
Even a retried transaction sends each person one e-mail: the outbox keeps one row per
(organisation, topic `alert:<id>`, address).
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.models import Product, Severity
from incidents import alerts
from incidents.models import Alert, AlertAudience, AlertFormat, AlertRead
from incidents.notifications import notify_topic_each
from portal.access import require_contact_manager
from portal.errors import ContractRuleError, RuleCode
from portal.models import Organization, User, new_feed_key

EDITABLE = ("title", "body", "body_format", "prevention", "severity")


@dataclass(frozen=True)
class Sent:
    """Who a published alert went to."""

    organizations: int
    people: int


def require_writer(user: User) -> None:
    if not alerts.can_write_alerts(user):
        raise PermissionDenied(_("Only the provider's staff write and publish malware alerts."))


def _check_products(products) -> list[Product]:
    products = list(products)
    if not products:
        raise ValidationError(
            {"products": [_("Name at least one affected product: it decides who is told.")]}
        )
    return products


def _refuse_published(alert: Alert) -> None:
    if alerts.is_published(alert):
        raise ContractRuleError(
            RuleCode.STATUS_CONFLICT,
            _(
                "This alert was published already and its e-mails are sent, so it is not "
                "changed or sent again. Write a new alert to add advice."
            ),
        )


def alert_create(
    *,
    author: User,
    title: str,
    body: str,
    severity: int,
    products,
    body_format: str = AlertFormat.TEXT,
    prevention: str = "",
) -> Alert:
    """A draft alert; nobody is told until it is published."""
    require_writer(author)
    products = _check_products(products)
    with transaction.atomic():
        alert = Alert(
            title=title,
            body=body,
            body_format=body_format,
            prevention=prevention,
            severity=severity,
        )
        alert.full_clean(exclude=["products", "published_by"])
        alert.save()
        alert.products.set(products)
    return alert


def alert_update(*, alert: Alert, author: User, products=None, **fields) -> Alert:
    """Change a draft (a published alert is as it was sent: 409)."""
    require_writer(author)
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise TypeError(f"Not editable: {sorted(unknown)}")
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        _refuse_published(alert)
        for name, value in fields.items():
            setattr(alert, name, value)
        alert.full_clean(exclude=["products", "published_by"])
        if fields:
            alert.save(update_fields=[*fields])
        if products is not None:
            alert.products.set(_check_products(products))
    return alert


def _message(alert: Alert) -> tuple[str, str]:
    severity = Severity(alert.severity).label
    subject = _("[Malware alert, severity %(severity)s] %(title)s") % {
        "severity": alert.severity,
        "title": alert.title,
    }
    url = settings.PORTAL_BASE_URL.rstrip("/") + reverse("alert_detail", args=[alert.pk])
    body = render_to_string(
        "incidents/email/alert.txt",
        {
            "alert": alert,
            "severity": severity,
            "products": ", ".join(p.name for p in alert.products.all()),
            "url": url,
        },
    )
    return subject, body


def alert_publish(*, alert: Alert, publisher: User, now: datetime.datetime | None = None) -> Sent:
    """Publish the alert: record the organisations it is addressed to and queue one e-mail
    to each of their active contacts (`incidents.alerts.audience`), in one transaction."""
    require_writer(publisher)
    now = now or timezone.now()
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        _refuse_published(alert)
        if not alert.products.exists():
            raise ContractRuleError(
                RuleCode.STATUS_CONFLICT,
                _("The alert names no affected product, so it would reach nobody. Add one."),
            )
        Alert.objects.filter(pk=alert.pk).update(published_at=now, published_by=publisher)
        alert.published_at, alert.published_by = now, publisher
        audience = alerts.audience(alert, now)
        AlertAudience.objects.bulk_create(
            [
                AlertAudience(organization_id=org, alert=alert, people=len(people))
                for org, people in audience.people.items()
            ],
            ignore_conflicts=True,
        )
        subject, body = _message(alert)
        people = notify_topic_each(
            topic=f"alert:{alert.pk}",
            people_by_organization=audience.people,
            subject=subject,
            body=body,
        )
    return Sent(organizations=len(audience.people), people=people)


def alert_mark_read(*, alert: Alert, user: User, now: datetime.datetime | None = None) -> None:
    """The person has read the alert (its banner goes away for them only). The caller has
    found the alert addressed to the person's organisation (`incidents.selectors`)."""
    membership = getattr(user, "membership", None)
    if membership is None or user.is_provider_staff:
        raise PermissionDenied(_("Only a customer's contacts mark alerts read."))
    AlertRead.objects.bulk_create(
        [
            AlertRead(
                organization_id=membership.organization_id,
                alert=alert,
                user=user,
                read_at=now or timezone.now(),
            )
        ],
        ignore_conflicts=True,
    )


def organization_new_alert_feed_key(*, organization: Organization, actor: User) -> Organization:
    """A new secret for the organisation's alert feed address: the old address stops
    working at once (a customer admin's or a provider admin's step)."""
    require_contact_manager(actor, organization)
    organization.alert_feed_key = new_feed_key()
    organization.save(update_fields=["alert_feed_key"])
    return organization
