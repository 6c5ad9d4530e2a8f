"""The pure compute core: validated frames and a policy in, facts out. No file I/O, no words."""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from gradeproc.compute.categories import category_table, weighted_total
from gradeproc.compute.lateness import (
    NOT_A_TIME,
    days_late_ns,
    extended_cells,
    late_deduction,
    utc_ns,
)
from gradeproc.compute.letters import apply_overrides, assign_letters

if TYPE_CHECKING:
    from gradeproc.validation import Gradebook

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


class Status(StrEnum):
    """What happened to one score; the order is the code stored per cell (`STATUSES`)."""

    ON_TIME = "ON_TIME"
    LATE = "LATE"
    LATE_REJECTED = "LATE_REJECTED"
    MISSING = "MISSING"
    EXCUSED = "EXCUSED"
    UNGRADED = "UNGRADED"
    DROPPED = "DROPPED"

    @property
    def code(self) -> np.uint8:
        return np.uint8(STATUSES.index(self.value))


@dataclass
class Facts:
    """What the core decided, as numbers and codes; no sentence is built here.

    Per student × assessment (rows in roster order, columns in assessment order): the
    status code (an index into STATUSES), whole days late, the final score and whether an
    extension applied. The raw scores, submission times and due dates are the gradebook's;
    the deduction and the effective due time follow from them (`gradeproc.sentences`).
    Per student: the Grades sheet's columns but Notes (category percentages, total,
    letter, code, flags) and the letter lookup (`letters`: gap, borderline, override...).
    """

    gradebook: Gradebook
    status: np.ndarray  # uint8, students × assessments
    days: np.ndarray  # int32, students × assessments
    final: np.ndarray  # float64, students × assessments; NaN where nothing counts
    extended: np.ndarray  # bool, students × assessments
    columns: dict[str, np.ndarray]  # the Grades columns, Notes aside
    letters: pd.DataFrame
    flags: pd.DataFrame

    def of_students(self, positions: list[int] | np.ndarray) -> Facts:
        """The facts of some students (roster positions), to speak about them alone."""
        book = self.gradebook
        return Facts(
            gradebook=replace(
                book,
                roster=book.roster.iloc[positions],
                points=book.points.iloc[positions],
                excused=book.excused.iloc[positions],
                submitted=book.submitted.iloc[positions],
            ),
            status=self.status[positions],
            days=self.days[positions],
            final=self.final[positions],
            extended=self.extended[positions],
            columns={name: values[positions] for name, values in self.columns.items()},
            letters=self.letters.iloc[positions],
            flags=self.flags.iloc[positions],
        )


@dataclass
class Grading:
    """What a run computed: the facts, and the Grades and Details sheets rendered from them.

    `grades` (with its Notes), `details` and `status` are rendered on first use from
    `facts` (`gradeproc.sentences`), so grading alone builds no sentence and no Details row.
    """

    facts: Facts
    notes: bool = True
    with_details: bool = True

    @property
    def flags(self) -> pd.DataFrame:
        return self.facts.flags

    @functools.cached_property
    def grades(self) -> pd.DataFrame:
        from gradeproc.sentences import grades_frame

        return grades_frame(self.facts, notes=self.notes)

    @functools.cached_property
    def details(self) -> pd.DataFrame:
        from gradeproc.sentences import details_frame

        if not self.with_details:
            return pd.DataFrame(columns=DETAIL_COLUMNS)
        return details_frame(self.facts)

    @functools.cached_property
    def status(self) -> pd.DataFrame:
        """Students × assessments, each cell its status name (categorical)."""
        facts = self.facts
        return pd.DataFrame(
            {
                name: pd.Categorical.from_codes(facts.status[:, j], categories=list(STATUSES))
                for j, name in enumerate(facts.gradebook.assessments.index)
            },
            index=facts.gradebook.roster.index,
        )


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


