"""Category percentages with excused work, missing work and optimal drops (policy.md §1, §4).

All students are handled at once: a category is a block of columns, and the drop rule picks
each student's best set with the same few array operations for everybody.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gradeproc.compute.letters import snap
from gradeproc.policy import Category


def _rank_rows(key: np.ndarray) -> np.ndarray:
    """Each cell's rank within its row, 0 = largest key (ties: the earlier column first)."""
    order = np.argsort(-key, axis=1, kind="stable")
    ranks = np.empty_like(order)
    rows = np.arange(key.shape[0])[:, None]
    ranks[rows, order] = np.arange(key.shape[1])[None, :]
    return ranks


def _sum_items(values: np.ndarray) -> np.ndarray:
    """Per student, the sum over a category's items (items × students), in the order numpy
    adds a students × items row-major row: 0 + item after item below 8 items, and from 8
    numpy's pairwise sum (eight running sums, then the rest one by one; halves above 128).

    The percentages have always been summed in that order; a fixed order keeps every last
    bit the same whatever the arrays' layout (item-major here, as the core works).
    """
    if len(values) < 8:
        return values.sum(axis=0)
    return 0.0 + _pairwise(values)


def _pairwise(values: np.ndarray) -> np.ndarray:
    n = len(values)
    if n > 128:
        half = n // 2 - n // 2 % 8
        return _pairwise(values[:half]) + _pairwise(values[half:])
    whole = n - n % 8
    running = values[:8].copy() if whole > 8 else values[:8]  # only added to when 16 or more
    for i in range(8, whole, 8):
        running += values[i : i + 8]
    r = running
    total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    for i in range(whole, n):
        total += values[i]
    return total


FEW_DROPS = 3
_INF_UNLESS = np.array([np.inf, 0.0])  # indexed by a boolean mask's bytes


def count_columns(mask: np.ndarray) -> np.ndarray:
    """Per column, how many cells of a boolean matrix are True (as `mask.sum(axis=0)`), summed
    as bytes: numpy sums booleans a cell at a time through a cast, bytes row by row."""
    counts = mask.view(np.uint8).sum(axis=0, dtype=np.uint8 if len(mask) < 256 else np.intp)
    return counts.astype(np.intp)


