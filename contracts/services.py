"""Writes of tiers, calendars and contracts. Each runs in one transaction."""

import datetime
from collections.abc import Iterable

import holidays as holiday_data
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from contracts import rules
from contracts.calendar_changes import (
    calendar_changed,
    contract_calendar_moved,
    working_time,
)
from contracts.models import (
    BusinessCalendar,
    CalendarChangeKind,
    CalendarWindow,
    Contract,
    Holiday,
    Product,
    SeverityTarget,
    Tier,
)
from portal.models import Organization, User, validate_timezone

CONTRACT_FIELDS = (
    "organization",
    "tier",
    "calendar",
    "reference",
    "starts_on",
    "ends_on",
    "renewal_valid_until",
    "licence_type",
    "purchased_on",
    "tam",
    "backup_tam",
)


def _check_contract(contract: Contract) -> None:
    rules.check_contract_dates(
        starts_on=contract.starts_on,
        ends_on=contract.ends_on,
        renewal_valid_until=contract.renewal_valid_until,
    )
    rules.check_tams(contract)
    rules.check_licence(contract.tier, contract.licence_type)


def contract_create(
    *,
    organization: Organization,
    tier: Tier,
    calendar: BusinessCalendar,
    starts_on: datetime.date,
    ends_on: datetime.date,
    reference: str = "",
    renewal_valid_until: datetime.date | None = None,
    licence_type: str = "",
    purchased_on: datetime.date | None = None,
    tam: User | None = None,
    backup_tam: User | None = None,
    products: Iterable[Product] | None = None,
) -> Contract:
    contract = Contract(
        organization=organization,
        tier=tier,
        calendar=calendar,
        reference=reference,
        starts_on=starts_on,
        ends_on=ends_on,
        renewal_valid_until=renewal_valid_until,
        licence_type=licence_type or "",
        purchased_on=purchased_on,
        tam=tam,
        backup_tam=backup_tam,
    )
    _check_contract(contract)
    products = list(products or [])
    rules.check_products_covered(tier, products)
    with transaction.atomic():
        contract.save()
        contract.products.set(products)
    return contract


def contract_update(*, contract: Contract, products=None, **changes) -> Contract:
    """Change a contract's fields; `products` (when given) become the products it holds."""
    unknown = set(changes) - set(CONTRACT_FIELDS)
    if unknown:
        raise ValueError(f"Unknown contract fields: {sorted(unknown)}")
    if "organization" in changes:
        organization = changes.pop("organization")
        rules.check_organization_unchanged(contract, getattr(organization, "pk", organization))
    old_calendar = contract.calendar_id
    for name, value in changes.items():
        setattr(contract, name, value if value is not None or name != "licence_type" else "")
    _check_contract(contract)
    products = list(products) if products is not None else None
    if products is not None or "tier" in changes:
        rules.check_products_covered(
            contract.tier, products if products is not None else contract.products.all()
        )
    with transaction.atomic():
        contract.save(update_fields=list(changes))
        if products is not None:
            contract.products.set(products)
        if contract.calendar_id != old_calendar:
            contract_calendar_moved(contract=contract)
    return contract


def check_window(weekday: int, start: datetime.time, end: datetime.time) -> None:
    if not 0 <= weekday <= 6:
        raise ValidationError(
            {
                "hours": [
                    _("Weekday %(day)s is impossible: use 0 (Monday) to 6 (Sunday).")
                    % {"day": weekday}
                ]
            }
        )
    for value in (start, end):
        if value.second or value.microsecond:
            raise ValidationError(
                {
                    "hours": [
                        _("A window's times are whole minutes (not %(value)s).") % {"value": value}
                    ]
                }
            )


def calendar_save(
    *,
    calendar: BusinessCalendar | None = None,
    name: str,
    timezone: str,
    always_open: bool = False,
    hours: Iterable[tuple[int, datetime.time, datetime.time]] | None = None,
    holidays: Iterable[datetime.date] | None = None,
) -> BusinessCalendar:
    """Create or replace a calendar with its weekly windows and holidays."""
    try:
        validate_timezone(timezone)
    except ValidationError as exc:
        raise ValidationError({"timezone": exc.messages}) from None
    hours = list(hours) if hours is not None else None
    if hours is not None:
        seen = set()
        for weekday, start, end in hours:
            check_window(weekday, start, end)
            if (weekday, start) in seen:
                raise ValidationError(
                    {
                        "hours": [
                            _("Two windows start at %(start)s on weekday %(day)s.")
                            % {"start": f"{start:%H:%M}", "day": weekday}
                        ]
                    }
                )
            seen.add((weekday, start))
    with transaction.atomic():
        before = working_time(calendar.pk) if calendar is not None else None
        calendar = calendar or BusinessCalendar()
        calendar.name = name
        calendar.timezone = timezone
        calendar.always_open = always_open
        # The version is the change's own (contracts.calendar_changes), never the copy read
        # before this transaction.
        calendar.save(**({"update_fields": ["name", "timezone", "always_open"]} if before else {}))
        if hours is not None:
            _replace_rows(
                calendar.hours.all(),
                {(w, s): {"end": e} for w, s, e in hours},
                key=lambda row: (row.weekday, row.start),
                make=lambda k, v: CalendarWindow(calendar=calendar, weekday=k[0], start=k[1], **v),
            )
        if holidays is not None:
            _replace_rows(
                calendar.holidays.all(),
                {day: {} for day in sorted(set(holidays))},
                key=lambda row: row.date,
                make=lambda k, v: Holiday(calendar=calendar, date=k),
            )
        if before is not None:
            # Its running clocks are re-planned after commit (contracts.calendar_changes).
            calendar_changed(calendar=calendar, before=before)
    return calendar


