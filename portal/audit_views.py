"""The audit trail's pages: the provider admins' filterable list (every object's history is
this list filtered to it) and a customer admin's history of their own contacts."""

from auditlog.models import LogEntry
from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from portal.access import organization_for_user, require_contact_manager, require_provider_admin
from portal.audit import Source
from portal.audit_trail import (
    BadCursor,
    Subject,
    contacts_condition,
    entry_page,
    filter_entries,
)
from portal.rules import organization_zone
from tam.availability import zone_of


class AuditFilterForm(forms.Form):
    type = forms.ChoiceField(
        label=_("Object type"), choices=[("", _("Any")), *Subject.choices], required=False
    )
    object = forms.IntegerField(
        label=_("Object id"), min_value=1, max_value=2**63 - 1, required=False
    )
    actor = forms.EmailField(label=_("Changed by (e-mail)"), max_length=254, required=False)
    source = forms.ChoiceField(
        label=_("From"), choices=[("", _("Anywhere")), *Source.choices], required=False
    )
    since = forms.DateField(label=_("From day"), required=False)
    until = forms.DateField(label=_("To day"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("object") and not data.get("type"):
            self.add_error("object", _("Choose the object type with an object id."))
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", _("The last day comes before the first."))
        return data


def _page(request, entries, zone, template: str, context: dict, status: int = 200):
    query = request.GET.copy()
    query.pop("cursor", None)
    try:
        page = entry_page(entries, cursor=request.GET.get("cursor", ""))
    except BadCursor:
        page, status = None, 400
        context["cursor_error"] = _("This page link is not valid: start again from the first page.")
    context.update({"page": page, "zone": zone, "query": query.urlencode()})
    return render(request, template, context, status=status)


@login_required
def audit_list(request):
    """Every recorded change, newest first, for provider admins (others: 403)."""
    require_provider_admin(request.user)
    zone = zone_of(request.user)
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        context = {"form": form, "page": None, "zone": zone}
        return render(request, "portal/audit_list.html", context, status=400)
    filters = form.cleaned_data if form.is_bound else {}
    entries = filter_entries(
        LogEntry.objects.all(),
        zone=zone,
        subject=filters.get("type", ""),
        object_id=filters.get("object"),
        actor=filters.get("actor", ""),
        source=filters.get("source", ""),
        since=filters.get("since"),
        until=filters.get("until"),
    )
    return _page(request, entries, zone, "portal/audit_list.html", {"form": form})


@login_required
def contact_history(request, organization_id: int):
    """The history of an organisation's contacts: for its customer admins and provider
    admins; another tenant's organisation is a 404 like everywhere else."""
    organization = organization_for_user(request.user, organization_id)
    require_contact_manager(request.user, organization)
    if request.user.is_provider_staff:
        zone = zone_of(request.user)
    else:
        zone = organization_zone(organization)
    entries = LogEntry.objects.filter(contacts_condition(organization))
    context = {"organization": organization, "show_address": request.user.is_provider_admin}
    return _page(request, entries, zone, "portal/contact_history.html", context)
