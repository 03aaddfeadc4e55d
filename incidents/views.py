"""Incident pages: list, filing, detail, replies, status and files."""

import datetime
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_POST

from contracts.models import Contract
from incidents import files, selectors, services
from incidents.forms import IncidentForm, ReplyForm, StaffUpdateForm, StatusForm, UploadForm
from incidents.models import Kind, Status
from portal.access import organization_of
from portal.errors import ContractRuleError


def _add_errors(form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
def incident_list(request):
    user = request.user
    params = {k: request.GET.get(k, "").strip() for k in ("status", "severity", "kind", "q")}
    if user.is_provider_staff:
        params["organization"] = request.GET.get("organization", "").strip()
    if request.GET.get("mine") and user.is_provider_staff:
        params["assignee"] = user
    for number in ("severity", "organization"):
        if params.get(number) and not params[number].isdigit():
            params[number] = ""  # a hand-edited URL filters on nothing, not a server error
    queryset = selectors.filter_incidents(selectors.incidents_for_user(user), **params)
    page = selectors.incident_page(
        queryset, sort=request.GET.get("sort", "newest"), cursor=request.GET.get("cursor", "")
    )
    query = request.GET.copy()
    query.pop("cursor", None)
    rows = [(incident, selectors.sla_states(incident)) for incident in page.rows]
    organization = None if user.is_provider_staff else organization_of(user)
    context = {
        "rows": rows,
        "page": page,
        "filters": params,
        "query": query.urlencode(),
        # The live refresh reloads the page being read, cursor included.
        "live_query": request.GET.urlencode(),
        # Customers read times in their own zone; staff lists span zones and read UTC.
        "zone": ZoneInfo(organization.timezone) if organization else ZoneInfo("UTC"),
        "statuses": Status.choices,
        "kinds": Kind.choices,
    }
    template = "incidents/_live_rows.html" if request.htmx else "incidents/incident_list.html"
    return render(request, template, context)


def _customer_contracts(user):
    organization = organization_of(user)
    if organization is None:
        return None, []
    return organization, _active_contracts(organization.pk)


@login_required
def incident_new(request):
    user = request.user
    staff = user.is_provider_staff
    organization, contracts = (None, []) if staff else _customer_contracts(user)
    if not staff and organization is None:
        raise PermissionDenied("Only an organisation's contacts file its incidents.")
    form = IncidentForm(
        request.POST or None, request.FILES or None, contracts=contracts, staff=staff
    )
    refusal = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data.get("file")
        try:
            incident = services.incident_file(
                actor=user,
                title=data["title"],
                description=data["description"],
                severity=data["severity"],
                kind=data["kind"],
                product=data.get("product"),
                contract=data.get("contract"),
                premium=data.get("premium") if data.get("premium") is not None else None,
                organization=data.get("organization") if staff else None,
                channel=data.get("channel"),
                received_at=data.get("received_at"),
                uploads=[(upload, data.get("sample", False))] if upload else [],
            )
        except ContractRuleError as exc:
            refusal = exc
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"Incident {incident.number} filed.")
            return redirect("incident_detail", incident_id=incident.pk)
    if staff:
        contracts = _active_contracts(form["organization"].value())
    only = contracts[0] if len(contracts) == 1 else None
    if not form.is_bound and only and services.premium_left(only) == 0:
        form.initial["premium"] = "0"  # no premium units left: offer what can be filed
    values = {
        name: form[name].value() if name in form.fields else None
        for name in ("contract", "premium", "severity", "organization", "received_at")
    }
    status = 409 if refusal else (400 if request.method == "POST" else 200)
    context = {"form": form, "refusal": refusal, **_hint(user, contracts, values)}
    return render(request, "incidents/incident_new.html", context, status=status)


