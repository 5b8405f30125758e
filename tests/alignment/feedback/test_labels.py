"""The arithmetic of the three papers' labels, on hand-computed cases."""

import math

import pytest

from alignment.feedback.labels import (
    ParsedScore,
    average_principles,
    best_and_worst,
    choice_probability,
    clamp,
    combine_orders,
    first_preferred,
    mean_score,
    parse_score,
)


def test_the_soft_label_is_the_normalised_probability_of_the_two_options():
    # logits log(3) and log(1): P(A) = 3 / (3 + 1)
    assert choice_probability(math.log(3), math.log(1)) == pytest.approx(0.75)
    assert choice_probability(-1000.0, -1001.0) == pytest.approx(1 / (1 + math.exp(-1)))


def test_order_two_and_negation_reverse_the_label():
    assert first_preferred(0.8, first_shown_as_a=True) == pytest.approx(0.8)
    assert first_preferred(0.8, first_shown_as_a=False) == pytest.approx(0.2)


def test_both_orders_are_averaged_and_disagreement_is_a_tie():
    agree = combine_orders(0.8, 0.6)
    assert agree.p_first == pytest.approx(0.7) and not agree.tie
    # The judge picked (A) both times: first when first was (A), second when second was (A).
    position_bias = combine_orders(first_preferred(0.9, True), first_preferred(0.9, False))
    assert position_bias.tie and position_bias.p_first == pytest.approx(0.5)


def test_chain_of_thought_labels_are_clamped_to_forty_sixty():
    assert (clamp(0.95), clamp(0.02), clamp(0.55)) == (0.6, 0.4, 0.55)


def test_principles_are_averaged_per_order():
    combined = average_principles([combine_orders(0.9, 0.7), combine_orders(0.3, 0.7)])
    assert (combined.order1, combined.order2) == pytest.approx((0.6, 0.7))
    assert not combined.tie and combined.p_first == pytest.approx(0.65)


@pytest.mark.parametrize("text, expected", [
    ("Good answer.\nScore: 4", ParsedScore(4.0, "ok")),
    ("Score: 2 at first... on reflection Score: 3", ParsedScore(3.0, "ok")),
    ("**Score:** 5/5", ParsedScore(5.0, "ok")),
    ("score = 2.5", ParsedScore(2.5, "ok")),
    ("I would give it four points.", ParsedScore(None, "missing")),
    ("Score: 7", ParsedScore(None, "out_of_range")),
    ("", ParsedScore(None, "missing")),
])
def test_scores_are_parsed_robustly_and_failures_are_recorded(text, expected):
    assert parse_score(text, max_points=5) == expected


def test_the_mean_score_uses_only_parsed_judgments_and_never_invents_one():
    assert mean_score([ParsedScore(4, "ok"), ParsedScore(None, "missing"), ParsedScore(2, "ok")]) == 3
    assert mean_score([ParsedScore(None, "missing")] * 3) is None


def test_best_and_worst_form_the_pair_and_ties_are_dropped():
    pair = best_and_worst([3.0, 4.5, None, 1.0])
    assert (pair.chosen, pair.rejected, pair.margin) == (1, 3, 3.5)
    assert best_and_worst([2.0, 2.0, 2.0, 2.0]) is None
    assert best_and_worst([None, 4.0, None, None]) is None
