from django.core.management.base import BaseCommand, CommandError
from rest_framework.authtoken.models import Token

from portal.models import User


class Command(BaseCommand):
    help = "Print an API token for the user with this e-mail (creating it if needed)."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email: str, **options):
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"No user with the e-mail {email}.")
        if not user.is_active:
            raise CommandError(f"{email} is deactivated; reactivate the account first.")
        token, _ = Token.objects.get_or_create(user=user)
        self.stdout.write(token.key)
