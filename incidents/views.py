"""Incident pages: list, filing, detail, replies, status and files."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from incidents import files, rules, selectors, services
from incidents.acknowledgement import priority_line_for
from incidents.filters import IncidentFilter, StaffIncidentFilter
from incidents.forms import (
    IncidentForm,
    ListOrderForm,
    ReplyForm,
    StaffUpdateForm,
    StatusForm,
    UploadForm,
)
from incidents.models import CloseReason, Kind, SampleVerdict, Status
from incidents.patch_views import patch_context
from incidents.rules import REPLY_MAX
from incidents.sample_views import release_choices
from incidents.services.patches import filing_notice
from incidents.stage_views import stage_context
from portal.access import organization_of
from portal.errors import ContractRuleError
from portal.filters import query_errors
from portal.rules import organization_zone
from portal.timezones import viewer_zone
from portal.uploads import accepts_uploads


def _add_errors(form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
def incident_list(request):
    user = request.user
    filter_class = StaffIncidentFilter if user.is_provider_staff else IncidentFilter
    incidents = selectors.incidents_for_user(user)
    filters = filter_class(request.GET, queryset=incidents)
    errors = {} if filters.is_valid() else filters.errors
    if errors:  # the page still lists, without the values it could not read (a 400)
        valid = request.GET.copy()
        for name in errors:
            valid.pop(name, None)
        filters = filter_class(valid, queryset=incidents)
    queryset = filters.qs
    order = ListOrderForm(request.GET)
    errors.update(query_errors(order))
    sort = order.cleaned_data.get("sort") or "newest"
    if order.cleaned_data.get("mine") and user.is_provider_staff:
        queryset = selectors.filter_incidents(queryset, assignee=user)
    cursors = {}
    for name in ("cursor", "before"):
        cursors[name] = request.GET.get(name, "")
        if cursors[name] and selectors.decode_list_cursor(cursors[name], sort) is None:
            errors[name] = [_("This cursor is not one of this list's; the first page is shown.")]
            cursors = {"cursor": "", "before": ""}
            break
    page = selectors.incident_page(queryset, sort=sort, **cursors)
    params = {name: filters.data.get(name, "") for name in filters.filters}
    # The page links keep the order and the filters in force (the ones it could read).
    kept = {name: value for name, value in params.items() if value and name not in errors}
    kept["sort"] = page.sort
    if order.cleaned_data.get("mine") and user.is_provider_staff:
        kept["mine"] = "1"
    rows = [(incident, selectors.sla_states(incident)) for incident in page.rows]
    context = {
        "rows": rows,
        "page": page,
        "filters": params,
        "query_errors": errors,
        "next_url": f"?{urlencode({**kept, 'cursor': page.next_cursor})}"
        if page.next_cursor
        else "",
        "previous_url": f"?{urlencode({**kept, 'before': page.previous_cursor})}"
        if page.previous_cursor
        else "",
        # The live refresh reloads the page being read, cursor included.
        "live_query": request.GET.urlencode(),
        # Customers read times in their organisation's zone, staff in their own.
        "zone": viewer_zone(user),
        "statuses": Status.choices,
        "kinds": Kind.choices,
    }
    template = "incidents/_live_rows.html" if request.htmx else "incidents/incident_list.html"
    return render(request, template, context, status=400 if errors else 200)


@login_required
@accepts_uploads
def incident_new(request):
    user = request.user
    staff = user.is_provider_staff
    if not staff and organization_of(user) is None:
        raise PermissionDenied(_("Only an organisation's contacts file its incidents."))
    # Staff choose the organisation first (on the form; choosing it reloads this page's
    # customer fields): its contracts and contacts are the ones offered.
    chosen = (request.POST or request.GET).get("organization") if staff else None
    organization = selectors.filing_organization(user, chosen)
    contracts = selectors.filing_contracts(user, organization.pk if organization else None)
    form = IncidentForm(
        request.POST or None,
        request.FILES or None,
        contracts=contracts,
        actor=user,
        organization=organization,
        initial={"organization": organization.pk} if organization else None,
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
                premium=data.get("premium"),
                organization=data.get("organization") if staff else None,
                channel=data.get("channel"),
                received_at=data.get("received_at"),
                caller=data.get("caller"),
                caller_name=data.get("caller_name", ""),
                # A signature change's file is the one judged wrongly: kept as a sample.
                uploads=[(upload, data.get("sample", False) or bool(form.signature))]
                if upload
                else [],
                signature=form.signature,
                product_version=data.get("product_version"),
            )
        except ContractRuleError as exc:
            refusal = exc
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Incident %(number)s filed.") % {"number": incident.number})
            notice = priority_line_for(incident)  # filed out of hours: phone too
            if notice is not None:
                messages.warning(request, notice.text)
            if limited := filing_notice(incident):  # a version in limited support
                messages.warning(request, limited)
            return redirect("incident_detail", incident_id=incident.pk)
    if not form.is_bound:
        form.initial.update(selectors.filing_initial(contracts, staff=staff))
    values = {
        name: form[name].value() if name in form.fields else None
        for name in ("contract", "premium", "severity", "organization", "received_at")
    }
    hint = selectors.filing_hint(user, contracts, values)
    if staff and contracts:
        form.cover(contracts, user)  # the chosen organisation's kinds and products
    if hint.premium is not None and hint.premium.left == 0:
        form.premium_used_up()
    status = 409 if refusal else (400 if request.method == "POST" else 200)
    context = {"form": form, "refusal": refusal, "hint": hint}
    return render(request, "incidents/incident_new.html", context, status=status)


@login_required
def incident_promise(request):
    """The live hint on the filing form as the severity, contract or premium change."""
    user = request.user
    contracts = selectors.filing_contracts(user, request.GET.get("organization"))
    return render(
        request,
        "incidents/_promise.html",
        {"hint": selectors.filing_hint(user, contracts, request.GET)},
    )


def _detail_context(request, incident, reply_form=None, upload_form=None):
    user = request.user
    return {
        "incident": incident,
        "entries": selectors.entries_for_user(user, incident),
        "events": selectors.events_for_user(user, incident),
        # Every file the user may see, those sent with a reply or a note too.
        "attachments": selectors.attachments_for_user(user, incident)
        .select_related("entry")
        .order_by("id"),
        "sla": selectors.sla_states(incident),
        "reply_form": reply_form or ReplyForm(),
        "upload_form": upload_form or UploadForm(),
        "staff_form": StaffUpdateForm(
            initial={"severity": incident.severity, "assignee": incident.assignee_id}
        )
        if user.is_provider_staff
        else None,
        "status_choices": _status_choices(user, incident),
        "close_reasons": [(value, label) for value, label in CloseReason.choices if value],
        "zone": viewer_zone(user),
        "customer_zone": organization_zone(incident.organization),
        **stage_context(user, incident),
        "release_choices": release_choices(incident) if user.is_provider_staff else None,
        **patch_context(user, incident),
        "verdicts": SampleVerdict.choices,
    }


def _status_choices(user, incident) -> list[tuple[str, str, bool]]:
    """The status buttons, (value, label, closes): the moves the rules allow this user now."""
    allowed = rules.allowed_statuses(incident, user, timezone.now())
    return [
        (
            s,
            _("Reopen") if s == Status.OPEN and not incident.is_open else s.label,
            s == Status.CLOSED,
        )
        for s in allowed
    ]


@login_required
def incident_detail(request, incident_id: int):
    incident = selectors.incident_for_user(request.user, incident_id)
    reply_form = _reply_draft(request, incident)
    return render(
        request,
        "incidents/incident_detail.html",
        _detail_context(request, incident, reply_form=reply_form),
    )


@login_required
@accepts_uploads
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
        except ContractRuleError as exc:
            form.add_error(None, exc.detail)
        else:
            if entry.internal:
                messages.success(request, _("Internal note added (staff only)."))
            elif entry.qualified_response:
                messages.success(request, _("Reply sent; it counts as the first response."))
            else:
                messages.success(request, _("Reply sent."))
            return redirect("incident_detail", incident_id=incident.pk)
    # Redirect after the POST even so (a reload must not send the reply again): the typed
    # text and the errors wait in the session for the page to show them once.
    _keep_reply_draft(request, incident, form)
    return redirect(reverse("incident_detail", args=[incident.pk]) + "#reply")


def _draft_key(incident) -> str:
    return f"reply-draft-{incident.pk}"


def _keep_reply_draft(request, incident, form: ReplyForm) -> None:
    data = {name: form.data.get(name, "") for name in ("body", "internal", "qualified")}
    data["body"] = data["body"][: REPLY_MAX + 1000]  # enough to show what was too long
    if form.files.get("file"):
        form.add_error("file", _("Attach the file again: files are not kept after an error."))
    errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
    incident.refresh_from_db(fields=["status"])
    if not incident.accepts_replies:  # the page shows no reply form: say it at the top
        messages.error(request, " ".join(e for errs in errors.values() for e in errs))
        return
    request.session[_draft_key(incident)] = {"data": data, "errors": errors}


def _reply_draft(request, incident) -> ReplyForm | None:
    """The reply a failed POST left (shown once, with its errors), or None."""
    if request.htmx:  # the live SLA refresh: the page itself shows the draft
        return None
    draft = request.session.pop(_draft_key(incident), None)
    if not draft:
        return None
    form = ReplyForm(draft["data"])
    form.is_valid()
    for name, errors in draft["errors"].items():
        field = name if name in form.fields else None
        known = form.errors.get(name or "__all__", [])
        for error in errors:
            if error not in known:
                form.add_error(field, error)
    return form


@login_required
@require_POST
def incident_status(request, incident_id: int):
    incident = selectors.incident_for_user(request.user, incident_id)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid status."))
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
        messages.success(request, _("Status is now %(status)s.") % {"status": label.lower()})
    return redirect("incident_detail", incident_id=incident.pk)


@login_required
@require_POST
def incident_update(request, incident_id: int):
    """The staff triage form: severity and assignee, both or neither."""
    incident = selectors.incident_for_user(request.user, incident_id)
    rules.check_update_fields(request.user, StaffUpdateForm.base_fields)
    form = StaffUpdateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid severity and assignee."))
        return redirect("incident_detail", incident_id=incident.pk)
    severity, assignee = form.cleaned_data["severity"], form.cleaned_data["assignee"]
    changes = []
    if severity != incident.severity:
        changes.append(
            _("severity %(old)s → %(new)s") % {"old": incident.severity, "new": severity}
        )
    if (assignee.pk if assignee else None) != incident.assignee_id:
        changes.append(
            _("assigned to %(person)s") % {"person": assignee} if assignee else _("unassigned")
        )
    try:
        services.incident_update(
            incident=incident, actor=request.user, severity=severity, assignee=assignee
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if changes:
            messages.success(request, _("Saved: %(changes)s.") % {"changes": ", ".join(changes)})
        else:
            messages.info(request, _("Nothing changed."))
    return redirect("incident_detail", incident_id=incident.pk)


@login_required
@accepts_uploads
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
        except ContractRuleError as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(request, _("File added."))
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect("incident_detail", incident_id=incident.pk)


@login_required
def attachment_download(request, incident_id: int, attachment_id: int):
    incident = selectors.incident_for_user(request.user, incident_id)
    attachment = selectors.attachment_for_user(request.user, incident, attachment_id)
    files.check_download(request.user, attachment)
    return files.download_response(attachment)
