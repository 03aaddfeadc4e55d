from celery import shared_task

from incidents.outbox import outbox_send
from incidents.replan import replan_stale
from incidents.sweep import sweep

# A re-plan hands over to a fresh run of itself well before the task time limit.
REPLAN_BUDGET_SECONDS = 120
REPLAN_RETRY_SECONDS = 5


@shared_task
def send_outbox() -> int:
    """Send the e-mails waiting in the outbox (also run periodically by beat)."""
    return outbox_send()


@shared_task
def sweep_sla_clocks() -> dict:
    """Record due SLA warnings and breaches (run by beat every SLA_SWEEP_SECONDS)."""
    result = sweep()
    return {"warnings": result.warnings, "breaches": result.breaches, "errors": result.errors}


@shared_task(bind=True, max_retries=120)
def replan_sla_clocks(self, calendar_id: int | None = None, contract_id: int | None = None):
    """Re-plan the running clocks of a changed calendar, or of a contract moved to another
    calendar (enqueued on commit by contracts.calendar_changes)."""
    result = replan_stale(
        calendar_id=calendar_id, contract_id=contract_id, budget_seconds=REPLAN_BUDGET_SECONDS
    )
    if result.left:
        # Clocks whose incidents were busy, or more than one run's work: again shortly.
        raise self.retry(countdown=REPLAN_RETRY_SECONDS)
    return {"replanned": result.replanned, "moved": result.moved, "breached": result.breached}
