"""The pages' private patch parts: the filing form's notice for the version chosen, and the
incident page's notice for a version in limited support."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from contracts.catalogue_models import ProductVersion
from contracts.lifecycle import check_version_supported
from incidents.services.patches import limited_support_notice, patch_request_of
from portal.errors import ContractRuleError


def patch_context(user, incident) -> dict:
    """The incident page's private patch parts: the limited-support notice (staff move the
    request with the stage control: incidents.stage_views)."""
    request = patch_request_of(incident)
    if request is None:
        return {}
    return {"limited_notice": limited_support_notice(request.product_version)}


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
