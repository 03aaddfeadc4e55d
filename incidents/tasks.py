from celery import shared_task

from incidents.outbox import outbox_send


@shared_task
def send_outbox() -> int:
    """Send the e-mails waiting in the outbox (also run every minute by beat)."""
    return outbox_send()
