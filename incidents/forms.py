import functools
import operator

from django import forms
from django.db import models
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.models import SEVERITY_MEANINGS, SEVERITY_NAMES, Contract, Product
from contracts.rules import covered_kinds, covered_products
from incidents.models import Channel, CloseReason, Kind, Status
from incidents.patch_forms import offer_versions, version_field
from incidents.rules import DESCRIPTION_MAX, REPLY_MAX, TITLE_MAX, kinds_for
from incidents.selectors.lists import SORTS
from incidents.stage_forms import signature_fields, signature_of
from portal.models import Organization, User
from portal.rules import organization_zone
from portal.selectors import staff_members
from portal.validators import validate_not_too_early, validate_single_line

SEVERITY_CHOICES = [
    (level, f"{level} {SEVERITY_NAMES[level]} — {SEVERITY_MEANINGS[level]}")
    for level in SEVERITY_NAMES
]


class PremiumChoice(forms.RadioSelect):
    """Premium or standard, with premium not selectable when no unit is left."""

    premium_left = True

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if str(value) == "1" and not self.premium_left:
            option["attrs"]["disabled"] = True
        return option


class IncidentForm(forms.Form):
    title = forms.CharField(max_length=TITLE_MAX, validators=[validate_single_line])
    description = forms.CharField(
        max_length=DESCRIPTION_MAX, widget=forms.Textarea(attrs={"rows": 6})
    )
    severity = forms.TypedChoiceField(
        choices=SEVERITY_CHOICES, coerce=int, widget=forms.RadioSelect, initial=3
    )
    kind = forms.ChoiceField(choices=Kind.choices, initial=Kind.PROBLEM)
    product = forms.ModelChoiceField(
        queryset=Product.objects.filter(is_active=True), required=False
    )
    contract = forms.ModelChoiceField(queryset=Contract.objects.none(), required=False)
    premium = forms.TypedChoiceField(
        choices=[("1", _("Premium")), ("0", _("Standard"))],
        coerce=lambda v: v == "1",
        widget=PremiumChoice,
        required=False,
        empty_value=None,
        initial="1",
    )
    product_version = version_field()
    file = forms.FileField(required=False, allow_empty_file=True, label=_("Attach a file"))
    sample = forms.BooleanField(
        required=False, label="This file is a malware sample (stored encrypted, staff only)"
    )

    def __init__(self, *args, actor: User, contracts=None, organization=None, **kwargs):
        super().__init__(*args, **kwargs)
        staff = actor.is_provider_staff
        self.fields["kind"].choices = [(k, k.label) for k in kinds_for(actor)]
        contracts = list(contracts or [])
        if contracts:
            self.cover(contracts, actor)
        self.fields["contract"].queryset = Contract.objects.filter(
            pk__in=[c.pk for c in contracts]
        ).select_related("tier")
        if len(contracts) <= 1:
            self.fields["contract"].widget = forms.HiddenInput()
        else:
            self.fields["contract"].widget.attrs["class"] = "promise-input"
            self.fields["contract"].empty_label = None
            self.fields["contract"].queryset = self.fields["contract"].queryset.all()
        if staff:
            self._add_staff_fields(organization, contracts)
        # A signature change request's file (shown when that kind is chosen).
        self.fields.update(signature_fields(staff=staff))
        self.signature = None
        offer_versions(
            self.fields["product_version"],
            contracts,
            timezone.localdate(),
            chosen=self.data.get("product_version"),
        )

    def cover(self, contracts: list[Contract], actor: User) -> None:
        """Offer only what the contracts cover: their tiers' kinds, and of the products they
        hold those of their vendors."""
        kinds = {kind for contract in contracts for kind in covered_kinds(contract.tier)}
        self.fields["kind"].choices = [(k, k.label) for k in kinds_for(actor) if k in kinds]
        conditions = [covered_products(c.tier) for c in contracts]
        # An empty condition (a tier naming no vendor) covers every product.
        condition = (
            models.Q() if not all(conditions) else functools.reduce(operator.or_, conditions)
        )
        held = Contract.products.through.objects.filter(contract__in=[c.pk for c in contracts])
        self.fields["product"].queryset = Product.objects.filter(
            condition, pk__in=held.values("product_id"), is_active=True
        )

    def premium_used_up(self) -> None:
        """No premium unit is left this contract year: premium is shown, not selectable."""
        self.fields["premium"].widget.premium_left = False
        if self.initial.get("premium") == "1":
            self.initial["premium"] = "0"

    def _add_staff_fields(self, organization: Organization | None, contracts: list) -> None:
        """The customer's side of a logged call: the organisation (choosing it reloads its
        contracts and contacts: htmx, templates/incidents/incident_new.html), the contract,
        who called, the channel and the time received in the customer's own zone."""
        self.organization = organization
        self.fields["organization"] = forms.ModelChoiceField(
            queryset=Organization.objects.order_by("name"),
            widget=forms.Select(
                attrs={
                    "class": "promise-input",
                    "hx-get": reverse_lazy("incident_new"),
                    "hx-trigger": "change",
                    "hx-target": "#customer-fields",
                    "hx-select": "#customer-fields",
                    "hx-swap": "outerHTML",
                }
            ),
        )
        self.fields["channel"] = forms.ChoiceField(
            choices=[
                (Channel.PHONE, _("Phone")),
                (Channel.EMAIL, _("E-mail")),
                (Channel.PORTAL, _("Portal")),
            ],
            initial=Channel.PHONE,
        )
        zone = organization_zone(organization) if organization else None
        self.fields["received_at"] = forms.DateTimeField(
            required=False,
            label=_("Received at (their time, %(zone)s)") % {"zone": zone.key}
            if zone
            else _("Received at (the customer's time)"),
            validators=[validate_not_too_early],
            widget=forms.DateTimeInput(attrs={"type": "datetime-local", "class": "promise-input"}),
            help_text=_(
                "When the customer called or wrote, on their clock (empty: now). "
                "Never in the future."
            ),
        )
        # Only the chosen organisation's contracts in force; a choice only when it has several.
        self.fields["contract"].widget = forms.Select(attrs={"class": "promise-input"})
        self.fields["contract"].queryset = Contract.objects.filter(
            pk__in=[c.pk for c in contracts]
        ).select_related("tier")
        self.fields["contract"].empty_label = None if len(contracts) == 1 else "—"
        self.fields["contract"].help_text = (
            _("Only if the organisation has more than one active contract.")
            if organization
            else _("Choose the organisation first.")
        )
        contacts = (
            User.objects.filter(membership__organization=organization, is_active=True)
            if organization
            else User.objects.none()
        )
        self.fields["caller"] = forms.ModelChoiceField(
            queryset=contacts.order_by("full_name", "email"),
            required=False,
            label=_("Who called or wrote"),
            empty_label=_("— someone not in the list —"),
        )
        self.fields["caller_name"] = forms.CharField(
            required=False,
            max_length=200,
            validators=[validate_single_line],
            label=_("Or their name"),
        )

    def clean_received_at(self):
        value = self.cleaned_data.get("received_at")
        if value and getattr(self, "organization", None):
            # Typed on the customer's clock: the same wall-clock time in their zone.
            naive = timezone.make_naive(value)
            value = naive.replace(tzinfo=organization_zone(self.organization))
        if value and value > timezone.now():
            raise forms.ValidationError(_("The time received cannot be in the future."))
        return value

    def clean(self):
        data = super().clean()
        if "organization" in self.fields and not (data.get("caller") or data.get("caller_name")):
            self.add_error(
                "caller", _("Say who called: choose one of the contacts or type their name.")
            )
        self.signature = signature_of(self, data)
        return data


