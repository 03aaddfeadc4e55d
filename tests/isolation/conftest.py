"""The isolation walk's tools: every route, each tenant's secrets, and the objects of both
tenants for every kind of path argument. The walks are in test_isolation.py (customers)
and test_roles.py (anonymous callers and the provider's roles)."""

import datetime
import itertools
import secrets
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.text import slugify

from contracts.models import Product
from portal.models import MemberRole, StaffRole
from portal.tokens import token_create
from tam.models import Absence, AbsenceReason, DutyShift
from tests.factories import IncidentFactory, StaffFactory, TierFactory
from tests.incidents.alert_helpers import addressed

# Path arguments that carry no tenant object (allauth's one-time keys, DRF's format suffix).
NOT_TENANT_KWARGS = {"uidb36", "key", "format"}
# The Django admin: provider admins only; checked separately below.
SKIP_NAMESPACES = {"admin"}
METHODS = ("get", "post", "put", "patch", "delete")


def walk(resolver: URLResolver | None = None, namespace: str = "", prefix: str = ""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry, ns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield namespace, entry, prefix + str(entry.pattern)


def routes():
    found = []
    for namespace, pattern, path in walk():
        if namespace.rstrip(":") in SKIP_NAMESPACES:
            continue
        kwargs = set(pattern.pattern.regex.groupindex) | set(
            getattr(pattern.pattern, "converters", {})
        )
        if kwargs - NOT_TENANT_KWARGS:
            assert pattern.name, f"Route {path} has no name: name it so it can be tested"
            found.append((namespace + pattern.name, frozenset(kwargs), path))
    return found


ROUTES = routes()


# Made afresh for each run, so no template, seed row or earlier run can hold it: finding a
# tenant's mark in a response can only mean that tenant's incident or file got there.
RUN_TOKEN = secrets.token_hex(8)


@dataclass(frozen=True)
class Secret:
    """What only one tenant may read: its incident's title and description, its file's name
    and contents, each distinct from the other tenant's (a shared text could not tell whose
    leaked)."""

    mark: str
    title: str
    description: str
    file_name: str
    file_content: bytes

    @classmethod
    def of(cls, tenant) -> "Secret":
        name = tenant.organization.name
        mark = f"{slugify(name)}-{RUN_TOKEN}"
        return cls(
            mark=mark,
            # The old fixed texts stay as prefixes, so the checks on them keep their meaning.
            title=f"{name} incident {mark}-title",
            description=f"Secret details of {mark}-description",
            file_name=f"report-{mark}-name.txt",
            file_content=f"log lines of {mark}-contents".encode(),
        )

    def parts(self) -> dict[str, bytes]:
        return {
            "title": self.title.encode(),
            "description": self.description.encode(),
            "attachment name": self.file_name.encode(),
            "attachment contents": self.file_content,
            # Any piece of it: a truncated or reworded field still carries the mark.
            "mark": self.mark.encode(),
        }


def content_of(response) -> bytes:
    """The whole body, read from the stream for file downloads."""
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def assert_none_of(secret: Secret, content: bytes, where: str) -> None:
    for part, value in secret.parts().items():
        assert value not in content, f"{where}: the {part} of {secret.mark} leaked"


@pytest.fixture
def world(ours, theirs):
    """Objects of the other tenant, and of ours, for every kind of path argument."""
    # A tier and calendar only the other tenant's contract uses.
    their_tier = TierFactory(code="theirs-only")
    theirs.contract.tier = their_tier
    theirs.contract.save(update_fields=["tier"])
    staff_user = StaffFactory()
    our_secret, their_secret = Secret.of(ours), Secret.of(theirs)
    our_incident, our_file = file_incident_with_attachment(ours, our_secret)
    their_incident, their_file = file_incident_with_attachment(theirs, their_secret)
    assert our_secret.mark != their_secret.mark
    people = desk_people()
    our_alert = addressed(ours.organization, title=f"Alert {our_secret.mark}")
    their_alert = addressed(theirs.organization, title=f"Alert {their_secret.mark}")
    our_catalogue, their_catalogue = held_catalogue(ours), held_catalogue(theirs)
    our_token, _key = token_create(user=ours.admin, name="ours")
    their_token, _key = token_create(user=theirs.admin, name="theirs")
    return {
        "secrets": {"ours": our_secret, "theirs": their_secret},
        "theirs": {
            "organization": theirs.organization.pk,
            "contract": theirs.contract.pk,
            "membership": theirs.member_membership.pk,
            "calendar": theirs.contract.calendar_id,
            "tier": their_tier.pk,
            "staff": staff_user.pk,
            "incident": their_incident.pk,
            "attachment": their_file.pk,
            "token": their_token.pk,
            "alert": their_alert.pk,
            **people,
            **their_catalogue,
        },
        "ours": {
            "organization": ours.organization.pk,
            "contract": ours.contract.pk,
            "membership": ours.member_membership.pk,
            "calendar": ours.contract.calendar_id,
            "tier": ours.contract.tier_id,
            "staff": staff_user.pk,
            "incident": our_incident.pk,
            "attachment": our_file.pk,
            "token": our_token.pk,
            "alert": our_alert.pk,
            **people,
            **our_catalogue,
        },
    }


# -- the TAM desk's people pages: provider-side objects, the same for "ours" and "theirs" ----

# Staff-only pages with an object in the path: reachable by a provider admin, not a customer.
STAFF_ONLY_ROUTES = {
    "portfolio",
    "absence_delete",
    "shift_delete",
    # Malware alerts: staff write and publish them.
    "alert_edit",
    "alert_publish",
    *(f"{basename}-{kind}" for basename in ("absence", "shift") for kind in ("list", "detail")),
}


def desk_people() -> dict[str, int]:
    """An absence and a duty shift of a duty manager (nobody's tenant holds them)."""
    now = timezone.now()
    manager = StaffFactory(staff_role=StaffRole.DUTY_MANAGER)
    span = {"starts_at": now, "ends_at": now + datetime.timedelta(days=1)}
    absence = Absence.objects.create(staff=manager, reason=AbsenceReason.LEAVE, **span)
    shift = DutyShift.objects.create(staff=manager, **span)
    return {"absence": absence.pk, "shift": shift.pk}


# -- end of the people pages' objects -------------------------------------------------------


def held_catalogue(tenant) -> dict[str, int]:
    """A product only the tenant's contract covers, and a database release of it."""
    product = Product.objects.create(name=f"{tenant.organization.name} product", vendor="")
    tenant.contract.products.add(product)
    release = product.releases.create(version="2026.11.29.1", released_at=timezone.now())
    return {"product": product.pk, "release": release.pk}


def file_incident_with_attachment(tenant, secret: Secret):
    incident = IncidentFactory(
        actor=tenant.admin,
        title=secret.title,
        description=secret.description,
        severity=2,
        uploads=[(SimpleUploadedFile(secret.file_name, secret.file_content), False)],
    )
    return incident, incident.attachments.get()


# For a DRF route, what its `pk` is, by basename; other kwargs by their own name.
PK_BY_ROUTE = {
    "calendar": "calendar",
    "tier": "tier",
    "organization": "organization",
    "contract": "contract",
    "member": "membership",
    "staff": "staff",
    "incident": "incident",
    # The TAM desk's API: absences and the duty rota.
    "absence": "absence",
    "shift": "shift",
    # API tokens: each person's own.
    "apitoken": "token",
    # Malware alerts: a customer's are those addressed to their organisation.
    "alert": "alert",
    # The catalogue: customers read the products their contracts cover and the releases
    # of those they hold.
    "product": "product",
    "release": "release",
}
KIND_BY_KWARG = {
    "organization_id": "organization",
    "organization_pk": "organization",
    "contract_id": "contract",
    "membership_id": "membership",
    "incident_id": "incident",
    "attachment_id": "attachment",
    # The TAM desk's people pages.
    "absence_id": "absence",
    "shift_id": "shift",
    "token_id": "token",
    # A staff member's tokens on the staff page (provider admins only).
    "staff_id": "staff",
    "alert_id": "alert",
}


def kwarg_kind(route_name: str, kwarg: str) -> str:
    if kwarg == "pk":
        basename = route_name.rsplit("-", 1)[0]
        assert basename in PK_BY_ROUTE, f"Map the pk of route {route_name} in PK_BY_ROUTE"
        return PK_BY_ROUTE[basename]
    assert kwarg in KIND_BY_KWARG, f"Map path argument {kwarg} ({route_name}) in KIND_BY_KWARG"
    return KIND_BY_KWARG[kwarg]


def url_for(route_name: str, kwargs: frozenset, sides: dict[str, dict]) -> str:
    """The route's URL with each path argument taken from the side named for it."""
    values = {}
    for kwarg in kwargs:
        if kwarg == "format":
            values[kwarg] = "json"
            continue
        values[kwarg] = sides[kwarg][kwarg_kind(route_name, kwarg)]
    return reverse(route_name, kwargs=values)


def foreign_urls(route_name: str, kwargs: frozenset, world: dict) -> set[str]:
    """Every mix of our and their objects in the path, except all ours."""
    names = sorted(k for k in kwargs if k != "format")
    urls = set()
    for mix in itertools.product(("ours", "theirs"), repeat=len(names)):
        if "theirs" not in mix:
            continue
        sides = {name: world[side] for name, side in zip(names, mix, strict=True)}
        sides["format"] = world["ours"]
        urls.add(url_for(route_name, kwargs, sides))
    return urls


def own_url(route_name: str, kwargs: frozenset, world: dict) -> str:
    return url_for(route_name, kwargs, dict.fromkeys(kwargs, world["ours"]))


def customer(tenant, role):
    return tenant.admin if role == MemberRole.ADMIN else tenant.member
