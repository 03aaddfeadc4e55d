"""The pages' private patch parts: the filing form's notice for the version chosen, and
staff moving a request along its stages (a delivery uploads the patch file)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from contracts.catalogue_models import ProductVersion
from contracts.lifecycle import check_version_supported
from incidents import files, selectors, stages
from incidents.models import Stage
from incidents.services.patches import limited_support_notice, patch_request_of
from incidents.services.stages import incident_move_stage
from incidents.services.thread import attachment_add
from portal.errors import ContractRuleError
from portal.uploads import accepts_uploads


def patch_context(user, incident) -> dict:
    """The incident page's private patch parts: the limited-support notice, and the moves
    staff may make now."""
    request = patch_request_of(incident)
    if request is None:
        return {}
    moves = stages.next_stages(incident) if user.is_provider_staff else ()
    return {
        "limited_notice": limited_support_notice(request.product_version),
        "patch_moves": [(stage, Stage(stage).label) for stage in moves],
    }


@login_required
def version_notice(request):
    """What the filing form says of the version chosen: limited support (only security
    fixes) or end of life (refused, naming the supported versions); nothing otherwise."""
    version = (
        ProductVersion.objects.select_related("product")
        .filter(pk=request.GET.get("product_version") or None)
        .first()
        if (request.GET.get("product_version") or "").isdigit()
        else None
    )
    notice, refused = "", False
    if version is not None:
        try:
            if check_version_supported(version, timezone.localdate()):
                notice = limited_support_notice(version)
        except ContractRuleError as exc:
            notice, refused = exc.detail, True
    return render(request, "incidents/_version_notice.html", {"notice": notice, "refused": refused})


@login_required
@accepts_uploads
@require_POST
def patch_move(request, incident_id: int):
    """Staff move a private patch request one stage on: a decline says why, a delivery
    uploads the patch file (stored as a plain file the customer downloads) and names it."""
    incident = selectors.incident_for_user(request.user, incident_id)
    if not request.user.is_provider_staff:
        raise PermissionDenied(_("Only staff move a request to another stage."))
    stage = request.POST.get("stage", "")
    reason = request.POST.get("reason", "")
    upload = request.FILES.get("patch")
    patch = None
    try:
        with transaction.atomic():
            if stage == Stage.DELIVERED:
                stages.check_stage_move(incident, request.user, stage)
                if upload is None:
                    raise ValidationError({"patch": [_("Upload the patch file to deliver it.")]})
                patch = attachment_add(incident=incident, actor=request.user, upload=upload)
            incident_move_stage(
                incident=incident, actor=request.user, stage=stage, reason=reason, patch=patch
            )
    except (ValidationError, ContractRuleError) as exc:
        if patch is not None:  # its row was rolled back: so goes its file
            files.discard(patch.stored_name)
        messages.error(
            request, exc.detail if isinstance(exc, ContractRuleError) else " ".join(exc.messages)
        )
    else:
        messages.success(request, _("Stage is now %(stage)s.") % {"stage": Stage(stage).label})
    return redirect("incident_detail", incident_id=incident.pk)
