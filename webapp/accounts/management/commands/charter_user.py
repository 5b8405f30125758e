from django.core.management.base import BaseCommand, CommandError

from webapp.accounts.roles import ROLES
from webapp.accounts.services import create_user


class Command(BaseCommand):
    help = "Create a user with a role (or reset an existing user's password and role)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", choices=ROLES, default="viewer")
        parser.add_argument("--password", help="default: a random password, printed once")

    def handle(self, *args, username, role, password, **options):
        try:
            _, password = create_user(username, role, password)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{username} ({role}) password: {password}")
