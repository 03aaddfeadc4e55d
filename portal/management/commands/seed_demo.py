"""Demo data for `make run`: staff, four customers on the four tiers, contacts.

Idempotent: running it again changes nothing that is already there.
"""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from contracts.catalogue_models import ProductVersion
from contracts.holdings import latest_release
from contracts.models import BusinessCalendar, Contract, LicenceType, Product, Tier
from contracts.rules import one_year_ends_on
from contracts.services import calendar_save, contract_create
from incidents.models import (
    Alert,
    AlertFormat,
    Incident,
    Kind,
    SampleVerdict,
    SignatureVerdict,
    Stage,
)
from incidents.services import attachment_add, incident_file, incident_reply
from incidents.services.alerts import alert_create, alert_publish
from incidents.services.samples import sample_analyse
from incidents.services.stages import incident_move_stage
from incidents.signature_rules import analysts_group
from portal.management.demo_catalogue import seed_catalogue
from portal.models import MemberRole, Membership, Organization, StaffRole, User
from tam.models import DutyShift, WorkingHours

DEMO_PASSWORD = "demo-portal"

PRODUCTS = [
    ("Endpoint Security for Business", "Kaspersky"),
    ("Security for Mail Server", "Kaspersky"),
    ("Apex One", "Trend Micro"),
]

STAFF = [
    ("admin@provider.example", "Ada Admin", StaffRole.ADMIN),
    ("engineer@provider.example", "Eli Engineer", StaffRole.ENGINEER),
    ("tam@provider.example", "Tara TAM", StaffRole.TAM),
    ("backup@provider.example", "Bruno Backup", StaffRole.TAM),
    ("duty@provider.example", "Dan Duty", StaffRole.DUTY_MANAGER),
]


def _weekdays(*spans: tuple[int, int]) -> list[tuple[int, datetime.time, datetime.time]]:
    """Monday to Friday, the same local windows (hour spans) each day."""
    return [
        (day, datetime.time(start), datetime.time(end)) for day in range(5) for start, end in spans
    ]


# Each customer's working time in its own zone (the seeded "Office hours (Madrid)" and
# "24x7" come with the catalogue). AV Silver's remote support is 8 hours x 5 days a week.
CALENDARS = [
    ("Office hours (São Paulo)", "America/Sao_Paulo", _weekdays((9, 18))),
    ("Office hours (Ho Chi Minh City)", "Asia/Ho_Chi_Minh", _weekdays((8, 12), (13, 17))),
]

# organisation, time zone, tier code, calendar name, licence, contacts (email, name, role)
CUSTOMERS = [
    (
        "Acme Bank",
        "Europe/Madrid",
        "msa-enterprise",
        "Office hours (Madrid)",
        LicenceType.STANDARD,
        [
            ("admin@acme.example", "Alice Acme", MemberRole.ADMIN),
            ("member@acme.example", "Mario Acme", MemberRole.MEMBER),
        ],
    ),
    (
        "Globex Retail",
        "America/Sao_Paulo",
        "msa-start",
        "Office hours (São Paulo)",
        LicenceType.STANDARD,
        [("admin@globex.example", "Gloria Globex", MemberRole.ADMIN)],
    ),
    (
        "Initech Health",
        "Asia/Kathmandu",
        "msa-premium-tam",
        "24x7",
        LicenceType.PLUS,
        [("admin@initech.example", "Ivan Initech", MemberRole.ADMIN)],
    ),
    (
        "Saigon Logistics",
        "Asia/Ho_Chi_Minh",
        "av-silver",
        "Office hours (Ho Chi Minh City)",
        LicenceType.STANDARD,
        [("admin@saigon.example", "Lan Saigon", MemberRole.ADMIN)],
    ),
]


