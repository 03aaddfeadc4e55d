"""Malware samples' analyses: staff record the verdict, the detection, the database
release that detects it and how to remove it; a sample whose SHA-256 was analysed before
gets that result at once. Either way the customer's side is told (`sample_analysed`)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.models import DatabaseRelease
from incidents import recipients, timeline
from incidents.models import Attachment, EventKind, Incident, SampleAnalysis, SampleVerdict
from incidents.notifications import notify
from incidents.selectors.samples import earlier_analysis
from incidents.services.locking import locked_incident
from portal.models import User

# What an analysis says, compared to tell a correction from the same PUT sent again.
RESULT_FIELDS = ("verdict", "detection_name", "release_id", "removal")


def _check(verdict: str, detection_name: str) -> None:
    if verdict not in SampleVerdict.values:
        raise ValidationError(
            {
                "verdict": [
                    _("Choose a verdict: %(verdicts)s.")
                    % {"verdicts": ", ".join(SampleVerdict.values)}
                ]
            }
        )
    if verdict != SampleVerdict.CLEAN and not detection_name:
        raise ValidationError(
            {
                "detection_name": [
                    _("Name the detection: a malicious or unwanted file is detected as what?")
                ]
            }
        )


def _announce(incident: Incident, analysis: SampleAnalysis, actor: User | None, now) -> None:
    attachment = analysis.attachment
    event = timeline.record(
        incident,
        EventKind.SAMPLE_ANALYSED,
        now,
        actor,
        attachment=attachment.pk,
        name=attachment.original_name,
        verdict=analysis.verdict,
        detection_name=analysis.detection_name,
        release=analysis.release_id,
        reused=analysis.reused_from_id is not None,
    )
    notify(event, recipients.for_sample_analysis(incident), actor=actor)


def sample_analyse(
    *,
    incident: Incident,
    attachment: Attachment,
    actor: User,
    verdict: str,
    detection_name: str = "",
    release: DatabaseRelease | None = None,
    removal: str = "",
) -> SampleAnalysis:
    """Record (or correct) staff's analysis of a sample. The customer's side is e-mailed
    when the result is new or changed; the same analysis sent again changes nothing."""
    if not actor.is_provider_staff:
        raise PermissionDenied(_("Only the provider's staff analyse malware samples."))
    if not attachment.sample or attachment.incident_id != incident.pk:
        raise ValidationError({"attachment": [_("Only a malware sample is analysed.")]})
    # A detection is a name on one line (line breaks sent are spaces).
    detection_name, removal = " ".join(detection_name.split()), removal.strip()
    _check(verdict, detection_name)
    result = {
        "verdict": verdict,
        "detection_name": detection_name,
        "release_id": release.pk if release else None,
        "removal": removal,
    }
    with transaction.atomic():
        incident = locked_incident(incident)
        analysis = SampleAnalysis.objects.filter(attachment=attachment).first()
        if analysis is not None and all(
            getattr(analysis, name) == result[name] for name in RESULT_FIELDS
        ):
            return analysis  # sent again: nothing new to tell
        now = timezone.now()
        analysis = analysis or SampleAnalysis(
            organization_id=incident.organization_id, attachment=attachment
        )
        for name, value in result.items():
            setattr(analysis, name, value)
        # Staff's own result from now on, even where it began as an earlier one's copy.
        analysis.reused_from = None
        analysis.analysed_by = actor
        analysis.analysed_at = now
        analysis.save()
        _announce(incident, analysis, actor, now)
    return analysis


def sample_reuse_analysis(*, incident: Incident, attachment: Attachment) -> SampleAnalysis | None:
    """A sample just added whose SHA-256 was analysed before (in any organisation) gets
    that result at once, pointing to it; the customer's side is told as for a new one.
    Runs inside the adding transaction."""
    if not attachment.sample:
        return None
    earlier = earlier_analysis(attachment.sha256)
    if earlier is None:
        return None
    now = timezone.now()
    analysis = SampleAnalysis.objects.create(
        organization_id=incident.organization_id,
        attachment=attachment,
        verdict=earlier.verdict,
        detection_name=earlier.detection_name,
        release_id=earlier.release_id,
        removal=earlier.removal,
        reused_from_id=earlier.id,
        analysed_at=now,
    )
    _announce(incident, analysis, None, now)
    return analysis
