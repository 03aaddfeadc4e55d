"""The rules of malware alerts: who writes them, who they are addressed to, and how a body
is shown.

An alert is addressed, when it is published, to every organisation that holds an affected
product under a contract in force on its own calendar day whose tier has the alerts
entitlement (`Tier.malware_alerts`: AV Silver's "timely malware alerts and prevention
advice"); each active contact of such an organisation is sent it once. Who it was addressed
to is recorded then (`AlertAudience`), so a contract that ends later or a product added
later never rewrites who was told, and customers see exactly the alerts they were sent.
"""

import datetime
from dataclasses import dataclass

import markdown
import nh3
from django.db.models import Q
from django.utils import timezone
from django.utils.html import escape, linebreaks
from django.utils.safestring import SafeString, mark_safe

from contracts import holdings
from incidents import recipients
from incidents.models import Alert, AlertFormat
from portal.models import User

# What a Markdown body may become: text structure and links, nothing that runs, loads or
# styles (no images: an alert must not fetch from elsewhere when read).
MARKDOWN_TAGS = frozenset(
    {
        "a",
        "blockquote",
        "br",
        "code",
        "em",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "li",
        "ol",
        "p",
        "pre",
        "strong",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
MARKDOWN_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
LINK_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener"


def can_write_alerts(user: User) -> bool:
    """Provider staff write and publish alerts (API.md: "provider staff write")."""
    return user.is_authenticated and user.is_active and user.is_provider_staff


def is_published(alert: Alert) -> bool:
    return alert.published_at is not None


def body_html(text: str, body_format: str) -> SafeString:
    """The body as HTML that is safe to put in a page or a feed: plain text escaped with its
    paragraphs kept; Markdown rendered, then cleaned of every tag, attribute and link scheme
    not allowed above (raw HTML in the source is never trusted), links marked rel=nofollow."""
    if body_format != AlertFormat.MARKDOWN:
        return mark_safe(linebreaks(escape(text)))  # noqa: S308 (escaped just here)
    rendered = markdown.markdown(text, extensions=["tables", "fenced_code", "sane_lists"])
    cleaned = nh3.clean(
        rendered,
        tags=set(MARKDOWN_TAGS),
        attributes={tag: set(names) for tag, names in MARKDOWN_ATTRIBUTES.items()},
        url_schemes=set(LINK_SCHEMES),
        link_rel=LINK_REL,
    )
    return mark_safe(cleaned)  # noqa: S308 (sanitised by nh3 just here)


@dataclass(frozen=True)
class Audience:
    """Who an alert is addressed to: the people of each organisation, by organisation id."""

    people: dict[int, list[User]]

    @property
    def organizations(self) -> list[int]:
        return sorted(self.people)


def holders(alert: Alert, now: datetime.datetime) -> set[int]:
    """The organisations that hold one of the alert's products under a contract in force
    on their own calendar day whose tier has alerts (one query)."""
    return holdings.holders(Q(products__in=alert.products.all()), now, malware_alerts=True)


def audience(alert: Alert, now: datetime.datetime | None = None) -> Audience:
    """Every active contact of every organisation the alert is addressed to (two queries);
    an organisation without one is still addressed (its pages and feed show the alert)."""
    return Audience(recipients.contacts_of(holders(alert, now or timezone.now())))
