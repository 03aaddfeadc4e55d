"""A product version's lifecycle stage follows its dates, and a version past end of life
is refused (409 `version_unsupported`) naming the versions still supported."""

import datetime

import pytest

from contracts.catalogue_models import LifecycleStage, ProductVersion
from contracts.lifecycle import check_version_supported, stage_on
from contracts.models import Product
from portal.errors import ContractRuleError, RuleCode

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def shield(db):
    product = Product.objects.create(name="Endpoint Shield", vendor="Kaspersky")
    return {
        "10": ProductVersion.objects.create(
            product=product,
            version="10",
            ga_on=D(2022, 1, 1),
            limited_on=D(2024, 1, 1),
            eol_on=D(2025, 6, 30),
        ),
        "11": ProductVersion.objects.create(
            product=product,
            version="11",
            ga_on=D(2024, 1, 1),
            limited_on=D(2026, 3, 1),
            eol_on=D(2027, 3, 1),
        ),
        "12": ProductVersion.objects.create(product=product, version="12", ga_on=D(2026, 3, 1)),
    }


@pytest.mark.parametrize(
    ("day", "stage"),
    [
        (D(2023, 12, 31), LifecycleStage.GA),
        (D(2024, 1, 1), LifecycleStage.LIMITED),  # the day limited support begins
        (D(2025, 6, 29), LifecycleStage.LIMITED),
        (D(2025, 6, 30), LifecycleStage.EOL),  # the end-of-life day itself
        (D(2030, 1, 1), LifecycleStage.EOL),
    ],
)
def test_the_stage_follows_the_dates(shield, day, stage):
    assert stage_on(shield["10"], day) == stage


def test_a_version_without_later_dates_stays_generally_available(shield):
    assert stage_on(shield["12"], D(2040, 1, 1)) == LifecycleStage.GA


def test_a_supported_version_says_whether_it_is_in_limited_support(shield):
    assert check_version_supported(shield["12"], D(2026, 11, 29)) is False
    assert check_version_supported(shield["11"], D(2026, 11, 29)) is True


def test_a_version_past_end_of_life_is_refused_naming_the_supported_ones(shield):
    with pytest.raises(ContractRuleError) as refused:
        check_version_supported(shield["10"], D(2026, 11, 29))
    assert refused.value.code == RuleCode.VERSION_UNSUPPORTED
    assert "Endpoint Shield 10 reached end of life on 30 Jun 2025" in refused.value.detail
    assert "supported version: 12, 11." in refused.value.detail


def test_when_no_version_is_supported_the_refusal_says_so(shield):
    ProductVersion.objects.filter(version="12").update(eol_on=D(2039, 1, 1))
    with pytest.raises(ContractRuleError) as refused:
        check_version_supported(shield["11"], D(2040, 1, 1))
    assert "no version of Endpoint Shield is supported any longer" in refused.value.detail
