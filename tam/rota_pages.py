"""The duty rota's page: a week of shifts in the reader's zone, who is on duty now and the
gaps of the coming 14 days. Provider admins add and remove shifts there."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.access import require_provider_admin
from portal.filters import query_errors, query_status
from tam import selectors, services
from tam.availability import zone_of
from tam.forms import ShiftForm, WeekForm
from tam.models import DutyShift
from tam.pages import add_errors, staff_page
from tam.rota import GAP_HORIZON


def _rota_page(request, *, form: ShiftForm | None = None, status: int = 200):
    user = request.user
    now = timezone.now()
    zone = zone_of(user)
    asked = WeekForm(request.GET)
    errors = query_errors(asked)
    day = asked.cleaned_data.get("week") or now.astimezone(zone).date()
    week = selectors.rota_week(selectors.week_start(day), zone, now)
    if status == 200:
        status = query_status(errors)
    context = {
        "week": week,
        "zone": zone,
        "query_errors": errors,
        "gap_days": GAP_HORIZON.days,
        "now": now,
    }
    if user.is_provider_admin:
        duty = list(selectors.duty_candidates())
        form = form or ShiftForm(people=duty, zone=zone)
        form.offer("staff", duty)
        context["form"] = form
    return render(request, "tam/rota.html", context, status=status)


def _week_url(day: datetime.date) -> str:
    monday = selectors.week_start(day)
    return f"{reverse('rota')}?week={monday.isoformat()}"


@staff_page
def rota(request):
    return _rota_page(request)


@staff_page
@require_POST
def shift_add(request):
    """Put someone on the rota (provider admins; other staff get 403)."""
    require_provider_admin(request.user)
    zone = zone_of(request.user)
    form = ShiftForm(request.POST, people=list(selectors.active_staff()), zone=zone)
    if form.is_valid():
        data = form.cleaned_data
        try:
            shift = services.shift_save(
                actor=request.user,
                staff=form.person("staff"),
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("%(person)s is on the rota.") % {"person": shift.staff})
            return redirect(_week_url(shift.starts_at.astimezone(zone).date()))
    return _rota_page(request, form=form, status=400)


@staff_page
@require_POST
def shift_delete(request, shift_id: int):
    try:
        shift = DutyShift.objects.select_related("staff").get(pk=shift_id)
    except (DutyShift.DoesNotExist, ValueError):
        raise Http404("No such shift.") from None
    services.shift_delete(actor=request.user, shift=shift)
    messages.success(request, _("The shift of %(person)s is removed.") % {"person": shift.staff})
    return redirect(_week_url(shift.starts_at.astimezone(zone_of(request.user)).date()))