def keep_largest(key: np.ndarray, counted: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Per row, the `keep` counted cells with the largest keys (ties: the earlier column).

    Arrays are students × items (column-major ones are read fastest).
    """
    counted = counted.T
    drops = counted.sum(axis=0) - keep
    return _keep_largest(np.where(counted, key.T, np.inf), counted, drops).T


def _keep_largest(remaining: np.ndarray, counted: np.ndarray, drops: np.ndarray) -> np.ndarray:
    """`keep_largest` on items × students arrays, the keys given as `remaining` (+inf where
    not counted, and used up here) and the number of cells to drop for each student.

    Drops are few (a syllabus drops one or two), so instead of sorting every student's items
    the smallest key is taken out `drops` times, each a pass over the items; many drops sort.
    """
    most = int(drops.max()) if len(drops) else 0
    if most > FEW_DROPS:
        ranks = _rank_rows(np.where(counted, remaining, -np.inf).T).T
        return counted & (ranks < count_columns(counted) - drops)
    kept = np.array(counted, order="C")
    remaining = np.ascontiguousarray(remaining)
    students = np.arange(remaining.shape[1])
    fewest = drops.min() if most else 0
    for step in range(most):
        cell = _last_smallest(remaining) * remaining.shape[1] + students  # in the raveled matrix
        if step >= fewest:  # some students are done
            cell = cell[drops > step]
        kept.reshape(-1)[cell] = False
        remaining.reshape(-1)[cell] = np.inf
    return kept


def _last_smallest(values: np.ndarray) -> np.ndarray:
    """Per student (column), the item with the smallest value; among equals the last one,
    which a stable sort by decreasing value would put last."""
    smallest = values.min(axis=0)
    item = np.zeros(values.shape[1], dtype=np.min_scalar_type(len(values) - 1))
    equal = np.empty(values.shape[1], dtype=bool)
    this = np.empty_like(item)
    for i in range(1, len(values)):
        np.equal(values[i], smallest, out=equal)
        np.multiply(equal, item.dtype.type(i), out=this)
        np.maximum(item, this, out=item)
    return item.astype(np.intp)


def choose_drops(
    earned: np.ndarray,
    maximum: np.ndarray,
    counted: np.ndarray,
    n_drop: int,
    aggregation: str = "points",
) -> np.ndarray:
    """Which counted items to drop so each student's category percentage is the highest.

    With `equal` aggregation that is the lowest percentages. With `points` and unequal max
    points it is not (dropping 0/10 can be worse than dropping 60/100), so the best set of
    size k is found by Dinkelbach's iteration on the ratio: keep the k largest e - r·m, set r
    to the kept ratio, repeat until the kept set stops changing (a few rounds, exact).
    At least one item always stays; excused and ungraded items are never counted as drops.
    Arrays are students × items (column-major ones are read fastest).
    """
    counted = counted.T
    return _choose_drops(
        np.where(counted, earned.T, 0.0), maximum.T, counted, n_drop, aggregation
    ).T


def _choose_drops(
    e: np.ndarray, maximum: np.ndarray, counted: np.ndarray, n_drop: int, aggregation: str
) -> np.ndarray:
    """`choose_drops` on items × students arrays, the earned points `e` 0 where not counted."""
    if n_drop <= 0 or e.shape[0] == 0:
        return np.zeros(e.shape, dtype=bool)
    drops = np.minimum(n_drop, np.maximum(count_columns(counted) - 1, 0))
    # Max points are more than 0; `maximum` repeats along students, so the order is said.
    m = np.multiply(maximum, counted, order="C")
    # +inf on the cells not counted, so they are never the smallest: picked from a table by
    # the mask's bytes (np.where with constants is several times slower). A key is only
    # compared, never summed or shown, so the sign of a zero key does not matter.
    not_counted = _INF_UNLESS.take(counted.view(np.uint8))
    if aggregation == "equal":
        share = e / (m + ~counted)  # the max points where counted, else 0 / 1
        share += not_counted
        return counted & ~_keep_largest(share, counted, drops)
    with np.errstate(invalid="ignore", divide="ignore"):
        # The first ratio sums item after item (as it always has); later ones as _sum_items.
        ratio = np.nan_to_num(e.sum(axis=0) / m.sum(axis=0))
    kept = counted.copy()
    # A student whose kept set did not change has reached the fixed point (their ratio is
    # that set's ratio), so later rounds look only at the students still moving (`moving`,
    # and e, m, in_play, drops, ratio narrowed to them): after the first rounds, few are.
    # The buffers of each round (keys, then products) are reused while the students are.
    moving: slice | np.ndarray = slice(None)
    was_kept = in_play = counted
    key = np.empty_like(e)
    for _ in range(64):
        np.multiply(ratio, m, out=key)
        np.subtract(e, key, out=key)
        key += not_counted
        new_kept = _keep_largest(key, in_play, drops)
        changed = (new_kept != was_kept).any(axis=0)
        if not changed.any():
            break
        if not changed.all():
            still = np.flatnonzero(changed)
            moving = still if isinstance(moving, slice) else moving[still]
            new_kept, e, m = new_kept.take(still, 1), e.take(still, 1), m.take(still, 1)
            in_play, not_counted = in_play.take(still, 1), not_counted.take(still, 1)
            drops = drops[still]
            key = np.empty_like(e)
        kept[:, moving] = new_kept
        with np.errstate(invalid="ignore", divide="ignore"):
            earned_sum = _sum_items(np.multiply(e, new_kept, out=key))
            ratio = np.nan_to_num(earned_sum / _sum_items(np.multiply(m, new_kept, out=key)))
        was_kept = new_kept
    return counted & ~kept


def category_percent(
    earned: np.ndarray, maximum: np.ndarray, kept: np.ndarray, aggregation: str = "points"
) -> np.ndarray:
    """Percent per student over the kept items; NaN where nothing is gradable.

    Arrays are students × items (column-major ones are read fastest), scores finite.
    Snapped to its decimal (letters.snap): the sum of 86.8 and 94.2 is 181, not 180.99999999999997, and a
    percentage with endless decimals keeps nine.
    """
    earned, maximum, kept = earned.T, maximum.T, kept.T
    with np.errstate(invalid="ignore", divide="ignore"):
        if aggregation == "equal":
            share = np.where(kept, earned * 100 / np.where(kept, maximum, 1.0), 0.0)
            return snap(_sum_items(share) / count_columns(kept))
        # Sum the points first and divide once: 465 of 500 is exactly 93.
        earned_sum = snap(_sum_items(earned * kept))
        return snap((earned_sum * 100) / _sum_items(np.multiply(maximum, kept, order="C")))


def category_table(
    earned: np.ndarray,
    counted: np.ndarray,
    max_points: np.ndarray,
    assessment_category: np.ndarray,
    categories: list[Category],
) -> tuple[np.ndarray, np.ndarray]:
    """(category percentages: categories × students, dropped: assessments × students).

    `earned` (0 where nothing counts) and `counted` are assessments × students.
    """
    percents = np.empty((len(categories), earned.shape[1]))
    dropped = np.zeros(earned.shape, dtype=bool)
    for i, category in enumerate(categories):
        at = np.flatnonzero(assessment_category == category.name)
        cols: slice | np.ndarray = at
        if len(at) and at[-1] - at[0] == len(at) - 1:
            cols = slice(at[0], at[-1] + 1)  # side by side, as usual: views, not copies
        items = earned[cols].T
        maximum = np.broadcast_to(max_points[cols], items.shape)
        kept = in_play = counted[cols]
        if category.drop_lowest > 0:
            drop = _choose_drops(
                earned[cols], maximum.T, in_play, category.drop_lowest, category.aggregation
            )
            dropped[cols] = drop
            kept = in_play & ~drop
        percents[i] = category_percent(items, maximum, kept.T, category.aggregation)
    return percents, dropped


def weighted_total(percents: pd.DataFrame, categories: list[Category]) -> pd.Series:
    """Weighted mean of the categories a student has; missing ones' weight is shared out."""
    weights = np.array([c.weight for c in categories], dtype="float64")
    total = weighted_mean(percents.to_numpy(dtype="float64"), weights)
    return pd.Series(total, index=percents.index, name="Total")


def weighted_mean(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """`weighted_total` on a students × categories array and the categories' weights.

    The sums go category after category (as numpy sums a column-major array, which the
    core's percentages always were), the same for one student as for a million.
    """
    weighted, weight = np.zeros(len(values)), np.zeros(len(values))
    for j, w in enumerate(weights):
        present = ~np.isnan(values[:, j])
        weight += np.where(present, w, 0.0)
        weighted += np.where(present, values[:, j] * w, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return weighted / weight
