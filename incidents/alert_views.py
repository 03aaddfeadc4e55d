"""Malware alert pages: the list and an alert (customers: those addressed to their
organisation, read or not; staff: every alert with who it went to), the staff's form and
publish button, marking one read, and an organisation's new feed key."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from incidents.alert_forms import AlertForm
from incidents.alerts import body_html, is_published
from incidents.selectors.alerts import alert_for_user, alerts_for_user
from incidents.services import alerts as services
from portal.access import organization_for_user, staff_only
from portal.errors import ContractRuleError
from portal.filters import PageForm, query_errors, query_status
from portal.timezones import viewer_zone

PAGE_SIZE = 50


@login_required
def alert_list(request):
    form = PageForm(request.GET)
    errors = query_errors(form)
    page = Paginator(alerts_for_user(request.user), PAGE_SIZE).get_page(
        form.cleaned_data.get("page")
    )
    context = {"page": page, "zone": viewer_zone(request.user), "query_errors": errors}
    return render(request, "incidents/alert_list.html", context, status=query_status(errors))


@login_required
def alert_detail(request, alert_id: int):
    alert = alert_for_user(request.user, alert_id)
    if not request.user.is_provider_staff and alert.read_at is None:
        services.alert_mark_read(alert=alert, user=request.user)  # reading the page is reading it
    context = {
        "alert": alert,
        "body": body_html(alert.body, alert.body_format),
        "prevention": body_html(alert.prevention, alert.body_format),
        "published": is_published(alert),
        "zone": viewer_zone(request.user),
    }
    return render(request, "incidents/alert_detail.html", context)


@login_required
@require_POST
def alert_read(request, alert_id: int):
    """Mark an alert read without opening it (the banner's and the list's button)."""
    alert = alert_for_user(request.user, alert_id)
    services.alert_mark_read(alert=alert, user=request.user)
    if request.htmx:
        return HttpResponse(_("Read"))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = reverse("alert_list")
    return redirect(back)


def _form_page(request, form, alert=None, status=200):
    context = {"form": form, "alert": alert}
    return render(request, "incidents/alert_form.html", context, status=status)


def _errors_to_form(form, exc: ValidationError) -> None:
    for field, problems in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, problems)


@login_required
def alert_new(request):
    staff_only(request.user)
    form = AlertForm(request.POST or None)
    if request.method != "POST":
        return _form_page(request, form)
    if form.is_valid():
        try:
            alert = services.alert_create(author=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("Draft saved. Nobody is told until you publish it."))
            return redirect("alert_detail", alert_id=alert.pk)
    return _form_page(request, form, status=400)


@login_required
def alert_edit(request, alert_id: int):
    staff_only(request.user)
    alert = alert_for_user(request.user, alert_id)
    form = AlertForm.for_alert(alert, request.POST if request.method == "POST" else None)
    if is_published(alert):  # as it was sent: the page says so and saves nothing
        status = 409 if request.method == "POST" else 200
        return _form_page(request, None, alert, status=status)
    if request.method != "POST":
        return _form_page(request, form, alert)
    if form.is_valid():
        fields = dict(form.cleaned_data)
        try:
            services.alert_update(alert=alert, author=request.user, **fields)
        except ValidationError as exc:
            _errors_to_form(form, exc)
        except ContractRuleError as exc:
            form.add_error(None, exc.detail)
            return _form_page(request, form, alert, status=409)
        else:
            messages.success(request, _("Draft saved."))
            return redirect("alert_detail", alert_id=alert.pk)
    return _form_page(request, form, alert, status=400)


@login_required
@require_POST
def alert_publish(request, alert_id: int):
    staff_only(request.user)
    alert = alert_for_user(request.user, alert_id)
    try:
        sent = services.alert_publish(alert=alert, publisher=request.user)
    except ContractRuleError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(
            request,
            _("Published: sent to %(people)d people in %(organizations)d organisations.")
            % {"people": sent.people, "organizations": sent.organizations},
        )
    return redirect("alert_detail", alert_id=alert.pk)


@login_required
@require_POST
def alert_feed_key(request, organization_id: int):
    """A new feed address for the organisation (the old one stops working)."""
    organization = organization_for_user(request.user, organization_id)
    services.organization_new_alert_feed_key(organization=organization, actor=request.user)
    if request.htmx:
        return render(request, "incidents/_alert_feed.html", {"organization": organization})
    messages.success(request, _("The feed has a new address; the old one no longer works."))
    return redirect("organization_detail", organization_id=organization.pk)
