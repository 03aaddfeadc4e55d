"""Who is told: the one place that decides the recipients of every incident notification.

The customer side is the organisation's admins and the contact who filed (who also gets
a confirmation of their own filing); the provider side is the incident's assignee, else
the contract's TAM, else the duty manager on shift (tam.rota). SLA warnings and breaches
go to the assignee and the TAM, severity 1-2 breaches also to the duty managers (an
escalation), and to the customer's admins where the tier says so (and only then do
customers see them on the timeline).
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.utils import timezone

from contracts.models import Severity, Tier
from incidents.models import EventKind, Incident
from portal.models import MemberRole, StaffRole, User
from tam.availability import is_available
from tam.rota import on_duty

# A breach at these severities escalates to the duty managers.
ESCALATING_SEVERITIES = frozenset({Severity.CRITICAL, Severity.HIGH})


def duty_managers(at: datetime.datetime | None = None) -> list[User]:
    """Who is told as the duty manager: the one on shift by the rota, else (nobody on
    shift) every active duty manager, so an escalation never goes unheard."""
    person = on_duty(at)
    if person is not None:
        return [person]
    return list(User.objects.filter(staff_role=StaffRole.DUTY_MANAGER, is_active=True))


def escalates(kind: EventKind, severity: int) -> bool:
    return kind == EventKind.SLA_BREACH and severity in ESCALATING_SEVERITIES


# The SLA notices that tell of a promise at risk or broken: customers hear of them (by
# e-mail and on the incident's timeline) only where their tier says so.
SLA_NOTICES = frozenset({EventKind.SLA_WARNING, EventKind.SLA_BREACH})


def customer_told_of_sla(tier: Tier) -> bool:
    """Whether the tier tells customers of SLA warnings and breaches (`SLA_NOTICES`)."""
    return tier.notify_customer_on_sla


def hidden_from_customers(incident: Incident) -> frozenset[str]:
    """The event kinds the incident's customers do not see on its timeline (besides
    internal events): the SLA notices their tier does not tell them of."""
    return frozenset() if customer_told_of_sla(incident.contract.tier) else SLA_NOTICES


def customer_admins(organization_id: int) -> list[User]:
    return list(
        User.objects.filter(
            membership__organization_id=organization_id,
            membership__role=MemberRole.ADMIN,
            is_active=True,
        )
    )


def customer_side(incident: Incident) -> list[User]:
    """Who hears from the provider: the organisation's admins and the contact who filed."""
    people = customer_admins(incident.organization_id)
    filer = incident.filed_by
    if filer.is_active and not filer.is_provider_staff:
        people.append(filer)
    return people


def provider_side(incident: Incident) -> list[User]:
    """Who hears from the customer: the assignee, else the TAM if available now, else the
    duty manager (an incident routing left unassigned never goes to an absent TAM)."""
    if incident.assignee_id and incident.assignee.is_active:
        return [incident.assignee]
    tam = incident.contract.tam
    if tam is not None and tam.is_active and is_available(tam.pk, timezone.now()):
        return [tam]
    return duty_managers()


def for_filing(incident: Incident) -> list[User]:
    """The organisation's admins, the contact who filed (their confirmation with the promise,
    sent although they acted) and the provider side, unless that is the staff member who
    logged the call."""
    provider = [person for person in provider_side(incident) if person != incident.filed_by]
    return customer_side(incident) + provider


def for_reply(incident: Incident, *, by_staff: bool) -> list[User]:
    """A public reply goes to the other side (internal notes go to nobody)."""
    return customer_side(incident) if by_staff else provider_side(incident)


def for_status_change(incident: Incident) -> list[User]:
    return customer_side(incident) + provider_side(incident)


def contacts_of(organizations: Iterable[int]) -> dict[int, list[User]]:
    """Every active contact of each organisation, by organisation id, in one query (an
    organisation without one maps to an empty list): who hears of an alert or a fix."""
    people: dict[int, list[User]] = {organization_id: [] for organization_id in organizations}
    contacts = User.objects.filter(
        membership__organization_id__in=list(people), is_active=True
    ).select_related("membership")
    for person in contacts.order_by("pk"):
        people[person.membership.organization_id].append(person)
    return people


def for_stage_change(incident: Incident) -> list[User]:
    """A request's progress goes to the customer's side (the admins and who filed it)."""
    return customer_side(incident)


def for_sample_analysis(incident: Incident) -> list[User]:
    """A sample's analysis (the verdict and how to remove it) goes to the customer's side."""
    return customer_side(incident)


def for_assignment(assignee: User | None) -> list[User]:
    return [assignee] if assignee is not None else []


def _once(addresses: Iterable[str | None]) -> list[str]:
    """Each address once, in order (none empty)."""
    return list(dict.fromkeys(a for a in addresses if a))


def emails(people: Iterable[User | None], actor: User | None = None) -> list[str]:
    """Each active person's address once, in order, never the person who acted."""
    return _once(
        person.email
        for person in people
        if person is not None and person.is_active and person != actor
    )


# Columns of an SLA clock row (with its incident and contract) that `SlaAudience` reads.
SLA_ROW_FIELDS = (
    "pk",
    "organization_id",
    "incident_id",
    "metric",
    "due_at",
    "incident__number",
    "incident__severity",
    "incident__assignee_id",
    "incident__contract__tam_id",
    "incident__contract__tier__notify_customer_on_sla",
)


class SlaAudience:
    """The addresses a batch of SLA warnings or breaches tells, fetched once per batch
    (rows are SlaClock `.values(*SLA_ROW_FIELDS)`)."""

    def __init__(self, rows: list[dict]):
        staff_ids = {r["incident__assignee_id"] for r in rows} | {
            r["incident__contract__tam_id"] for r in rows
        }
        staff_ids.discard(None)
        active = User.objects.filter(is_active=True)
        self.staff = dict(active.filter(pk__in=staff_ids).values_list("pk", "email"))
        self.duty = [person.email for person in duty_managers()]
        tell_customers = {
            r["organization_id"]
            for r in rows
            if r["incident__contract__tier__notify_customer_on_sla"]
        }
        self.admins = defaultdict(list)
        for org_id, email in active.filter(
            membership__organization_id__in=tell_customers, membership__role=MemberRole.ADMIN
        ).values_list("membership__organization_id", "email"):
            self.admins[org_id].append(email)

    def escalated(self, row: dict, kind: EventKind) -> bool:
        """Whether this row's event goes to a duty manager (and is written as escalated)."""
        return bool(self.duty) and escalates(kind, row["incident__severity"])

    def recipients(self, row: dict, kind: EventKind) -> list[str]:
        """The assignee, the contract's TAM, the duty managers on a severity 1-2 breach,
        and the customer's admins only where the tier says so."""
        found = [
            self.staff.get(row["incident__assignee_id"]),
            self.staff.get(row["incident__contract__tam_id"]),
        ]
        if escalates(kind, row["incident__severity"]):
            found += self.duty
        if row["incident__contract__tier__notify_customer_on_sla"]:
            # Per row: an organisation's other contract may be on a tier that tells.
            found += self.admins.get(row["organization_id"], [])
        return _once(found)
