"""Exporting pairs as a Dataset: overrides applied, ties by choice, a hash of the content,
a download, bad input refused; and the export job on a real worker."""

import hashlib
import json

import pytest

from tests.conftest import job_status, wait_for
from webapp.datasets.export import dataset_path, launch_export, write
from webapp.datasets.models import Dataset
from webapp.jobs.models import Job
from webapp.pairs.services import submit


@pytest.fixture
def reviewed(make_pair, make_user):
    reviewer = make_user("reviewer")
    pairs = {
        "plain": make_pair(chosen="good", rejected="bad", margin=0.8),
        "flipped": make_pair(chosen="judge liked", rejected="human liked", margin=0.3),
        "flagged": make_pair(margin=0.5),
        "judge_tie": make_pair(margin=0.0, tie=True),
        "human_tie": make_pair(margin=0.6),
    }
    submit(reviewer, pairs["flipped"].pk, "flip", 0)
    submit(reviewer, pairs["flagged"].pk, "flag", 0, reason="harmful")
    submit(reviewer, pairs["human_tie"].pk, "tie", 0)
    return pairs


def lines(dataset):
    return [json.loads(line) for line in dataset_path(dataset).read_text().splitlines()]


@pytest.mark.django_db
def test_an_export_applies_reviews_and_drops_ties_flags_by_default(reviewed, make_user):
    operator = make_user("operator")
    dataset = write(launch_export(operator, "clean", {}), operator)
    rows = {r["pair_id"]: r for r in lines(dataset)}
    assert set(rows) == {reviewed["plain"].pk, reviewed["flipped"].pk}
    flipped = rows[reviewed["flipped"].pk]
    assert flipped["chosen"] == [{"role": "assistant", "content": "human liked"}]
    assert flipped["rejected"] == [{"role": "assistant", "content": "judge liked"}]
    assert flipped["prompt"] == [{"role": "user", "content": "A prompt?"}] and flipped["human_verdict"] == "flip"
    assert dataset.counts == {"written": 2, "dropped_flag": 1, "dropped_tie": 2} and dataset.rows == 2
    assert dataset.sha256 == hashlib.sha256(dataset_path(dataset).read_bytes()).hexdigest()


@pytest.mark.django_db
def test_ties_are_kept_when_asked_and_the_filter_is_honoured(reviewed, make_user):
    operator = make_user("operator")
    dataset = write(launch_export(operator, "with ties", {"margin_max": "0.65"}, keep_ties=True), operator)
    rows = {r["pair_id"]: r for r in lines(dataset)}
    assert set(rows) == {reviewed["flipped"].pk, reviewed["judge_tie"].pk, reviewed["human_tie"].pk}
    assert rows[reviewed["judge_tie"].pk]["tie"] and rows[reviewed["human_tie"].pk]["tie"]
    assert dataset.filter == {"margin_max": "0.65"}


@pytest.mark.django_db
def test_writing_the_same_dataset_again_gives_the_same_hash(reviewed, make_user):
    operator = make_user("operator")
    dataset = write(launch_export(operator, "twice", {}), operator)
    first = dataset.sha256
    assert write(dataset, operator).sha256 == first


@pytest.mark.django_db
def test_sft_exports_take_sl_cai_revisions_only(make_pair, make_user):
    operator = make_user("operator")
    revision = make_pair(method="sl_cai", chosen="The revised answer.", rejected="The original.")
    make_pair(method="rl_cai")
    dataset = write(launch_export(operator, "sft", {}, kind="sft"), operator)
    assert lines(dataset) == [{"prompt": [{"role": "user", "content": "A prompt?"}],
                               "completion": [{"role": "assistant", "content": "The revised answer."}],
                               "round": 1, "mix": "harmless",
                               "pair_id": revision.pk, "constitution_version": revision.constitution_version_id,
                               "run": revision.job_id}]


def sl_cai_pair(make_pair, n: int):
    """An SL-CAI pair whose chain revised the answer in three rounds."""
    from webapp.feedback.models import Revision

    pair = make_pair(method="sl_cai", chosen=f"Round 3 of {n}.", rejected=f"Original {n}.")
    Revision.objects.create(job=pair.job, prompt=pair.prompt, key=pair.key, constitution_version=pair.constitution_version,
                            original=pair.rejected, revision=pair.chosen,
                            chain=[{"round": r, "principle": "harm", "critique": "c", "revision": f"Round {r} of {n}."}
                                   for r in (1, 2, 3)])
    return pair


