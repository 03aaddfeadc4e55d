"""The rules of signature change requests (TIERS.md, "Signature change requests"), each in
one place: the databases a request must be filed on, who moves it along its stages, and
which customers hear of a released fix.

- A request is accepted "provided the latest available antivirus databases are in use":
  the database version named must be the product's latest release (a product with no
  release on record has nothing to compare, and is accepted). Staff filing for a customer
  on older databases may override the check, saying why.
- The requests are "processed by a dedicated group of specialists": the "Signature
  analysts" group (and provider admins) take one to analysing, release its fix or find the
  detection right. Informing the customer of the fix is the dedicated TAM's (or backup
  TAM's) on tiers with one, else the analysts'.
- A released fix is told to every customer whose tier has signature change requests and
  who holds the product under a contract in force, once per active contact.
"""

import datetime

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext as _

from contracts import holdings
from contracts.holdings import latest_release
from contracts.models import DatabaseRelease, Product
from incidents.models import Incident, Kind, Stage
from portal.errors import ContractRuleError, RuleCode
from portal.models import User

ANALYSTS = "Signature analysts"
# The stages only the analysts (and provider admins) move a request to.
ANALYST_STAGES = frozenset({Stage.ANALYSING, Stage.RELEASED, Stage.NOT_CONFIRMED})


def analysts_group() -> Group:
    """The group, made on first use if the data migration's row was flushed (tests)."""
    return Group.objects.get_or_create(name=ANALYSTS)[0]


def is_analyst(user: User) -> bool:
    return (
        user.is_active
        and user.is_provider_staff
        and (user.is_provider_admin or user.groups.filter(name=ANALYSTS).exists())
    )


def databases_refusal(
    product: Product, database_version: str, *, staff: bool = False
) -> ContractRuleError | None:
    """Why a request on `database_version` of `product`'s databases is refused (409
    `databases_outdated`, naming the version to update to), or None when it is the latest
    release or the product has none on record."""
    latest = latest_release(product)
    if latest is None or latest.version == database_version.strip():
        return None
    message = _(
        "Signature changes are made for the latest antivirus databases, and %(product)s's "
        "latest release is %(latest)s (you named %(named)s). Update to %(latest)s, check "
        "that the file is still detected (or missed), and file again naming that version."
    ) % {"product": product.name, "latest": latest.version, "named": database_version}
    if staff:
        message += " " + _("Staff filing for a customer may override this, giving the reason.")
    return ContractRuleError(RuleCode.DATABASES_OUTDATED, message)


def informer_ids(incident: Incident) -> set[int]:
    """Who tells the customer of the fix on a tier with a dedicated TAM: the contract's TAM
    and backup TAM (empty: the tier has none, the analysts do)."""
    contract = incident.contract
    if not contract.tier.dedicated_tam:
        return set()
    return {pk for pk in (contract.tam_id, contract.backup_tam_id) if pk}


def check_mover(incident: Incident, actor: User, stage: str) -> None:
    """Refuse (403) a staff member who is not the one to move a signature change there."""
    if incident.kind != Kind.SIGNATURE_CHANGE:
        return
    if stage in ANALYST_STAGES and not is_analyst(actor):
        raise PermissionDenied(
            _(
                "Signature change requests are analysed by the signature analysts: ask one "
                "of them (or a provider admin) to move it to %(stage)s."
            )
            % {"stage": Stage(stage).label}
        )
    if stage == Stage.INFORMED:
        informers = informer_ids(incident)
        if informers and actor.pk not in informers and not actor.is_provider_admin:
            raise PermissionDenied(
                _(
                    "On the %(tier)s tier the customer's TAM informs them of the fix: ask "
                    "the TAM or backup TAM of the contract."
                )
                % {"tier": incident.contract.tier.name}
            )
        if not informers and not is_analyst(actor):
            raise PermissionDenied(
                _("The signature analysts inform the customer of the fix: ask one of them.")
            )


def fix_holders(release: DatabaseRelease, now: datetime.datetime) -> set[int]:
    """The organisations told of a released fix: those holding the release's product under
    a contract in force on their own day whose tier has signature change requests."""
    return holdings.holders(Q(products=release.product_id), now, signature_change_requests=True)
