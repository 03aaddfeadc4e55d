"""Each organisation's Atom feed of the malware alerts addressed to it, at a secret address
(`Organization.alert_feed_key`) that feed readers fetch without logging in. A key that is
no organisation's (a rotated one included) is a 404."""

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext as _

from contracts.models import Severity
from incidents.alerts import body_html
from incidents.selectors.alerts import feed_alerts, feed_organization


class AlertFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, key: str):
        return feed_organization(key)

    def title(self, organization) -> str:
        return _("Malware alerts for %(organization)s") % {"organization": organization.name}

    def link(self, organization) -> str:
        return reverse("alert_list")

    def subtitle(self, organization) -> str:
        return _("Malware alerts and prevention advice from your support provider.")

    def items(self, organization):
        return feed_alerts(organization)

    def item_title(self, alert) -> str:
        return f"[{Severity(alert.severity).label}] {alert.title}"

    def item_description(self, alert) -> str:
        parts = [str(body_html(alert.body, alert.body_format))]
        if alert.prevention:
            parts.append(f"<h2>{_('Prevention advice')}</h2>")
            parts.append(str(body_html(alert.prevention, alert.body_format)))
        products = ", ".join(product.name for product in alert.products.all())
        parts.append(f"<p>{_('Affected products')}: {escape(products)}</p>")
        return "".join(parts)

    def item_link(self, alert) -> str:
        return reverse("alert_detail", args=[alert.pk])

    def item_pubdate(self, alert):
        return alert.published_at

    def item_updateddate(self, alert):
        return alert.published_at