class Command(BaseCommand):
    help = "Load demo organisations, contracts and logins (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        today = timezone.localdate()
        users = {}
        for email, name, role in STAFF:
            users[email] = self._user(
                email, name, staff_role=role, superuser=role == StaffRole.ADMIN
            )
        for name, zone, hours in CALENDARS:
            if not BusinessCalendar.objects.filter(name=name).exists():
                calendar_save(name=name, timezone=zone, hours=hours)
        for org_name, tz, tier_code, calendar_name, licence, contacts in CUSTOMERS:
            organization, _ = Organization.objects.get_or_create(
                name=org_name, defaults={"timezone": tz}
            )
            if not Contract.objects.filter(organization=organization).exists():
                tier = Tier.objects.get(code=tier_code)
                # A one-year contract: its contract year ends on the contract's last day.
                starts_on = today - datetime.timedelta(days=90)
                ends_on = one_year_ends_on(starts_on)
                contract_create(
                    organization=organization,
                    tier=tier,
                    calendar=BusinessCalendar.objects.get(name=calendar_name),
                    starts_on=starts_on,
                    ends_on=ends_on,
                    renewal_valid_until=ends_on if tier.requires_renewal else None,
                    licence_type=licence,
                    purchased_on=today - datetime.timedelta(days=100),
                    tam=users["tam@provider.example"] if tier.dedicated_tam else None,
                    backup_tam=users["backup@provider.example"] if tier.dedicated_tam else None,
                )
            for email, name, role in contacts:
                user = self._user(email, name)
                Membership.objects.get_or_create(
                    user=user, defaults={"organization": organization, "role": role}
                )
        for name, vendor in PRODUCTS:
            Product.objects.get_or_create(name=name, defaults={"vendor": vendor})
        seed_catalogue()  # versions, releases, and the products each contract covers
        self._desk(users)
        self._incidents(users)
        self._alerts(users)
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, _, role in STAFF:
            self.stdout.write(f"  {email:<28} provider {role}")
        for org_name, _, tier_code, _, _, contacts in CUSTOMERS:
            for email, _, role in contacts:
                self.stdout.write(f"  {email:<28} {role} of {org_name} ({tier_code})")

    def _desk(self, users) -> None:
        """Working hours for the TAMs, and a duty manager on shift around the clock for the
        next two weeks, but for one night left open (so the rota shows a gap)."""
        hours = BusinessCalendar.objects.get(name="Office hours (Madrid)")
        for email in ("tam@provider.example", "backup@provider.example"):
            WorkingHours.objects.get_or_create(staff=users[email], defaults={"calendar": hours})
        if DutyShift.objects.exists():
            return
        duty = users["duty@provider.example"]
        start = timezone.now().replace(minute=0, second=0, microsecond=0)
        for day in range(14):
            if day == 9:
                continue
            DutyShift.objects.create(
                staff=duty,
                starts_at=start + datetime.timedelta(days=day),
                ends_at=start + datetime.timedelta(days=day + 1),
            )

    def _incidents(self, users) -> None:
        if Incident.objects.exists():
            return
        acme = User.objects.get(email="admin@acme.example")
        engineer = users["engineer@provider.example"]
        endpoint = Product.objects.get(name="Endpoint Security for Business")
        first = incident_file(
            actor=acme,
            title="Scans stop on file servers after the last update",
            description="Since this morning the on-demand scans on our file servers stop at 12%.",
            severity=2,
            product=endpoint,
        )
        incident_reply(
            incident=first,
            author=engineer,
            body="Thank you. Please send the trace logs from one file server.",
        )
        self._signature_request(acme, engineer, endpoint)
        self._security_requests(acme, engineer, first, endpoint)
        incident_file(
            actor=acme,
            title="How do we exclude the backup folder?",
            description="Which policy setting excludes D:\\Backup from real-time protection?",
            severity=4,
            kind=Kind.QUESTION,
            product=endpoint,
        )

    def _signature_request(self, customer: User, analyst: User, product: Product) -> None:
        """A false positive on the latest databases, taken by the analyst (a member of the
        signature analysts, who move such requests)."""
        analysts_group().user_set.add(analyst)
        latest = latest_release(product)
        request = incident_file(
            actor=customer,
            title="Our invoices are quarantined as Trojan.PDF.Fake",
            description="Every PDF invoice our ERP makes is detected since this morning.",
            severity=3,
            kind=Kind.SIGNATURE_CHANGE,
            product=product,
            signature={
                "verdict": SignatureVerdict.FALSE_POSITIVE,
                "database_version": latest.version if latest else "1",
                "file_name": "invoice-2026-0042.pdf",
                "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                "detection_name": "Trojan.PDF.Fake",
            },
        )
        incident_move_stage(incident=request, actor=analyst, stage=Stage.ANALYSING)

    def _alerts(self, users) -> None:
        """A published malware alert about the product the AV Silver customer holds."""
        if Alert.objects.exists():
            return
        apex = Product.objects.get(name="Apex One")
        Contract.objects.get(organization__name="Saigon Logistics").products.add(apex)
        alert = alert_create(
            author=users["engineer@provider.example"],
            title="Ransomware spreading through shared folders",
            body_format=AlertFormat.MARKDOWN,
            body=(
                "A ransomware family is encrypting **shared network folders** from one "
                "infected PC.\n\n- Detected as `Ransom.Win32.DEMO`\n- Spreads over SMB"
            ),
            prevention="Update the pattern files today and turn on behaviour monitoring.",
            severity=2,
            products=[apex],
        )
        alert_publish(alert=alert, publisher=users["engineer@provider.example"])

    def _security_requests(self, acme, engineer, first, endpoint) -> None:
        """A private patch for a version in limited support (accepted), and a malware
        sample on the first incident with its analysis."""
        version = ProductVersion.objects.filter(product=endpoint, version="12.1").first()
        if version is not None:
            patch = incident_file(
                actor=acme,
                title="Hotfix for the scan stops on 12.1",
                description="We cannot upgrade the file servers before March.",
                severity=3,
                kind=Kind.PRIVATE_PATCH,
                product_version=version,
            )
            incident_move_stage(incident=patch, actor=engineer, stage=Stage.ACCEPTED)
        sample = attachment_add(
            incident=first,
            actor=acme,
            upload=SimpleUploadedFile("invoice-0412.pdf.exe", b"demo sample, harmless text"),
            sample=True,
        )
        sample_analyse(
            incident=first,
            attachment=sample,
            actor=engineer,
            verdict=SampleVerdict.MALICIOUS,
            detection_name="Trojan.Win32.Demo.a",
            release=endpoint.releases.order_by("-released_at").first(),
            removal="Update the databases, then run a full scan; quarantine what it finds.",
        )

    def _user(self, email: str, name: str, staff_role: str = "", superuser: bool = False) -> User:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email,
                password=DEMO_PASSWORD,
                full_name=name,
                staff_role=staff_role,
                is_superuser=superuser,
            )
        return user
