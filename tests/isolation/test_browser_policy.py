"""Every page and API answer carries the browser policy: a strict Content-Security-Policy,
a Permissions-Policy and Cache-Control: no-store, and no HTML page holds what that CSP
would block (an inline script, event handler or style)."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests.isolation.conftest import NOT_TENANT_KWARGS, own_url, walk

pytestmark = pytest.mark.django_db

REQUIRED_CSP = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "object-src": {"'none'"},
    "base-uri": {"'self'"},
    "frame-ancestors": {"'none'"},
    "form-action": {"'self'"},
}
UNSAFE = {"'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "data:", "http:", "https:"}
REFUSED_FEATURES = ("camera", "microphone", "geolocation", "payment", "usb")
# <script> types a browser does not run (data for a script, read with JSON.parse).
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}
SELECTOR_MODIFIER = re.compile(r"\b(from|target):\S+")


def page_routes():
    """Every named route, the admin's included, except allauth's one-time-key pages."""
    found = []
    for namespace, pattern, path in walk():
        if not pattern.name:
            continue
        kwargs = set(pattern.pattern.regex.groupindex) | set(
            getattr(pattern.pattern, "converters", {})
        )
        if kwargs & NOT_TENANT_KWARGS - {"format"}:
            continue
        if namespace.startswith("admin") and kwargs:
            continue  # the admin's object pages: its list and add pages stand for them
        found.append((namespace + pattern.name, frozenset(kwargs), path))
    return found


PAGE_ROUTES = page_routes()


def csp_of(response) -> dict[str, set[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"{response.request['PATH_INFO']}: no Content-Security-Policy"
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = set(sources)
    return directives


class InlineFinder(HTMLParser):
    """What a page holds that a CSP without 'unsafe-inline' blocks."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name in attributes:
            if name == "style" or name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if name in {"hx-on", "hx-vars"} or name.startswith("hx-on"):
                self.found.append(f"<{tag} {name}=...> (htmx would eval it)")
        if (attributes.get("hx-vals") or "").startswith("js:"):
            self.found.append(f"<{tag} hx-vals=js:...> (htmx would eval it)")
        # A [condition] is evaluated; a [attribute] in a from:/target: selector is not.
        if "[" in SELECTOR_MODIFIER.sub("", attributes.get("hx-trigger") or ""):
            self.found.append(f"<{tag} hx-trigger=...[filter]> (htmx would eval it)")
        if tag == "style":
            self.found.append("<style>")
        running = attributes.get("type") not in DATA_SCRIPT_TYPES
        if tag == "script" and "src" not in attributes and running:
            self.found.append("<script> without src")
        if tag == "a" and (attributes.get("href") or "").lower().startswith("javascript:"):
            self.found.append("<a href=javascript:...>")


def assert_browser_policy(response, where: str) -> None:
    csp = csp_of(response)
    if csp.get("default-src") == {"'none'"} and "sandbox" in csp:
        # A file served as itself (incidents/files.py): nothing in it may load or run.
        assert len(csp) == 2, f"{where}: {csp}"
    else:
        assert_the_sites_policy(csp, where)

    permissions = response.headers.get("Permissions-Policy", "")
    for feature in REFUSED_FEATURES:
        assert f"{feature}=()" in permissions, f"{where}: Permissions-Policy allows {feature}"
    assert "no-store" in response.headers.get("Cache-Control", ""), f"{where}: cacheable"

    if response.headers.get("Content-Type", "").startswith("text/html"):
        finder = InlineFinder()
        finder.feed(response.content.decode())
        assert not finder.found, f"{where}: {finder.found}"


def assert_the_sites_policy(csp: dict[str, set[str]], where: str) -> None:
    for directive, sources in REQUIRED_CSP.items():
        assert csp.get(directive) == sources, f"{where}: {directive} is {csp.get(directive)}"
    for directive, sources in csp.items():
        if directive != "img-src":
            assert not sources & UNSAFE, f"{where}: {directive} allows {sources & UNSAFE}"
    assert csp["img-src"] <= {"'self'", "data:"}, f"{where}: img-src {csp['img-src']}"


def url_of(route_name, kwargs, world) -> str:
    return own_url(route_name, kwargs, world) if kwargs else reverse(route_name)


@pytest.mark.parametrize("who", ["anonymous", "customer admin", "customer member", "staff"])
def test_every_route_answers_with_the_browser_policy(client, world, ours, provider_admin, who):
    """One walk per caller (the world is costly to build): every route, its status whatever
    it is (a refusal, a redirect to the login page, a 404 carry the headers too)."""
    client.raise_request_exception = False  # a server error must carry the headers too
    users = {"customer admin": ours.admin, "customer member": ours.member, "staff": provider_admin}
    if who in users:
        client.force_login(users[who])
    failures = []
    for route_name, kwargs, _ in PAGE_ROUTES:
        url = url_of(route_name, kwargs, world)
        response = client.get(url)
        try:
            assert_browser_policy(response, f"GET {url} as {who} ({response.status_code})")
        except AssertionError as failure:
            failures.append(str(failure).splitlines()[0])
    assert not failures, "\n".join(failures)


def test_the_walk_reaches_the_main_pages_and_the_admin():
    names = {name for name, _, _ in PAGE_ROUTES}
    assert {"incident_list", "incident_detail", "desk", "api_docs", "account_login"} <= names
    assert {"admin:index", "admin:contracts_contract_changelist"} <= names


def test_the_inline_finder_finds_what_the_policy_blocks():
    finder = InlineFinder()
    finder.feed(
        '<p style="x"></p><select onchange="go()"></select><script>run()</script>'
        '<style>p{}</style><a href="javascript:go()"></a><div hx-on:click="go()"></div>'
        '<div hx-vals="js:{a: go()}"></div><div hx-trigger="every 1s [go()]"></div>'
        '<form hx-trigger="change, keyup changed delay:400ms from:input[name=q]"></form>'
        '<script type="application/json">{}</script><script src="/s.js"></script>'
    )
    assert len(finder.found) == 8, finder.found
