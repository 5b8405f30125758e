"""Browsing pairs: filters, keyset pages, bad filter input, inert text, visibility."""

import random
import re

import pytest

from webapp.feedback.models import Judgment
from webapp.feedback.selectors import visible_pairs
from webapp.pairs.selectors import PAGE, PairFilter, pair_page

SCRIPT = "<script>alert('x')</script>"


def walk(user, query, between=lambda: None):
    """Every pair id, page after page, as the list serves them."""
    f, seen, cursor = PairFilter.from_query(query), [], ""
    while True:
        page = pair_page(visible_pairs(user), f, cursor)
        seen += [p.id for p in page["pairs"]]
        if not page["next_cursor"]:
            return seen
        cursor = page["next_cursor"]
        between()


@pytest.mark.django_db
@pytest.mark.parametrize("sort", ["id", "-id", "margin", "-margin", "length", "-length"])
def test_pages_never_skip_or_repeat_a_pair_while_new_pairs_arrive(make_pair, make_user, sort):
    rng = random.Random(1)
    originals = [make_pair(margin=round(rng.random(), 2), chosen="c" * rng.randint(1, 40)).id for _ in range(2 * PAGE + 7)]
    seen = walk(make_user("viewer"), {"sort": sort},
                between=lambda: make_pair(margin=round(rng.random(), 2), chosen="c" * rng.randint(1, 40)))
    assert len(seen) == len(set(seen))
    assert set(originals) <= set(seen)


@pytest.mark.django_db
def test_each_filter_keeps_exactly_the_matching_pairs(make_pair, make_user, pair_run):
    from webapp.jobs.models import Job

    viewer = make_user("viewer")
    low = make_pair(margin=0.1)
    tie = make_pair(margin=0.0, tie=True, disagreement=True)
    honest = make_pair(margin=0.9, principle="honest", method="salmon")
    long = make_pair(margin=0.5, chosen="x" * 300)
    other_job = Job.objects.create(kind="feedback", status="succeeded")
    elsewhere = make_pair(margin=0.5, job=other_job, prompt="Tell me about otters")
    Judgment.objects.create(job=pair_run["job"], prompt=low.prompt, key="j", judge_model="m",
                            constitution_version=pair_run["version"], principle_key="helpful", rationale="mentions kelp forests",
                            latency_ms=1)
    cases = {
        "ties=yes": {tie.id}, "disagreement=yes": {tie.id}, "margin_min=0.8": {honest.id},
        "margin_max=0.2": {low.id, tie.id}, "principle=honest": {honest.id}, "method=salmon": {honest.id},
        "length_min=100": {long.id}, f"run={other_job.pk}": {elsewhere.id}, "q=otters": {elsewhere.id},
        "q=kelp": {low.id}, "reviewed=yes": set(),
    }
    for query, expected in cases.items():
        key, value = query.split("=")
        assert set(walk(viewer, {key: value})) == expected, query


@pytest.mark.django_db
@pytest.mark.parametrize("query, message", [
    ("margin_min=abc", "margin_min must be a number"), ("margin_max=-3", "between 0 and 100"),
    ("run=-4", "run must be positive"), ("sort=evil", "sort must be one of"), ("ties=maybe", "ties must be yes, no"),
    ("after=zz_qq&sort=margin", "cursor is malformed"),
])
def test_bad_filter_input_gets_a_clear_message_not_an_error_page(client_as, make_pair, query, message):
    make_pair()
    response = client_as("viewer").get(f"/pairs/?{query}")
    assert response.status_code == 200
    assert message in response.content.decode()


