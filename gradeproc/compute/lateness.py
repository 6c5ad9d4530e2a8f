"""Effective due times, days late and the late deduction (policy.md §2), over whole matrices.

Every frame here is students × assessments. Times are UTC nanoseconds, so lateness is the
elapsed real time whatever the clocks did (the DST weekend), and ceil is integer arithmetic.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gradeproc.compute.letters import snap
from gradeproc.parse import NOT_A_TIME, localize

NS_PER_DAY = 86_400 * 10**9
NS_PER_MINUTE = 60 * 10**9


def utc_ns(frame: pd.DataFrame) -> np.ndarray:
    """UTC timestamps as int64 nanoseconds; NaT stays NOT_A_TIME."""
    if frame.shape[1] == 0:
        return np.empty(frame.shape, dtype=np.int64)
    return np.column_stack([column_ns(times) for _, times in frame.items()])


def column_ns(times: pd.Series) -> np.ndarray:
    """One column of UTC timestamps as int64 nanoseconds (a view when already in ns)."""
    if not len(times):
        return np.empty(0, np.int64)
    array = times.array
    return (array if array.unit == "ns" else array.as_unit("ns")).asi8


def effective_due(
    due: pd.Series,
    extensions: pd.DataFrame,
    students: pd.Index,
    timezone: str = "America/New_York",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each student's due time per assessment after extensions, and where one applied."""
    due_ns, extended = effective_due_ns(due, extensions, students, timezone)
    return (
        _frame_of_times(due_ns, students, due.index),
        pd.DataFrame(extended, index=students, columns=due.index),
    )


def effective_due_ns(
    due: pd.Series,
    extensions: pd.DataFrame,
    students: pd.Index,
    timezone: str = "America/New_York",
) -> tuple[np.ndarray, np.ndarray]:
    """(students × assessments UTC ns due times, extended mask).

    A row naming the assessment wins over a `*` row for the same student. `New due` replaces
    the due time; `Extra days` moves it by calendar days in the course time zone, so "+2 days"
    on a Saturday 23:59 deadline is Monday 23:59 even across the clock change (a fractional
    day moves it by that share of 24 hours on top).
    """
    base = due.array.as_unit("ns").asi8
    due_ns = np.broadcast_to(base, (len(students), len(due))).copy()
    extended = np.zeros(due_ns.shape, dtype=bool)
    r, c, moved = extended_cells(due, extensions, students, timezone)
    due_ns[r, c] = moved
    extended[r, c] = True
    return due_ns, extended