def _active_contracts(organization_id) -> list[Contract]:
    """An organisation's contracts active today, by its local date (none for a bad id)."""
    if not organization_id or not str(organization_id).isdigit():
        return []
    contracts = list(
        Contract.objects.filter(organization_id=organization_id).select_related(
            "tier", "calendar", "organization"
        )
    )
    if not contracts:
        return []
    today = timezone.localdate(timezone=ZoneInfo(contracts[0].organization.timezone))
    return [c for c in contracts if c.is_active_on(today)]


def _received_at(value) -> datetime.datetime | None:
    """Staff's "received at" as typed (UTC, as the form says); None when empty or invalid."""
    if isinstance(value, datetime.datetime):
        parsed = value
    else:
        parsed = parse_datetime(str(value or "").strip().replace("T", " "))
    if parsed is None:
        return None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, datetime.UTC)
    return parsed if parsed <= timezone.now() else None


def _hint(user, contracts: list[Contract], values: dict) -> dict:
    """What the filing form shows beside the severity: the promised first response and,
    on a tier with a premium quota, the units left this contract year."""
    chosen = str(values.get("contract") or "")
    contract = next((c for c in contracts if str(c.pk) == chosen), None) or (
        contracts[0] if len(contracts) == 1 else None
    )
    staff = user.is_provider_staff
    received_at = _received_at(values.get("received_at")) if staff else None
    premium = values.get("premium") != "0"  # premium unless standard was chosen
    return {
        "contract": contract,
        "offers_premium": staff
        or any(c.tier.premium_incident_quota is not None for c in contracts),
        "premium_left": services.premium_left(contract) if contract else None,
        "promise": _promise(user, contract, values.get("severity") or 3, premium, received_at),
    }


def _promise(user, contract, severity, premium, received_at=None) -> str:
    try:
        severity = int(severity)
    except (TypeError, ValueError):
        severity = 3
    if contract is None:
        return "Choose the contract to see the promised response."
    if severity not in (1, 2, 3, 4):
        return ""
    plan = services.promised_first_response(contract, severity, premium, received_at)
    if plan is None:
        if contract.tier.premium_incident_quota is not None and not premium:
            return "Standard incidents have no response target on this tier."
        return "No response target on this tier for this severity."
    zone = ZoneInfo(contract.organization.timezone)
    local = plan.due_at.astimezone(zone)
    whose = "their" if user.is_provider_staff else "your"
    late = " (already passed)" if plan.due_at <= timezone.now() else ""
    return f"First response due by {local:%a %-d %b, %H:%M}, {whose} time ({zone.key}){late}."


@login_required
def incident_promise(request):
    """The live hint on the filing form as the severity, contract or premium change."""
    user = request.user
    if user.is_provider_staff:
        contracts = _active_contracts(request.GET.get("organization"))
    else:
        _, contracts = _customer_contracts(user)
    return render(request, "incidents/_promise.html", _hint(user, contracts, request.GET))


def _detail_context(request, incident, reply_form=None, upload_form=None):
    user = request.user
    return {
        "incident": incident,
        "entries": selectors.entries_for_user(user, incident),
        "events": selectors.events_for_user(user, incident),
        "attachments": selectors.attachments_for_user(user, incident).filter(entry__isnull=True),
        "sla": selectors.sla_states(incident),
        "reply_form": reply_form or ReplyForm(),
        "upload_form": upload_form or UploadForm(),
        "staff_form": StaffUpdateForm(
            initial={"severity": incident.severity, "assignee": incident.assignee_id}
        )
        if user.is_provider_staff
        else None,
        "status_choices": _status_choices(user, incident),
        "zone": ZoneInfo(incident.organization.timezone),
    }


def _status_choices(user, incident) -> list[tuple[str, str]]:
    allowed = services.TRANSITIONS[incident.status]
    if not user.is_provider_staff:
        # Customers close, and reopen only within the reopening window after a resolution.
        allowed = allowed & {Status.CLOSED}
        if services.customer_may_reopen(incident, timezone.now()):
            allowed = allowed | {Status.OPEN}
    labels = dict(Status.choices)
    labels[Status.OPEN] = "Reopen" if not incident.is_open else labels[Status.OPEN]
    return [(s, labels[s]) for s in Status.values if s in allowed]


