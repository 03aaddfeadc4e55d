import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone

from portal.invitations import invitation_url
from portal.models import User, WorkerHeartbeat

logger = logging.getLogger(__name__)


@shared_task
def heartbeat() -> None:
    """Record that a worker with beat is alive; operators read it in the admin."""
    WorkerHeartbeat.objects.update_or_create(name="beat", defaults={"seen_at": timezone.now()})


@shared_task(autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def send_invitation(user_id: int) -> None:
    """E-mail a new contact or staff member a link to set their password."""
    user = User.objects.select_related("membership__organization").filter(pk=user_id).first()
    if user is None or not user.is_active or user.has_usable_password():
        return  # removed, or already set a password: nothing to invite to
    membership = getattr(user, "membership", None)
    context = {
        "user": user,
        "organization": membership.organization if membership else None,
        "url": invitation_url(user),
        "base_url": settings.PORTAL_BASE_URL,
    }
    body = render_to_string("portal/email/invitation.txt", context)
    EmailMessage(
        subject="You are invited to the Support Portal",
        body=body,
        to=[user.email],
    ).send()
