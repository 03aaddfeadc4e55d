"""The desk's input: the queue and filters in its URL, and the bulk change on chosen rows."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from contracts.models import Severity
from incidents.models import DONE_STATUSES, Incident, Kind, Status
from incidents.services.status import UNCHANGED
from portal.filters import AsciiIntegerField
from portal.selectors import staff_members
from tam.desk import Queue, decode_cursor

# PostgreSQL's integer keys: a larger id in a hand-edited URL names nothing.
MAX_ID = 2**31 - 1
# The desk lists incidents not yet resolved: these are the statuses it can filter on.
OPEN_STATUSES = [(value, label) for value, label in Status.choices if value not in DONE_STATUSES]
# The filters `filter_incidents` takes, by the URL's names.
FILTERS = ("tier", "severity", "kind", "product", "organization", "assignee", "status", "q")


def _id_field(label) -> AsciiIntegerField:
    return AsciiIntegerField(label=label, required=False, min_value=1, max_value=MAX_ID)


class DeskFilterForm(forms.Form):
    """The URL's queue, filters, search and page. A value that is not valid is left out (the
    page says which field and why, with a 400) and the others still filter."""

    queue = forms.ChoiceField(label=_("Queue"), choices=Queue.choices, required=False)
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    tier = _id_field(_("Tier"))
    severity = forms.TypedChoiceField(
        label=_("Severity"), choices=Severity.choices, coerce=int, required=False
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, required=False)
    product = _id_field(_("Product"))
    organization = _id_field(_("Organisation"))
    assignee = _id_field(_("Assignee"))
    status = forms.ChoiceField(label=_("Status"), choices=OPEN_STATUSES, required=False)
    cursor = forms.CharField(label=_("Page"), required=False, max_length=1000)
    # The live refresh's fingerprint of what the browser shows (tam.dashboard's digest).
    seen = forms.CharField(label=_("Shown"), required=False, max_length=64)

    def clean_cursor(self) -> str:
        cursor = self.cleaned_data["cursor"]
        if cursor and decode_cursor(cursor) is None:
            raise ValidationError(_("This page link is not valid; the first page is shown."))
        return cursor

    def filters(self) -> dict:
        """The valid filters, as `filter_incidents` keywords (empty ones left out)."""
        self.is_valid()
        data = self.cleaned_data
        return {name: data[name] for name in FILTERS if data.get(name) not in (None, "")}


class BulkForm(forms.Form):
    """One change for the chosen rows: an assignee, a status or both."""

    incident = forms.ModelMultipleChoiceField(
        label=_("Incidents"),
        queryset=Incident.objects.all(),
        error_messages={"required": _("Choose at least one incident.")},
    )
    assignee = forms.CharField(label=_("Assignee"), required=False)
    status = forms.ChoiceField(label=_("Status"), choices=Status.choices, required=False)
    query = forms.CharField(required=False, max_length=2000)

    # What the assignee field says for "take everyone off these incidents".
    NOBODY = "nobody"

    def __init__(self, *args, incidents=None, **kwargs):
        super().__init__(*args, **kwargs)
        if incidents is not None:
            self.fields["incident"].queryset = incidents

    def clean_assignee(self):
        value = self.cleaned_data["assignee"].strip()
        if not value:
            return UNCHANGED
        if value == self.NOBODY:
            return None
        staff = staff_members().filter(is_active=True)
        found = staff.filter(pk=value).first() if value.isdigit() and len(value) < 10 else None
        if found is None:
            raise ValidationError(_("Choose an active staff member."))
        return found

    def clean_status(self):
        return self.cleaned_data["status"] or UNCHANGED

    def clean(self):
        data = super().clean()
        if data.get("assignee") is UNCHANGED and data.get("status") is UNCHANGED:
            raise ValidationError(_("Choose an assignee or a status to change."))
        return data

    def chosen(self) -> list[Incident]:
        """The chosen incidents in id order (so concurrent bulk changes lock them alike)."""
        return sorted(self.cleaned_data["incident"], key=lambda incident: incident.pk)
