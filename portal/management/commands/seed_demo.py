"""Demo data for `make run`: staff, four customers on the four tiers, contacts.

Idempotent: running it again changes nothing that is already there.
"""

import datetime

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from contracts.models import BusinessCalendar, Contract, LicenceType, Product, Tier
from contracts.services import contract_create
from incidents.models import Incident, Kind
from incidents.services import incident_file, incident_reply
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
        "Office hours (Madrid)",
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
        "Office hours (Madrid)",
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
        for org_name, tz, tier_code, calendar_name, licence, contacts in CUSTOMERS:
            organization, _ = Organization.objects.get_or_create(
                name=org_name, defaults={"timezone": tz}
            )
            if not Contract.objects.filter(organization=organization).exists():
                tier = Tier.objects.get(code=tier_code)
                contract_create(
                    organization=organization,
                    tier=tier,
                    calendar=BusinessCalendar.objects.get(name=calendar_name),
                    starts_on=today - datetime.timedelta(days=90),
                    ends_on=today + datetime.timedelta(days=275),
                    renewal_valid_until=(
                        today + datetime.timedelta(days=275) if tier.requires_renewal else None
                    ),
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
        self._desk(users)
        self._incidents(users)
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
        incident_file(
            actor=acme,
            title="How do we exclude the backup folder?",
            description="Which policy setting excludes D:\\Backup from real-time protection?",
            severity=4,
            kind=Kind.QUESTION,
            product=endpoint,
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
