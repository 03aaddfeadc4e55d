from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"

    def ready(self) -> None:
        # Imported here: the audit module needs the app registry (auditlog's models) ready.
        from auditlog.models import LogEntry
        from celery.signals import task_postrun, task_prerun
        from django.db.models.signals import pre_save

        from portal import audit

        pre_save.connect(audit.stamp_entry, sender=LogEntry, dispatch_uid="audit_stamp_entry")
        task_prerun.connect(audit.task_started, dispatch_uid="audit_task_started")
        task_postrun.connect(audit.task_finished, dispatch_uid="audit_task_finished")

        # Connects the second factor's signal receiver; at module level the import would
        # load portal.models before the app registry is ready (an import cycle at startup).
        from portal import mfa  # noqa: F401