@login_required
def incident_detail(request, incident_id: int):
    incident = selectors.incident_for_user(request.user, incident_id)
    return render(request, "incidents/incident_detail.html", _detail_context(request, incident))


@login_required
@require_POST
def incident_reply(request, incident_id: int):
    incident = selectors.incident_for_user(request.user, incident_id)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        staff = request.user.is_provider_staff
        upload = data.get("file")
        try:
            entry = services.incident_reply(
                incident=incident,
                author=request.user,
                body=data["body"],
                internal=data["internal"] if staff else False,
                qualified=data["qualified"] if staff else None,
                uploads=[(upload, data["sample"])] if upload else [],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            if entry.kind == "note":
                messages.success(request, "Internal note added (staff only).")
            elif entry.qualified_response:
                messages.success(request, "Reply sent; it counts as the first response.")
            else:
                messages.success(request, "Reply sent.")
            return redirect("incident_detail", incident_id=incident.pk)
    incident = selectors.incident_for_user(request.user, incident_id)
    return render(
        request,
        "incidents/incident_detail.html",
        _detail_context(request, incident, reply_form=form),
        status=400,
    )


@login_required
@require_POST
def incident_status(request, incident_id: int):
    incident = selectors.incident_for_user(request.user, incident_id)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a valid status.")
        return redirect("incident_detail", incident_id=incident.pk)
    try:
        services.incident_change_status(
            incident=incident,
            actor=request.user,
            status=form.cleaned_data["status"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except ContractRuleError as exc:
        messages.error(request, exc.detail)
    else:
        label = Status(form.cleaned_data["status"]).label
        messages.success(request, f"Status is now {label.lower()}.")
    return redirect("incident_detail", incident_id=incident.pk)


@login_required
@require_POST
def incident_update(request, incident_id: int):
    incident = selectors.incident_for_user(request.user, incident_id)
    if not request.user.is_provider_staff:
        raise PermissionDenied("Only staff change severity or assignee.")
    form = StaffUpdateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a valid severity and assignee.")
        return redirect("incident_detail", incident_id=incident.pk)
    severity, assignee = form.cleaned_data["severity"], form.cleaned_data["assignee"]
    changes = []
    if severity != incident.severity:
        changes.append(f"severity {incident.severity} → {severity}")
    if (assignee.pk if assignee else None) != incident.assignee_id:
        changes.append(f"assigned to {assignee}" if assignee else "unassigned")
    try:
        with transaction.atomic():  # both changes or neither
            services.incident_change_severity(
                incident=incident, actor=request.user, severity=severity
            )
            services.incident_assign(incident=incident, actor=request.user, assignee=assignee)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if changes:
            messages.success(request, "Saved: " + ", ".join(changes) + ".")
        else:
            messages.info(request, "Nothing changed.")
    return redirect("incident_detail", incident_id=incident.pk)


@login_required
@require_POST
def attachment_upload(request, incident_id: int):
    incident = selectors.incident_for_user(request.user, incident_id)
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.attachment_add(
                incident=incident,
                actor=request.user,
                upload=form.cleaned_data["file"],
                sample=form.cleaned_data["sample"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "File added.")
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect("incident_detail", incident_id=incident.pk)


def download_response(attachment) -> FileResponse:
    path = files.stored_path(attachment.stored_name)
    if not path.exists():
        raise Http404("The file is missing from storage.")
    name = attachment.original_name + (".zip" if attachment.sample else "")
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=name,
        content_type="application/zip" if attachment.sample else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def check_download(user, attachment) -> None:
    if attachment.sample and not user.is_provider_staff:
        raise PermissionDenied("Malware samples are downloaded by the provider's staff only.")


@login_required
def attachment_download(request, incident_id: int, attachment_id: int):
    incident = selectors.incident_for_user(request.user, incident_id)
    attachment = selectors.attachment_for_user(request.user, incident, attachment_id)
    check_download(request.user, attachment)
    return download_response(attachment)