class ReplyForm(forms.Form):
    body = forms.CharField(
        max_length=REPLY_MAX, widget=forms.Textarea(attrs={"rows": 4}), label="Message"
    )
    # Ticked, it disables "qualified" (static/js/portal.js): a note never counts as a response.
    internal = forms.BooleanField(
        required=False,
        label="Internal note (staff only)",
        widget=forms.CheckboxInput(attrs={"data-disables": "qualified"}),
    )
    qualified = forms.BooleanField(
        required=False, initial=True, label="Counts as a qualified response"
    )
    file = forms.FileField(required=False, allow_empty_file=True, label=_("Attach a file"))
    sample = forms.BooleanField(required=False, label="Malware sample")


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Status.choices)
    reason = forms.ChoiceField(choices=CloseReason.choices, required=False)


class StaffUpdateForm(forms.Form):
    severity = forms.TypedChoiceField(
        choices=[(n, f"{n} {SEVERITY_NAMES[n]}") for n in SEVERITY_NAMES], coerce=int
    )
    assignee = forms.ModelChoiceField(
        queryset=staff_members().filter(is_active=True), required=False
    )


class UploadForm(forms.Form):
    file = forms.FileField(allow_empty_file=True)
    sample = forms.BooleanField(required=False, label="Malware sample")


class ListOrderForm(forms.Form):
    """The incident list page's order and the staff's "assigned to me" (its filters are
    incidents.filters')."""

    sort = forms.ChoiceField(
        label=_("Sort"), choices=[(name, name) for name in SORTS], required=False
    )
    mine = forms.ChoiceField(label=_("Assigned to me"), choices=[("1", "1")], required=False)
