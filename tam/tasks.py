from celery import shared_task

from tam.away import watch_owners


@shared_task(name="tam.tasks.watch_owners")
def watch_owners_task() -> int:
    """Tell the duty manager about severity 1-2 incidents whose owner became unavailable."""
    return watch_owners()