@pytest.mark.django_db
@pytest.mark.parametrize("rounds, expected", [("all", [1, 2, 3]), ("last", [3])])
def test_sft_exports_take_every_revision_round_marked_with_its_round(make_pair, make_user, rounds, expected):
    operator = make_user("operator")
    sl_cai_pair(make_pair, 1)
    dataset = write(launch_export(operator, f"rounds {rounds}", {}, kind="sft", every_round=rounds == "all"), operator)
    got = [(r["round"], r["completion"][0]["content"]) for r in lines(dataset)]
    assert got == [(n, f"Round {n} of 1.") for n in expected]


@pytest.mark.django_db
def test_a_helpful_mix_adds_the_policys_own_answers_in_the_chosen_proportion(client_as, make_pair, make_user):
    from webapp.prompts.models import Prompt, PromptSet, Response

    for n in range(4):
        sl_cai_pair(make_pair, n)  # 4 pairs x 3 rounds = 12 harmless records
    sampling = Job.objects.create(kind="sample", status="succeeded", config={"model": "smollm2-135m-instruct"})
    benign = PromptSet.objects.create(name="benign")
    for n in range(10):
        prompt = Prompt.objects.create(prompt_set=benign, key=f"b{n}", text=f"Benign {n}?")
        Response.objects.create(job=sampling, prompt=prompt, sample_index=0, text=f"Helpful {n}.", model="m",
                                temperature=0.7, top_p=0.9, max_new_tokens=8, seed=0, finish_reason="stop",
                                completion_tokens=2)
    client = client_as("operator")
    client.post("/pairs/export/", {"name": "mixed", "kind": "sft", "rounds": "all", "helpful_run": sampling.pk,
                                   "helpful_share": "0.25", "method": "sl_cai"})
    dataset = write(Dataset.objects.get(name="mixed"), None)
    mixes = [r["mix"] for r in lines(dataset)]
    assert mixes.count("harmless") == 12 and mixes.count("helpful") == 4  # 4 / 16 = 0.25
    assert [r["completion"][0]["content"] for r in lines(dataset) if r["mix"] == "helpful"] == [
        f"Helpful {n}." for n in range(4)]
    assert "0.25 of the records are the policy's own answers" in client.get(f"/pairs/datasets/{dataset.pk}/").content.decode()
    body = client.post("/pairs/export/", {"name": "not sft", "kind": "preference", "helpful_run": sampling.pk,
                                          "helpful_share": "0.25"}, follow=True).content.decode()
    assert "only SFT records mix in" in body and not Dataset.objects.filter(name="not sft").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name, query, message", [
    ("", {}, "the dataset's name: required"), ("x", {"margin_min": "high"}, "margin_min must be a number"),
])
def test_bad_export_requests_are_refused_and_write_nothing(client_as, make_pair, name, query, message):
    make_pair()
    response = client_as("operator").post("/pairs/export/", {"name": name, **query}, follow=True)
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not Dataset.objects.exists() and not Job.objects.filter(kind="export").exists()


@pytest.mark.django_db
def test_a_taken_name_and_a_viewer_are_refused(client_as, make_pair, make_user):
    make_pair()
    launch_export(make_user("operator"), "taken", {})
    assert "already exists" in client_as("operator").post("/pairs/export/", {"name": "taken"}, follow=True).content.decode()
    assert client_as("viewer").post("/pairs/export/", {"name": "mine"}).status_code == 403


