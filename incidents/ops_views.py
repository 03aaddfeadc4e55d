"""Provider-admin pages about the SLA machinery: health and the outbox."""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from incidents.models import OutboxStatus
from incidents.outbox import outbox_retry_failed
from incidents.selectors import (
    EVERY_STATUS,
    UNSENT,
    at_risk_next_hour,
    outbox_messages,
    sla_health,
)
from portal.access import require_provider_admin
from portal.filters import page_field, query_errors, query_status
from tam.availability import zone_of
from tam.rota import GAP_HORIZON, gaps
from tam.selectors import unrouted_count

PAGE_SIZE = 50


class OutboxFilterForm(forms.Form):
    """The outbox page's query: which messages (unsent by default) and the page."""

    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(UNSENT, _("Unsent")), *OutboxStatus.choices, (EVERY_STATUS, _("All"))],
        required=False,
    )
    page = page_field()


@login_required
def health(request):
    require_provider_admin(request.user)
    now = timezone.now()
    context = {
        "health": sla_health(now),
        # Which incidents those counts are: each a link, its deadline in the viewer's zone.
        "at_risk": at_risk_next_hour(now),
        "now": now,
        # Routing's side of health: where the rota has nobody, and what that left unassigned.
        "gaps": gaps(now),
        "gap_days": GAP_HORIZON.days,
        "unrouted": unrouted_count(),
        "zone": zone_of(request.user),
    }
    return render(request, "incidents/health.html", context)


@login_required
def outbox(request):
    require_provider_admin(request.user)
    form = OutboxFilterForm(request.GET)
    errors = query_errors(form)
    status = form.cleaned_data.get("status") or UNSENT
    page = Paginator(outbox_messages(status), PAGE_SIZE).get_page(form.cleaned_data.get("page"))
    return render(
        request,
        "incidents/outbox.html",
        {
            "page": page,
            "status": status,
            "statuses": OutboxFilterForm.base_fields["status"].choices,
            "page_query": urlencode({"status": status}),
            "query_errors": errors,
            "zone": zone_of(request.user),  # queued and sent times in the viewer's zone
        },
        status=query_status(errors),
    )


@login_required
@require_POST
def outbox_retry(request):
    """Give up-on messages another round (after fixing the mail server, say)."""
    require_provider_admin(request.user)
    count = outbox_retry_failed()
    messages.success(
        request,
        ngettext(
            "%(count)s failed message will be sent again.",
            "%(count)s failed messages will be sent again.",
            count,
        )
        % {"count": count},
    )
    return redirect("outbox")
