"""The pages' side of request workflows: what the incident page shows of one (its progress
bar, the request's details, staff's control to move it) and staff's move."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from incidents import selectors, stages
from incidents.models import Incident, Stage
from incidents.services.patches import patch_upload_and_move
from incidents.stage_forms import StageMoveForm
from portal.models import User
from portal.uploads import accepts_uploads


def stage_context(user: User, incident: Incident) -> dict:
    """The incident page's workflow parts (nothing for kinds without stages)."""
    if not stages.has_stages(incident.kind):
        return {}
    return {
        "progress": stages.progress(incident),
        "stage_form": StageMoveForm(incident=incident)
        if user.is_provider_staff and stages.next_stages(incident)
        else None,
    }


@login_required
@accepts_uploads
@require_POST
def incident_stage(request, incident_id: int):
    """Staff move the request to its next stage (the rules refuse anyone else: 403). A
    delivery names a patch file of the request, or uploads it here (`patch_file`)."""
    incident = selectors.incident_for_user(request.user, incident_id)
    form = StageMoveForm(request.POST, incident=incident)
    if not form.is_valid():
        errors = " ".join(e for errs in form.errors.values() for e in errs)
        messages.error(request, errors)
        return redirect("incident_detail", incident_id=incident.pk)
    data = form.cleaned_data
    try:
        incident = patch_upload_and_move(
            incident=incident,
            actor=request.user,
            stage=data["stage"],
            release=data.get("release"),
            reason=data.get("reason", ""),
            patch=data.get("patch"),
            upload=request.FILES.get("patch_file"),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        label = Stage(incident.stage).label
        messages.success(request, _("The request is now at: %(stage)s.") % {"stage": label})
    return redirect("incident_detail", incident_id=incident.pk)
