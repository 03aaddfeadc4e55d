"""Provider-admin pages about the SLA machinery: health and the outbox."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from incidents.models import OutboxStatus
from incidents.outbox import outbox_retry_failed
from incidents.selectors import UNSENT, outbox_messages, sla_health
from portal.access import require_provider_admin
from tam.availability import zone_of
from tam.rota import GAP_HORIZON, gaps
from tam.selectors import unrouted_count

PAGE_SIZE = 50


@login_required
def health(request):
    require_provider_admin(request.user)
    now = timezone.now()
    context = {
        "health": sla_health(now),
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
    status = request.GET.get("status", UNSENT)
    page = Paginator(outbox_messages(status), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "incidents/outbox.html",
        {
            "page": page,
            "status": status,
            "unsent": UNSENT,
            "statuses": OutboxStatus.choices,
            "page_query": urlencode({"status": status}),
        },
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
