"""Demo data for `make run`: staff, four customers on the four tiers, contacts.

Idempotent: running it again changes nothing that is already there.
"""

import datetime

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from contracts.models import BusinessCalendar, Contract, Tier
from contracts.services import contract_create
from portal.models import MemberRole, Membership, Organization, StaffRole, User

DEMO_PASSWORD = "demo-portal"

STAFF = [
    ("admin@provider.example", "Ada Admin", StaffRole.ADMIN),
    ("engineer@provider.example", "Eli Engineer", StaffRole.ENGINEER),
    ("tam@provider.example", "Tara TAM", StaffRole.TAM),
    ("duty@provider.example", "Dan Duty", StaffRole.DUTY_MANAGER),
]

# organisation, time zone, tier code, calendar name, licence, contacts (email, name, role)
CUSTOMERS = [
    (
        "Acme Bank",
        "Europe/Madrid",
        "msa-enterprise",
        "Office hours (Madrid)",
        "standard",
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
        "standard",
        [("admin@globex.example", "Gloria Globex", MemberRole.ADMIN)],
    ),
    (
        "Initech Health",
        "Asia/Kathmandu",
        "msa-premium-tam",
        "24x7",
        "plus",
        [("admin@initech.example", "Ivan Initech", MemberRole.ADMIN)],
    ),
    (
        "Saigon Logistics",
        "Asia/Ho_Chi_Minh",
        "av-silver",
        "Office hours (Madrid)",
        "standard",
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
            users[email] = self._user(email, name, staff_role=role, superuser=role == "admin")
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
                )
            for email, name, role in contacts:
                user = self._user(email, name)
                Membership.objects.get_or_create(
                    user=user, defaults={"organization": organization, "role": role}
                )
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, _, role in STAFF:
            self.stdout.write(f"  {email:<28} provider {role}")
        for org_name, _, tier_code, _, _, contacts in CUSTOMERS:
            for email, _, role in contacts:
                self.stdout.write(f"  {email:<28} {role} of {org_name} ({tier_code})")

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
