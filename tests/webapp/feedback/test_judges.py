"""Judges measured against people in the app: given pairs labelled by a real judge on a worker,
the report and leaderboard, the recommended judge, calibrated exports, the shipped human set."""

import json

import pytest

from tests.conftest import job_status, wait_for
from webapp.datasets.export import dataset_path, launch_export, write
from webapp.feedback import judges
from webapp.feedback.models import Judgment, PreferencePair
from webapp.feedback.services import launch_feedback
from webapp.jobs.models import Job
from webapp.pairs.importing import import_pairs, load_shipped_human_sets


def human_set(operator, n=12, split=True, name="people"):
    rows = [{"prompt": f"Question {i}?", "chosen": f"A careful answer {i}.", "rejected": f"No {i}."} for i in range(n)]
    return import_pairs(operator, name, "human", f"{name}.jsonl", "\n".join(map(json.dumps, rows)).encode(), split=split)


def judged_run(version, source, p_of, judge_model="smollm2-135m-instruct", principle="helpful"):
    """A finished run on given pairs, as the worker stores it: each given pair judged in both
    orders under one principle; p_of(i) is the judge's P(the given chosen is preferred)."""
    run = Job.objects.create(kind="feedback", status="succeeded", constitution_version=version, config={
        "pairs_from": source.pk, "pairs_from_name": source.config["name"], "judge_model": judge_model,
        "method": "rl_cai", "chain_of_thought": False, "principles_per_pair": 1, "constitution_version": version.pk,
        "constitution": f"{version.name} v{version.number}"})
    for i, src in enumerate(PreferencePair.objects.filter(job=source).order_by("id")):
        p = p_of(i)
        tie = p == 0.5
        first = p >= 0.5
        PreferencePair.objects.create(
            job=run, prompt=src.prompt, key=str(src.pk), method="rl_cai", constitution_version=version,
            chosen=src.chosen if first else src.rejected, rejected=src.rejected if first else src.chosen,
            soft_label=max(p, 1 - p), margin=abs(2 * p - 1), tie=tie, principles=[principle], source_pair=src)
        for order in (1, 2):
            Judgment.objects.create(job=run, prompt=src.prompt, key=f"{src.pk}:{principle}:0:{order}",
                                    judge_model=judge_model, constitution_version=version, principle_key=principle,
                                    order=order, p_a=p if order == 1 else 1 - p, p_first=p, latency_ms=1.0)
    run.result = {"judge": judges.record_report(run)}
    run.save()
    return run


@pytest.fixture
def people(make_user):
    return human_set(make_user("operator", "importer"))


def parts(calibration_run):
    found = {j.config["part"]: j for j in Job.objects.filter(kind="import", config__human_set="people")}
    return found["calibration"], found["test"]


@pytest.mark.django_db
def test_an_imported_set_splits_by_prompt_into_calibration_and_test_parts(people):
    calibration, test = parts(people)
    ids = [set(PreferencePair.objects.filter(job=j).values_list("prompt__text", flat=True)) for j in (calibration, test)]
    assert ids[0] and ids[1] and not ids[0] & ids[1] and len(ids[0] | ids[1]) == 12
    assert calibration.config["name"] == "people (calibration)" and test.config["name"] == "people (test)"


@pytest.mark.django_db
def test_the_report_measures_the_judge_against_the_sets_labels(pair_run, people):
    calibration, _ = parts(people)
    n = PreferencePair.objects.filter(job=calibration).count()
    # Right on the first pairs, wrong on one, a tie on the last.
    run = judged_run(pair_run["version"], calibration, lambda i: 0.5 if i == n - 1 else (0.2 if i == 0 else 0.9))
    report = judges.report(run)
    overall = report["overall"]
    assert overall["n"] == n
    assert overall["accuracy"]["value"] == pytest.approx((n - 2) / (n - 1))
    assert overall["coverage"] == pytest.approx((n - 1) / n)
    wrong = PreferencePair.objects.get(job=run, source_pair__in=PreferencePair.objects.filter(job=calibration)
                                       .order_by("id")[:1])
    assert overall["disagreements"] == [wrong.pk]
    assert [p["principle"] for p in report["per_principle"]] == ["helpful"]
    assert report["per_principle"][0]["accuracy"]["value"] == pytest.approx(overall["accuracy"]["value"])


@pytest.mark.django_db
def test_the_leaderboard_ranks_judges_and_the_recommended_one_is_preselected(pair_run, make_user, client_as):
    # Kappa is undefined when every pair is shown in the same framing (pair ids decide it): with
    # about 20 pairs in the calibration part that chance is below one in a million.
    calibration, _ = parts(human_set(make_user("operator", "importer"), n=40))
    good = judged_run(pair_run["version"], calibration, lambda i: 0.9)
    bad = judged_run(pair_run["version"], calibration, lambda i: 0.9 if i % 2 else 0.1, judge_model="other-judge")
    operator = make_user("operator")
    rows = judges.leaderboard(operator, calibration.pk)
    assert [r["run"].pk for r in rows] == [good.pk, bad.pk]
    client = client_as("operator")
    page = client.get(f"/feedback/judges/?set={calibration.pk}").content.decode()
    assert page.index(f"/feedback/judges/{good.pk}/") < page.index(f"/feedback/judges/{bad.pk}/")
    client.post(f"/feedback/judges/{bad.pk}/recommend")
    form = client.get("/feedback/new/").content.decode()
    assert 'value="other-judge"' in form and "recommended judge" in form
    assert judges.leaderboard(operator, calibration.pk)[1]["recommended"]


