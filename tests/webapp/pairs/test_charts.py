"""The charts' numbers, on hand-counted pairs, and their links back to the pairs."""

import pytest

from webapp.feedback.models import Judgment, PreferencePair
from webapp.pairs.charts import chart_data
from webapp.pairs.selectors import PairFilter


@pytest.fixture
def charted(make_pair, pair_run):
    pairs = [make_pair(margin=0.05, tie=True), make_pair(margin=0.08), make_pair(margin=0.35, principle="honest"),
             make_pair(margin=2.0, method="self_rewarding", chosen="x" * 250, rejected="y")]
    for n, (order, p_a) in enumerate([(1, 0.7), (2, 0.6), (1, 0.2), (2, 0.55)]):
        Judgment.objects.create(job=pair_run["job"], prompt=pairs[0].prompt, key=f"j{n}", judge_model="judge",
                                constitution_version=pair_run["version"], principle_key="helpful", order=order, p_a=p_a,
                                latency_ms=1)
    return pairs


@pytest.mark.django_db
def test_the_chart_numbers_match_a_hand_count(charted):
    data = chart_data(PreferencePair.objects.all())
    margin = {b["x"]: (b["n"], b["ties"]) for b in data["margin"]["bars"]}
    assert margin == {"0.0–0.1": (2, 1), "0.3–0.4": (1, 0), "2.0–2.1": (1, 0)}
    length = {b["x"]: b["n"] for b in data["length"]["bars"]}
    assert length == {-100: 3, 200: 1}  # "Chosen answer." vs "Rejected answer." is -2 characters
    assert data["length"]["mean"] == pytest.approx((3 * -2 + 249) / 4)
    principles = {r["principle"]: (r["n"], r["ties"]) for r in data["principles"]}
    assert principles == {"helpful": (3, 1), "honest": (1, 0)}
    # (A) preferred when p_a >= 0.5: 3 of the 4 judgments.
    assert [(r["judge_model"], r["principle_key"], r["n"], r["first_wins"]) for r in data["position"]] == \
        [("judge", "helpful", 4, 0.75)]


@pytest.mark.django_db
def test_each_bar_links_to_exactly_the_pairs_it_counts(charted):
    data = chart_data(PreferencePair.objects.all())
    series = [(b, b["n"]) for b in data["margin"]["bars"]] + [(b, b["n"]) for b in data["length"]["bars"]] + \
             [(r, r["n"]) for r in data["principles"]] + [(r, r["n"]) for r in data["runs"]]
    for bar, count in series:
        f = PairFilter.from_query(bar["query"])
        assert not f.errors and f.apply(PreferencePair.objects.all()).count() == count, bar


@pytest.mark.django_db
def test_the_charts_page_renders_for_a_viewer_with_its_data_inert(client_as, make_pair):
    make_pair(principle="<script>alert(1)</script>")
    body = client_as("viewer").get("/pairs/charts/").content.decode()
    assert 'id="chart-data"' in body and "<script>alert(1)</script>" not in body