@pytest.mark.django_db
def test_script_in_prompts_responses_rationales_and_comments_stays_inert(client_as, make_pair, pair_run, make_user):
    from webapp.pairs.services import submit

    pair = make_pair(prompt=f"prompt {SCRIPT}", chosen=f"chosen {SCRIPT}", rejected=f"rejected {SCRIPT}")
    Judgment.objects.create(job=pair_run["job"], prompt=pair.prompt, key="j", judge_model="m", order=1,
                            constitution_version=pair_run["version"], principle_key="helpful", rationale=f"why {SCRIPT}",
                            latency_ms=1)
    submit(make_user("reviewer"), pair.pk, "tie", 0, comment=f"note {SCRIPT}")
    client = client_as("viewer")
    for url in ["/pairs/", f"/pairs/{pair.pk}/", "/pairs/agreement/", f"/jobs/{pair_run['job'].pk}/"]:
        body = client.get(url).content.decode()
        assert SCRIPT not in body, url
    body = client.get(f"/pairs/{pair.pk}/").content.decode()
    assert body.count("&lt;script&gt;") >= 5  # prompt, both responses, rationale, comment (and the word diff)
    assert "<strong>helpful</strong>" in body  # the principle's Markdown is rendered, sanitized


@pytest.mark.django_db
def test_pairs_under_a_private_constitution_are_hidden_from_others(client_as, make_pair, pair_run):
    pair_run["version"].constitution.visibility = "private"
    pair_run["version"].constitution.save()
    pair = make_pair()
    client = client_as("viewer")
    assert client.get(f"/pairs/{pair.pk}/").status_code == 404
    assert f'data-id="{pair.pk}"' not in client.get("/pairs/").content.decode()


@pytest.mark.django_db
def test_the_detail_page_shows_judgments_lineage_and_neighbours_in_the_filter(client_as, make_pair, pair_run):
    first, middle, last = make_pair(margin=0.2), make_pair(margin=0.9), make_pair(margin=0.3)
    Judgment.objects.create(job=pair_run["job"], prompt=first.prompt, key="j1", judge_model="m", order=2, p_a=0.25,
                            p_first=0.75, constitution_version=pair_run["version"], principle_key="helpful", latency_ms=3)
    body = client_as("viewer").get(f"/pairs/{first.pk}/?margin_max=0.5").content.decode()
    assert "Which response is more helpful?" in body and "0.750" in body and "first shown as (B)" in body
    assert f"/pairs/{last.pk}/?margin_max=0.5" in body  # next within the filter skips the 0.9 pair
    assert f"/pairs/{middle.pk}/" not in body
    assert re.search(r"Review rules v1", body) and "smollm2-135m-instruct" in body


@pytest.mark.django_db
@pytest.mark.parametrize("sort", ["margin", "-margin", "length", "-length"])
def test_pages_sorted_by_a_filtered_column_keep_exactly_the_filtered_pairs(make_pair, make_user, sort):
    from webapp.feedback.models import PreferencePair

    rng = random.Random(2)
    for _ in range(5 * PAGE):
        make_pair(margin=round(rng.random(), 2), chosen="c" * rng.randint(1, 60))
    query = {"sort": sort, "margin_min": "0.3", "margin_below": "0.8", "length_min": "-10", "length_max": "30"}
    expected = set(PreferencePair.objects.filter(margin__gte=0.3, margin__lt=0.8, length_diff__gte=-10,
                                                 length_diff__lte=30).values_list("id", flat=True))
    seen = walk(make_user("viewer"), query)
    assert len(seen) == len(set(seen)) and set(seen) == expected and len(expected) > PAGE


@pytest.mark.django_db
def test_neighbours_of_a_pair_outside_the_filter_stay_inside_it(make_pair, make_user):
    from webapp.pairs.selectors import neighbour

    low, outside, high = make_pair(margin=0.1), make_pair(margin=0.9), make_pair(margin=0.4)
    f = PairFilter.from_query({"sort": "margin", "margin_max": "0.5"})
    base = visible_pairs(make_user("viewer"))
    assert neighbour(base, f, outside, backwards=True) == high.pk
    assert neighbour(base, f, outside) is None
    assert neighbour(base, f, low) == high.pk