@pytest.mark.django_db
def test_calibrated_labels_are_exported_with_the_temperatures_in_the_lineage(pair_run, people, make_user):
    calibration, test = parts(people)
    # Over-confident: 0.95 on every pair, right on only some: the fitted temperature softens it.
    cal_run = judged_run(pair_run["version"], calibration, lambda i: 0.95 if i % 3 else 0.05)
    test_run = judged_run(pair_run["version"], test, lambda i: 0.95 if i % 3 else 0.05)
    cal = judges.calibration(make_user("viewer"), test_run)
    assert cal["fit_on"] == cal_run and cal["test"] == test_run and cal["temperatures"][""] > 1
    effect = {e["principle"]: e for e in cal["effect"]}["all principles"]
    assert effect["nll_after"] < effect["nll_before"]
    operator = make_user("operator")
    other = pair_run["job"]  # pairs of another run are not this judge's and stay as they are
    PreferencePair.objects.create(job=other, prompt=PreferencePair.objects.filter(job=test).first().prompt, key="x",
                                  method="rl_cai", constitution_version=pair_run["version"], chosen="a", rejected="b",
                                  soft_label=0.95, margin=0.9, principles=["helpful"])
    dataset = write(launch_export(operator, "calibrated", {"run": str(test_run.pk)}, also=[{"run": str(other.pk)}],
                                  calibrate=cal_run), operator)
    assert dataset.options["calibration"]["run"] == cal_run.pk
    assert dataset.options["calibration"]["runs"] == [test_run.pk]
    rows = [json.loads(line) for line in dataset_path(dataset).read_text().splitlines()]
    t = cal["temperatures"][""]
    from alignment.calibration import scaled

    assert {round(r["soft_label"], 6) for r in rows if r["run"] == test_run.pk} == {round(scaled(0.95, t), 6)}
    assert [r["soft_label"] for r in rows if r["run"] == other.pk] == [0.95]


@pytest.mark.django_db
def test_judge_pages_follow_the_visibility_rule(pair_run, people, client_as):
    from webapp.constitutions.models import Constitution

    calibration, _ = parts(people)
    run = judged_run(pair_run["version"], calibration, lambda i: 0.9)
    viewer = client_as("viewer")
    assert viewer.get(f"/feedback/judges/{run.pk}/").status_code == 200
    assert viewer.get(f"/api/feedback/judges/{run.pk}").json()["overall"]["n"] == run.result["judge"]["n"]
    Constitution.objects.filter(pk=pair_run["version"].constitution_id).update(visibility="private")
    assert viewer.get(f"/feedback/judges/{run.pk}/").status_code == 404
    assert viewer.get(f"/api/feedback/judges/{run.pk}").status_code == 404
    assert f"/feedback/judges/{run.pk}/" not in viewer.get(f"/feedback/judges/?set={calibration.pk}").content.decode()


@pytest.mark.django_db
def test_the_shipped_human_set_loads_once_as_two_parts():
    made = load_shipped_human_sets()
    assert sorted(j.config["part"] for j in made) == ["calibration", "test"]
    assert all(j.config["human_set"] == "pyrit human scores" and "harm/ files are not used" in
               j.config.get("rule", "") + judges_description(j) for j in made)
    assert load_shipped_human_sets() == []


def judges_description(job):
    from webapp.prompts.models import PromptSet

    return PromptSet.objects.get(name=job.config["name"]).description


@pytest.mark.django_db
def test_a_run_on_given_pairs_needs_one_source_and_a_visible_one(pair_run, people, make_user):
    from alignment.errors import UserError

    operator = make_user("operator")
    choices = {"method": "rl_cai"}
    with pytest.raises(UserError, match="choose one source"):
        launch_feedback(operator, pair_run["set"], pair_run["version"], choices, pairs_from=people)
    running = Job.objects.create(kind="feedback", status="running", config={"name": "half done"})
    with pytest.raises(UserError, match="not a finished run"):
        launch_feedback(operator, None, pair_run["version"], choices, pairs_from=running)


@pytest.mark.django_db(transaction=True)
def test_a_real_judge_labels_given_pairs_on_a_worker_and_each_points_at_its_pair(worker, pair_run, make_user, client):
    operator = make_user("operator")
    people = human_set(operator, n=2, split=False, name="two people")
    client.force_login(operator)
    response = client.post("/api/feedback/runs", {
        "pairs_from": people.pk, "constitution_version": pair_run["version"].pk,
        "config": {"method": "rl_cai", "batch_size": 4}}, content_type="application/json")
    assert response.status_code == 201, response.content
    job_id = response.json()["id"]
    wait_for(lambda: job_status(job_id) in ("succeeded", "failed"), timeout=240, message="the judge run")
    job = Job.objects.get(pk=job_id)
    assert job.status == "succeeded", job.error
    sources = set(PreferencePair.objects.filter(job=people).values_list("pk", flat=True))
    judged = PreferencePair.objects.filter(job=job)
    assert set(judged.values_list("source_pair_id", flat=True)) == sources
    assert {(p.chosen, p.rejected) in {(s.chosen, s.rejected), (s.rejected, s.chosen)}
            for p in judged for s in [p.source_pair]} == {True}
    assert Judgment.objects.filter(job=job).count() == 2 * 2  # both orders
    assert job.result["judge"]["n"] == 2 and job.result["given pairs"] == 2
    assert client.get(f"/feedback/judges/{job_id}/").status_code == 200
