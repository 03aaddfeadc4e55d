"""The shipped tier catalogue against TIERS.md, figure by figure."""

import pytest

from contracts.models import BusinessCalendar, Tier

pytestmark = pytest.mark.django_db


def targets(code: str) -> dict[tuple[int, str], tuple[int, str]]:
    tier = Tier.objects.get(code=code)
    return {(t.severity, t.metric): (t.minutes, t.clock) for t in tier.targets.all()}


def test_the_four_tiers_ship_with_their_codes():
    assert set(Tier.objects.values_list("code", flat=True)) >= {
        "msa-start",
        "msa-enterprise",
        "msa-premium-tam",
        "av-silver",
    }


def test_msa_start_figures():
    tier = Tier.objects.get(code="msa-start")
    assert tier.name == "MSA Start"
    assert tier.premium_incident_quota == 6
    assert tier.onsite_visits_per_year is None
    assert tier.max_contacts is None
    assert tier.dedicated_tam is False
    assert tier.health_checks_per_year == 0
    assert tier.required_licence == ""
    assert tier.requires_renewal is False
    assert tier.signature_change_requests is True
    # Severity 1: 6 working hours; 2 is "a reasonable time" (no number); 3 and 4 unstated.
    assert targets("msa-start") == {(1, "first_response"): (360, "business")}


def test_msa_enterprise_figures():
    tier = Tier.objects.get(code="msa-enterprise")
    assert tier.name == "MSA Enterprise"
    assert tier.premium_incident_quota is None  # unlimited incidents
    assert tier.max_contacts is None
    assert tier.dedicated_tam is True
    assert tier.health_checks_per_year == 1
    assert tier.quarterly_reports is True
    assert tier.daily_critical_reports is True
    assert tier.private_patches is True
    assert tier.signature_change_requests is True
    assert tier.required_licence == ""
    assert targets("msa-enterprise") == {
        (1, "first_response"): (30, "calendar"),
        (2, "first_response"): (240, "calendar"),
        (3, "first_response"): (360, "business"),
        (4, "first_response"): (480, "business"),
    }


def test_premium_with_tam_figures():
    tier = Tier.objects.get(code="msa-premium-tam")
    assert tier.premium_incident_quota is None
    assert tier.max_contacts == 8
    assert tier.dedicated_tam is True
    assert tier.required_licence == "plus"
    assert tier.health_checks_per_year == 0
    assert tier.signature_change_requests is True
    # The document does not say "working" hours: calendar time for every severity.
    assert targets("msa-premium-tam") == {
        (1, "first_response"): (30, "calendar"),
        (2, "first_response"): (240, "calendar"),
        (3, "first_response"): (360, "calendar"),
        (4, "first_response"): (480, "calendar"),
    }


def test_av_silver_figures():
    tier = Tier.objects.get(code="av-silver")
    assert tier.name == "AV Silver Service"
    assert tier.onsite_visits_per_year == 12
    assert tier.onsite_overage_charged is True
    assert tier.onsite_arrival_minutes == 120
    assert tier.requires_renewal is True
    assert tier.required_licence == "any"
    assert tier.malware_sample_processing is True
    assert tier.malware_alerts is True
    assert tier.free_updates_months == 12
    assert tier.premium_incident_quota is None
    assert tier.dedicated_tam is False
    # The document states no response time: no target rows at all.
    assert targets("av-silver") == {}


def test_no_tier_defines_a_resolution_target():
    assert not Tier.objects.filter(targets__metric="resolution").exists()


def test_two_calendars_ship():
    always = BusinessCalendar.objects.get(name="24x7")
    assert always.always_open is True
    office = BusinessCalendar.objects.get(name="Office hours (Madrid)")
    assert office.timezone == "Europe/Madrid"
    assert office.always_open is False
    assert sorted((w.weekday, str(w.start), str(w.end)) for w in office.hours.all()) == [
        (d, "09:00:00", "18:00:00") for d in range(5)
    ]


def test_tiers_api_shows_no_target_as_absent(api, provider_admin):
    response = api(provider_admin).get("/api/v1/tiers/")
    assert response.status_code == 200
    by_code = {t["code"]: t for t in response.json()["results"]}
    assert by_code["av-silver"]["targets"] == []
    assert by_code["msa-start"]["targets"] == [
        {
            "severity": 1,
            "metric": "first_response",
            "minutes": 360,
            "clock": "business",
            "words": "6 working hours",
        }
    ]
    assert by_code["msa-start"]["premium_incident_quota"] == 6
    assert by_code["msa-enterprise"]["premium_incident_quota"] is None
    assert by_code["msa-premium-tam"]["max_contacts"] == 8
    assert by_code["av-silver"]["onsite_visits_per_year"] == 12
    assert by_code["msa-enterprise"]["health_checks_per_year"] == 1
    assert by_code["msa-enterprise"]["dedicated_tam"] is True
