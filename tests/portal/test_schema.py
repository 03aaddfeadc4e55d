"""The OpenAPI schema tells the truth about the vocabularies and the 409 refusals."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from contracts.models import ClockKind
from incidents.models import EventKind
from portal.errors import RuleCode


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def component(schema, ref: str) -> dict:
    return schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]


def enum_of(schema, prop: dict) -> list[str]:
    if "$ref" in prop:
        return component(schema, prop["$ref"])["enum"]
    (ref,) = [p["$ref"] for p in prop.get("allOf", prop.get("oneOf", [])) if "$ref" in p]
    return component(schema, ref)["enum"]


REFUSING = [
    ("/api/v1/incidents/", "post"),
    ("/api/v1/incidents/{id}/", "patch"),
    ("/api/v1/organizations/{organization_pk}/members/", "post"),
    ("/api/v1/contracts/", "post"),
    ("/api/v1/contracts/{id}/", "patch"),
    ("/api/v1/contracts/{id}/", "put"),
    ("/api/v1/tiers/{id}/", "delete"),
    ("/api/v1/calendars/{id}/", "delete"),
]


@pytest.mark.parametrize(("path", "method"), REFUSING)
def test_routes_that_a_contract_rule_can_refuse_document_the_409(schema, path, method):
    refusal = schema["paths"][path][method]["responses"]["409"]
    body = component(schema, refusal["content"]["application/json"]["schema"]["$ref"])
    assert set(body["required"]) == {"code", "detail"}
    assert enum_of(schema, body["properties"]["code"]) == list(RuleCode.values)


def test_event_kinds_and_clock_kinds_are_enums_of_their_vocabularies(schema):
    event = component(schema, "#/components/schemas/Event")
    assert enum_of(schema, event["properties"]["kind"]) == list(EventKind.values)
    clock = component(schema, "#/components/schemas/Clock")
    assert enum_of(schema, clock["properties"]["clock"]) == list(ClockKind.values)


def test_enum_names_clients_generated_code_from_stay(schema):
    names = set(schema["components"]["schemas"])
    assert {"KindEnum", "ClockEnum", "CloseReasonEnum", "ReasonEnum", "StatusEnum"} <= names
    assert {"MetricEnum", "SeverityEnum", "ChannelEnum", "StaffRoleEnum"} <= names
