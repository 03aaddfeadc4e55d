"""The rules of incidents, each in one place: which status moves an actor may make,
which kinds a filer may choose, which statuses halt the resolution clock, why a clock
stops, what "met" means for it and which clocks a reopening runs again.

Services enforce these; views, forms, the API and templates ask them what to offer.
"""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, Q
from django.utils.translation import gettext as _

from contracts.models import Metric, Severity
from incidents.models import (
    DONE_STATUSES,
    ClockStop,
    CloseReason,
    Incident,
    Kind,
    SlaClock,
    Status,
)
from portal.errors import ContractRuleError, RuleCode
from portal.models import User

# -- text -----------------------------------------------------------------------------------

# The longest title (its column), description and reply a filer or author may send.
TITLE_MAX = 200
DESCRIPTION_MAX = 20_000
REPLY_MAX = 50_000

# -- statuses -------------------------------------------------------------------------------

TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset(
        {Status.OPEN, Status.WAITING_ON_CUSTOMER, Status.RESOLVED, Status.CLOSED}
    ),
    Status.OPEN: frozenset({Status.WAITING_ON_CUSTOMER, Status.RESOLVED, Status.CLOSED}),
    Status.WAITING_ON_CUSTOMER: frozenset({Status.OPEN, Status.RESOLVED, Status.CLOSED}),
    Status.RESOLVED: frozenset({Status.OPEN, Status.CLOSED}),
    Status.CLOSED: frozenset({Status.OPEN}),
}
# Customers close, or reopen within the reopening window; staff do the rest.
CUSTOMER_MOVES = frozenset({Status.CLOSED, Status.OPEN})
# While the incident waits on the customer or is done, the resolution clock does not run.
RESOLUTION_HALTED = frozenset({Status.WAITING_ON_CUSTOMER, *DONE_STATUSES})
# A first-response clock does not run while the incident is done (closed before a response).
FIRST_RESPONSE_HALTED = frozenset(DONE_STATUSES)
# What customers may change on an incident (through the API's PATCH); staff change all.
CUSTOMER_FIELDS = frozenset({"status"})


def customer_may_reopen(incident: Incident, now: datetime.datetime) -> bool:
    """Customers reopen a resolved or closed incident within the reopening window, counted
    from its resolution (or from the closing, for one closed before it was resolved)."""
    since = incident.resolved_at or incident.closed_at
    return (
        incident.status in DONE_STATUSES
        and since is not None
        and now - since <= datetime.timedelta(days=settings.PORTAL_REOPEN_DAYS)
    )


def _field(name: str, message: str) -> ValidationError:
    return ValidationError({name: [message]})


def _conflict(message: str) -> ContractRuleError:
    """A move the incident's current status does not allow (API: 409 status_conflict)."""
    return ContractRuleError(RuleCode.STATUS_CONFLICT, message)


def status_refusal(
    incident: Incident, actor: User, status: str, reason: str, now: datetime.datetime
) -> Exception | None:
    """Why the actor may not move the incident to `status` now (None: they may), as the
    error to raise: a 400 naming the field, a 403 for a move that is the provider's, or a
    409 for one its current status does not allow."""
    if status not in Status.values:
        return _field("status", _("Status must be one of %(values)s.") % {"values": _list(Status)})
    if status == incident.status:
        return _conflict(_("The incident is already %(status)s.") % {"status": status})
    if status not in TRANSITIONS[incident.status]:
        return _conflict(
            _("An incident cannot go from %(old)s to %(new)s.")
            % {"old": incident.status, "new": status}
        )
    if reason and reason not in CloseReason.values:
        return _field("reason", _("Reason must be duplicate or filed_in_error."))
    if reason and status != Status.CLOSED:
        return _field(
            "reason", _("A reason (duplicate, filed in error) applies only when closing.")
        )
    if reason and not actor.is_provider_staff:
        return PermissionDenied(_("Only staff close an incident with a reason."))
    if actor.is_provider_staff:
        return None
    if status not in CUSTOMER_MOVES:
        return PermissionDenied(_("Customers can close or reopen an incident; staff do the rest."))
    if status == Status.OPEN and incident.status not in DONE_STATUSES:
        return _conflict(_("Only a resolved or closed incident can be reopened."))
    if status == Status.OPEN and not customer_may_reopen(incident, now):
        return _conflict(
            _(
                "An incident can be reopened within %(days)s days of its resolution; "
                "please file a new incident and mention this one."
            )
            % {"days": settings.PORTAL_REOPEN_DAYS},
        )
    return None


