from django.core.management.base import BaseCommand

from webapp.pairs.importing import load_shipped_human_sets


class Command(BaseCommand):
    help = "Load the human-labelled preference set built from pyrit's scorer evaluations (calibration and test parts)."

    def handle(self, *args, **options):
        for job in load_shipped_human_sets():
            self.stdout.write(f"{job.config['name']}: {job.result['pairs']} pairs (run {job.pk})")
