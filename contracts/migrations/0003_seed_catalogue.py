"""The default tier catalogue of TIERS.md and two calendars.

Every figure is as the source documents state it; where a document states no
target there is no target row (never a made-up default).
"""

import datetime

from django.db import migrations

TIERS = [
    {
        "code": "msa-start",
        "name": "MSA Start",
        "description": (
            "Premium support for the vendor's business products. Premium requests have "
            "priority over the standard support package. Severity 2 requests are processed "
            "in a reasonable time according to their nature; severities 3 and 4 carry no "
            "stated target."
        ),
        "support_hours": "Requests accepted 24 hours a day, 365 days a year",
        "channels": "Web portal, priority phone line, e-mail if the company account cannot be reached",
        "premium_incident_quota": 6,
        "signature_change_requests": True,
        "targets": [(1, "first_response", 6 * 60, "business")],
    },
    {
        "code": "msa-enterprise",
        "name": "MSA Enterprise",
        "description": (
            "Unlimited incidents with a dedicated Technical Account Manager, reachable Monday "
            "to Friday in local working hours; when the TAM is unavailable, requests go to the "
            "duty manager. Quarterly reports, a daily report for the highest severity, private "
            "patches on commercially reasonable efforts, and a yearly remote health check (one "
            "working day, agreed at least two weeks in advance). Enterprise requests have "
            "priority over the standard package."
        ),
        "support_hours": "Requests accepted 24 hours a day, 365 days a year",
        "channels": "Web portal, priority phone line, e-mail if the company account cannot be reached",
        "dedicated_tam": True,
        "health_checks_per_year": 1,
        "signature_change_requests": True,
        "private_patches": True,
        "quarterly_reports": True,
        "daily_critical_reports": True,
        "targets": [
            (1, "first_response", 30, "calendar"),
            (2, "first_response", 4 * 60, "calendar"),
            (3, "first_response", 6 * 60, "business"),
            (4, "first_response", 8 * 60, "business"),
        ],
    },
    {
        "code": "msa-premium-tam",
        "name": "Premium with TAM (MSA Plus)",
        "description": (
            "For customers who already hold a Plus licence of the vendor's business products. "
            "A dedicated TAM focused on proactive problem solving; unlimited incidents through "
            "eight technical support contacts; the highest priority compared with the standard "
            "package."
        ),
        "support_hours": "Priority line 24 hours a day, 7 days a week",
        "channels": "Web portal, priority phone line, e-mail if the company account cannot be reached",
        "max_contacts": 8,
        "dedicated_tam": True,
        "required_licence": "plus",
        "signature_change_requests": True,
        "targets": [
            (1, "first_response", 30, "calendar"),
            (2, "first_response", 4 * 60, "calendar"),
            (3, "first_response", 6 * 60, "calendar"),
            (4, "first_response", 8 * 60, "calendar"),
        ],
    },
    {
        "code": "av-silver",
        "name": "AV Silver Service",
        "description": (
            "A reseller's on-site service for customers of the vendor's antivirus: consulting, "
            "an Outbreak Prevention Policy, on-site support by certified engineers (malware "
            "outbreaks, restoring damaged computers, faulty or misconfigured components, "
            "configuration, updates and patches, deployment on new PCs, reinstalling server "
            "components), malware sample processing and malware alerts. Only for customers "
            "with a valid licence who currently hold a renewal; computers not running the "
            "vendor's anti-malware product are not supported. Data damaged by malware is not "
            "guaranteed to be recovered."
        ),
        "support_hours": "Remote support by phone and e-mail 8 hours x 5 days a week",
        "channels": "Phone, e-mail, on site",
        "onsite_visits_per_year": 12,
        "onsite_overage_charged": True,
        "onsite_arrival_minutes": 120,
        "required_licence": "any",
        "requires_renewal": True,
        "malware_sample_processing": True,
        "malware_alerts": True,
        "free_updates_months": 12,
        "targets": [],
    },
]


def seed(apps, schema_editor):
    Tier = apps.get_model("contracts", "Tier")
    SeverityTarget = apps.get_model("contracts", "SeverityTarget")
    BusinessCalendar = apps.get_model("contracts", "BusinessCalendar")
    CalendarWindow = apps.get_model("contracts", "CalendarWindow")

    for spec in TIERS:
        spec = dict(spec)
        targets = spec.pop("targets")
        tier, created = Tier.objects.get_or_create(code=spec["code"], defaults=spec)
        if created:
            for severity, metric, minutes, clock in targets:
                SeverityTarget.objects.create(
                    tier=tier, severity=severity, metric=metric, minutes=minutes, clock=clock
                )

    BusinessCalendar.objects.get_or_create(
        name="24x7", defaults={"timezone": "UTC", "always_open": True}
    )
    office, created = BusinessCalendar.objects.get_or_create(
        name="Office hours (Madrid)", defaults={"timezone": "Europe/Madrid"}
    )
    if created:
        for weekday in range(5):
            CalendarWindow.objects.create(
                calendar=office,
                weekday=weekday,
                start=datetime.time(9, 0),
                end=datetime.time(18, 0),
            )


class Migration(migrations.Migration):
    dependencies = [("contracts", "0002_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
