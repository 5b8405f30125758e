from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from webapp.feedback.ingest import insert_pairs
from webapp.pairs.seeding import make_pairs, seed_context, timed


class Command(BaseCommand):
    help = "Insert N synthetic preference pairs (for benchmarks and load tests)."

    def add_arguments(self, parser):
        parser.add_argument("count", type=int)
        parser.add_argument("--batch", type=int, default=5000)
        parser.add_argument("--user", default="admin", help="the user the seeded job belongs to")

    def handle(self, count: int, batch: int, user: str, **options):
        if not 1 <= count <= 50_000_000:
            raise CommandError("count must be between 1 and 50,000,000")
        if not 1 <= batch <= 100_000:
            raise CommandError("--batch must be between 1 and 100,000")
        owner = get_user_model().objects.filter(username=user).first()
        if owner is None:
            raise CommandError(f"no user named {user!r}")
        version, job, prompts = seed_context(owner)
        n, seconds = timed(insert_pairs, make_pairs(version, job, prompts, count, seed=job.pk), batch)
        self.stdout.write(f"inserted {n} pairs into job {job.pk} in {seconds:.1f} s ({n / seconds:,.0f} pairs/s)")
