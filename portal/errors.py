"""Refusals by a contract rule: one vocabulary of codes for the pages, the API and its schema."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RuleCode(models.TextChoices):
    """Why a request was refused (API: 409 `{"code", "detail"}`; API.md lists them)."""

    CONTRACT_INACTIVE = "contract_inactive", _("The contract does not cover the day")
    NO_CONTRACT = "no_contract", _("No support contract")
    QUOTA_EXHAUSTED = "quota_exhausted", _("The contract year's quota is used up")
    CONTACT_LIMIT_REACHED = "contact_limit_reached", _("The contact limit is reached")
    RENEWAL_EXPIRED = "renewal_expired", _("The renewal has expired")
    LICENCE_REQUIRED = "licence_required", _("A licence is required")
    DATABASES_OUTDATED = "databases_outdated", _("The databases in use are not the latest")
    BOOKING_TOO_SOON = "booking_too_soon", _("Booked with less notice than required")
    HEALTH_CHECK_USED = "health_check_used", _("The year's health check is used")
    VERSION_UNSUPPORTED = "version_unsupported", _("The version is at end of life")
    MFA_REQUIRED = "mfa_required", _("A second factor is required")
    NOT_ENTITLED = "not_entitled", _("The tier does not cover this request")
    IN_USE = "in_use", _("Still in use")
    ALREADY_EXISTS = "already_exists", _("One with this name already exists")
    LAST_ADMIN = "last_admin", _("The organisation's only customer admin")
    STATUS_CONFLICT = "status_conflict", _("The incident's status does not allow this")


class ContractRuleError(Exception):
    """A request refused by a contract rule (API: 409 with a code and a sentence)."""

    def __init__(self, code: RuleCode, detail: str) -> None:
        super().__init__(detail)
        self.code = RuleCode(code)
        self.detail = str(detail)
