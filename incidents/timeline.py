"""The incident's timeline: writing an event, and saying what it records in words.

The timeline on the page and the notification e-mails both describe events
through these functions, so an event kind is named in one place (its
`EventKind` label) and its details are worded in one place.
"""

import datetime

from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from contracts.models import Metric
from incidents.models import (
    ClockStop,
    EventKind,
    Incident,
    IncidentEvent,
    RouteReason,
    SampleAnalysis,
    SampleVerdict,
    Stage,
    Status,
)
from incidents.replan_words import replanned_words
from portal.models import User
from portal.timezones import local_time


def record(
    incident: Incident,
    kind: EventKind,
    at: datetime.datetime,
    actor=None,
    internal: bool = False,
    **data,
) -> IncidentEvent:
    return IncidentEvent.objects.create(
        organization_id=incident.organization_id,
        incident=incident,
        kind=kind,
        at=at,
        actor=actor,
        data=data,
        internal=internal,
    )


def _words(vocabulary, value: str) -> str:
    """A code as people read it: its label in the vocabulary, else the code in words."""
    if value in vocabulary.values:
        return str(vocabulary(value).label)
    return str(value).replace("_", " ")


def status_words(value: str) -> str:
    """A status as people read it ("waiting on customer"), never its code."""
    return _words(Status, value).lower()


def metric_words(value: str) -> str:
    return _words(Metric, value).lower()


def stopped_words(metric: str) -> str:
    """A clock stopped without the event it measures, as people read it."""
    if metric == Metric.RESOLUTION:
        return _("closed before a resolution")
    return _("closed before a response")


def label(kind: str) -> str:
    text = _words(EventKind, kind)
    return text[:1].upper() + text[1:]


def summary(event: IncidentEvent, zone: datetime.tzinfo | None = None) -> str:
    """One line of the timeline: what happened, with its details (times in `zone`)."""
    data = event.data or {}
    text = label(event.kind)
    if event.kind == EventKind.REPLIED and event.internal:
        return _("Internal note (staff only)")
    if event.kind == EventKind.ASSIGNED:
        return assigned_words(data)
    if event.kind == EventKind.CLOCK_STARTED:
        return clock_started_words(text, event, zone)
    if event.kind == EventKind.CLOCK_REPLANNED:
        return replanned_words(text, metric_words(data.get("metric", "")), data, zone)
    if event.kind == EventKind.STATUS_CHANGED:
        return f"{text}: {status_words(data.get('old', ''))} → {status_words(data.get('new', ''))}"
    if event.kind == EventKind.SEVERITY_CHANGED:
        return f"{text}: {data.get('old')} → {data.get('new')}"
    if event.kind == EventKind.ESCALATED:
        return _("%(label)s to the %(to)s (%(metric)s breached)") % {
            "label": text,
            "to": data.get("to", ""),
            "metric": metric_words(data.get("metric", "")),
        }
    if event.kind == EventKind.ROUTED:
        return routed_words(data)
    if event.kind == EventKind.STAGE_CHANGED:
        return f"{text}: {stage_change_words(data)}"
    if event.kind == EventKind.CHECK_OVERRIDDEN:
        return f"{text}: {overridden_words(data)}"
    if event.kind == EventKind.SAMPLE_ANALYSED:
        return f"{text}: {analysed_words(data)}"
    if event.kind == EventKind.OWNER_AWAY:
        return _("%(label)s: the duty manager was told") % {"label": text}
    if event.kind == EventKind.CLOCK_STOPPED and data.get("stop_reason") == ClockStop.CLOSED:
        return f"{text}: {metric_words(data.get('metric', ''))}, " + stopped_words(
            data.get("metric", "")
        )
    if data.get("metric"):
        return f"{text}: {metric_words(data['metric'])}"
    return text


def clock_started_words(text: str, event: IncidentEvent, zone) -> str:
    """A clock started: its metric and, for a call logged late, the time received that it
    counts from (not the moment it was logged)."""
    data = event.data or {}
    words = f"{text}: {metric_words(data.get('metric', ''))}"
    started = parse_datetime(data.get("started_at") or "")
    if started is None or abs((event.at - started).total_seconds()) < 60:
        return words
    return _("%(words)s, from %(when)s (time received)") % {
        "words": words,
        "when": local_time(started, zone, "j M H:i"),
    }


def assigned_words(data: dict) -> str:
    """An assignment as people read it: to whom (or that nobody owns it now)."""
    person = User.objects.filter(pk=data.get("new")).first() if data.get("new") else None
    if person is None:
        return _("Unassigned")
    return _("Assigned to %(person)s") % {"person": person}


