"""The audit trail's sources: every change django-auditlog records (the models listed in
settings.AUDITLOG_INCLUDE_TRACKING_MODELS) also says where it came from.

A request's source follows from its path (the admin, the API, or the portal's pages); a
Celery task and a management command (manage.py) set theirs around their run. Code that
runs outside all of these (a script, a test calling a service) is a command too: nothing
else changes data.
"""

import contextlib
from contextvars import ContextVar
from dataclasses import dataclass

from auditlog.middleware import AuditlogMiddleware
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.client import client_ip


class Source(models.TextChoices):
    WEB = "web", _("Web")
    ADMIN = "admin", _("Admin")
    API = "api", _("API")
    COMMAND = "command", _("Command")
    TASK = "task", _("Background task")


@dataclass(frozen=True)
class Origin:
    source: Source
    detail: str = ""  # the command's or the task's name
    request: object = None


_origin: ContextVar[Origin | None] = ContextVar("audit_origin", default=None)


@contextlib.contextmanager
def audit_origin(source: Source, *, detail: str = "", request=None):
    """Every audit entry written inside this block says it came from `source`."""
    token = _origin.set(Origin(source=source, detail=detail, request=request))
    try:
        yield
    finally:
        _origin.reset(token)


def source_of_path(path: str) -> Source:
    if path.startswith(reverse("admin:index")):
        return Source.ADMIN
    if path.startswith("/api/"):
        return Source.API
    return Source.WEB


class AuditMiddleware(AuditlogMiddleware):
    """auditlog's middleware (actor, address, correlation id) plus the request's source."""

    @staticmethod
    def _get_remote_addr(request):
        # The address the lockout counts: the peer's, or what PORTAL_PROXY_COUNT trusted
        # proxies say; never what the client itself wrote into X-Forwarded-For.
        return client_ip(request) or None

    def __call__(self, request):
        with audit_origin(source_of_path(request.path_info), request=request):
            return super().__call__(request)


def stamp_entry(sender, instance, **kwargs) -> None:
    """pre_save of auditlog's LogEntry: its source, and the actor an API token named.

    auditlog's middleware reads the user before DRF has authenticated a token; DRF sets
    the request's user once it has, so the actor is read again here when still unknown.
    """
    origin = _origin.get() or Origin(source=Source.COMMAND)
    if instance.actor_id is None and origin.request is not None:
        user = getattr(origin.request, "user", None)
        if user is not None and user.is_authenticated:
            instance.actor = user
            instance.actor_email = user.email
    data = dict(instance.additional_data or {})
    data["source"] = str(origin.source)
    if origin.detail:
        data["detail"] = origin.detail
    instance.additional_data = data


_task_tokens: dict[str, object] = {}


def task_started(sender=None, task_id=None, task=None, **kwargs) -> None:
    """Celery's task_prerun: a task's changes come from the task."""
    _task_tokens[task_id] = _origin.set(Origin(source=Source.TASK, detail=task.name))


def task_finished(sender=None, task_id=None, **kwargs) -> None:
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        _origin.reset(token)