def flags_text(flags: pd.DataFrame) -> np.ndarray:
    """Each student's flag codes, each once, sorted, joined by ', '.

    Students share few combinations of flags, so each combination present is spelled once
    (from a bit mask per student) and picked by index.
    """
    codes = sorted(flags.columns)
    bits = np.zeros(len(flags), dtype=np.int64)
    for position, code in enumerate(codes):
        bits |= flags[code].to_numpy(dtype=bool).astype(np.int64) << position
    combinations, inverse = np.unique(bits, return_inverse=True)
    texts = np.array(
        [", ".join(c for i, c in enumerate(codes) if combo >> i & 1) for combo in combinations],
        dtype=object,
    )
    return texts[inverse.ravel()] if len(flags) else np.empty(0, dtype=object)


def status_names(codes: np.ndarray) -> pd.Categorical:
    return pd.Categorical.from_codes(codes.ravel(), categories=list(STATUSES))


# About this many cells (students × assessments) are graded at a time. Every rule is per
# student, so blocks change no result; they keep each temporary matrix a few MB, which the
# allocator hands back and reuses, where whole-course matrices of a million students cost
# fresh pages from the operating system for every temporary (at 1,000,000 × 20 blocks took
# the core from 12 s to 9 s).
BLOCK_CELLS = 1 << 19


def grade(gradebook, notes: bool = True, details: bool = True) -> Grading:
    """Late penalties, drops, category percentages, total, letter and flags, as facts.

    The Notes and the Details rows are rendered from the facts when first asked for
    (`Grading.grades`, `Grading.details`). `notes=False` leaves Notes blank and
    `details=False` leaves Details empty, for callers that need only the letters.
    """
    n_students, n_items = len(gradebook.roster), len(gradebook.assessments)
    per_block = max(1, BLOCK_CELLS // max(n_items, 1))
    starts = range(0, n_students, per_block) if n_students else [0]
    cells: dict[str, np.ndarray] = {
        "status": np.empty((n_students, n_items), dtype=np.uint8),
        "days": np.empty((n_students, n_items), dtype=np.int32),
        "final": np.empty((n_students, n_items), dtype="float64"),
        "extended": np.empty((n_students, n_items), dtype=bool),
    }
    # The extended cells' due times, worked out once; each block takes its students' own.
    extended = extended_cells(
        gradebook.assessments["due"],
        gradebook.extensions,
        gradebook.roster.index,
        gradebook.policy.timezone,
    )
    blocks = [
        _grade_block(_student_rows(gradebook, first, first + per_block), cells, first, extended)
        for first in starts
    ]
    if len(blocks) == 1:
        columns, letters, flags = blocks[0]
    else:
        # The Grades columns are joined as arrays and become a frame once, so pandas infers
        # each column's type from all students, as for one block: a block whose students
        # all lack a letter must not turn the Letter column from text into object.
        columns = {name: np.concatenate([b[0][name] for b in blocks]) for name in blocks[0][0]}
        letters = pd.concat([b[1] for b in blocks])
        flags = pd.concat([b[2] for b in blocks])
    columns["Flags"] = flags_text(flags)
    facts = Facts(gradebook=gradebook, columns=columns, letters=letters, flags=flags, **cells)
    return Grading(facts=facts, notes=notes, with_details=details)


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


def _grade_block(
    gradebook,
    cells: dict[str, np.ndarray],
    first: int,
    extended_due: tuple[np.ndarray, np.ndarray, np.ndarray],
):
    """(Grades columns but Flags and Notes, letters, flags) of one block of students; its
    per-cell facts go into `cells` from student `first`. `extended_due`: the whole class's
    extended cells (`extended_cells`)."""
    policy = gradebook.policy
    assessments = gradebook.assessments
    students = gradebook.roster.index
    max_points = assessments["max_points"]

    # Times stay UTC nanosecond matrices here: each frame of times is unpacked once.
    r, c, moved = extended_due
    mine = (r >= first) & (r < first + len(students))
    base = assessments["due"].array.as_unit("ns").asi8
    due_ns = np.broadcast_to(base, (len(students), len(assessments))).copy()
    extended = np.zeros(due_ns.shape, dtype=bool)
    due_ns[r[mine] - first, c[mine]] = moved[mine]
    extended[r[mine] - first, c[mine]] = True
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
    _, after_penalty, rejected = late_deduction(
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
        }
    )
    rows = slice(first, first + len(students))
    cells["status"][rows] = status
    cells["days"][rows] = n_days
    cells["final"][rows] = final
    cells["extended"][rows] = extended
    return columns, letters, flags
