"""Private patch requests at filing: the product version they are for (its product is the
request's), refused at end of life, accepted in limited support with a notice that only
security fixes are made. The stages after filing move through `incidents.services.stages`."""

import contextlib
import datetime

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from contracts.catalogue_models import ProductVersion
from contracts.lifecycle import check_version_supported
from contracts.models import Product
from incidents import files, stages
from incidents.models import Attachment, Incident, Kind, PrivatePatch, Stage
from incidents.services.stages import incident_move_stage
from incidents.services.thread import attachment_add
from portal.models import User


def limited_support_notice(version: ProductVersion) -> str:
    """What a request for a version in limited support is told (form, page, confirmation)."""
    return _(
        "%(product)s %(version)s is in limited support: only security fixes are made for it."
    ) % {"product": version.product.name, "version": version.version}


def patch_product(
    *, kind: str, product: Product | None, product_version: ProductVersion | None
) -> Product | None:
    """The product a filing is about: a private patch's is its version's (which it must
    name); other kinds name no version."""
    if kind != Kind.PRIVATE_PATCH:
        if product_version is not None:
            raise ValidationError(
                {"product_version": [_("Only a private patch request names a product version.")]}
            )
        return product
    if product_version is None:
        raise ValidationError(
            {"product_version": [_("Choose the product version the patch is for.")]}
        )
    if product is not None and product.pk != product_version.product_id:
        raise ValidationError(
            {
                "product_version": [
                    _("%(version)s is not a version of %(product)s: choose one of its versions.")
                    % {"version": product_version, "product": product.name}
                ]
            }
        )
    return product_version.product


@contextlib.contextmanager
def on_version_field(product_version: ProductVersion | None):
    """A private patch names its product through its version: a refusal of that product
    (not covered, not held) is about the version the filer chose, so it names that field."""
    try:
        yield
    except ValidationError as exc:
        if product_version is None or "product" not in getattr(exc, "error_dict", {}):
            raise
        raise ValidationError({"product_version": exc.error_dict["product"]}) from exc


def patch_version_check(
    *, kind: str, product_version: ProductVersion | None, day: datetime.date
) -> bool:
    """Refuse a version at end of life on the customer's `day` (409 `version_unsupported`,
    naming the supported versions); say whether it is in limited support."""
    if kind != Kind.PRIVATE_PATCH or product_version is None:
        return False
    return check_version_supported(product_version, day)


def patch_request_create(
    *, incident: Incident, product_version: ProductVersion | None, limited_support: bool
) -> PrivatePatch | None:
    """The request's details beside the incident (in the filing's transaction)."""
    if incident.kind != Kind.PRIVATE_PATCH or product_version is None:
        return None
    return PrivatePatch.objects.create(
        organization_id=incident.organization_id,
        incident=incident,
        product_version=product_version,
        limited_support=limited_support,
    )


def patch_request_of(incident: Incident) -> PrivatePatch | None:
    """The incident's private patch details (selected with it), or None for other kinds."""
    if incident.kind != Kind.PRIVATE_PATCH:
        return None
    return getattr(incident, "patch_request", None)


def filing_notice(incident: Incident) -> str:
    """The limited-support notice for a private patch request filed for such a version
    ("" otherwise): the acknowledgement and the confirmation say it."""
    patch = patch_request_of(incident)
    if patch is None or not patch.limited_support:
        return ""
    return limited_support_notice(patch.product_version)


def patch_upload_and_move(
    *,
    incident: Incident,
    actor: User,
    stage: str,
    upload: UploadedFile | None = None,
    patch: Attachment | None = None,
    **needs,
) -> Incident:
    """Move the request (`incident_move_stage`); a delivery may upload its patch file in
    the same step, stored as a plain file of the request (never a sample) that the move then
    names. A refused move keeps no file."""
    if upload is None or stage != Stage.DELIVERED or patch is not None:
        return incident_move_stage(
            incident=incident, actor=actor, stage=stage, patch=patch, **needs
        )
    stages.check_stage_move(incident, actor, stage)  # before anything is stored
    with transaction.atomic():
        patch = attachment_add(incident=incident, actor=actor, upload=upload)
        try:
            return incident_move_stage(
                incident=incident, actor=actor, stage=stage, patch=patch, **needs
            )
        except BaseException:
            files.discard(patch.stored_name)  # the rollback removes its row
            raise
