"""The bulk pair insert (COPY on PostgreSQL, executemany on SQLite) writes what the ORM reads."""

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from webapp.feedback.ingest import insert_pairs
from webapp.feedback.models import PreferencePair
from webapp.prompts.models import Prompt


@pytest.mark.django_db(transaction=True)
def test_bulk_inserted_pairs_read_back_exactly_through_the_orm(pair_run):
    prompt = Prompt.objects.create(prompt_set=pair_run["set"], key="p", text="Why?")
    before = timezone.now()
    rows = [{"job_id": pair_run["job"].pk, "prompt_id": prompt.pk, "key": f"k{i}", "method": "salmon",
             "constitution_version_id": pair_run["version"].pk, "chosen": "chosen ü\ttab\nline" * (i + 1),
             "rejected": "r", "soft_label": 0.75, "margin": 0.5, "tie": i == 1, "principles": ["helpful", "honest"],
             "negated": ["honest"] if i == 2 else []} for i in range(3)]
    assert insert_pairs(rows, batch=2) == 3
    stored = list(PreferencePair.objects.order_by("key"))
    assert [p.key for p in stored] == ["k0", "k1", "k2"]
    assert stored[2].chosen == "chosen ü\ttab\nline" * 3 and stored[2].length_diff == len(stored[2].chosen) - 1
    assert [p.tie for p in stored] == [False, True, False] and stored[2].negated == ["honest"]
    assert stored[0].principles == ["helpful", "honest"] and stored[0].human_verdict == "" and stored[0].review_version == 0
    assert before <= stored[0].created_at <= timezone.now()


@pytest.mark.django_db(transaction=True)
def test_the_seed_command_inserts_the_pairs_it_says_and_refuses_nonsense(make_user):
    make_user("admin", "admin")
    call_command("seed_pairs", "120", "--batch", "50")
    assert PreferencePair.objects.count() == 120
    assert PreferencePair.objects.filter(tie=True).exists() and PreferencePair.objects.filter(tie=False).exists()
    with pytest.raises(CommandError, match="count must be"):
        call_command("seed_pairs", "0")
    with pytest.raises(CommandError, match="no user named"):
        call_command("seed_pairs", "5", "--user", "nobody")
