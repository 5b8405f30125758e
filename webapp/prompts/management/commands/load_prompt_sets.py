from django.core.management.base import BaseCommand

from webapp.prompts.services import load_shipped_prompt_sets


class Command(BaseCommand):
    help = "Load (or top up) the prompt sets that ship with Charter."

    def handle(self, *args, **options):
        for loaded in load_shipped_prompt_sets():
            self.stdout.write(f"{loaded.name}: {loaded.created} new prompts")