def check_status_move(
    incident: Incident, actor: User, status: str, reason: str, now: datetime.datetime
) -> None:
    """Refuse a status move the actor may not make, naming the field and the rule."""
    refusal = status_refusal(incident, actor, status, reason, now)
    if refusal is not None:
        raise refusal


def allowed_statuses(incident: Incident, actor: User, now: datetime.datetime) -> list[Status]:
    """The statuses the actor may move the incident to now (without a close reason), in
    the vocabulary's order: what the status buttons offer."""
    return [s for s in Status if status_refusal(incident, actor, s, "", now) is None]


def check_update_fields(actor: User, fields) -> None:
    """Customers only close or reopen; severity and assignment are the provider's."""
    if not actor.is_provider_staff and "stage" in fields:
        raise PermissionDenied(_("Only staff move a request to another stage."))
    if not actor.is_provider_staff and set(fields) - CUSTOMER_FIELDS:
        raise PermissionDenied(_("Customers can only close or reopen an incident."))


# -- filing ---------------------------------------------------------------------------------


def check_severity(severity) -> None:
    if severity not in Severity.values:
        raise ValidationError({"severity": [_("Severity must be 1, 2, 3 or 4.")]})


def kinds_for(actor: User) -> list[Kind]:
    """The kinds of incident the actor may file: health checks are booked, not filed, so
    only staff record one as an incident."""
    return [Kind(k) for k in Kind.values if actor.is_provider_staff or k != Kind.HEALTH_CHECK]


def check_kind(actor: User, kind: str) -> None:
    if kind not in Kind.values:
        raise ValidationError(
            {"kind": [_("Kind must be one of %(values)s.") % {"values": _list(Kind)}]}
        )
    if kind not in kinds_for(actor):
        raise PermissionDenied(
            _("Health checks are booked with your provider, not filed as incidents.")
        )


# -- clocks ---------------------------------------------------------------------------------


def halting_statuses(metric: str) -> frozenset[str]:
    """The statuses in which a clock of `metric` does not count time."""
    return RESOLUTION_HALTED if metric == Metric.RESOLUTION else FIRST_RESPONSE_HALTED


def stop_reason(metric: str, status: str | None = None) -> ClockStop:
    """Why a clock stops: by a qualified response (`status` None) or by the move to a done
    `status`. Only a first response answers the first-response clock and only resolving
    resolves; closing (or resolving) before that stops the clock without its event."""
    if status is None:
        return ClockStop.MEASURED if metric == Metric.FIRST_RESPONSE else ClockStop.CLOSED
    if status == Status.RESOLVED and metric == Metric.RESOLUTION:
        return ClockStop.MEASURED
    return ClockStop.CLOSED


def clock_met(clock: SlaClock) -> bool | None:
    """Whether a clock kept its promise. True: the event it measures stopped it at or
    before its deadline, and it never breached. False: it breached, or stopped after its
    deadline. None: it runs, or it was stopped without its event before its deadline
    ("stopped, not met": closed before a response), which is neither met nor breached."""
    if clock.stopped_at is None:
        return None
    if clock.breached_at is not None or (
        clock.due_at is not None and clock.stopped_at > clock.due_at
    ):
        return False
    if clock.stop_reason == ClockStop.MEASURED and clock.due_at is not None:
        return True
    return None


def met_condition() -> Q:
    """`clock_met` is True, in SQL, for counting stopped clocks that kept their promise."""
    return Q(
        stop_reason=ClockStop.MEASURED,
        breached_at__isnull=True,
        due_at__isnull=False,
        stopped_at__lte=F("due_at"),
    )


def missed_condition() -> Q:
    """`clock_met` is False, in SQL, for counting stopped clocks that broke their promise
    (stopped clocks not matching either condition were stopped, not met)."""
    return Q(stopped_at__isnull=False) & (
        Q(breached_at__isnull=False) | Q(stopped_at__gt=F("due_at"))
    )


def restarts_on_reopening(clock: SlaClock) -> bool:
    """Reopening runs the resolution clock again, and a first-response clock only when it
    was stopped before any response: its promise is still owed. A clock stopped because
    the severity lost its target stays stopped."""
    if clock.stop_reason == ClockStop.NO_TARGET:
        return False
    return clock.metric == Metric.RESOLUTION or clock.stop_reason == ClockStop.CLOSED


def _list(choices) -> str:
    return ", ".join(choices.values)
