"""Reads about malware samples: the sample an analysis belongs to, and the earlier analysis
of a file with the same SHA-256 (whichever customer sent it first)."""

from dataclasses import dataclass

from django.db import connection
from django.http import Http404

from incidents.models import Attachment, Incident, SampleAnalysis
from incidents.selectors.scoped import attachments_for_user
from portal.models import User


@dataclass(frozen=True)
class EarlierAnalysis:
    """The result of an analysis made by staff (not itself a copy), without where it was."""

    id: int
    verdict: str
    detection_name: str
    release_id: int | None
    removal: str


def sample_for_user(user: User, incident: Incident, pk) -> Attachment:
    """One of the incident's malware samples the user may see (a plain file is a 404: it
    has no analysis)."""
    try:
        return attachments_for_user(user, incident).filter(sample=True).get(pk=pk)
    except (Attachment.DoesNotExist, ValueError, TypeError):
        raise Http404("No such malware sample.") from None


def earlier_analysis(sha256: str) -> EarlierAnalysis | None:
    """The newest analysis staff made of a sample with this SHA-256, in any organisation.
    On PostgreSQL a database function finds it (migration 0016): a customer's transaction
    sees only its own rows, and the result of an analysis (never its incident) is what a
    second sender of the same file is owed."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM portal_earlier_sample_analysis(%s)", [sha256])
            row = cursor.fetchone()
        return EarlierAnalysis(*row) if row else None
    found = (
        SampleAnalysis.objects.filter(
            attachment__sha256=sha256, attachment__sample=True, reused_from__isnull=True
        )
        .order_by("-analysed_at", "-id")
        .values_list("id", "verdict", "detection_name", "release_id", "removal")
        .first()
    )
    return EarlierAnalysis(*found) if found else None
