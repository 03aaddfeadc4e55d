from celery import shared_task

from incidents.outbox import outbox_send
from incidents.sweep import sweep


@shared_task
def send_outbox() -> int:
    """Send the e-mails waiting in the outbox (also run periodically by beat)."""
    return outbox_send()


@shared_task
def sweep_sla_clocks() -> dict:
    """Record due SLA warnings and breaches (run by beat every SLA_SWEEP_SECONDS)."""
    result = sweep()
    return {"warnings": result.warnings, "breaches": result.breaches, "errors": result.errors}
