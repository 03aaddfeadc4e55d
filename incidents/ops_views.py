"""Provider-admin pages about the SLA machinery: health and the outbox."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from incidents.models import Notification, OutboxStatus
from incidents.selectors import sla_health
from portal.access import require_provider_admin

PAGE_SIZE = 50


@login_required
def health(request):
    require_provider_admin(request.user)
    now = timezone.now()
    report = sla_health(now)
    stale = report.last_sweep is None or (now - report.last_sweep).total_seconds() > 120
    return render(request, "incidents/health.html", {"health": report, "stale": stale, "now": now})


@login_required
def outbox(request):
    require_provider_admin(request.user)
    status = request.GET.get("status", "unsent")
    rows = Notification.objects.select_related("incident").order_by("-created_at", "-id")
    if status == "unsent":
        rows = rows.exclude(status=OutboxStatus.SENT)
    elif status in OutboxStatus.values:
        rows = rows.filter(status=status)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "incidents/outbox.html",
        {
            "page": page,
            "status": status,
            "statuses": OutboxStatus.choices,
            "page_query": urlencode({"status": status}),
        },
    )


@login_required
@require_POST
def outbox_retry(request):
    """Give up-on messages another round (after fixing the mail server, say)."""
    require_provider_admin(request.user)
    count = Notification.objects.filter(status=OutboxStatus.FAILED).update(
        status=OutboxStatus.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
    from incidents.notifications import enqueue_sending

    enqueue_sending()
    messages.success(request, f"{count} failed messages will be sent again.")
    return redirect("outbox")