@pytest.mark.django_db
def test_the_download_serves_the_written_file_and_nothing_before(client_as, make_pair, make_user):
    make_pair()
    operator = make_user("operator")
    dataset = launch_export(operator, "dl", {})
    client = client_as("viewer")
    assert client.get(f"/pairs/datasets/{dataset.pk}/download/").status_code == 404
    write(dataset, operator)
    response = client.get(f"/pairs/datasets/{dataset.pk}/download/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == dataset_path(dataset).read_bytes()
    assert f"dataset-{dataset.pk}.jsonl" in response["Content-Disposition"]


@pytest.mark.django_db(transaction=True)
def test_the_export_job_runs_on_a_real_worker(worker, reviewed, make_user):
    dataset = launch_export(make_user("operator"), "by worker", {})
    wait_for(lambda: job_status(dataset.job_id) in ("succeeded", "failed"), timeout=120, message="the export job")
    dataset.refresh_from_db()
    assert dataset.job.status == "succeeded", dataset.job.error
    assert dataset.rows == 2 and dataset.job.result["sha256"] == dataset.sha256


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["preference", "sft"])
def test_parquet_and_datasets_exports_hold_the_same_records_and_content_hash_as_jsonl(reviewed, make_pair, make_user,
                                                                                   tmp_path, kind):
    import tarfile

    import datasets
    import pyarrow.parquet as pq

    make_pair(method="sl_cai", chosen="Revised.", rejected="Original.")
    operator = make_user("operator")
    jsonl = write(launch_export(operator, "j", {}, kind=kind), operator)
    parquet = write(launch_export(operator, "p", {}, kind=kind, format="parquet"), operator)
    hf = write(launch_export(operator, "h", {}, kind=kind, format="hf"), operator)
    expected = lines(jsonl)
    assert pq.read_table(dataset_path(parquet)).to_pylist() == expected
    with tarfile.open(dataset_path(hf)) as tar:
        tar.extractall(tmp_path, filter="data")
    assert datasets.load_from_disk(str(tmp_path / f"dataset-{hf.pk}")).to_list() == expected
    assert jsonl.sha256 == parquet.sha256 == hf.sha256 and jsonl.rows == parquet.rows == hf.rows == len(expected)


@pytest.mark.django_db
def test_an_unknown_format_is_refused(make_user):
    from alignment.errors import UserError

    with pytest.raises(UserError, match="format must be one of"):
        launch_export(make_user("operator"), "x", {}, format="xlsx")
    assert not Dataset.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("format", ["jsonl", "parquet", "hf"])
def test_a_filter_that_matches_nothing_gives_an_empty_dataset_not_a_failure(make_pair, make_user, format):
    make_pair(margin=0.5)
    operator = make_user("operator")
    dataset = write(launch_export(operator, "empty", {"margin_min": "0.9"}, format=format), operator)
    assert dataset.rows == 0 and dataset_path(dataset).is_file()


@pytest.mark.django_db
def test_a_human_flip_reaches_soft_label_training_as_a_definite_preference(reviewed, make_user):
    operator = make_user("operator")
    dataset = write(launch_export(operator, "labels", {}, keep_ties=True), operator)
    rows = {r["pair_id"]: r for r in lines(dataset)}
    flipped = rows[reviewed["flipped"].pk]
    assert (flipped["soft_label"], flipped["margin"], flipped["tie"]) == (1.0, 1.0, False)  # not the judge's 0.65
    plain, human_tie = rows[reviewed["plain"].pk], rows[reviewed["human_tie"].pk]
    assert plain["soft_label"] == pytest.approx(0.9) and (human_tie["soft_label"], human_tie["tie"]) == (0.5, True)


@pytest.mark.django_db
def test_agreeing_with_a_judges_tie_is_a_tie_everywhere(make_pair, make_user, client_as):
    from webapp.feedback.selectors import visible_pairs
    from webapp.pairs.agreement import agreement_report

    operator = make_user("operator")
    pair = make_pair(margin=0.0, tie=True)
    submit(make_user("reviewer"), pair.pk, "agree", 0)
    report = agreement_report(visible_pairs(operator))
    assert report["judge_vs_human"]["n"] == 1 and report["judge_vs_human"]["agreement"] == 1.0
    rows = lines(write(launch_export(operator, "agreed tie", {}, keep_ties=True), operator))
    assert rows[0]["tie"] is True
    assert "neither response was preferred" in client_as("viewer").get(f"/pairs/{pair.pk}/").content.decode()


