"""The support lifecycle of product versions: which stage a version is in on a day, and
which versions the provider still supports (private patches are made only for those)."""

import datetime

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from contracts.catalogue_models import LifecycleStage, ProductVersion
from contracts.models import Product
from portal.errors import ContractRuleError, RuleCode


def stage_on(version: ProductVersion, day: datetime.date) -> LifecycleStage:
    """The version's stage on `day` from its dates: end of life from `eol_on`, limited
    support from `limited_on`, general availability before (and from `ga_on`)."""
    if version.eol_on is not None and version.eol_on <= day:
        return LifecycleStage.EOL
    if version.limited_on is not None and version.limited_on <= day:
        return LifecycleStage.LIMITED
    return LifecycleStage.GA


def supported_on(day: datetime.date) -> Q:
    """Versions not at end of life on `day`, as a query condition."""
    return Q(eol_on__isnull=True) | Q(eol_on__gt=day)


def supported_versions(product: Product, day: datetime.date) -> QuerySet[ProductVersion]:
    """The product's versions not at end of life on `day`, newest first."""
    return ProductVersion.objects.filter(supported_on(day), product=product)


def check_version_supported(version: ProductVersion, day: datetime.date) -> bool:
    """Refuse (409 `version_unsupported`) a version at end of life on `day`, naming the
    versions still supported; otherwise say whether it is only in limited support."""
    stage = stage_on(version, day)
    if stage != LifecycleStage.EOL:
        return stage == LifecycleStage.LIMITED
    supported = [v.version for v in supported_versions(version.product, day)]
    if supported:
        detail = _(
            "%(product)s %(version)s reached end of life on %(eol)s and is no longer "
            "supported; upgrade to a supported version: %(supported)s."
        ) % {
            "product": version.product.name,
            "version": version.version,
            "eol": f"{version.eol_on:%-d %b %Y}",
            "supported": ", ".join(supported),
        }
    else:
        detail = _(
            "%(product)s %(version)s reached end of life on %(eol)s, and no version of "
            "%(product)s is supported any longer."
        ) % {
            "product": version.product.name,
            "version": version.version,
            "eol": f"{version.eol_on:%-d %b %Y}",
        }
    raise ContractRuleError(RuleCode.VERSION_UNSUPPORTED, detail)


DATES = ("ga_on", "limited_on", "eol_on")


def check_version_dates(
    *,
    ga_on: datetime.date,
    limited_on: datetime.date | None = None,
    eol_on: datetime.date | None = None,
) -> None:
    """A version's stages come in order: limited support and end of life on or after
    general availability, end of life on or after limited support (400 on `versions`)."""
    if limited_on is not None and limited_on < ga_on:
        message = _("Limited support cannot begin before general availability.")
    elif eol_on is not None and eol_on < (limited_on or ga_on):
        message = _("End of life cannot come before general availability or limited support.")
    else:
        return
    raise ValidationError({"versions": [message]})
