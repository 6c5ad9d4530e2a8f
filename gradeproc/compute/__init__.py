"""The pure compute core: validated frames and a policy in, output frames out. No file I/O."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from gradeproc.compute.categories import category_table, weighted_total
from gradeproc.compute.lateness import (
    NOT_A_TIME,
    days_late_ns,
    effective_due_ns,
    late_deduction,
    utc_ns,
)
from gradeproc.compute.letters import apply_overrides, assign_letters
from gradeproc.compute.notes import flags_text, student_notes

STATUSES = ("ON_TIME", "LATE", "LATE_REJECTED", "MISSING", "EXCUSED", "UNGRADED", "DROPPED")
DETAIL_COLUMNS = [
    "Student ID",
    "Assessment",
    "Category",
    "Max points",
    "Raw score",
    "Submitted",
    "Effective due",
    "Days late",
    "Deduction",
    "Final score",
    "Status",
]
FLAGS = (
    "BORDERLINE",
    "DROPPED",
    "EXCUSED",
    "EXTENDED",
    "LATE",
    "LATE_REJECTED",
    "MISSING",
    "OVERRIDE",
    "POLICY_GAP",
    "UNGRADED",
)


@dataclass
class Grading:
    """What a run computed: the Grades and Details sheets as frames, and what fed them."""

    grades: pd.DataFrame
    details: pd.DataFrame
    status: pd.DataFrame
    flags: pd.DataFrame


def cell_status(
    excused: np.ndarray,
    blank: np.ndarray,
    rejected: np.ndarray,
    late: np.ndarray,
    dropped: np.ndarray,
    blank_scores: str,
    handed_in: np.ndarray | None = None,
) -> np.ndarray:
    """One status code per cell, as an index into STATUSES; the first rule that applies wins.

    A blank score is MISSING under `blank_scores = zero`, UNGRADED under `ignore`, and
    UNGRADED whatever the setting when a submission time says the work was handed in.
    """
    code = {name: np.uint8(i) for i, name in enumerate(STATUSES)}
    status = np.where(late, code["LATE"], code["ON_TIME"])
    status = np.where(rejected, code["LATE_REJECTED"], status)
    status = np.where(blank, code["MISSING" if blank_scores == "zero" else "UNGRADED"], status)
    if handed_in is not None:
        status = np.where(blank & handed_in, code["UNGRADED"], status)
    status = np.where(excused, code["EXCUSED"], status)
    return np.where(dropped, code["DROPPED"], status).astype(np.uint8)


def status_names(codes: np.ndarray) -> pd.Categorical:
    return pd.Categorical.from_codes(codes.ravel(), categories=list(STATUSES))


# About this many cells (students × assessments) are graded at a time. Every rule is per
# student, so blocks change no result; they keep each temporary matrix a few MB, which the
# allocator hands back and reuses, where whole-course matrices of a million students cost
# fresh pages from the operating system for every temporary (at 1,000,000 × 20 blocks took
# the core from 12 s to 9 s).
BLOCK_CELLS = 1 << 19


def grade(gradebook, notes: bool = True, details: bool = True) -> Grading:
    """Late penalties, drops, category percentages, total, letter, flags and notes.

    `notes=False` leaves Notes blank and `details=False` leaves Details empty, for callers
    that need only the letters (the registrar export): the sentences are the costliest part.
    """
    n_students, n_items = len(gradebook.roster), len(gradebook.assessments)
    per_block = max(1, BLOCK_CELLS // max(n_items, 1))
    starts = range(0, n_students, per_block) if n_students else [0]
    detail_columns = _detail_columns(n_students * n_items) if details else None
    blocks = [
        _grade_block(
            _student_rows(gradebook, first, first + per_block),
            notes,
            detail_columns,
            first * n_items,
        )
        for first in starts
    ]
    if len(blocks) == 1:
        columns, status, flags = blocks[0]
    else:
        # The Grades columns are joined as arrays and become a frame once, so pandas infers
        # each column's type from all students, as for one block: a block whose students
        # all lack a letter must not turn the Letter column from text into object.
        columns = {name: np.concatenate([b[0][name] for b in blocks]) for name in blocks[0][0]}
        status = pd.concat([b[1] for b in blocks])
        flags = pd.concat([b[2] for b in blocks])
    grades = pd.DataFrame(columns, copy=False)
    detail_rows = (
        details_frame(gradebook, detail_columns)
        if details
        else pd.DataFrame(columns=DETAIL_COLUMNS)
    )
    return Grading(grades=grades, details=detail_rows, status=status, flags=flags)


def _student_rows(gradebook, first: int, stop: int):
    """The gradebook of students [first, stop), its score matrices in row-major order.

    Row-major (one student's cells side by side) is the Details sheet's order, so every
    matrix derived from these ravels into it without a transposing copy. Extensions and
    overrides stay whole: they are looked up by student ID.
    """
    rows = slice(first, stop)
    points, excused = gradebook.points.iloc[rows], gradebook.excused.iloc[rows]

    def row_major(frame: pd.DataFrame, dtype: str) -> pd.DataFrame:
        values = np.ascontiguousarray(frame.to_numpy(dtype=dtype))
        return pd.DataFrame(values, index=frame.index, columns=frame.columns, copy=False)

    return replace(
        gradebook,
        roster=gradebook.roster.iloc[rows],
        points=row_major(points, "float64"),
        excused=row_major(excused, "bool"),
        submitted=gradebook.submitted.iloc[rows],
    )


def _detail_columns(n_cells: int) -> dict[str, np.ndarray]:
    """The Details sheet's per-cell numbers, filled block by block in student order."""
    return {
        "raw": np.empty(n_cells, dtype="float64"),
        "submitted_ns": np.empty(n_cells, dtype=np.int64),
        "due_ns": np.empty(n_cells, dtype=np.int64),
        "days": np.empty(n_cells, dtype=np.int64),
        "deduction": np.empty(n_cells, dtype="float64"),
        "final": np.empty(n_cells, dtype="float64"),
        "status": np.empty(n_cells, dtype=np.uint8),
    }


def _grade_block(gradebook, notes: bool, detail_columns: dict | None, offset: int):
    """(Grades columns, status, flags) of one block of students; its Details cells go
    into `detail_columns` from position `offset`."""
    policy = gradebook.policy
    assessments = gradebook.assessments
    students = gradebook.roster.index
    max_points = assessments["max_points"]

    # Times stay UTC nanosecond matrices here: each frame of times is unpacked once.
    due_ns, extended = effective_due_ns(
        assessments["due"], gradebook.extensions, students, policy.timezone
    )
    submitted_ns = utc_ns(gradebook.submitted)
    late_days = pd.DataFrame(
        days_late_ns(
            submitted_ns,
            due_ns,
            assessments["late_policy"].to_numpy(dtype=bool),
            policy.late_grace_minutes,
        ),
        index=students,
        columns=assessments.index,
    )
    deduction, after_penalty, rejected = late_deduction(
        gradebook.points,
        late_days,
        max_points,
        policy.late_penalty_percent_per_day,
        policy.late_max_days,
        policy.late_deduction_basis,
    )
    points = gradebook.points.to_numpy(dtype="float64")
    excused = gradebook.excused.to_numpy(dtype=bool)
    blank = np.isnan(points) & ~excused
    # A blank score beside a submission time: handed in, not graded yet. Never a 0.
    ungraded = blank & (submitted_ns != NOT_A_TIME)
    missing_counts = policy.blank_scores == "zero"
    missing = blank & ~ungraded & missing_counts
    final = after_penalty.to_numpy()
    final = np.where(missing, 0.0, final)
    final = np.where(excused, np.nan, final)
    counted = ~excused & (~blank | missing)
    final_frame = pd.DataFrame(final, index=students, columns=assessments.index)
    percents, dropped = category_table(
        final_frame,
        pd.DataFrame(counted, index=students, columns=assessments.index),
        max_points,
        assessments["category"],
        policy.categories,
    )
    total = weighted_total(percents, policy.categories)
    letters = assign_letters(total, policy.bands, policy.total_decimals, policy.borderline_margin)
    letters = apply_overrides(letters, gradebook.overrides, policy.letter_codes)

    n_days = late_days.to_numpy()
    rejected_values = rejected.to_numpy() & ~blank & ~excused
    late = (n_days > 0) & ~rejected_values & ~blank & ~excused
    dropped_values = dropped.to_numpy()
    status = cell_status(
        excused, blank, rejected_values, late, dropped_values, policy.blank_scores, ungraded
    )
    status_frame = pd.DataFrame(
        {
            name: pd.Categorical.from_codes(status[:, j], categories=list(STATUSES))
            for j, name in enumerate(assessments.index)
        },
        index=students,
    )

    flags = pd.DataFrame(
        {
            "BORDERLINE": letters["borderline"].to_numpy() & ~letters["override"].to_numpy(),
            "DROPPED": dropped_values.any(axis=1),
            "EXCUSED": excused.any(axis=1),
            "EXTENDED": extended.any(axis=1),
            "LATE": late.any(axis=1),
            "LATE_REJECTED": rejected_values.any(axis=1),
            "MISSING": missing.any(axis=1),
            "OVERRIDE": letters["override"].to_numpy(dtype=bool),
            "POLICY_GAP": letters["gap"].to_numpy(),
            "UNGRADED": ungraded.any(axis=1),
        },
        index=students,
    )
    sentences = (
        student_notes(
            gradebook=gradebook,
            status=status_frame,
            late=pd.DataFrame(late | rejected_values, index=students, columns=assessments.index),
            late_days=late_days,
            deduction=deduction,
            final=final_frame,
            letters=letters,
            flags=flags,
        )
        if notes
        else np.full(len(students), "", dtype=object)
    )

    roster = gradebook.roster
    columns = {
        "Student ID": students.to_numpy(dtype=object),
        "Last name": roster["Last name"].to_numpy(dtype=object),
        "First name": roster["First name"].to_numpy(dtype=object),
        "Section": roster["Section"].to_numpy(dtype=object),
    }
    columns.update({f"{c} %": percents[c].to_numpy() for c in percents.columns})
    columns.update(
        {
            "Total": letters["total"].to_numpy(),
            "Letter": letters["letter"].to_numpy(dtype=object),
            "Registrar code": letters["code"].to_numpy(dtype=object),
            "Flags": flags_text(flags),
            "Notes": sentences,
        }
    )

    if detail_columns is not None:
        cells = slice(offset, offset + status.size)
        detail_columns["raw"][cells] = points.ravel()
        detail_columns["submitted_ns"][cells] = submitted_ns.ravel()
        detail_columns["due_ns"][cells] = due_ns.ravel()
        detail_columns["days"][cells] = late_days.to_numpy().ravel()
        # Blank for work not graded yet: there is nothing to deduct from.
        not_graded = blank & ~missing
        detail_columns["deduction"][cells] = np.where(
            rejected_values | late, deduction.to_numpy(), np.where(not_graded, np.nan, 0.0)
        ).ravel()
        detail_columns["final"][cells] = final.ravel()
        detail_columns["status"][cells] = status.ravel()
    return columns, status_frame, flags


def _code_type(n_categories: int) -> type:
    """The signed integer type pandas keeps the codes of `n_categories` categories in."""
    for kind in (np.int8, np.int16, np.int32):
        if n_categories < np.iinfo(kind).max:
            return kind
    return np.int64


def details_frame(gradebook, columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """One row per student and assessment, students in roster order.

    Repeated text (IDs, assessments, categories, statuses) is categorical and times keep
    their instant with the course time zone attached, so building this costs no Python
    object per cell; the writer renders wall-clock times.
    """
    students = gradebook.roster.index
    assessments = gradebook.assessments
    n_students, n_items = len(students), len(assessments)
    timezone = gradebook.policy.timezone

    in_zone = pd.DatetimeTZDtype(unit="ns", tz=timezone)

    def local(ns: np.ndarray) -> pd.api.extensions.ExtensionArray:
        # Integers are read as UTC instants and shown in the course zone: no copy is made
        # (tz_localize("UTC") would copy 160 MB per column at a million students).
        return pd.DatetimeIndex(ns, dtype=in_zone, copy=False).array

    def tile(values: pd.Series | pd.Index) -> pd.Categorical:
        codes, uniques = pd.factorize(pd.Index(values))
        # Tiled in the code type pandas would convert them to anyway: one full-size array.
        small = codes.astype(_code_type(len(uniques)))
        return pd.Categorical.from_codes(np.tile(small, n_students), categories=uniques)

    student_codes = np.arange(n_students, dtype=_code_type(n_students))
    return pd.DataFrame(
        {
            "Student ID": pd.Categorical.from_codes(
                np.repeat(student_codes, n_items), categories=students
            ),
            "Assessment": tile(assessments.index),
            "Category": tile(assessments["category"]),
            "Max points": np.tile(assessments["max_points"].to_numpy(), n_students),
            "Raw score": columns["raw"],
            "Submitted": local(columns["submitted_ns"]),
            "Effective due": local(columns["due_ns"]),
            "Days late": columns["days"],
            "Deduction": columns["deduction"],
            "Final score": columns["final"],
            "Status": status_names(columns["status"]),
        },
        copy=False,
    )
