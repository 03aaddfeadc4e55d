"""Status, severity and assignment: what staff (and, for closing and reopening, customers)
change on an incident, and the clocks and notices each change moves."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.models import DatabaseRelease
from incidents import acknowledgement, clocks, recipients, rules, stages, timeline
from incidents.models import (
    DONE_STATUSES,
    Attachment,
    CloseReason,
    EventKind,
    Incident,
    Status,
    ThreadEntry,
)
from incidents.notifications import notify
from incidents.services.locking import locked_incident
from incidents.services.premium import premium_refund, premium_retake
from incidents.services.stages import incident_move_stage
from portal.models import User

# A value not given to `incident_update` (None is a real assignee value: unassigned).
UNCHANGED = object()


def set_status(
    *,
    incident: Incident,
    status: str,
    now: datetime.datetime,
    actor: User,
    reason: str = "",
    announce: bool = True,
) -> None:
    """Move the incident (locked by the caller) to `status` with the clocks that follow."""
    old = incident.status
    fields = {"status": status}
    if status == Status.RESOLVED:
        fields["resolved_at"] = now
    if status == Status.CLOSED:
        fields["closed_at"] = now
        fields["close_reason"] = reason
    if status == Status.OPEN and old in DONE_STATUSES:
        fields.update(closed_at=None, close_reason="")
    Incident.objects.filter(pk=incident.pk).update(**fields, updated_at=now)
    for name, value in fields.items():
        setattr(incident, name, value)

    if status == Status.WAITING_ON_CUSTOMER:
        clocks.pause_resolution(incident, now, actor)
    elif old == Status.WAITING_ON_CUSTOMER and status == Status.OPEN:
        clocks.resume_resolution(incident, now, actor)
    if status in DONE_STATUSES:
        clocks.stop_clocks(incident, now, actor, status=status)
    if status == Status.OPEN and old in DONE_STATUSES:
        clocks.restart_clocks(incident, now, actor)
    event = timeline.record(
        incident, EventKind.STATUS_CHANGED, now, actor, old=old, new=status, reason=reason
    )
    if announce:
        notify(event, recipients.for_status_change(incident), actor=actor)


def incident_change_status(
    *, incident: Incident, actor: User, status: str, reason: str = ""
) -> Incident:
    with transaction.atomic():
        incident = locked_incident(incident, clocks=True)
        now = timezone.now()
        rules.check_status_move(incident, actor, status, reason, now)
        if status == Status.OPEN and incident.status == Status.CLOSED:
            premium_retake(incident=incident, actor=actor)
        set_status(incident=incident, status=status, now=now, actor=actor, reason=reason)
        if reason in (CloseReason.DUPLICATE, CloseReason.FILED_IN_ERROR):
            premium_refund(incident=incident, actor=actor, reason=reason)
    return incident


def incident_change_severity(*, incident: Incident, actor: User, severity: int) -> Incident:
    if not actor.is_provider_staff:
        raise PermissionDenied(_("Only staff change an incident's severity."))
    rules.check_severity(severity)
    with transaction.atomic():
        incident = locked_incident(incident, clocks=True)
        now = timezone.now()
        old = incident.severity
        if old == severity:
            return incident
        promised = acknowledgement.first_response_promise(incident)
        Incident.objects.filter(pk=incident.pk).update(severity=severity, updated_at=now)
        incident.severity = severity
        timeline.record(incident, EventKind.SEVERITY_CHANGED, now, actor, old=old, new=severity)
        responded = ThreadEntry.objects.filter(
            organization_id=incident.organization_id, incident=incident, qualified_response=True
        ).exists()
        clocks.retarget(incident, now, actor, responded=responded)
        acknowledgement.acknowledge_change(incident, promised, now)
    return incident


def incident_assign(*, incident: Incident, actor: User, assignee: User | None) -> Incident:
    if not actor.is_provider_staff:
        raise PermissionDenied(_("Only staff assign incidents."))
    if assignee is not None and not (assignee.is_provider_staff and assignee.is_active):
        raise ValidationError({"assignee": [_("The assignee must be an active staff member.")]})
    now = timezone.now()
    with transaction.atomic():
        incident = locked_incident(incident)
        old = incident.assignee_id
        if old == (assignee.pk if assignee else None):
            return incident
        # A new owner takes the incident out of the "Owner away" queue.
        Incident.objects.filter(pk=incident.pk).update(
            assignee=assignee, owner_away_at=None, updated_at=now
        )
        incident.assignee = assignee
        incident.owner_away_at = None
        event = timeline.record(
            incident,
            EventKind.ASSIGNED,
            now,
            actor,
            old=old,
            new=assignee.pk if assignee else None,
        )
        notify(event, recipients.for_assignment(assignee), actor=actor)
    return incident


def incident_update(
    *,
    incident: Incident,
    actor: User,
    severity=UNCHANGED,
    assignee=UNCHANGED,
    status=UNCHANGED,
    reason: str = "",
    stage=UNCHANGED,
    release: DatabaseRelease | None = None,
    patch: Attachment | None = None,
) -> Incident:
    """What the triage form and the API's PATCH change, in one transaction: every change
    asked for, or none (a refused status undoes the severity change beside it). `reason`
    goes with the status (a close reason) or with the stage (why it was declined or not
    confirmed), so one request does not change both."""
    asked = {
        name
        for name, value in (
            ("severity", severity),
            ("assignee", assignee),
            ("status", status),
            ("stage", stage),
        )
        if value is not UNCHANGED
    }
    rules.check_update_fields(actor, asked | ({"reason"} if reason else set()))
    if status is not UNCHANGED and stage is not UNCHANGED:
        raise ValidationError(
            {
                "stage": [
                    _(
                        "Change the status and move the stage in separate requests: each "
                        "reads its own reason."
                    )
                ]
            }
        )
    if reason and status is UNCHANGED and stage is UNCHANGED:
        raise ValidationError(
            {"reason": [_("A reason goes with closing, or with moving the stage: name one.")]}
        )
    stages.check_move_fields(None if stage is UNCHANGED else stage, release=release, patch=patch)
    with transaction.atomic():
        if severity is not UNCHANGED:
            incident = incident_change_severity(incident=incident, actor=actor, severity=severity)
        if assignee is not UNCHANGED:
            incident = incident_assign(incident=incident, actor=actor, assignee=assignee)
        if status is not UNCHANGED:
            incident = incident_change_status(
                incident=incident, actor=actor, status=status, reason=reason
            )
        if stage is not UNCHANGED:
            incident = incident_move_stage(
                incident=incident,
                actor=actor,
                stage=stage,
                release=release,
                reason=reason,
                patch=patch,
            )
    return incident
