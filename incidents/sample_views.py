"""The incident page's malware-sample parts: staff record a sample's analysis beside it."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from contracts.models import DatabaseRelease
from incidents import selectors
from incidents.models import Incident, SampleVerdict
from incidents.rules import REPLY_MAX
from incidents.sample_serializers import DETECTION_MAX
from incidents.selectors.samples import sample_for_user
from incidents.services.samples import sample_analyse

# The releases offered on the form: the newest ones (of the incident's product, if named).
RELEASES_OFFERED = 50


class SampleAnalysisForm(forms.Form):
    verdict = forms.ChoiceField(label=gettext_lazy("Verdict"), choices=SampleVerdict.choices)
    detection_name = forms.CharField(
        label=gettext_lazy("Detected as"), max_length=DETECTION_MAX, required=False
    )
    release = forms.ModelChoiceField(
        label=gettext_lazy("Detected from database release"),
        queryset=DatabaseRelease.objects.all(),
        required=False,
    )
    removal = forms.CharField(
        label=gettext_lazy("Removal instructions"), max_length=REPLY_MAX, required=False
    )


def release_choices(incident: Incident) -> QuerySet[DatabaseRelease]:
    """The database releases staff choose from when analysing the incident's samples (lazy:
    the page reads them only when it shows a sample)."""
    releases = DatabaseRelease.objects.select_related("product").order_by("-released_at", "-id")
    if incident.product_id:
        releases = releases.filter(product_id=incident.product_id)
    return releases[:RELEASES_OFFERED]


@login_required
@require_POST
def sample_analysis(request, incident_id: int, attachment_id: int):
    incident = selectors.incident_for_user(request.user, incident_id)
    sample = sample_for_user(request.user, incident, attachment_id)
    if not request.user.is_provider_staff:
        raise PermissionDenied(_("Only the provider's staff analyse malware samples."))
    form = SampleAnalysisForm(request.POST)
    back = reverse("incident_detail", args=[incident.pk]) + f"#sample-{sample.pk}"
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect(back)
    try:
        sample_analyse(
            incident=incident, attachment=sample, actor=request.user, **form.cleaned_data
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Analysis of %(name)s saved.") % {"name": sample.original_name})
    return redirect(back)
