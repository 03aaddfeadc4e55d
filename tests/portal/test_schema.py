"""The OpenAPI schema tells the truth about the vocabularies and the 409 refusals."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from contracts.models import ClockKind
from incidents.models import EventKind
from portal.errors import RuleCode
from tam.desk import Queue
from tam.models import AbsenceReason


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


def test_the_desk_api_documents_its_answers(schema):
    take = schema["paths"]["/api/v1/desk/take-next/"]["post"]["responses"]
    assert {"200", "204"} <= set(take)
    now = schema["paths"]["/api/v1/rota/now/"]["get"]["responses"]["200"]
    body = component(schema, now["content"]["application/json"]["schema"]["$ref"])
    manager = body["properties"]["duty_manager"]
    assert manager.get("nullable") or any(
        p.get("nullable") for p in manager.get("allOf", manager.get("oneOf", [{}]))
    )
    incident = component(schema, "#/components/schemas/Incident")["properties"]
    for name in ("sla_due_at", "sla_breached_at"):
        assert incident[name]["format"] == "date-time"
        assert incident[name]["readOnly"]
        assert incident[name]["nullable"]
    params = {p["name"]: p for p in schema["paths"]["/api/v1/incidents/"]["get"]["parameters"]}
    assert sorted(params["queue"]["schema"]["enum"]) == sorted(Queue.values)
    assert params["sort"]["schema"]["enum"] == ["urgency"]
    absence = component(schema, "#/components/schemas/Absence")["properties"]
    assert enum_of(schema, absence["reason"]) == list(AbsenceReason.values)
    staff = component(schema, "#/components/schemas/DeskStaff")["properties"]
    assert staff["available_now"]["readOnly"]
    assert "AbsenceReasonEnum" in schema["components"]["schemas"]