@pytest.mark.django_db
def test_one_export_combines_a_human_import_and_an_ai_run_with_each_source_in_its_lineage(make_pair, make_user):
    from webapp.pairs.importing import import_pairs

    operator = make_user("operator")
    make_pair(chosen="AI preferred", rejected="AI rejected")
    rows = "\n".join(json.dumps({"prompt": "Q", "chosen": f"human {i}", "rejected": "worse"}) for i in range(3))
    human = import_pairs(operator, "people", "human", "people.jsonl", rows.encode())
    ai_run = Job.objects.filter(kind="feedback").first()
    dataset = write(launch_export(operator, "hybrid", {"run": str(ai_run.pk)}, also=[{"run": str(human.pk)}]), operator)
    written = lines(dataset)
    assert {r["run"] for r in written} == {ai_run.pk, human.pk} and len(written) == 4
    assert dataset.options["sources"] == [{"run": str(ai_run.pk)}, {"run": str(human.pk)}]


@pytest.mark.django_db
def test_a_seeded_split_writes_two_datasets_that_partition_the_pairs(make_pair, make_user):
    operator = make_user("operator")
    for i in range(40):
        make_pair(chosen=f"good {i}", rejected=f"bad {i}")
    train = launch_export(operator, "split", {}, heldout=0.25, seed=7)
    parts = list(Dataset.objects.filter(job=train.job).order_by("pk"))
    assert [d.name for d in parts] == ["split", "split (held out)"]
    train_ids, heldout_ids = ({r["pair_id"] for r in lines(write(d, operator))} for d in parts)
    assert not train_ids & heldout_ids and len(train_ids | heldout_ids) == 40 and 4 <= len(heldout_ids) <= 18
    again = launch_export(operator, "split again", {}, heldout=0.25, seed=7)
    assert {r["pair_id"] for r in lines(write(again, operator))} == train_ids  # the same seed, the same split


@pytest.mark.django_db
def test_unpaired_examples_for_kto_follow_scores_preferences_and_flags(make_pair, make_user):
    reviewer, operator = make_user("reviewer"), make_user("operator")
    scored = make_pair(method="self_rewarding", chosen="great", rejected="fine")
    scored.chosen_score, scored.rejected_score = 4.5, 3.5
    scored.save()
    make_pair(chosen="preferred", rejected="not preferred")
    flagged = make_pair(chosen="bad one", rejected="bad two")
    submit(reviewer, flagged.pk, "flag", 0, reason="harmful")
    rows = lines(write(launch_export(operator, "kto", {}, kind="unpaired", threshold=4.0), operator))
    labels = {r["completion"][0]["content"]: r["label"] for r in rows}
    assert labels == {"great": True, "fine": False, "preferred": True, "not preferred": False, "bad one": False,
                      "bad two": False}


@pytest.mark.django_db
def test_a_reviewers_better_response_becomes_the_chosen_one_with_its_provenance(make_pair, make_user):
    reviewer, operator = make_user("reviewer", "corrector"), make_user("operator")
    agreed = make_pair(chosen="Fine answer.", rejected="Bad answer.")
    flipped = make_pair(chosen="Judge's pick.", rejected="People's pick.")
    flagged = make_pair(chosen="Both", rejected="are bad")
    submit(reviewer, agreed.pk, "agree", 0, correction="  A far better answer.  ")
    submit(reviewer, flipped.pk, "flip", 0, correction="Better than both.")
    submit(reviewer, flagged.pk, "flag", 0, reason="both_bad", correction="What it should have said.")
    rows = {r["pair_id"]: r for r in lines(write(launch_export(operator, "corrected", {}), operator))}
    first, second, third = rows[agreed.pk], rows[flipped.pk], rows[flagged.pk]
    assert first["chosen"][-1]["content"] == "A far better answer." and first["rejected"][-1]["content"] == "Bad answer."
    assert second["rejected"][-1]["content"] == "Judge's pick."  # the worse one once people flipped the pair
    assert third["chosen"][-1]["content"] == "What it should have said."  # a correction rescues a flagged pair
    assert all((r["chosen_source"], r["corrected_by"], r["soft_label"]) == ("correction", "corrector", 1.0)
               for r in (first, second, third))
    sft = lines(write(launch_export(operator, "corrected-sft", {}, kind="sft"), operator))
    assert sorted(r["completion"][-1]["content"] for r in sft) == ["A far better answer.", "Better than both.",
                                                                   "What it should have said."]
