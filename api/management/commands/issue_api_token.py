"""`manage.py issue_api_token USERNAME --name NAME`: issue an API token for another
system; prints the key once (only its SHA-256 is stored). Revoke it in the admin."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from api import services


class Command(BaseCommand):
    help = "Issue an API token for a user and print its key (shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="which system uses the token")

    def handle(self, *args, username, name, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {username!r}.")
        if not name.strip():
            raise CommandError("--name must not be empty.")
        token, key = services.token_issue(actor=None, user=user, name=name)
        self.stdout.write(key)
        if options["verbosity"] > 1:
            self.stderr.write(f"token {token.pk} ({token.prefix}…) for {username}")
