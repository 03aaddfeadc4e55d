"""Demo data for the catalogue: product versions at each lifecycle stage, antivirus
database releases, and the products each demo contract covers (`seed_demo` calls it)."""

import datetime

from django.utils import timezone

from contracts.catalogue_models import DatabaseRelease, ProductVersion
from contracts.models import Contract, Product
from contracts.rules import covered_products

# product: (version, years since general availability, limited support after (years),
# end of life after (years)); relative to today, so each stage always has an example.
VERSIONS = {
    "Endpoint Security for Business": [
        ("11.10", 5, 2, 3),  # past end of life
        ("12.1", 3, 2, 4),  # in limited support
        ("12.5", 1, None, None),
    ],
    "Security for Mail Server": [("9.0", 6, 3, 4), ("10.1", 2, None, None)],
    "Apex One": [("2019", 6, 4, 8), ("2023", 2, None, None)],
}

# Hours before now of each product's database releases (the last is the latest).
RELEASE_HOURS = [74, 50, 26, 3]


def _years(day: datetime.date, years: int) -> datetime.date:
    return day.replace(year=day.year + years, day=min(day.day, 28))


def seed_catalogue() -> None:
    """Versions, releases and contract products, where none are there yet."""
    today = timezone.localdate()
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    for product in Product.objects.filter(name__in=VERSIONS):
        if not product.versions.exists():
            for version, age, limited, eol in VERSIONS[product.name]:
                ga_on = _years(today, -age)
                ProductVersion.objects.create(
                    product=product,
                    version=version,
                    ga_on=ga_on,
                    limited_on=_years(ga_on, limited) if limited else None,
                    eol_on=_years(ga_on, eol) if eol else None,
                )
        if not product.releases.exists():
            for n, hours in enumerate(RELEASE_HOURS, start=1):
                released_at = now - datetime.timedelta(hours=hours)
                DatabaseRelease.objects.create(
                    product=product,
                    version=f"{released_at:%Y.%m.%d}.{n}",
                    released_at=released_at,
                )
    for contract in Contract.objects.select_related("tier").filter(products__isnull=True):
        contract.products.set(Product.objects.filter(covered_products(contract.tier)))
