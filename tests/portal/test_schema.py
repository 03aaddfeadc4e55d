"""The OpenAPI schema tells the truth about the vocabularies and the 409 refusals."""

import zoneinfo

import pytest
from drf_spectacular.generators import SchemaGenerator

from contracts.models import ClockKind
from incidents.models import EventKind, Stage
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
    ("/api/v1/organizations/{organization_pk}/members/{id}/", "patch"),
    ("/api/v1/organizations/{organization_pk}/members/{id}/", "delete"),
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


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def error_body(schema, response: dict) -> dict:
    return component(schema, response["content"]["application/json"]["schema"]["$ref"])


def test_every_operation_documents_the_answers_of_the_conventions(schema):
    for path, method, operation in operations(schema):
        codes = set(operation["responses"])
        where = f"{method.upper()} {path}"
        assert "429" in codes, where
        assert "Retry-After" in operation["responses"]["429"]["headers"], where
        if path != "/api/v1/auth/token/":
            assert {"401", "403"} <= codes, where
        if "{" in path:
            assert "404" in codes, where
        has_query = any(p["in"] == "query" for p in operation.get("parameters", []))
        if "requestBody" in operation or has_query:
            assert "400" in codes, where
        if "requestBody" in operation:
            assert {"413", "415"} <= codes, where
        for code in codes - {"400", "413"}:
            if code.startswith("4") and code != "409":
                # {detail}, or a refusal that also names its code (the token's mfa_required).
                required = error_body(schema, operation["responses"][code])["required"]
                assert required in (["detail"], ["code", "detail"]), where


def test_validation_errors_are_documented_as_fields_with_their_messages(schema):
    response = schema["paths"]["/api/v1/incidents/"]["post"]["responses"]["400"]
    body = error_body(schema, response)
    assert body["properties"]["detail"]["type"] == "string"
    kinds = body["additionalProperties"]["anyOf"]
    assert {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "object"}]}} in kinds


def test_the_desks_hidden_routes_document_their_404(schema):
    for path in ("/api/v1/rota/", "/api/v1/absences/", "/api/v1/desk/take-next/"):
        for _method, operation in schema["paths"][path].items():
            assert "404" in operation["responses"], path


def walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def test_no_field_claims_format_time_and_hours_are_hh_mm(schema):
    assert not [n for n in walk(schema) if n.get("format") == "time"]
    window = component(schema, "#/components/schemas/Window")["properties"]
    for name in ("start", "end"):
        assert window[name]["type"] == "string"
        assert window[name]["pattern"] == "^([01][0-9]|2[0-3]):[0-5][0-9]$"


def test_time_zones_are_an_enum_of_the_iana_names(schema):
    calendar = component(schema, "#/components/schemas/CalendarRequest")["properties"]
    assert enum_of(schema, calendar["timezone"]) == sorted(zoneinfo.available_timezones())
    organization = component(schema, "#/components/schemas/OrganizationRequest")["properties"]
    assert enum_of(schema, organization["timezone"]) == sorted(zoneinfo.available_timezones())


def test_downloads_document_the_content_types_they_send(schema):
    path = "/api/v1/incidents/{id}/attachments/{attachment_id}/download/"
    content = schema["paths"][path]["get"]["responses"]["200"]["content"]
    assert set(content) == {"application/octet-stream", "application/zip"}


def test_request_bodies_are_json_except_uploads_and_the_token_endpoint(schema):
    for path, method, operation in operations(schema):
        if "requestBody" not in operation:
            continue
        types = set(operation["requestBody"]["content"])
        if path.endswith("/attachments/"):  # a file travels only in a multipart body
            assert types == {"multipart/form-data"}
        elif path != "/api/v1/auth/token/":
            assert types == {"application/json"}, f"{method.upper()} {path}"


def test_a_taken_name_is_a_documented_409(schema):
    for path in ("/api/v1/calendars/", "/api/v1/tiers/", "/api/v1/organizations/"):
        refusal = schema["paths"][path]["post"]["responses"]["409"]
        assert set(error_body(schema, refusal)["required"]) == {"code", "detail"}


def test_page_sizes_are_bounded_in_the_schema(schema):
    params = {p["name"]: p for p in schema["paths"]["/api/v1/tiers/"]["get"]["parameters"]}
    assert params["page_size"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 200}


def test_a_clocks_met_is_documented_as_nullable_with_its_meaning(schema):
    from incidents.models import ClockStop

    clock = component(schema, "#/components/schemas/Clock")["properties"]
    assert clock["met"]["nullable"] is True
    assert "closed before a response" in clock["met"]["description"]
    assert "neither met nor breached" in clock["met"]["description"]
    assert clock["stop_reason"]["nullable"] is True
    (ref,) = [p["$ref"] for p in clock["stop_reason"]["oneOf"] if "NullEnum" not in p["$ref"]]
    assert component(schema, ref)["enum"] == [c for c in ClockStop.values if c]


def test_the_premium_default_of_a_filing_is_documented(schema):
    premium = component(schema, "IncidentCreateRequest")["properties"]["premium"]
    assert premium["nullable"] is True
    assert (
        "Left out or null: premium while the contract year has a unit left"
        in (premium["description"])
    )


def test_stages_are_enums_and_a_move_s_400_is_documented(schema):
    stages = [s for s in Stage.values if s]
    change = component(schema, "#/components/schemas/PatchedIncidentUpdateRequest")
    assert enum_of(schema, change["properties"]["stage"]) == stages
    reason = change["properties"]["reason"]["anyOf"]
    assert component(schema, reason[0]["$ref"])["enum"] == ["duplicate", "filed_in_error"]
    assert reason[1]["type"] == "string"
    incident = component(schema, "#/components/schemas/Incident")["properties"]
    shown = [component(schema, p["$ref"])["enum"] for p in incident["stage"]["oneOf"]]
    assert shown == [stages, [None]]
    step = component(schema, incident["stages"]["items"]["$ref"])["properties"]
    assert enum_of(schema, step["state"]) == ["done", "current", "todo"]
    refused = schema["paths"]["/api/v1/incidents/{id}/"]["patch"]["responses"]["400"]
    assert "stage" in refused["description"]
    assert "ValidationError" in refused["content"]["application/json"]["schema"]["$ref"]