def routed_words(data: dict) -> str:
    """A routing decision as staff read it: to whom, and why."""
    person = User.objects.filter(pk=data.get("to")).first() if data.get("to") else None
    reason = _words(RouteReason, data.get("reason", ""))
    if person is None:
        return _("Left in the shared queue: %(reason)s") % {"reason": reason}
    return _("Routed to %(person)s: %(reason)s") % {"person": person, "reason": reason}


def analysed_words(data: dict) -> str:
    """A sample's verdict as people read it: which file, what it is, detected as what, and
    whether the result came from an earlier analysis of the same file."""
    values = {
        "name": data.get("name", ""),
        "verdict": _words(SampleVerdict, data.get("verdict", "")).lower(),
        "detection": data.get("detection_name", ""),
    }
    if values["detection"]:
        words = _("%(name)s is %(verdict)s, detected as %(detection)s") % values
    else:
        words = _("%(name)s is %(verdict)s") % values
    if data.get("reused"):
        words += " " + _("(from an earlier analysis of the same file)")
    return words


def email_detail(event: IncidentEvent) -> str:
    """The sentence a notification e-mail adds about its event ("" when the subject says
    it all). Times are UTC: the recipients span time zones."""
    data = event.data or {}
    if event.kind == EventKind.STATUS_CHANGED:
        return _("The status changed from %(old)s to %(new)s.") % {
            "old": status_words(data.get("old", "")),
            "new": status_words(data.get("new", "")),
        }
    if event.kind in (EventKind.SLA_WARNING, EventKind.SLA_BREACH):
        due = parse_datetime(data.get("due_at") or "")
        when = date_format(due.astimezone(datetime.UTC), "D j M Y, H:i") if due else "?"
        values = {"metric": metric_words(data.get("metric", "")), "when": when}
        if event.kind == EventKind.SLA_BREACH:
            return _("The %(metric)s was due at %(when)s UTC.") % values
        return _("The %(metric)s is due at %(when)s UTC.") % values
    if event.kind == EventKind.OWNER_AWAY:
        return owner_away_words(event)
    if event.kind == EventKind.STAGE_CHANGED:
        return _("The request moved on: %(words)s.") % {"words": stage_change_words(data)}
    if event.kind == EventKind.SAMPLE_ANALYSED:
        return sample_analysed_detail(event)
    return ""


def stage_words(value: str) -> str:
    return _words(Stage, value)


def stage_change_words(data: dict) -> str:
    """A stage change as people read it: from, to, and what the stage brought (the release
    with the fix, or why it stopped)."""
    words = f"{stage_words(data.get('from', ''))} → {stage_words(data.get('to', ''))}"
    if data.get("version"):
        words += " " + _("(antivirus databases %(version)s)") % {"version": data["version"]}
    if data.get("reason"):
        words += " — " + data["reason"]
    return words


def overridden_words(data: dict) -> str:
    """Staff filed a signature change on databases other than the latest, and why."""
    return _("filed on databases %(version)s — %(reason)s") % {
        "version": data.get("database_version", ""),
        "reason": data.get("reason", ""),
    }


def sample_analysed_detail(event: IncidentEvent) -> str:
    """The verdict, and how to remove the malware, for the customer's e-mail."""
    data = event.data or {}
    text = _("The sample %(words)s.") % {"words": analysed_words(data)}
    removal = (
        SampleAnalysis.objects.filter(attachment_id=data.get("attachment"))
        .values_list("removal", flat=True)
        .first()
    )
    if removal:
        text += "\n\n" + _("To remove it:") + "\n" + removal
    return text


def owner_away_words(event: IncidentEvent) -> str:
    """Why the duty manager hears of an incident whose owner is away (UTC: they may be
    anywhere); nothing was reassigned, so the decision is theirs."""
    data = event.data or {}
    person = User.objects.filter(pk=data.get("assignee")).first()
    back = parse_datetime(data.get("back_at") or "")
    values = {
        "person": person or _("The assignee"),
        "when": date_format(back.astimezone(datetime.UTC), "D j M Y, H:i") if back else "",
    }
    if back:
        text = _("%(person)s is away until %(when)s UTC") % values
    else:
        text = _("%(person)s is away") % values
    return (
        text
        + ", "
        + _("while a severity 1-2 clock runs. Nothing was reassigned: take it over or reassign it.")
    )
