"""policy.md §1 and §4: categories, excused and missing work, the drop rule, weights."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradeproc.compute.categories import (
    category_percent,
    choose_drops,
    weighted_total,
)
from gradeproc.policy import Category


def test_drop_rule_on_unequal_max_points_picks_the_best_set_not_the_lowest_percent() -> None:
    # Dropping the 0/10 (the lowest percentage) leaves 160/200 = 80 %;
    # dropping the 60/100 leaves 100/110 = 90.9 %, which is better for the student.
    earned = np.array([[0.0, 60.0, 100.0]])
    maximum = np.array([[10.0, 100.0, 100.0]])
    counted = np.ones((1, 3), dtype=bool)
    dropped = choose_drops(earned, maximum, counted, 1, "points")
    assert dropped.tolist() == [[False, True, False]]
    kept = counted & ~dropped
    assert category_percent(earned, maximum, kept)[0] == pytest.approx(100 * 100 / 110)


def test_equal_aggregation_drops_the_lowest_percentages() -> None:
    earned = np.array([[0.0, 60.0, 100.0]])
    maximum = np.array([[10.0, 100.0, 100.0]])
    counted = np.ones((1, 3), dtype=bool)
    dropped = choose_drops(earned, maximum, counted, 1, "equal")
    assert dropped.tolist() == [[True, False, False]]
    assert category_percent(earned, maximum, counted & ~dropped, "equal")[0] == 80


def test_excused_work_is_never_a_drop_and_one_item_always_remains() -> None:
    earned = np.array([[50.0, 0.0, 0.0], [50.0, 70.0, 0.0]])
    maximum = np.full((2, 3), 100.0)
    counted = np.array([[True, False, False], [True, True, False]])  # excused items
    dropped = choose_drops(earned, maximum, counted, 2, "points")
    assert dropped.tolist() == [[False, False, False], [True, False, False]]


def test_points_aggregation_sums_before_dividing() -> None:
    earned = np.array([[93.0] * 5])
    maximum = np.array([[100.0] * 5])
    assert category_percent(earned, maximum, np.ones((1, 5), dtype=bool))[0] == 93.0


def test_a_category_with_no_gradable_work_leaves_and_weights_rescale() -> None:
    categories = [Category("Homework", 50), Category("Report", 30), Category("Part", 20)]
    percents = pd.DataFrame({"Homework": [80.0], "Report": [np.nan], "Part": [100.0]})
    total = weighted_total(percents, categories)
    assert total.iloc[0] == pytest.approx((50 * 80 + 20 * 100) / 70)


def brute_force_best(earned, maximum, counted, n_drop) -> float:
    items = np.flatnonzero(counted)
    d = min(n_drop, max(len(items) - 1, 0))
    best = -1.0
    for drop in itertools.combinations(items, d):
        keep = [i for i in items if i not in drop]
        best = max(best, earned[keep].sum() / maximum[keep].sum())
    return best


cell = st.tuples(
    st.integers(min_value=1, max_value=100),  # max points
    st.floats(min_value=0, max_value=1, allow_nan=False),  # share earned
    st.booleans(),  # counted
)


@settings(max_examples=300, deadline=None)
@given(st.lists(cell, min_size=1, max_size=7), st.integers(min_value=0, max_value=3))
def test_optimal_drop_matches_brute_force(cells, n_drop) -> None:
    maximum = np.array([[float(m) for m, _, _ in cells]])
    earned = np.round(np.array([[m * s for m, s, _ in cells]]), 2)
    counted = np.array([[c for _, _, c in cells]])
    if not counted.any():
        counted[0, 0] = True
    dropped = choose_drops(earned, maximum, counted, n_drop, "points")
    kept = counted & ~dropped
    assert kept.sum() == counted.sum() - min(n_drop, counted.sum() - 1)
    got = earned[kept].sum() / maximum[kept].sum()
    assert got == pytest.approx(brute_force_best(earned[0], maximum[0], counted[0], n_drop))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.0]), min_size=6, max_size=6),
        min_size=1,
        max_size=8,
    ),
    st.lists(st.booleans(), min_size=48, max_size=48),
    st.integers(0, 5),
)
def test_keep_largest_matches_a_stable_sort_ties_included(rows, flags, n_drop) -> None:
    from gradeproc.compute.categories import _rank_rows, keep_largest

    key = np.array(rows)
    counted = np.array(flags[: key.size]).reshape(key.shape)
    n_counted = counted.sum(axis=1)
    keep = n_counted - np.minimum(n_drop, np.maximum(n_counted - 1, 0))
    by_sorting = counted & (_rank_rows(np.where(counted, key, -np.inf)) < keep[:, None])
    assert keep_largest(key, counted, keep).tolist() == by_sorting.tolist()
