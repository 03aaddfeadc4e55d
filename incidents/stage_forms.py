"""The pages' forms for request workflows: what a signature change request says about the
file (on the filing form, shown when that kind is chosen: static/js/portal.js
`data-shown-when`), and staff's control moving a request to its next stage."""

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from contracts.models import DatabaseRelease
from incidents import stages
from incidents.models import Attachment, Incident, Kind, SignatureVerdict, Stage
from portal.validators import validate_single_line

HEX64 = RegexValidator(r"^[0-9a-fA-F]{64}$", _("A SHA-256 is 64 hexadecimal digits."))
# Filled only for a signature change request (checked in `signature_of`).
SIGNATURE_FIELDS = ("verdict", "database_version", "file_name", "sha256")


def signature_fields(*, staff: bool) -> dict[str, forms.Field]:
    fields = {
        "verdict": forms.ChoiceField(
            choices=SignatureVerdict.choices,
            widget=forms.RadioSelect,
            required=False,
            label=_("What went wrong"),
        ),
        "database_version": forms.CharField(
            max_length=50,
            required=False,
            validators=[validate_single_line],
            label=_("Antivirus database version in use"),
            help_text=_("Update to the latest databases first: requests are made on those."),
        ),
        "file_name": forms.CharField(
            max_length=255, required=False, validators=[validate_single_line], label=_("File name")
        ),
        "sha256": forms.CharField(
            max_length=64, required=False, validators=[HEX64], label=_("SHA-256 of the file")
        ),
        "detection_name": forms.CharField(
            max_length=200,
            required=False,
            validators=[validate_single_line],
            label=_("Detection name (for a false positive)"),
        ),
    }
    if staff:
        fields["override_reason"] = forms.CharField(
            max_length=2000,
            required=False,
            widget=forms.Textarea(attrs={"rows": 2}),
            label=_("Filed on older databases because (staff)"),
            help_text=_("Only to file on databases other than the latest; shown on the timeline."),
        )
    return fields


def signature_of(form: forms.Form, data: dict) -> dict | None:
    """The signature details of a filing (None for other kinds), each missing one an error
    on its field."""
    if data.get("kind") != Kind.SIGNATURE_CHANGE:
        return None
    for name in SIGNATURE_FIELDS:
        if not data.get(name) and name not in form.errors:
            form.add_error(name, _("Needed for a signature change request."))
    names = (*SIGNATURE_FIELDS, "detection_name", "override_reason")
    return {name: data.get(name) or "" for name in names}


class StageMoveForm(forms.Form):
    """Staff move a request to one of its next stages, with what that stage needs."""

    stage = forms.ChoiceField(label=_("Move to"))
    release = forms.ModelChoiceField(
        queryset=DatabaseRelease.objects.none(),
        required=False,
        label=_("Database release with the fix"),
    )
    reason = forms.CharField(
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=_("Why (the customer reads it)"),
    )
    patch = forms.ModelChoiceField(
        queryset=Attachment.objects.none(), required=False, label=_("Patch file")
    )

    def __init__(self, *args, incident: Incident, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = stages.next_stages(incident)
        self.fields["stage"].choices = [(s.value, s.label) for s in allowed]
        if Stage.RELEASED in allowed:
            self.fields["release"].queryset = DatabaseRelease.objects.filter(
                product_id=incident.product_id
            ).order_by("-released_at", "-id")
        else:
            del self.fields["release"]
        if not set(allowed) & stages.NEEDS_REASON:
            del self.fields["reason"]
        if Stage.DELIVERED in allowed:
            self.fields["patch"].queryset = Attachment.objects.filter(
                organization_id=incident.organization_id, incident=incident, sample=False
            ).order_by("-id")
        else:
            del self.fields["patch"]
