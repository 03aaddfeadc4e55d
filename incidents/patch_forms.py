"""The filing form's product version choice for a private patch request: the versions of
the products the contracts hold, grouped by product, each with its lifecycle stage (a
version at end of life is shown, not selectable)."""

import datetime

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contracts.catalogue_models import LifecycleStage, ProductVersion
from contracts.lifecycle import stage_on
from contracts.models import Contract
from incidents.services.patches import limited_support_notice


class VersionSelect(forms.Select):
    """A select whose end-of-life versions are shown but cannot be chosen."""

    unavailable: frozenset = frozenset()

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if str(value) in self.unavailable:
            option["attrs"]["disabled"] = True
        return option


def version_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=ProductVersion.objects.none(),
        required=False,
        label=gettext_lazy("Product version (private patch requests)"),
        help_text=gettext_lazy("The version the patch is for; its product is the request's."),
        widget=VersionSelect(
            attrs={
                # The version's support notice follows the choice (htmx; no inline script).
                "hx-get": reverse_lazy("incident_version_notice"),
                "hx-trigger": "change",
                "hx-target": "#version-notice",
                "hx-swap": "outerHTML",
            }
        ),
    )


def stage_label(stage: LifecycleStage) -> str:
    if stage == LifecycleStage.LIMITED:
        return _("limited support: security fixes only")
    if stage == LifecycleStage.EOL:
        return _("end of life: no longer supported")
    return _("general availability")


def offer_versions(
    field: forms.ModelChoiceField, contracts: list[Contract], day: datetime.date, chosen=None
) -> None:
    """The versions of the products the contracts hold, grouped by product, with stages;
    the notice of the version `chosen` (a form shown again) as `field.notice`."""
    held = Contract.products.through.objects.filter(contract__in=[c.pk for c in contracts])
    versions = list(
        ProductVersion.objects.filter(
            product__in=held.values("product_id"), product__is_active=True
        )
        .select_related("product")
        .order_by("product__name", "-ga_on", "-id")
    )
    field.queryset = ProductVersion.objects.filter(pk__in=[v.pk for v in versions])
    groups: dict[str, list] = {}
    unavailable = set()
    for version in versions:
        stage = stage_on(version, day)
        if stage == LifecycleStage.EOL:
            unavailable.add(str(version.pk))
        groups.setdefault(version.product.name, []).append(
            (version.pk, f"{version.version} ({stage_label(stage)})")
        )
    field.choices = [("", "—"), *groups.items()]
    field.widget.unavailable = frozenset(unavailable)
    field.notice = next(
        (
            limited_support_notice(v)
            for v in versions
            if str(v.pk) == str(chosen) and stage_on(v, day) == LifecycleStage.LIMITED
        ),
        "",
    )
