from django.core.management.base import BaseCommand, CommandError

from portal.models import User
from portal.tokens import token_create


class Command(BaseCommand):
    help = (
        "Make a new API token for the user with this e-mail and print its key (shown only "
        "now: the portal keeps its hash). No second factor is asked for."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--name", default="issue_token", help="What the token is for.")
        parser.add_argument(
            "--days", type=int, default=None, help="Days until it expires (PORTAL_API_TOKEN_DAYS)."
        )

    def handle(self, *args, email: str, name: str, days: int | None, **options):
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"No user with the e-mail {email}.")
        if not user.is_active:
            raise CommandError(f"{email} is deactivated; reactivate the account first.")
        if days is not None and days < 1:
            raise CommandError("--days must be at least 1.")
        _token, key = token_create(user=user, name=name[:100], days=days)
        self.stdout.write(key)
