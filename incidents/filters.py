"""The incident list's query parameters, typed (API and page share them)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from contracts.models import Severity
from incidents import selectors
from incidents.models import Incident, Kind, Status
from portal.filters import IdFilter, TextFilter

# The pages' "not resolved": new, open or waiting.
ACTIVE = "active"


class IncidentFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=[(ACTIVE, _("Not resolved")), *Status.choices], method="by_selector"
    )
    severity = django_filters.TypedChoiceFilter(
        choices=Severity.choices, coerce=int, method="by_selector"
    )
    kind = django_filters.ChoiceFilter(choices=Kind.choices, method="by_selector")
    q = TextFilter(method="by_selector")

    class Meta:
        model = Incident
        fields: list[str] = []

    def by_selector(self, queryset, name, value):
        return queryset  # applied together in filter_queryset, by the one selector

    def filter_queryset(self, queryset):
        values = {
            name: self.form.cleaned_data.get(name) for name in ("status", "severity", "kind", "q")
        }
        return selectors.filter_incidents(
            queryset, **{name: value for name, value in values.items() if value not in (None, "")}
        )


class StaffIncidentFilter(IncidentFilter):
    """The staff's incident page also filters by organisation."""

    organization = IdFilter(method="by_selector")

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        organization = self.form.cleaned_data.get("organization")
        return selectors.filter_incidents(queryset, organization=organization or "")
