"""Which prompts a launch takes (a seeded random sample, an offset, a limit), and a saved train /
held-out split of a set, so an evaluation never reuses a training prompt by accident."""

import pytest

from webapp.jobs.models import Job
from webapp.prompts.models import Prompt, PromptSet
from webapp.prompts.services import chosen_prompts


@pytest.fixture
def twenty(db):
    prompt_set = PromptSet.objects.create(name="twenty")
    Prompt.objects.bulk_create([Prompt(prompt_set=prompt_set, key=f"k{i:02}", text=f"Prompt {i}?", category="c")
                                for i in range(20)])
    return prompt_set


def keys(prompt_set, **pick):
    job = Job(kind="sample", config={"prompt_set": prompt_set.pk, **pick})
    return [p.key for p in chosen_prompts(job)]


def test_a_launch_takes_the_set_in_order_or_a_seeded_sample_from_an_offset(twenty):
    assert keys(twenty, limit=3) == ["k00", "k01", "k02"]
    assert keys(twenty, limit=3, offset=5) == ["k05", "k06", "k07"]
    sample = keys(twenty, limit=5, sample_seed=7)
    assert len(sample) == 5 and sample != keys(twenty, limit=5) and sample == keys(twenty, limit=5, sample_seed=7)
    rest = keys(twenty, sample_seed=7, offset=5)  # the offset continues the same draw: no prompt twice
    assert not set(sample) & set(rest) and len(set(sample) | set(rest)) == 20


@pytest.mark.django_db
def test_the_sampling_form_stores_the_pick_and_refuses_bad_values(client_as, twenty):
    client = client_as("operator")
    form = {"prompt_set": twenty.pk, "model": "smollm2-135m-instruct", "n": 1, "temperature": 0.7, "top_p": 0.9,
            "max_new_tokens": 8, "seed": 0, "batch_size": 2, "queue": "default"}
    client.post("/prompts/sample/", form | {"limit": 2, "offset": 3, "sample_seed": 11})
    assert {k: Job.objects.get().config[k] for k in ("limit", "offset", "sample_seed")} == {
        "limit": 2, "offset": 3, "sample_seed": 11}
    body = client.post("/prompts/sample/", form | {"offset": -1}).content.decode()
    assert "greater than or equal to 0" in body and Job.objects.count() == 1


@pytest.mark.django_db
def test_a_saved_split_partitions_the_set_and_cannot_be_made_twice(client_as, twenty):
    client = client_as("operator")
    response = client.post(f"/prompts/{twenty.pk}/split/", {"heldout": "0.25", "seed": "3"})
    train, heldout = PromptSet.objects.get(name="twenty · train"), PromptSet.objects.get(name="twenty · held-out")
    assert response["Location"] == f"/prompts/{heldout.pk}/"
    train_keys = set(train.prompts.values_list("key", flat=True))
    heldout_keys = set(heldout.prompts.values_list("key", flat=True))
    assert not train_keys & heldout_keys and len(train_keys | heldout_keys) == 20 and 1 <= len(heldout_keys) <= 10
    again = client.post(f"/prompts/{twenty.pk}/split/", {"heldout": "0.25", "seed": "3"})
    assert again.status_code == 400 and "was split before" in again.content.decode()
    bad = client.post(f"/prompts/{twenty.pk}/split/", {"heldout": "1.5", "seed": "3"})
    assert bad.status_code == 400 and "less than or equal to 0.99" in bad.content.decode()
    assert client_as("viewer").post(f"/prompts/{twenty.pk}/split/", {"heldout": "0.2", "seed": "1"}).status_code == 403
