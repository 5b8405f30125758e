"""Judge vs an imported human-labeled set, pair by pair: matching, the hand-computed case,
unmatched counts, the filter and visibility, and the Agreement page's select."""

import json

import pytest

from webapp.feedback.models import PreferencePair
from webapp.pairs.agreement import agreement_report
from webapp.pairs.importing import import_pairs


def imported(make_user, rows, name="labels", source="human"):
    data = "\n".join(json.dumps({"prompt": p, "chosen": c, "rejected": r, "tie": t}) for p, c, r, t in rows).encode()
    return import_pairs(make_user("operator", "importer"), name, source, f"{name}.jsonl", data)


def page(client, query):
    """The Agreement page's text with whitespace collapsed."""
    return " ".join(client.get(f"/pairs/agreement/?{query}").content.decode().split())


def against(run, pairs=None):
    return agreement_report(pairs if pairs is not None else PreferencePair.objects.all(), against=run)["against"]


@pytest.mark.django_db
def test_judge_vs_imported_kappa_matches_the_hand_computed_case(make_pair, make_user):
    # Judge, in the shared framing (x = the response that sorts first): x, x, y, y.
    make_pair(prompt="Q1", chosen="a", rejected="b")
    make_pair(prompt="Q2", chosen="a", rejected="b")
    make_pair(prompt="Q3", chosen="b", rejected="a")
    make_pair(prompt="Q4", chosen="b", rejected="a", principle="honest")
    # Imported: y, x, y, tie.
    run = imported(make_user, [("Q1", "b", "a", False), ("Q2", "a", "b", False), ("Q3", "b", "a", False),
                               ("Q4", "a", "b", True)])
    a = against(run)
    # p_o = 2/4; p_e = (x: 2*1 + y: 2*2 + tie: 0*1) / 16 = 3/8; kappa = (1/2 - 3/8) / (5/8) = 1/5.
    assert a["matched"] == 4 and a["judge_vs_imported"]["agreement"] == 0.5
    assert a["judge_vs_imported"]["kappa"]["value"] == pytest.approx(0.2)
    assert a["judge_vs_imported"]["kappa"]["n"] == 4 and a["judge_vs_imported"]["kappa"]["low"] is not None
    rows = {r["name"]: (r["n"], r["agreement"]) for r in a["per_principle"]}
    assert rows["helpful"] == (3, pytest.approx(2 / 3)) and rows["honest"] == (1, 0.0)


@pytest.mark.django_db
def test_pairs_match_across_whitespace_and_response_order_but_not_other_differences(make_pair, make_user):
    make_pair(prompt="How do I\nmake tea?", chosen="Steep it.", rejected="Boil it.")
    make_pair(prompt="How do I make tea?", chosen="steep it.", rejected="Boil it.")  # case is not whitespace
    run = imported(make_user, [("  How do I   make tea? ", "Boil  it.", "Steep it.\n", False)])
    a = against(run)
    assert (a["matched"], a["unmatched_imported"]) == (1, 0)
    assert a["judge_vs_imported"]["agreement"] == 0.0  # the judge chose "Steep it.", the import "Boil it."


@pytest.mark.django_db
def test_imported_pairs_that_find_no_judged_pair_are_counted(make_pair, make_user):
    make_pair(prompt="Q1", chosen="a", rejected="b")
    make_pair(prompt="Q9", chosen="a", rejected="b")  # judged, not in the import
    run = imported(make_user, [("Q1", "a", "b", False), ("Q1", "a", "b", False),  # a repeat matches too
                               ("Q1", "a", "c", False), ("Q2", "a", "b", False)])
    a = against(run)
    assert (a["imported"], a["matched"], a["matched_imported"], a["unmatched_imported"]) == (4, 1, 2, 2)


@pytest.mark.django_db
def test_imported_pairs_are_never_compared_with_themselves_or_another_import(make_user):
    run = imported(make_user, [("Q1", "a", "b", False)])
    imported(make_user, [("Q1", "b", "a", False)], name="other", source="external")
    a = against(run)
    assert (a["matched"], a["unmatched_imported"]) == (0, 1)


@pytest.mark.django_db
def test_only_judged_pairs_in_the_filter_are_compared(client_as, make_pair, make_user):
    make_pair(prompt="Q1", chosen="a", rejected="b", margin=0.1)
    make_pair(prompt="Q2", chosen="a", rejected="b", margin=0.9)
    run = imported(make_user, [("Q1", "a", "b", False), ("Q2", "a", "b", False)])
    body = page(client_as("viewer"), f"margin_max=0.5&against={run.pk}")
    assert "<strong>1</strong> judged pair matched 1 of the 2 imported pairs" in body
    assert "<strong>1</strong> imported pair found no judged pair" in body


@pytest.mark.django_db
def test_pairs_under_a_private_constitution_are_not_matched_for_others(client_as, make_pair, make_user, pair_run):
    pair_run["version"].constitution.visibility = "private"
    pair_run["version"].constitution.save()
    make_pair(prompt="Q1", chosen="a", rejected="b")
    run = imported(make_user, [("Q1", "a", "b", False)])
    body = page(client_as("viewer"), f"against={run.pk}")
    assert "<strong>0</strong> judged pairs matched 0 of the 1 imported pair" in body


@pytest.mark.django_db
def test_the_agreement_page_lists_imported_runs_and_shows_the_comparison(client_as, make_pair, make_user):
    make_pair(prompt="Q1", chosen="a", rejected="b")
    make_pair(prompt="Q2", chosen="b", rejected="a")
    run = imported(make_user, [("Q1", "a", "b", False), ("Q2", "a", "b", False), ("Q3", "a", "b", False)],
                   name="gold labels")
    client = client_as("viewer")
    assert f'<option value="{run.pk}">run {run.pk}: gold labels (human, 3 pairs)</option>' in page(client, "")
    body = page(client, f"against={run.pk}")
    assert f'<option value="{run.pk}" selected>' in body and 'id="judge-imported"' in body
    assert "<strong>2</strong> judged pairs matched 2 of the 3 imported pairs" in body
    assert "<td>0.500</td>" in body  # one agrees (Q1), one does not (Q2)


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["abc", "999999", "²"])
def test_an_unknown_imported_run_gets_a_message_not_an_error_page(client_as, make_pair, value):
    make_pair()
    response = client_as("viewer").get(f"/pairs/agreement/?against={value}")
    assert response.status_code == 200 and "against must be the id of an imported run" in response.content.decode()


@pytest.mark.django_db
def test_a_run_that_is_not_an_import_cannot_be_compared_against(client_as, make_pair, pair_run):
    make_pair()
    body = client_as("viewer").get(f"/pairs/agreement/?against={pair_run['job'].pk}").content.decode()
    assert "against must be the id of an imported run" in body and 'id="judge-imported"' not in body
