"""Moving a request workflow (signature change, private patch) to its next stage: the
check, what the stage records (the release, the reason, the patch), the timeline event
`stage_changed` and the e-mail to the customer's side."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.holdings import version_key
from contracts.models import DatabaseRelease
from incidents import recipients, stages, timeline
from incidents.models import Attachment, EventKind, Incident, PrivatePatch, SignatureChange, Stage
from incidents.notifications import notify
from incidents.services.locking import locked_incident
from incidents.services.signature import released_for
from portal.models import User


def _release_for(incident: Incident, release: DatabaseRelease | None) -> DatabaseRelease:
    if release is None:
        raise ValidationError({"release": [_("Name the database release that fixes it.")]})
    if release.product_id != incident.product_id:
        raise ValidationError(
            {"release": [_("The release must be one of the request's product's releases.")]}
        )
    reported = (
        SignatureChange.objects.filter(incident=incident)
        .values_list("database_version", flat=True)
        .first()
    )
    if reported and version_key(release.version) <= version_key(reported):
        raise ValidationError(
            {
                "release": [
                    _(
                        "Release %(release)s is not newer than the databases the request was "
                        "filed on (%(reported)s): name the release that fixes it."
                    )
                    % {"release": release.version, "reported": reported}
                ]
            }
        )
    return release


def _patch_for(incident: Incident, patch: Attachment | None) -> Attachment:
    if patch is None or patch.incident_id != incident.pk or patch.sample:
        raise ValidationError(
            {
                "patch": [
                    _(
                        "Deliver the patch file with the move: upload it here, or name a "
                        "file already attached to the request (not a sample)."
                    )
                ]
            }
        )
    return patch


def _assign_taker(incident: Incident, actor: User) -> None:
    """The analyst who takes an unassigned request to analysing owns it."""
    # Cycle: the status services move the stage (incident_update) and assign.
    from incidents.services.status import incident_assign

    incident_assign(incident=incident, actor=actor, assignee=actor)
    incident.assignee = actor


def incident_move_stage(
    *,
    incident: Incident,
    actor: User,
    stage: str,
    release: DatabaseRelease | None = None,
    reason: str = "",
    patch: Attachment | None = None,
) -> Incident:
    """Move the request one allowed step (`incidents.stages`), recording what the stage
    needs: the release that fixed it, the reason for a refusal, the delivered patch."""
    reason = reason.strip()
    with transaction.atomic():
        incident = locked_incident(incident)
        stages.check_stage_move(incident, actor, stage)
        if stage in stages.NEEDS_REASON and not reason:
            raise ValidationError({"reason": [_("Say why: the customer reads it.")]})
        now = timezone.now()
        data = {"from": incident.stage, "to": stage}
        if stage == Stage.ANALYSING and incident.assignee_id is None:
            _assign_taker(incident, actor)
        if stage == Stage.RELEASED:
            release = _release_for(incident, release)
            SignatureChange.objects.filter(incident=incident).update(release=release)
            data["release"] = release.pk
            data["version"] = release.version
            released_for(incident=incident, release=release, now=now)
        elif stage == Stage.NOT_CONFIRMED:
            SignatureChange.objects.filter(incident=incident).update(analysis=reason)
        elif stage == Stage.DECLINED:
            PrivatePatch.objects.filter(incident=incident).update(decline_reason=reason)
        elif stage == Stage.DELIVERED:
            patch = _patch_for(incident, patch)
            PrivatePatch.objects.filter(incident=incident).update(patch=patch, delivered_at=now)
            data["patch"] = patch.pk
        if reason:
            data["reason"] = reason
        Incident.objects.filter(pk=incident.pk).update(stage=stage, updated_at=now)
        incident.stage = stage
        event = timeline.record(incident, EventKind.STAGE_CHANGED, now, actor, **data)
        notify(event, recipients.for_stage_change(incident), actor=actor)
    return incident
