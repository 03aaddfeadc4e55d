"""What a customer holds: the products its contracts in force cover, and the latest
antivirus database release of each.

"Holds a product" = a contract of the organisation active on the customer's day
(`contracts.rules.is_active_on`) whose `products` include it. Filing, signature change
requests, private patches, alerts and the release list all ask these functions.
"""

import datetime
import re
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from contracts.catalogue_models import DatabaseRelease
from contracts.models import Contract, Product
from contracts.rules import is_active_on
from portal.models import Organization
from portal.rules import organization_today


def in_force_on(day: datetime.date, prefix: str = "") -> Q:
    """Contracts active on `day` (as `contracts.rules.is_active_on` says), as a query
    condition; `prefix` reaches them through a relation (e.g. "contracts__")."""
    return Q(**{f"{prefix}starts_on__lte": day, f"{prefix}ends_on__gte": day})


def held_products(organization: Organization | int, day: datetime.date) -> QuerySet[Product]:
    """The products the organisation's contracts active on `day` cover, by name."""
    holdings = Contract.products.through.objects.filter(
        in_force_on(day, "contract__"), contract__organization=organization
    )
    return Product.objects.filter(pk__in=holdings.values("product_id"))


def holds(organization: Organization | int, product: Product | int, day: datetime.date) -> bool:
    return held_products(organization, day).filter(pk=getattr(product, "pk", product)).exists()


def check_product_held(
    holder: Organization | Contract, product: Product | None, day: datetime.date
) -> None:
    """Refuse (400 on `product`) a product the customer does not hold on `day`: not
    covered by the contract named, or by none of the organisation's contracts in force.
    The refusal names the products held (or says none are)."""
    if product is None:
        return
    if isinstance(holder, Contract):
        held = list(holder.products.all()) if is_active_on(holder, day) else []
        organization = holder.organization
    else:
        held = list(held_products(holder, day))
        organization = holder
    if any(p.pk == product.pk for p in held):
        return
    if held:
        message = _(
            "%(organization)s does not hold %(product)s under its support contract; "
            "choose one of the products it holds: %(held)s."
        ) % {
            "organization": organization.name,
            "product": product.name,
            "held": ", ".join(sorted(p.name for p in held)),
        }
    else:
        message = _(
            "%(organization)s does not hold %(product)s: its contract in force covers no "
            "products. Ask your provider to add the products you use to the contract."
        ) % {"organization": organization.name, "product": product.name}
    raise ValidationError({"product": [message]})


def holders(products: Q, now: datetime.datetime, **tier_flags: bool) -> set[int]:
    """The organisations that hold one of the `products` (a condition on the contract's
    products) under a contract in force on their own calendar day, on a tier with the
    `tier_flags` (e.g. malware_alerts=True), in one query: every zone's day is within a
    day of UTC's, so the query leaves out contracts that are surely not in force and each
    remaining one is judged on its customer's own day."""
    utc_day = now.astimezone(datetime.UTC).date()
    contracts = (
        Contract.objects.filter(
            products,
            starts_on__lte=utc_day + datetime.timedelta(days=1),
            ends_on__gte=utc_day - datetime.timedelta(days=1),
            **{f"tier__{flag}": value for flag, value in tier_flags.items()},
        )
        .select_related("organization")
        .distinct()
    )
    return {
        contract.organization_id
        for contract in contracts
        if is_active_on(contract, organization_today(contract.organization, now))
    }


# -- database releases ----------------------------------------------------------------------

_NUMBER = re.compile(r"\d+")


def version_key(text: str) -> tuple[int, ...]:
    """A version's order by its numeric parts: "2026.11.29.1" < "2026.11.29.10" and
    "12.0.1.55" < "12.1"; text without digits sorts first."""
    return tuple(int(part) for part in _NUMBER.findall(text or ""))


def latest_release(product: Product | int) -> DatabaseRelease | None:
    """The product's newest database release (by `released_at`, ties by id)."""
    return DatabaseRelease.objects.filter(product=product).order_by("-released_at", "-id").first()


def latest_releases(products: Iterable[Product | int]) -> dict[int, DatabaseRelease]:
    """The newest release of each of the products, by product id, in one query."""
    ids = [getattr(p, "pk", p) for p in products]
    if not ids:
        return {}
    # A correlated subquery, not DISTINCT ON: the embedded SQLite database runs it too.
    newest = DatabaseRelease.objects.filter(product=OuterRef("product")).order_by(
        "-released_at", "-id"
    )
    releases = DatabaseRelease.objects.filter(
        product_id__in=ids, pk=Subquery(newest.values("pk")[:1])
    )
    return {release.product_id: release for release in releases}
