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


FEW_DROPS = 3


def keep_largest(key: np.ndarray, counted: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Per row, the `keep` counted cells with the largest keys (ties: the earlier column).

    Drops are few (a syllabus drops one or two), so instead of sorting every row the
    smallest key is taken out `drops` times, each an O(cells) pass; many drops sort.
    """
    drops = counted.sum(axis=1) - keep
    most = int(drops.max()) if len(drops) else 0
    if most > FEW_DROPS:
        return counted & (_rank_rows(np.where(counted, key, -np.inf)) < keep[:, None])
    kept = counted.copy()
    remaining = np.where(counted, key, np.inf)
    rows = np.arange(key.shape[0])
    last = key.shape[1] - 1
    for step in range(most):
        # The smallest key; among equals the later column goes, as a stable sort would keep
        # the earlier one.
        col = last - np.argmin(remaining[:, ::-1], axis=1)
        take = drops > step
        kept[rows[take], col[take]] = False
        remaining[rows[take], col[take]] = np.inf
    return kept


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
    """
    if n_drop <= 0 or earned.shape[1] == 0:
        return np.zeros(earned.shape, dtype=bool)
    n_counted = counted.sum(axis=1)
    keep = n_counted - np.minimum(n_drop, np.maximum(n_counted - 1, 0))
    e = np.where(counted, earned, 0.0)
    m = np.where(counted, maximum, 0.0)
    if aggregation == "equal":
        key = np.where(counted, e / np.where(counted, m, 1.0), -np.inf)
        return counted & ~keep_largest(key, counted, keep)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.nan_to_num(e.sum(axis=1) / m.sum(axis=1))
    kept = counted.copy()
    # A student whose kept set did not change has reached the fixed point (their ratio is
    # that set's ratio), so later rounds look only at the students still moving: after the
    # first round, few are.
    moving = np.arange(len(e))
    for _ in range(64):
        e_moving, m_moving = e[moving], m[moving]
        new_kept = keep_largest(
            e_moving - ratio[moving, None] * m_moving, counted[moving], keep[moving]
        )
        changed = (new_kept != kept[moving]).any(axis=1)
        if not changed.any():
            break
        moving, new_kept = moving[changed], new_kept[changed]
        kept[moving] = new_kept
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio[moving] = np.nan_to_num(
                (e_moving[changed] * new_kept).sum(axis=1)
                / (m_moving[changed] * new_kept).sum(axis=1)
            )
    return counted & ~kept


def category_percent(
    earned: np.ndarray, maximum: np.ndarray, kept: np.ndarray, aggregation: str = "points"
) -> np.ndarray:
    """Percent per student over the kept items; NaN where nothing is gradable.

    Snapped to its decimal (letters.snap): the sum of 86.8 and 94.2 is 181, not
    180.99999999999997, and a percentage with endless decimals keeps nine.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        if aggregation == "equal":
            share = np.where(kept, earned * 100 / np.where(kept, maximum, 1.0), 0.0)
            return snap(share.sum(axis=1) / kept.sum(axis=1))
        # Sum the points first and divide once: 465 of 500 is exactly 93.
        earned_sum = snap(np.where(kept, earned, 0.0).sum(axis=1))
        return snap((earned_sum * 100) / np.where(kept, maximum, 0.0).sum(axis=1))


def category_table(
    final: pd.DataFrame,
    counted: pd.DataFrame,
    max_points: pd.Series,
    assessment_category: pd.Series,
    categories: list[Category],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(category percentages: students × categories, dropped: students × assessments)."""
    percents = {}
    dropped = np.zeros(final.shape, dtype=bool)
    final_values = final.to_numpy(dtype="float64")
    counted_values = counted.to_numpy(dtype=bool)
    max_values = max_points.to_numpy(dtype="float64")
    for category in categories:
        cols = np.flatnonzero(assessment_category.to_numpy() == category.name)
        earned = np.nan_to_num(final_values[:, cols])
        maximum = np.broadcast_to(max_values[cols], earned.shape)
        in_play = counted_values[:, cols]
        drop = choose_drops(earned, maximum, in_play, category.drop_lowest, category.aggregation)
        dropped[:, cols] = drop
        percents[category.name] = category_percent(
            earned, maximum, in_play & ~drop, category.aggregation
        )
    return (
        pd.DataFrame(percents, index=final.index, columns=[c.name for c in categories]),
        pd.DataFrame(dropped, index=final.index, columns=final.columns),
    )


def weighted_total(percents: pd.DataFrame, categories: list[Category]) -> pd.Series:
    """Weighted mean of the categories a student has; missing ones' weight is shared out."""
    values = percents.to_numpy(dtype="float64")
    weights = np.array([c.weight for c in categories], dtype="float64")[None, :]
    present = ~np.isnan(values)
    weight_present = np.where(present, weights, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        total = np.where(present, values * weights, 0.0).sum(axis=1) / weight_present
    return pd.Series(total, index=percents.index, name="Total")