def _replace_rows(current, wanted: dict, *, key, make) -> None:
    """Make the rows of `current` those of `wanted` (key -> other fields) row by row, so
    the audit trail records what was added, changed and removed, not a wholesale rewrite."""
    kept = set()
    for row in current:
        k = key(row)
        if k not in wanted:
            row.delete()
            continue
        kept.add(k)
        changed = [name for name, value in wanted[k].items() if getattr(row, name) != value]
        if changed:
            for name in changed:
                setattr(row, name, wanted[k][name])
            row.save(update_fields=changed)
    for k, fields in wanted.items():
        if k not in kept:
            make(k, fields).save()


TIER_FIELDS = (
    "code",
    "name",
    "description",
    "support_hours",
    "channels",
    "vendor",
    "priority_phone",
    "premium_incident_quota",
    "onsite_visits_per_year",
    "onsite_overage_charged",
    "onsite_arrival_minutes",
    "max_contacts",
    "dedicated_tam",
    "health_checks_per_year",
    "required_licence",
    "requires_renewal",
    "signature_change_requests",
    "private_patches",
    "quarterly_reports",
    "daily_critical_reports",
    "malware_sample_processing",
    "malware_alerts",
    "free_updates_months",
    "warn_at_percent",
    "notify_customer_on_sla",
)


def tier_save(*, tier: Tier | None = None, targets: list[dict] | None = None, **fields) -> Tier:
    """Create or update a tier; `targets` (when given) replaces its severity targets.

    Incidents keep the target copied onto their clocks, so editing a tier never
    rewrites a promise already made.
    """
    unknown = set(fields) - set(TIER_FIELDS)
    if unknown:
        raise ValueError(f"Unknown tier fields: {sorted(unknown)}")
    if targets is not None:
        seen = set()
        for target in targets:
            key = (target["severity"], target["metric"])
            if key in seen:
                raise ValidationError(
                    {
                        "targets": [
                            _("Severity %(severity)s has two %(metric)s targets.")
                            % {"severity": key[0], "metric": key[1]}
                        ]
                    }
                )
            seen.add(key)
    with transaction.atomic():
        tier = tier or Tier()
        for name, value in fields.items():
            setattr(tier, name, value)
        tier.save()
        if targets is not None:
            _replace_rows(
                tier.targets.all(),
                {(t["severity"], t["metric"]): _target_terms(t) for t in targets},
                key=lambda row: (row.severity, row.metric),
                make=lambda k, v: SeverityTarget(tier=tier, severity=k[0], metric=k[1], **v),
            )
    return tier


def _target_terms(target: dict) -> dict:
    return {name: value for name, value in target.items() if name not in ("severity", "metric")}


def calendar_import_holidays(
    *, calendar: BusinessCalendar, country: str, year: int, subdivision: str | None = None
) -> list[Holiday]:
    """Add a country's public holidays for a year; dates already there are kept as they are."""
    country = country.upper()
    supported = holiday_data.list_supported_countries()
    if country not in supported:
        raise ValidationError(
            {
                "country": [
                    _("Unknown country code %(country)r: use ISO 3166-1 alpha-2, e.g. ES.")
                    % {"country": country}
                ]
            }
        )
    if subdivision and subdivision.upper() not in supported[country]:
        raise ValidationError(
            {
                "subdivision": [
                    _("%(country)s has no subdivision %(subdivision)r.")
                    % {"country": country, "subdivision": subdivision}
                ]
            }
        )
    if not 1900 <= year <= 2200:
        raise ValidationError(
            {"year": [_("Year %(year)s is out of range (1900-2200).") % {"year": year}]}
        )
    found = holiday_data.country_holidays(
        country, subdiv=subdivision.upper() if subdivision else None, years=year
    )
    with transaction.atomic():
        before = working_time(calendar.pk)
        existing = set(calendar.holidays.values_list("date", flat=True))
        added = [
            Holiday(calendar=calendar, date=day, name=name[:200])
            for day, name in sorted(found.items())
            if day not in existing
        ]
        for holiday in added:
            holiday.save()  # one by one: each addition is in the audit trail
        if added:
            cause = {
                "kind": CalendarChangeKind.HOLIDAYS_IMPORTED,
                "country": country + (f"-{subdivision.upper()}" if subdivision else ""),
                "year": year,
                "count": len(added),
                "calendar": calendar.name,
            }
            calendar_changed(calendar=calendar, before=before, causes=[cause])
    return added
