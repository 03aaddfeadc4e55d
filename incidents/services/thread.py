"""The incident's thread: replies, internal notes and files."""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.models import Metric
from incidents import clocks, files, recipients, timeline
from incidents.models import Attachment, EntryKind, EventKind, Incident, Status, ThreadEntry
from incidents.notifications import notify
from incidents.services.locking import locked_incident
from incidents.services.samples import sample_reuse_analysis
from incidents.services.status import set_status
from portal.errors import ContractRuleError, RuleCode
from portal.models import User


def attachment_row(
    *,
    incident: Incident,
    actor: User,
    saved: files.StoredFile,
    sample: bool,
    entry: ThreadEntry | None = None,
) -> Attachment:
    return Attachment.objects.create(
        organization_id=incident.organization_id,
        incident=incident,
        entry=entry,
        uploaded_by=actor,
        original_name=saved.original_name,
        stored_name=saved.stored_name,
        size=saved.size,
        content_type=saved.content_type,
        sha256=saved.sha256,
        sample=sample,
    )


def incident_reply(
    *,
    incident: Incident,
    author: User,
    body: str,
    internal: bool = False,
    qualified: bool | None = None,
    uploads: Iterable[tuple[UploadedFile, bool]] = (),
) -> ThreadEntry:
    """Add to the thread. A public staff reply is a qualified response unless said otherwise."""
    if not body.strip():
        raise ValidationError({"body": [_("Write a message.")]})
    staff = author.is_provider_staff
    if internal and not staff:
        raise PermissionDenied(_("Internal notes are for the provider's staff."))
    uploads = list(uploads)
    for upload, _sample in uploads:
        files.check_size(upload)
    stored = []
    try:
        with transaction.atomic():
            incident = locked_incident(incident, clocks=True)
            now = timezone.now()  # after the locks: the reply happens when it commits
            if not incident.accepts_replies:
                raise ContractRuleError(
                    RuleCode.STATUS_CONFLICT,
                    _("This incident is closed. Reopen it or file a new one."),
                )
            counts = bool(staff and not internal and (qualified is None or qualified))
            entry = ThreadEntry.objects.create(
                organization_id=incident.organization_id,
                incident=incident,
                author=author,
                kind=EntryKind.NOTE if internal else EntryKind.REPLY,
                body=body,
                by_staff=staff,
                qualified_response=counts,
            )
            event = timeline.record(
                incident,
                EventKind.REPLIED,
                now,
                author,
                internal=internal,
                entry=entry.pk,
                by_staff=staff,
                qualified=counts,
            )
            if counts:
                clocks.stop_clocks(incident, now, author, metric=Metric.FIRST_RESPONSE)
            # Automatic moves that the reply itself already tells the other side about.
            if staff and not internal and incident.status == Status.NEW:
                set_status(
                    incident=incident, status=Status.OPEN, now=now, actor=author, announce=False
                )
            if not staff and incident.status == Status.WAITING_ON_CUSTOMER:
                set_status(
                    incident=incident, status=Status.OPEN, now=now, actor=author, announce=False
                )
            for upload, sample in uploads:
                saved = files.store_upload(upload, sample=sample)
                stored.append(saved)
                attachment = attachment_row(
                    incident=incident, actor=author, saved=saved, sample=sample, entry=entry
                )
                sample_reuse_analysis(incident=incident, attachment=attachment)
            if not internal:
                notify(event, recipients.for_reply(incident, by_staff=staff), actor=author)
    except BaseException:
        for saved in stored:
            files.discard(saved.stored_name)
        raise
    return entry


def attachment_add(
    *, incident: Incident, actor: User, upload: UploadedFile, sample: bool = False
) -> Attachment:
    files.check_size(upload)
    saved = files.store_upload(upload, sample=sample)
    try:
        with transaction.atomic():
            incident = locked_incident(incident)
            if not incident.accepts_replies:
                raise ContractRuleError(
                    RuleCode.STATUS_CONFLICT,
                    _("This incident is closed. Reopen it or file a new one."),
                )
            attachment = attachment_row(incident=incident, actor=actor, saved=saved, sample=sample)
            timeline.record(
                incident,
                EventKind.ATTACHMENT_ADDED,
                timezone.now(),
                actor,
                attachment=attachment.pk,
                name=saved.original_name,
                sample=sample,
                sha256=saved.sha256,
            )
            sample_reuse_analysis(incident=incident, attachment=attachment)
    except BaseException:
        files.discard(saved.stored_name)
        raise
    return attachment
