import functools
import operator

from django import forms
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.models import SEVERITY_MEANINGS, SEVERITY_NAMES, Contract, Product
from contracts.rules import covered_kinds, covered_products
from incidents.models import Channel, CloseReason, Kind, Status
from incidents.rules import DESCRIPTION_MAX, REPLY_MAX, TITLE_MAX, kinds_for
from incidents.selectors.lists import SORTS
from portal.models import Organization, User
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
    file = forms.FileField(required=False, label="Attach a file")
    sample = forms.BooleanField(
        required=False, label="This file is a malware sample (stored encrypted, staff only)"
    )

    def __init__(self, *args, actor: User, contracts=None, **kwargs):
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
            self.fields["organization"] = forms.ModelChoiceField(
                queryset=Organization.objects.order_by("name"),
                widget=forms.Select(attrs={"class": "promise-input"}),
            )
            self.fields["channel"] = forms.ChoiceField(
                choices=[
                    (Channel.PHONE, "Phone"),
                    (Channel.EMAIL, "E-mail"),
                    (Channel.PORTAL, "Portal"),
                ],
                initial=Channel.PHONE,
            )
            self.fields["received_at"] = forms.DateTimeField(
                required=False,
                validators=[validate_not_too_early],
                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                help_text="When the customer called or wrote (empty: now). Never in the future.",
            )
            # Needed only when the organisation holds several active contracts. (The widget
            # first: setting the queryset is what fills the widget's choices.)
            self.fields["contract"].widget = forms.Select(attrs={"class": "promise-input"})
            self.fields["contract"].queryset = Contract.objects.select_related(
                "organization", "tier"
            ).order_by("organization__name", "-starts_on")
            self.fields[
                "contract"
            ].help_text = "Only if the organisation has more than one active contract."
            self.fields["received_at"].widget.attrs["class"] = "promise-input"

    def cover(self, contracts: list[Contract], actor: User) -> None:
        """Offer only what the contracts cover: their tiers' kinds, their vendors' products."""
        kinds = {kind for contract in contracts for kind in covered_kinds(contract.tier)}
        self.fields["kind"].choices = [(k, k.label) for k in kinds_for(actor) if k in kinds]
        conditions = [covered_products(c.tier) for c in contracts]
        # An empty condition (a tier naming no vendor) covers every product.
        condition = (
            models.Q() if not all(conditions) else functools.reduce(operator.or_, conditions)
        )
        self.fields["product"].queryset = Product.objects.filter(condition, is_active=True)

    def premium_used_up(self) -> None:
        """No premium unit is left this contract year: premium is shown, not selectable."""
        self.fields["premium"].widget.premium_left = False
        if self.initial.get("premium") == "1":
            self.initial["premium"] = "0"

    def clean_received_at(self):
        value = self.cleaned_data.get("received_at")
        if value and value > timezone.now():
            raise forms.ValidationError("The time received cannot be in the future.")
        return value


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
    file = forms.FileField(required=False, label="Attach a file")
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
    file = forms.FileField()
    sample = forms.BooleanField(required=False, label="Malware sample")


class ListOrderForm(forms.Form):
    """The incident list page's order and the staff's "assigned to me" (its filters are
    incidents.filters')."""

    sort = forms.ChoiceField(
        label=_("Sort"), choices=[(name, name) for name in SORTS], required=False
    )
    mine = forms.ChoiceField(label=_("Assigned to me"), choices=[("1", "1")], required=False)
