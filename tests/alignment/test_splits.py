"""The one seeded draw every split uses: fixed by seed and key, and near the asked share."""

from alignment import human_sets, splits


def test_the_draw_is_fixed_by_seed_and_key_and_near_the_share():
    keys = [f"k{i}" for i in range(2000)]
    held = [k for k in keys if splits.held_out(7, k, 0.25)]
    assert held == [k for k in keys if splits.held_out(7, k, 0.25)]  # the same seed draws the same keys
    assert held != [k for k in keys if splits.held_out(8, k, 0.25)]
    assert 0.2 < len(held) / len(keys) < 0.3
    assert human_sets.in_test("Question?", 3, 0.5) == splits.held_out(3, "Question?", 0.5)
