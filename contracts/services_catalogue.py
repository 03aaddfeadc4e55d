"""Writes of the catalogue: products with their versions, and database releases. Each
runs in one transaction."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts import lifecycle
from contracts.catalogue_models import DatabaseRelease, ProductVersion
from contracts.models import Product
from contracts.services import _replace_rows
from incidents.models import Incident, Kind
from portal.errors import ContractRuleError, RuleCode
from portal.models import User

PRODUCT_FIELDS = ("name", "vendor", "is_active")


def product_save(
    *, actor: User, product: Product | None = None, versions: list[dict] | None = None, **fields
) -> Product:
    """Create or change a product (provider admins); `versions` (when given) becomes its
    versions, matched by their version text: dates of those kept change in place, those
    left out are removed (refused while a private patch names one)."""
    if not actor.is_provider_admin:
        raise PermissionDenied(_("Only a provider admin may change the product catalogue."))
    unknown = set(fields) - set(PRODUCT_FIELDS)
    if unknown:
        raise ValueError(f"Unknown product fields: {sorted(unknown)}")
    wanted = None
    if versions is not None:
        wanted = {}
        for version in versions:
            lifecycle.check_version_dates(**{k: version.get(k) for k in lifecycle.DATES})
            if version["version"] in wanted:
                raise ValidationError(
                    {"versions": [_("Version %(v)s is listed twice.") % {"v": version["version"]}]}
                )
            wanted[version["version"]] = {k: version.get(k) for k in lifecycle.DATES}
    if "name" in fields:
        fields["name"] = fields["name"].strip()
    name = fields.get("name")
    if name and Product.objects.filter(name=name).exclude(pk=getattr(product, "pk", None)).exists():
        raise ContractRuleError(
            RuleCode.ALREADY_EXISTS,
            _("A product named %(name)s already exists; choose another name.") % {"name": name},
        )
    with transaction.atomic():
        product = product or Product()
        for field, value in fields.items():
            setattr(product, field, value)
        product.save()
        if wanted is not None:
            try:
                _replace_rows(
                    product.versions.all(),
                    wanted,
                    key=lambda row: row.version,
                    make=lambda k, v: ProductVersion(product=product, version=k, **v),
                )
            except ProtectedError:
                raise ContractRuleError(
                    RuleCode.IN_USE,
                    _(
                        "A version left out is named by a private patch request, so it cannot "
                        "be removed; keep it in the list (give it an end-of-life date instead)."
                    ),
                ) from None
    return product


def check_request(product: Product, request: Incident | None, expedited: bool) -> None:
    """An expedited release names the signature change request of the product it was made
    for; a release that is not expedited names none."""
    if request is None:
        return
    if not expedited:
        raise ValidationError(
            {"request": [_("Only an expedited release names the request it was made for.")]}
        )
    if request.kind != Kind.SIGNATURE_CHANGE or request.product_id != product.pk:
        raise ValidationError(
            {
                "request": [
                    _(
                        "Incident %(number)s is not a signature change request about "
                        "%(product)s; name the request this release was made for."
                    )
                    % {"number": request.number, "product": product.name}
                ]
            }
        )


def database_release_record(
    *,
    actor: User,
    product: Product,
    version: str,
    released_at: datetime.datetime,
    expedited: bool = False,
    request: Incident | None = None,
) -> DatabaseRelease:
    """Record a release of a product's antivirus databases (provider staff)."""
    if not actor.is_provider_staff:
        raise PermissionDenied(_("Only provider staff record database releases."))
    if released_at > timezone.now():
        raise ValidationError(
            {"released_at": [_("Record a release once it is out: the time is in the future.")]}
        )
    check_request(product, request, expedited)
    duplicate = ContractRuleError(
        RuleCode.ALREADY_EXISTS,
        _("Release %(version)s of %(product)s is already recorded.")
        % {"version": version, "product": product.name},
    )
    if DatabaseRelease.objects.filter(product=product, version=version).exists():
        raise duplicate
    try:
        with transaction.atomic():
            return DatabaseRelease.objects.create(
                product=product,
                version=version,
                released_at=released_at,
                expedited=expedited,
                request=request,
                recorded_by=actor,
            )
    except IntegrityError:  # recorded at the same moment by someone else
        raise duplicate from None
