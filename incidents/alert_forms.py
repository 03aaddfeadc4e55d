"""The staff's form for writing a malware alert (the rules are in incidents/alerts.py and
the writes in incidents/services/alerts.py)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from contracts.models import Product
from incidents.forms import SEVERITY_CHOICES
from incidents.models import Alert, AlertFormat
from portal.validators import validate_single_line

TITLE_MAX = Alert._meta.get_field("title").max_length
BODY_MAX = 20_000


class AlertForm(forms.Form):
    title = forms.CharField(
        label=_("Title"), max_length=TITLE_MAX, validators=[validate_single_line]
    )
    severity = forms.TypedChoiceField(
        label=_("Severity"), choices=SEVERITY_CHOICES, coerce=int, initial=2
    )
    products = forms.ModelMultipleChoiceField(
        label=_("Affected products"),
        queryset=Product.objects.filter(is_active=True),
        help_text=_("Customers who hold one of these under a tier with alerts are told."),
    )
    body_format = forms.ChoiceField(
        label=_("Format"), choices=AlertFormat.choices, initial=AlertFormat.MARKDOWN
    )
    body = forms.CharField(
        label=_("What is happening"), max_length=BODY_MAX, widget=forms.Textarea({"rows": 8})
    )
    prevention = forms.CharField(
        label=_("Prevention advice"),
        max_length=BODY_MAX,
        required=False,
        widget=forms.Textarea({"rows": 5}),
    )

    @classmethod
    def for_alert(cls, alert: Alert, data=None) -> "AlertForm":
        initial = {name: getattr(alert, name) for name in ("title", "severity", "body_format")}
        initial |= {"body": alert.body, "prevention": alert.prevention}
        initial["products"] = list(alert.products.all())
        return cls(data, initial=initial)