def extended_cells(
    due: pd.Series,
    extensions: pd.DataFrame,
    students: pd.Index,
    timezone: str = "America/New_York",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(student positions, assessment positions, UTC ns due times) of the extended cells."""
    assessments = due.index
    base = due.array.as_unit("ns").asi8
    rows, r, c = _applicable(extensions, assessments, students)
    if not len(rows):
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty
    extra = pd.to_timedelta(rows["extra_days"].fillna(0).to_numpy(), unit="D")
    wall = pd.Series(base[c].view("datetime64[ns]")).dt.tz_localize("UTC")
    wall = wall.dt.tz_convert(timezone).dt.tz_localize(None) + extra
    moved = localize(wall, timezone).array.as_unit("ns").asi8
    moved = np.where(base[c] == NOT_A_TIME, NOT_A_TIME, moved)
    new_due = rows["new_due"].array.as_unit("ns").asi8
    return r, c, np.where(rows["new_due"].notna().to_numpy(), new_due, moved)


def applicable_extensions(
    extensions: pd.DataFrame, assessments: pd.Index, students: pd.Index
) -> pd.DataFrame:
    """Extension rows expanded to one per student and assessment, specific rows winning."""
    return _applicable(extensions, assessments, students)[0]


def _applicable(
    extensions: pd.DataFrame, assessments: pd.Index, students: pd.Index
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """(`applicable_extensions`, their student positions, their assessment positions)."""
    at = students.get_indexer(pd.Index(extensions["student_id"]))
    ext, at = extensions[at >= 0], at[at >= 0]
    targets = ext["assessment"].to_numpy(dtype=object)
    wildcard = targets == "*"
    n_items = len(assessments)
    # A `*` row once per assessment (in their order), then the rows naming one.
    every, named = np.flatnonzero(wildcard), np.flatnonzero(~wildcard)
    source = np.concatenate([np.repeat(every, n_items), named])
    r = at[source]
    c = np.concatenate(
        [
            np.tile(np.arange(n_items, dtype=np.intp), len(every)),
            assessments.get_indexer(pd.Index(targets[named])),
        ]
    )
    # One row per cell, the last one given: each cell numbered, the last of each number kept.
    cell = r.astype(np.int64) * (n_items + 1) + c
    _, last_from_end = np.unique(cell[::-1], return_index=True)
    last = np.sort(len(cell) - 1 - last_from_end)
    rows = ext.iloc[source[last]].drop(columns="assessment").reset_index(drop=True)
    given = targets[source[last]]  # a `*` row names each assessment it expands to
    expanded = np.asarray(assessments, dtype=object)[c[last]] if n_items else given
    rows["assessment"] = np.where(given == "*", expanded, given)
    return rows, r[last], c[last]


def _frame_of_times(ns: np.ndarray, index: pd.Index, columns: pd.Index) -> pd.DataFrame:
    return pd.DataFrame(
        {
            name: pd.Series(ns[:, j].view("datetime64[ns]"), index=index).dt.tz_localize("UTC")
            for j, name in enumerate(columns)
        },
        index=index,
        columns=columns,
    )


def days_late(
    submitted: pd.DataFrame,
    due: pd.DataFrame,
    late_policy: pd.Series,
    grace_minutes: float = 0,
) -> pd.DataFrame:
    """Whole days late: ceil(elapsed / 24 h); 0 when on time or nothing to compare.

    On time means at or before the due time plus the grace minutes. The grace only decides
    whether a submission is late: a late one's days count from the due time itself, so with
    15 minutes of grace 24 h 10 min late is 2 days. Assessments whose late policy is N, and
    submissions or due times that are blank, are never late.
    """
    days = days_late_ns(
        utc_ns(submitted), utc_ns(due), late_policy.to_numpy(dtype=bool), grace_minutes
    )
    return pd.DataFrame(days, index=submitted.index, columns=submitted.columns)


def days_late_ns(
    submitted_ns: np.ndarray, due_ns: np.ndarray, late_policy: np.ndarray, grace_minutes: float = 0
) -> np.ndarray:
    """`days_late` on UTC nanosecond matrices, integer arithmetic throughout."""
    shape = np.broadcast_shapes(np.shape(submitted_ns), np.shape(due_ns), np.shape(late_policy))
    days = np.zeros(shape, dtype=np.int64)
    cells, late_days = late_cells(submitted_ns, due_ns, late_policy, grace_minutes)
    days.reshape(-1)[cells] = late_days
    return days


def late_cells(
    submitted_ns: np.ndarray, due_ns: np.ndarray, late_policy: np.ndarray, grace_minutes: float = 0
) -> tuple[np.ndarray, np.ndarray]:
    """(flat positions of the late cells, their whole days late), the arrays broadcast together
    (the positions index the broadcast array raveled in C order).

    Late cells are few: every cell is compared once, and the rest is worked on them alone.
    A difference with a blank time (NOT_A_TIME) can wrap around to any value, so a blank due
    time is ruled out with the comparison (due times are one per assessment, or few), and a
    blank submission time on the cells that came out late.
    """
    lateness = np.subtract(submitted_ns, due_ns)
    # As bytes: numpy's boolean `and` is many times slower when one side repeats along an
    # axis (one late policy and due time per assessment), its bitwise `and` on bytes is not.
    late = np.bitwise_and(
        (lateness > max(round(grace_minutes * NS_PER_MINUTE), 0)).view(np.uint8),
        (np.logical_and(late_policy, due_ns != NOT_A_TIME)).view(np.uint8),
    )
    cells = np.flatnonzero(late)
    cells = cells[_raveled(submitted_ns, late.shape)[cells] != NOT_A_TIME]
    return cells, (_raveled(lateness, late.shape)[cells] + NS_PER_DAY - 1) // NS_PER_DAY


def _raveled(values: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """`values` broadcast to `shape`, raveled in C order (a view when it has that shape)."""
    return np.broadcast_to(values, shape).ravel()


def late_deduction(
    points: pd.DataFrame,
    days: pd.DataFrame,
    max_points: pd.Series,
    percent_per_day: float,
    max_days: int,
    basis: str = "max_points",
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(deduction, score after the penalty, rejected) for each student and assessment.

    Deduction per day is `percent_per_day` of the max points (or of the earned score), and the
    score never drops below 0. More than `max_days` late is not accepted: the score is 0.
    """
    earned = points.to_numpy(dtype="float64")
    n_days = days.to_numpy()
    # Only late cells change, and they are few: the rule is worked on them alone, and every
    # other cell keeps its score (deduction 0, or blank where there is no score).
    late = (n_days > 0) | (n_days > max_days)
    rejected = n_days > max_days
    after = earned.copy()
    deduction = np.where(np.isnan(earned), np.nan, 0.0)
    cells = np.nonzero(late)
    if len(cells[0]):
        score, day = earned[cells], n_days[cells]
        base = max_points.to_numpy(dtype="float64")[cells[1]]
        score_after = penalised(score, day, base, percent_per_day, max_days, basis)
        after[cells] = score_after
        deduction[cells] = np.where(np.isnan(score), np.nan, snap(score - score_after))
    idx, cols = points.index, points.columns
    return (
        pd.DataFrame(deduction, index=idx, columns=cols),
        pd.DataFrame(after, index=idx, columns=cols),
        pd.DataFrame(rejected, index=idx, columns=cols),
    )


def penalised(
    score: np.ndarray,
    day: np.ndarray,
    max_points: np.ndarray,
    percent_per_day: float,
    max_days: int,
    basis: str = "max_points",
) -> np.ndarray:
    """Scores after the late penalty, cell by cell (1-D): `day` days late, `max_points` each."""
    base = score if basis == "earned_score" else max_points
    # Multiply before dividing so 3 x 5 % of 100 is exactly 15, not 15.000000000000002,
    # and snap each step to its decimal: 8.8 - 0.8 is 8 and 8.8 - 8 is 0.8, as on paper.
    penalty = snap(day * percent_per_day * base / 100)
    reduced = np.clip(snap(score - penalty), 0.0, score)
    score_after = np.where(day > max_days, 0.0, np.where(day > 0, reduced, score))
    return np.where(np.isnan(score), np.nan, score_after)
