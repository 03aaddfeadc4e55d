"""Schemathesis hooks for tests/portal/test_schemathesis.py: the ids that exist.

A schema says an id is a whole number; it cannot say which numbers name a contract the
caller may use. Before each request, a whole number where a known object is named (a body
field or a path parameter) becomes the id of one that exists, so valid requests reach the
code behind the lookup. Values of the wrong type, which test the refusals, are left alone;
schemathesis classifies the case again after this hook.

The ids come from PORTAL_FUZZ_IDS (JSON) and the caller's role from PORTAL_FUZZ_ROLE,
written by the test. Rules across fields are kept too (`_coherent`).
"""

import datetime
import itertools
import json
import os
import re
import uuid

import schemathesis

IDS = json.loads(os.environ.get("PORTAL_FUZZ_IDS", "{}"))
ROLE = os.environ.get("PORTAL_FUZZ_ROLE", "")
ADDRESS = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# contracts.catalogue_api.VERSION
VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z._+-]{0,49}")
FRESH = itertools.count(1)
EARLIEST = datetime.datetime(2000, 1, 2, tzinfo=datetime.UTC)
NOW = datetime.datetime.now(datetime.UTC)

# Body fields naming another object, and which kind of object they name.
BODY_REFERENCES = {
    "organization": "organization",
    "contract": "contract",
    "tier": "tier",
    "calendar": "calendar",
    "staff": "staff",
    "tam": "staff",
    "backup_tam": "backup_staff",
    "assignee": "staff",
    "product": "product",
    "product_version": "product_version",
}
# Body fields naming a list of objects (each whole number becomes one that exists).
LIST_REFERENCES = {"products": "product"}
# A path's first segment after /api/v1/, and the object its {id} names. Never the run's
# own token or the caller's own account: revoking or demoting those would end the run.
PATH_REFERENCES = {
    "incidents": "incident",
    "organizations": "organization",
    "contracts": "contract",
    "tiers": "tier",
    "calendars": "calendar",
    "staff": "colleague",
    "auth": "spare_token",
    "alerts": "alert",
    # A product of its own, held by no contract: changing it (its vendor, whether it is
    # active, its versions) leaves the product that contracts hold and filings name alone.
    "products": "spare_product",
    "database-releases": "release",
}


def _whole_number(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, str) and value.isascii() and value.isdigit()


def _moment(value):
    try:
        return datetime.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def _coherent(method: str, path: str, body: dict) -> None:
    """Rules across fields, or on what already exists, that a schema cannot state. Each
    is one the API enforces with a 400 naming the field (tests elsewhere prove it); here
    the generated body is made to keep it, so the run reaches what lies behind it."""
    if method == "PATCH" and re.fullmatch(r"/api/v1/incidents/\{[^}]+\}/", path):
        _coherent_incident_change(body)
    elif "reason" in body and body.get("status") != "closed":
        del body["reason"]  # a close reason goes only with closing
    # A span ends after it starts (rota, absences).
    starts, ends = _moment(body.get("starts_at")), _moment(body.get("ends_at"))
    if starts and ends and ends <= starts:
        body["ends_at"] = (starts + datetime.timedelta(hours=1)).isoformat()
    # A span changed at one end keeps the other end after it.
    if method == "PATCH" and ("starts_at" in body) != ("ends_at" in body):
        if starts:
            body["ends_at"] = (starts + datetime.timedelta(hours=1)).isoformat()
        elif ends:
            body["starts_at"] = (ends - datetime.timedelta(hours=1)).isoformat()
    # A report is received, and a release recorded, after 2000 and not in the future.
    for name in ("received_at", "released_at"):
        moment = _moment(body.get(name))
        if moment and moment.tzinfo and not (EARLIEST <= moment <= NOW):
            body[name] = NOW.isoformat()
    # A contract's products: the one that exists, which the contract keeps holding (filings
    # name it).
    products = body.get("products")
    holding = path.startswith("/api/v1/contracts/") and isinstance(products, list)
    if holding and all(_whole_number(p) for p in products):
        body["products"] = [IDS["product"]]
    # An expedited release names a signature change request of its product (one that
    # exists); only an expedited one names a request.
    releasing = path == "/api/v1/database-releases/" and "signature_request" in IDS
    if releasing and _whole_number(body.get("request")):
        body["request"] = IDS["signature_request"]
        body["product"] = IDS["product"]
        body["expedited"] = True
    # A product's versions: each listed once (a valid version listed again gets a fresh
    # one), their stages' dates in order.
    if isinstance(body.get("versions"), list):
        seen = set()
        for version in body["versions"]:
            if not isinstance(version, dict):
                continue
            text = version.get("version")
            if isinstance(text, str) and VERSION.fullmatch(text):
                if text in seen:
                    version["version"] = text = f"v{next(FRESH)}"
                seen.add(text)
            _dates_in_order(version)
    # A contract: its dates in order (both ends given together), a TAM before a backup.
    if path.startswith("/api/v1/contracts/"):
        for one, other in (("starts_on", "ends_on"), ("ends_on", "starts_on")):
            if _moment(body.get(one)) and other not in body:
                body[other] = body[one]
        if _moment(body.get("starts_on")) and "renewal_valid_until" not in body:
            body["renewal_valid_until"] = None
        # A renewal changed alone cannot be checked against a start an earlier request of
        # the run may have moved: none is recorded instead.
        if _moment(body.get("renewal_valid_until")) and "starts_on" not in body:
            body["renewal_valid_until"] = None
    first, last = _moment(body.get("starts_on")), _moment(body.get("ends_on"))
    if first and last and last < first:
        body["ends_on"] = body["starts_on"]
    renewal = _moment(body.get("renewal_valid_until"))
    if renewal and first and renewal < first:
        body["renewal_valid_until"] = body["starts_on"]
    if body.get("backup_tam") is not None and body.get("tam") is None:
        body["tam"] = IDS["staff"]
    if "tam" in body and body["tam"] is None:
        body["backup_tam"] = None
    # A tier: one target per severity and metric.
    if isinstance(body.get("targets"), list):
        seen, targets = set(), []
        for target in body["targets"]:
            key = (
                json.dumps([target.get("severity"), target.get("metric")], default=str)
                if isinstance(target, dict)
                else id(target)
            )
            if key not in seen:
                seen.add(key)
                targets.append(target)
        body["targets"] = targets
    # An address names one person: a new contact or staff member gets a fresh one.
    email = body.get("email")
    adding = path.endswith("/members/") or path == "/api/v1/staff/"
    if method == "POST" and adding and isinstance(email, str) and ADDRESS.fullmatch(email):
        body["email"] = f"fuzz-{next(FRESH)}-{uuid.uuid4().hex[:8]}@example.test"
    # A sample's analysis names a database release that exists.
    if path.endswith("/analysis/") and "release" in IDS and _whole_number(body.get("release")):
        body["release"] = IDS["release"]
    # A malicious or unwanted sample is detected as something (a sample's analysis).
    name = body.get("detection_name", "")
    unnamed = isinstance(name, str) and not name.strip()  # a wrong type is left to refuse
    if path.endswith("/analysis/") and body.get("verdict") in ("malicious", "pua") and unnamed:
        body["detection_name"] = "Trojan.Fuzz"
    # A private patch request names its product version; other kinds name none.
    if method == "POST" and path == "/api/v1/incidents/":
        if body.get("kind") == "private_patch" and "product_version" in IDS:
            body.setdefault("product_version", IDS["product_version"])
            if body["product_version"] is None:
                body["product_version"] = IDS["product_version"]
        elif body.get("product_version") is None or _whole_number(body["product_version"]):
            body.pop("product_version", None)
    # Staff filing name the customer they file for (customers may not).
    if method == "POST" and path == "/api/v1/incidents/" and ROLE == "provider":
        body.setdefault("organization", IDS["organization"])
        body.setdefault("contract", IDS["contract"])
    if method == "POST" and path == "/api/v1/incidents/":
        _coherent_signature(body)