@pytest.mark.django_db
def test_a_salmon_record_shows_only_its_own_principles_judgments_and_marks_its_negation(client_as, make_pair, pair_run):
    pair = make_pair(method="salmon", principle="honest")
    pair.negated = ["honest"]
    pair.save()
    for key, principle, rationale in (("j1", "honest", ""), ("j2", "helpful", "another record's judgment")):
        Judgment.objects.create(job=pair_run["job"], prompt=pair.prompt, key=key, judge_model="m", order=1, p_a=0.6,
                                p_first=0.6, constitution_version=pair_run["version"], principle_key=principle,
                                rationale=rationale, latency_ms=3)
    body = client_as("viewer").get(f"/pairs/{pair.pk}/").content.decode()
    rows = body[body.index('id="judgment-rows"'):body.index("</tbody>", body.index('id="judgment-rows"'))]
    assert "<code>honest</code>" in rows and "<code>helpful</code>" not in rows
    assert "another record's judgment" not in body
    assert 'class="pill negated"' in rows  # the record teaches the principle's negation
    assert "log-probabilities of (A) and (B) only" in rows  # no empty rationale box


@pytest.mark.django_db
def test_an_imported_pair_is_not_described_as_judged(client_as, make_pair):
    pair = make_pair(method="human")
    body = client_as("reviewer").get(f"/pairs/{pair.pk}/").content.decode()
    assert "no judge labelled this pair" in body and "an imported pair carries its source's label" in body
    assert "Agree with the label" in body and "Agree with the judge" not in body
    assert "critique/revision chain" not in body


@pytest.mark.django_db
def test_review_guidelines_of_the_run_and_of_its_version_are_shown_beside_the_pair(client_as, make_user):
    from pathlib import Path

    from alignment.constitution import from_yaml
    from webapp.constitutions import services as constitutions
    from webapp.feedback.models import PreferencePair
    from webapp.jobs.models import Job
    from webapp.prompts.models import Prompt, PromptSet

    shipped = Path(__file__).resolve().parents[3] / "principles" / "hhh-comparison.yaml"
    version = constitutions.create(make_user("editor", "guide-author"), from_yaml(shipped.read_bytes())).head
    job = Job.objects.create(kind="feedback", status="succeeded", constitution_version=version,
                             config={"review_guidelines": "Prefer **short** answers. <script>alert(1)</script>"})
    prompt = Prompt.objects.create(prompt_set=PromptSet.objects.create(name="g"), key="g", text="Hi?")
    pair = PreferencePair.objects.create(job=job, prompt=prompt, key="g", method="rl_cai", constitution_version=version,
                                         chosen="Hello.", rejected="Go away.", soft_label=0.8, margin=0.6,
                                         principles=["helpfulness"])
    body = client_as("reviewer").get(f"/pairs/{pair.pk}/").content.decode()
    box = body[body.index('id="review-guidelines"'):body.index("</section>", body.index('id="review-guidelines"'))]
    assert "<strong>short</strong>" in box and "<script>" not in box  # Markdown, sanitised
    assert "from this run" in box and "refusing a benign one" in box.replace("\n", " ")  # the version's own, too


@pytest.mark.django_db
def test_the_run_and_version_filters_are_pickers_that_keep_the_choice(client_as, make_pair, pair_run):
    make_pair()
    job, version = pair_run["job"], pair_run["version"]
    job.config = {**job.config, "name": "otter run"}
    job.result = {"pairs": 1}
    job.save()
    body = client_as("viewer").get(f"/pairs/?run={job.pk}&version={version.pk}").content.decode()
    run_box = body[body.index('id="filter-run"'):body.index("</select>", body.index('id="filter-run"'))]
    version_box = body[body.index('id="filter-version"'):body.index("</select>", body.index('id="filter-version"'))]
    assert re.search(rf'<option value="{job.pk}" selected>otter run', run_box)
    assert f'<option value="{version.pk}" selected>Review rules v1</option>' in version_box
