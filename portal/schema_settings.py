"""drf-spectacular's settings (portal.settings reads them): the schema's title, the Swagger
UI from the installed sidecar, and one enum name per vocabulary. Plain data: no Django
import, so the settings module can read it before Django is set up."""

SCHEMA_SETTINGS = {
    "TITLE": "Support Portal API",
    "DESCRIPTION": "Support contracts, tiers and incidents for customers and partners.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from the installed sidecar package, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One schema enum per vocabulary. The names clients already generated code from stay
    # as they were (KindEnum, ClockEnum); the two kinds of "kind" need telling apart.
    "ENUM_NAME_OVERRIDES": {
        "KindEnum": "incidents.models.Kind",
        "EventKindEnum": "incidents.models.EventKind",
        "ClockEnum": "contracts.models.ClockKind",
        "RuleCodeEnum": "portal.errors.RuleCode",
        # Names clients generated code from stay when another field shares the word.
        "ReasonEnum": "incidents.serializers.CLOSE_REASONS",
        "StaffRoleEnum": "portal.models.StaffRole",
        "MemberRoleEnum": "portal.models.MemberRole",
        "AbsenceReasonEnum": "tam.models.AbsenceReason",
        "StepStateEnum": "incidents.stages.Step",
        # A product version's stage, beside an incident's `stage`.
        "LifecycleStageEnum": "contracts.catalogue_models.LifecycleStage",
        "StageEnum": "incidents.serializers.STAGES",
        # A signature change's verdict and a sample analysis' verdict.
        "SignatureVerdictEnum": "incidents.security_models.SignatureVerdict",
        "SampleVerdictEnum": "incidents.security_models.SampleVerdict",
    },
}
