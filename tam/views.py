"""The desk: a staff member's queues, the live fragment that refreshes them, take-next and
bulk changes. Staff only: anyone else finds nothing here (404), whatever the method."""

import functools

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from contracts.models import Severity
from incidents.models import Kind, Status
from incidents.selectors import incidents_for_user
from portal.access import staff_only
from portal.errors import ContractRuleError
from portal.filters import query_errors
from tam import dashboard, services
from tam.availability import zone_of
from tam.desk_forms import OPEN_STATUSES, BulkForm, DeskFilterForm


def staff_page(view):
    """Signed in (else the login page), then staff (else 404) before anything else."""

    @functools.wraps(view)
    def staff(request, *args, **kwargs):
        staff_only(request.user)
        return view(request, *args, **kwargs)

    signed_in = login_required(staff)

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.htmx and not request.user.is_authenticated:
            # A live refresh after the session ended: the whole page goes to log in again,
            # instead of the login form landing inside the rows.
            back = request.htmx.current_url_abs_path or reverse("desk")
            return HttpResponseClientRedirect(redirect_to_login(back).url)
        return signed_in(request, *args, **kwargs)

    return wrapped


def _query(**values) -> QueryDict:
    query = QueryDict(mutable=True)
    for name, value in values.items():
        if value not in (None, ""):
            query[name] = str(value)
    return query


def _desk_context(request, *, live: bool) -> dict:
    user = request.user
    form = DeskFilterForm(request.GET)
    filters = form.filters()
    cursor = form.cleaned_data.get("cursor", "")
    asked = form.cleaned_data.get("queue", "")
    page = dashboard.desk_page(
        user, queue=asked, filters=filters, cursor=cursor, now=timezone.now()
    )
    # The queue tabs keep the filters; the page, its "more" link and the refresh keep both.
    filter_query = _query(**filters)
    page_query = _query(queue=page.queue, **filters)
    live_query = _query(queue=page.queue, **filters, cursor=cursor)
    context = {
        "page": page,
        "filters": filters,
        "filter_query": filter_query.urlencode(),
        "page_query": page_query.urlencode(),
        "live_query": live_query.urlencode(),
        "zone": zone_of(user),
        "poll_ms": int(settings.DESK_POLL_SECONDS * 1000),
        "query_errors": query_errors(form),
        "http_status": 400 if form.errors else 200,
        "seen": form.cleaned_data.get("seen", ""),
    }
    if live:
        return context
    return {
        **context,
        "form": form,
        "unknown_queue": asked if asked and asked != page.queue else "",
        "choices": dashboard.filter_choices(),
        "words": dashboard.countdown_words(),
        "severities": Severity.choices,
        "kinds": Kind.choices,
        "statuses": OPEN_STATUSES,
        "bulk_statuses": Status.choices,
        "nobody": BulkForm.NOBODY,
    }


@staff_page
def desk(request):
    context = _desk_context(request, live=False)
    return render(request, "tam/desk.html", context, status=context["http_status"])


@staff_page
def desk_live(request):
    """The queues' counts and the rows of the page being read; 204 when the browser
    already shows exactly this (nothing to swap)."""
    context = _desk_context(request, live=True)
    if context["http_status"] == 200 and context["seen"] == context["page"].digest:
        return HttpResponse(status=204)
    return render(request, "tam/_desk_live.html", context, status=context["http_status"])


def _back(query: str):
    """Back to the desk page the form was sent from (only its query string is kept)."""
    query = QueryDict(query[:2000]).urlencode()
    return redirect(f"{reverse('desk')}?{query}" if query else reverse("desk"))


@staff_page
@require_POST
def desk_take_next(request):
    incident = services.take_next(actor=request.user)
    if incident is None:
        messages.info(request, _("Nothing unassigned."))
        return _back(request.POST.get("query", ""))
    messages.success(request, _("You took %(number)s.") % {"number": incident.number})
    return redirect("incident_detail", incident_id=incident.pk)


@staff_page
@require_POST
def desk_bulk(request):
    """The same assignee or status for every chosen row: all of them or none."""
    form = BulkForm(request.POST, incidents=incidents_for_user(request.user))
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
        return _back(request.POST.get("query", ""))
    chosen = form.chosen()
    try:
        changed = services.bulk_update(
            actor=request.user,
            incidents=chosen,
            assignee=form.cleaned_data["assignee"],
            status=form.cleaned_data["status"],
        )
    except ValidationError as exc:
        messages.error(request, _("Nothing changed. %(why)s") % {"why": " ".join(exc.messages)})
    except ContractRuleError as exc:
        messages.error(request, _("Nothing changed. %(why)s") % {"why": exc.detail})
    else:
        done = ngettext(
            "%(count)s incident changed: %(numbers)s.",
            "%(count)s incidents changed: %(numbers)s.",
            changed,
        )
        messages.success(
            request, done % {"count": changed, "numbers": ", ".join(i.number for i in chosen)}
        )
    return _back(form.cleaned_data["query"])
