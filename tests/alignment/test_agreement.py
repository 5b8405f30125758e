"""Agreement statistics on hand-computed cases."""

import pytest

from alignment.agreement import alpha_with_ci, cohen_kappa, kappa_with_ci, krippendorff_alpha


def test_cohen_kappa_matches_the_hand_computed_two_by_two_case():
    # 50 items: both yes 20, A yes / B no 5, A no / B yes 10, both no 15.
    # p_o = 35/50 = 0.7; p_e = 0.5 * 0.6 + 0.5 * 0.4 = 0.5; kappa = 0.2 / 0.5 = 0.4.
    a = ["y"] * 25 + ["n"] * 25
    b = ["y"] * 20 + ["n"] * 5 + ["y"] * 10 + ["n"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)


def test_kappa_is_one_for_perfect_agreement_and_undefined_when_nobody_varies():
    assert cohen_kappa(["a", "b", "a"], ["a", "b", "a"]) == pytest.approx(1.0)
    assert cohen_kappa(["a", "a"], ["a", "a"]) is None


def test_kappa_is_below_zero_when_raters_systematically_disagree():
    # p_o = 0, p_e = 0.5 -> kappa = -1.
    assert cohen_kappa(["a", "b", "a", "b"], ["b", "a", "b", "a"]) == pytest.approx(-1.0)


def test_krippendorff_alpha_reproduces_krippendorffs_nominal_example():
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability": 4 observers, 12 units,
    # missing values; nominal alpha = 0.743. Unit 12 has a single value and is not pairable.
    observers = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
        [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
    ]
    units = [[o[u] for o in observers if o[u] is not None] for u in range(12)]
    assert krippendorff_alpha(units) == pytest.approx(0.743, abs=5e-4)


def test_alpha_for_two_complete_raters_follows_the_coincidence_matrix():
    a = ["y"] * 25 + ["n"] * 25
    b = ["y"] * 20 + ["n"] * 5 + ["y"] * 10 + ["n"] * 15
    # Coincidences: o_yy = 40, o_nn = 30, o_yn = o_ny = 15; n_y = 55, n_n = 45, n = 100.
    # alpha = 1 - (n - 1) * (o_yn + o_ny) / (2 * n_y * n_n) = 1 - 99 * 30 / 4950 = 0.4.
    assert krippendorff_alpha(list(zip(a, b))) == pytest.approx(0.4)


def test_the_bootstrap_interval_brackets_the_estimate_and_is_reproducible():
    a = ["y"] * 25 + ["n"] * 25
    b = ["y"] * 20 + ["n"] * 5 + ["y"] * 10 + ["n"] * 15
    est = kappa_with_ci(a, b, resamples=500, seed=3)
    assert est.low < est.value < est.high and est.n == 50
    assert kappa_with_ci(a, b, resamples=500, seed=3) == est
    alpha = alpha_with_ci(list(zip(a, b)), resamples=500)
    assert alpha.low < alpha.value < alpha.high


def test_the_interval_matches_resampling_the_items_one_by_one():
    """The multinomial draw over rating cells must give the interval that resampling items
    gives; here checked against a direct item bootstrap on three labels with ties."""
    import numpy as np

    rng = np.random.default_rng(7)
    labels = ["chosen", "rejected", "tie"]
    a = [labels[i] for i in rng.choice(3, 400, p=[0.5, 0.35, 0.15])]
    b = [x if rng.random() < 0.7 else labels[rng.integers(3)] for x in a]
    direct = []
    for _ in range(2000):
        picked = rng.integers(0, len(a), len(a))
        direct.append(cohen_kappa([a[i] for i in picked], [b[i] for i in picked]))
    est = kappa_with_ci(a, b, resamples=2000)
    assert est.low == pytest.approx(np.percentile(direct, 2.5), abs=0.015)
    assert est.high == pytest.approx(np.percentile(direct, 97.5), abs=0.015)
    units = [[x, y] + ([y] if i % 3 == 0 else []) for i, (x, y) in enumerate(zip(a, b))]
    direct_alpha = []
    for _ in range(2000):
        picked = rng.integers(0, len(units), len(units))
        direct_alpha.append(krippendorff_alpha([units[i] for i in picked]))
    alpha = alpha_with_ci(units, resamples=2000)
    assert alpha.value == pytest.approx(krippendorff_alpha(units))
    assert alpha.low == pytest.approx(np.percentile(direct_alpha, 2.5), abs=0.015)
    assert alpha.high == pytest.approx(np.percentile(direct_alpha, 97.5), abs=0.015)
