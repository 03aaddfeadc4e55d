"""Changes on the desk: taking the next incident, bulk changes, absences, the rota and
working hours. Each checks its rules and writes in one transaction."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.models import BusinessCalendar
from incidents.models import Incident
from incidents.services import incident_assign, incident_update
from incidents.services.status import UNCHANGED
from portal.errors import ContractRuleError
from portal.models import User
from tam.desk import Queue, queue_condition, urgency_ordered
from tam.models import Absence, DutyShift, WorkingHours
from tam.rota import check_duty_role


def take_next(*, actor: User) -> Incident | None:
    """Assign the most urgent unassigned incident to the actor; None when there is none.
    Engineers clicking at once each get a different one (rows locked, SKIP LOCKED)."""
    if not actor.is_provider_staff:
        raise PermissionDenied(_("Only staff take incidents."))
    with transaction.atomic():
        unassigned = Incident.objects.filter(
            queue_condition(Queue.UNASSIGNED, actor, timezone.now())
        )
        pick = (
            urgency_ordered(unassigned)
            .select_for_update(skip_locked=True, of=("self",), no_key=True)
            .first()
        )
        if pick is None:
            return None
        return incident_assign(incident=pick, actor=actor, assignee=actor)


def bulk_update(
    *, actor: User, incidents: list[Incident], assignee=UNCHANGED, status=UNCHANGED
) -> int:
    """The same change on many incidents: all of them, or none (the first refusal names
    its incident and undoes the rest)."""
    if not actor.is_provider_staff:
        raise PermissionDenied(_("Only staff change incidents in bulk."))
    with transaction.atomic():
        for incident in incidents:
            try:
                incident_update(incident=incident, actor=actor, assignee=assignee, status=status)
            except ValidationError as exc:
                raise ValidationError(
                    _("%(number)s: %(problem)s")
                    % {"number": incident.number, "problem": " ".join(exc.messages)}
                ) from exc
            except ContractRuleError as exc:
                raise ContractRuleError(
                    exc.code,
                    _("%(number)s: %(problem)s")
                    % {"number": incident.number, "problem": exc.detail},
                ) from exc
    return len(incidents)


def _check_span(starts_at: datetime.datetime, ends_at: datetime.datetime) -> None:
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": [_("The end must be after the start.")]})


def _check_staff(staff: User) -> None:
    if not (staff.is_provider_staff and staff.is_active):
        raise ValidationError({"staff": [_("Choose an active provider staff member.")]})


def absence_save(
    *,
    actor: User,
    staff: User,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    reason: str,
    note: str = "",
    absence: Absence | None = None,
) -> Absence:
    """Record (or change) an absence: provider admins for anyone, staff for themselves."""
    if absence is not None and not (actor.is_provider_admin or actor.pk == absence.staff_id):
        raise PermissionDenied(_("Only a provider admin changes someone else's absence."))
    if not (actor.is_provider_admin or actor.pk == staff.pk):
        raise PermissionDenied(_("Only a provider admin records someone else's absence."))
    _check_staff(staff)
    _check_span(starts_at, ends_at)
    absence = absence or Absence(created_by=actor)
    absence.staff, absence.starts_at, absence.ends_at = staff, starts_at, ends_at
    absence.reason, absence.note = reason, note
    absence.save()
    return absence


def absence_delete(*, actor: User, absence: Absence) -> None:
    """Withdraw an absence: provider admins anyone's, staff their own."""
    if not (actor.is_provider_admin or actor.pk == absence.staff_id):
        raise PermissionDenied(_("Only a provider admin withdraws someone else's absence."))
    absence.delete()


def shift_save(
    *,
    actor: User,
    staff: User,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    shift: DutyShift | None = None,
) -> DutyShift:
    """Put someone on the rota (provider admins): a duty manager or a provider admin."""
    if not actor.is_provider_admin:
        raise PermissionDenied(_("Only a provider admin edits the rota."))
    _check_staff(staff)
    check_duty_role(staff)
    _check_span(starts_at, ends_at)
    shift = shift or DutyShift()
    shift.staff, shift.starts_at, shift.ends_at = staff, starts_at, ends_at
    shift.save()
    return shift


def shift_delete(*, actor: User, shift: DutyShift) -> None:
    """Take a shift off the rota (provider admins)."""
    if not actor.is_provider_admin:
        raise PermissionDenied(_("Only a provider admin edits the rota."))
    shift.delete()


def staff_update(*, actor: User, staff: User, **changes) -> User:
    """Change a staff member (provider admins): their name and working hours together."""
    if not actor.is_provider_admin:
        raise PermissionDenied(_("Only a provider admin changes a staff member."))
    with transaction.atomic():
        if "calendar" in changes:
            working_hours_set(staff=staff, calendar=changes["calendar"])
        if "full_name" in changes:
            staff.full_name = changes["full_name"]
            staff.save(update_fields=["full_name"])
    return staff


def working_hours_set(*, staff: User, calendar: BusinessCalendar | None) -> None:
    """A staff member's working hours: a business calendar, or none (any hour)."""
    _check_staff(staff)
    if calendar is None:
        WorkingHours.objects.filter(staff=staff).delete()
    else:
        WorkingHours.objects.update_or_create(staff=staff, defaults={"calendar": calendar})
