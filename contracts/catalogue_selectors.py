"""Reads of the catalogue that the pages and the API share: products with their versions,
and database releases, each as the caller may see them."""

from django.db.models import Case, F, IntegerField, QuerySet, Value, When

from contracts.catalogue_models import DatabaseRelease
from contracts.holdings import held_products
from contracts.models import Contract, Product
from portal.access import organization_of
from portal.models import User
from portal.rules import organization_today


def products_for_user(user: User) -> QuerySet[Product]:
    """Staff read the whole catalogue; customers the products their organisation's
    contracts cover (as they read only the tiers of their contracts)."""
    products = Product.objects.prefetch_related("versions")
    if not user.is_authenticated or not user.is_active:
        return products.none()
    if user.is_provider_staff:
        return products
    organization = organization_of(user)
    if organization is None:
        return products.none()
    covered = Contract.products.through.objects.filter(contract__organization=organization)
    return products.filter(pk__in=covered.values("product_id"))


def releases_for_user(user: User) -> QuerySet[DatabaseRelease]:
    """Staff read every release; customers those of the products they hold today. Each
    row carries `shown_request`: the request it was made for, for customers only when
    that request is their own organisation's."""
    releases = DatabaseRelease.objects.all()
    if not user.is_authenticated or not user.is_active:
        return releases.none()
    if user.is_provider_staff:
        return releases.annotate(shown_request=F("request_id"))
    organization = organization_of(user)
    if organization is None:
        return releases.none()
    held = held_products(organization, organization_today(organization))
    return releases.filter(product__in=held).annotate(
        shown_request=Case(
            When(request__organization_id=organization.pk, then=F("request_id")),
            default=Value(None),
            output_field=IntegerField(),
        )
    )
