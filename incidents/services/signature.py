"""Signature change requests' workflow pieces (rules: `incidents.signature_rules`): the
details filed with one (and the databases check, or staff's override of it), and the
released fix told to every entitled holder of the product."""

import datetime
from collections.abc import Callable

from django.core.exceptions import PermissionDenied, ValidationError
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from contracts.models import DatabaseRelease, Product
from incidents import recipients, signature_rules, timeline
from incidents.models import EventKind, Incident, Kind, SignatureChange, SignatureVerdict
from incidents.notifications import notify_topic_each
from portal.models import User

# What a request names about the file (SignatureChange's fields, as filed).
DETAIL_FIELDS = ("verdict", "database_version", "file_name", "sha256", "detection_name")


def signature_details(
    *, actor: User, kind: str, product: Product | None, signature: dict | None
) -> Callable[[Incident, datetime.datetime], None] | None:
    """What the filing's transaction runs once the incident exists (its contract covering
    the kind): the checks on what it says about the file and the databases (a refusal
    rolls the filing back), the details row and, when staff overrode the databases check,
    the `check_overridden` event. None for other kinds (which name no file)."""
    if kind != Kind.SIGNATURE_CHANGE:
        if signature:
            raise ValidationError(
                {"signature": [_("Only a signature change request names a signature.")]}
            )
        return None

    def record(incident: Incident, now: datetime.datetime) -> None:
        # Checked once the contract is known to cover the kind (not_entitled comes first).
        if not signature:
            raise ValidationError(
                {"signature": [_("Say which file the product judged wrongly, and how.")]}
            )
        if product is None:
            raise ValidationError(
                {"product": [_("Choose the product whose signatures should change.")]}
            )
        details = {name: (signature.get(name) or "").strip() for name in DETAIL_FIELDS}
        details["sha256"] = details["sha256"].lower()
        override = (signature.get("override_reason") or "").strip()
        if override and not actor.is_provider_staff:
            raise PermissionDenied(_("Only the provider's staff override the databases check."))
        if details["verdict"] == SignatureVerdict.FALSE_POSITIVE and not details["detection_name"]:
            raise ValidationError(
                {"detection_name": [_("Name the detection the product reported for the file.")]}
            )
        refusal = signature_rules.databases_refusal(
            product, details["database_version"], staff=actor.is_provider_staff
        )
        if refusal is not None and not override:
            raise refusal
        SignatureChange.objects.create(
            organization_id=incident.organization_id,
            incident=incident,
            override_reason=override,
            **details,
        )
        if refusal is not None:
            # Shown to the customer too: the request was filed on their older databases,
            # and the reason was given on their behalf; nothing in it is the provider's own.
            timeline.record(
                incident,
                EventKind.CHECK_OVERRIDDEN,
                now,
                actor,
                database_version=details["database_version"],
                reason=override,
            )

    return record


def released_for(*, incident: Incident, release: DatabaseRelease, now: datetime.datetime) -> None:
    """A fix is released for the request: an expedited release made for it names it (if it
    names no request yet), and every entitled holder of the product hears of it, once."""
    if release.expedited and release.request_id is None:
        DatabaseRelease.objects.filter(pk=release.pk, request__isnull=True).update(request=incident)
    fix_broadcast(release=release, now=now)


def fix_broadcast(*, release: DatabaseRelease, now: datetime.datetime) -> int:
    """Tell each active contact of every entitled holder of the product that the fix is
    out, once per address however often it is released or retried (topic `fix:<id>`). The
    message names the release and the product only: never a request of anyone."""
    people = recipients.contacts_of(signature_rules.fix_holders(release, now))
    product = release.product
    subject = _("Antivirus databases %(version)s for %(product)s: a signature fix") % {
        "version": release.version,
        "product": product.name,
    }
    body = render_to_string(
        "incidents/email/fix_released.txt", {"release": release, "product": product}
    )
    return notify_topic_each(
        topic=f"fix:{release.pk}", people_by_organization=people, subject=subject, body=body
    )
