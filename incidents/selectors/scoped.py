"""The incident and what hangs off it, scoped by the acting user: a foreign or invisible
object is a 404, and customers never see internal notes, their events or their files, nor
SLA notices their tier does not tell them of."""

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from incidents import recipients
from incidents.models import Attachment, EntryKind, Incident, IncidentEvent, ThreadEntry
from portal.models import User


def incidents_for_user(user: User) -> QuerySet[Incident]:
    incidents = Incident.objects.select_related(
        "organization",
        "contract__tier",
        "assignee",
        "product",
        "signature",
        # A private patch request's details (null for other kinds).
        "patch_request__product_version__product",
        "patch_request__patch",
    )
    if not user.is_authenticated or not user.is_active:
        return incidents.none()
    if user.is_provider_staff:
        return incidents
    membership = getattr(user, "membership", None)
    if membership is None:
        return incidents.none()
    return incidents.filter(organization_id=membership.organization_id)


def incident_for_user(user: User, pk) -> Incident:
    try:
        return (
            incidents_for_user(user)
            .select_related("filed_by", "caller", "contract__calendar")
            .get(pk=pk)
        )
    except (Incident.DoesNotExist, ValueError, TypeError):
        raise Http404("No such incident.") from None


def entries_for_user(user: User, incident: Incident) -> QuerySet[ThreadEntry]:
    entries = (
        ThreadEntry.objects.filter(organization_id=incident.organization_id, incident=incident)
        .select_related("author")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
    )
    if not user.is_provider_staff:
        entries = entries.exclude(kind=EntryKind.NOTE)
    return entries.order_by("created_at", "id")


def events_for_user(user: User, incident: Incident) -> QuerySet[IncidentEvent]:
    events = IncidentEvent.objects.filter(
        organization_id=incident.organization_id, incident=incident
    ).select_related("actor")
    if not user.is_provider_staff:
        events = events.exclude(internal=True)
        hidden = recipients.hidden_from_customers(incident)
        if hidden:
            events = events.exclude(kind__in=sorted(hidden))
    return events.order_by("at", "id")


def attachments_for_user(user: User, incident: Incident) -> QuerySet[Attachment]:
    """The incident's files the user may see, with samples' analyses: customers never see
    files on internal notes, nor where a reused analysis came from."""
    files = Attachment.objects.filter(
        organization_id=incident.organization_id, incident=incident
    ).select_related("uploaded_by", "analysis__release__product")
    if not user.is_provider_staff:
        return files.exclude(entry__kind=EntryKind.NOTE)
    return files.select_related("analysis__reused_from__attachment__incident")


def attachment_for_user(user: User, incident: Incident, pk) -> Attachment:
    try:
        return attachments_for_user(user, incident).get(pk=pk)
    except (Attachment.DoesNotExist, ValueError, TypeError):
        raise Http404("No such file.") from None