def _coherent_signature(body: dict) -> None:
    """A signature change request names a product and the file (with the detection, for
    a false positive); no other kind names a file. The product's databases have no release
    on record, so any version is the latest."""
    if body.get("kind") != "signature_change":
        body.pop("signature", None)
        return
    body["product"] = IDS["product"]
    signature = body.get("signature")
    if not isinstance(signature, dict):
        signature = body["signature"] = {
            "verdict": "false_negative",
            "database_version": "1",
            "file_name": "sample.exe",
            "sha256": "0" * 64,
        }
    if signature.get("verdict") == "false_positive" and not signature.get("detection_name"):
        signature["detection_name"] = "Trojan.Fuzz"


def _coherent_incident_change(body: dict) -> None:
    """An incident's PATCH. The fuzzed incident is a problem, which has no stages: a move
    is refused with a 400 naming the stages allowed (API.md), which tests/incidents prove
    for every move. So staff's generated moves are dropped here; a customer's stay (403,
    before anything else is read), without the release or patch that go with a move (an
    id that is not one is a 400 on it)."""
    body.pop("release", None)
    body.pop("patch", None)
    if ROLE == "provider":
        body.pop("stage", None)
    if "stage" in body:
        body.pop("status", None)  # one request changes the status or moves the stage
        return
    # A close reason goes only with closing, and is one of the close reasons.
    if "reason" in body and body.get("status") != "closed":
        del body["reason"]
    elif body.get("reason") not in (None, "", "duplicate", "filed_in_error"):
        body["reason"] = "duplicate"


def _dates_in_order(version: dict) -> None:
    """Limited support and end of life on or after general availability, in that order."""
    day = datetime.date.fromisoformat
    try:
        ga = day(version["ga_on"]) if isinstance(version.get("ga_on"), str) else None
    except ValueError:
        return
    floor = ga
    for name in ("limited_on", "eol_on"):
        value = version.get(name)
        try:
            current = day(value) if isinstance(value, str) else None
        except ValueError:
            continue
        if floor and current and current < floor:
            version[name] = floor.isoformat()
            current = floor
        floor = current or floor


@schemathesis.hook
def before_call(context, case, kwargs):
    if isinstance(case.body, dict):
        for field, kind in BODY_REFERENCES.items():
            if kind in IDS and _whole_number(case.body.get(field)):
                case.body[field] = IDS[kind]
        for field, kind in LIST_REFERENCES.items():
            values = case.body.get(field)
            if kind in IDS and isinstance(values, list):
                case.body[field] = [IDS[kind] if _whole_number(v) else v for v in values]
        _coherent(case.method.upper(), case.operation.path, case.body)
    parameters = case.path_parameters or {}
    resource = case.operation.path.removeprefix("/api/v1/").split("/")[0]
    for name, value in parameters.items():
        if not _whole_number(value):
            continue
        if name == "organization_pk":
            parameters[name] = IDS["organization"]
        elif name == "id" and "/members/" in case.operation.path:
            parameters[name] = IDS["membership"]
        elif name == "attachment_id" and "sample" in IDS and "/analysis/" in case.operation.path:
            # The analysis route takes only a malware sample (another file is a 404); its
            # path parameter is a string of digits in the schema, so it stays a string.
            parameters[name] = str(IDS["sample"])
        elif name == "id" and PATH_REFERENCES.get(resource) in IDS:
            parameters[name] = IDS[PATH_REFERENCES[resource]]
