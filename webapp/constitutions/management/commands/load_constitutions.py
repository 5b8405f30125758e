from django.core.management.base import BaseCommand

from webapp.constitutions.shipped import load_shipped_constitutions


class Command(BaseCommand):
    help = "Load (or update) the constitutions shipped in principles/."

    def handle(self, *args, **options):
        for line in load_shipped_constitutions():
            self.stdout.write(line)
