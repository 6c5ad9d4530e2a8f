"""The pure compute core: validated frames and a policy in, facts out. No file I/O, no words."""

from __future__ import annotations

import functools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from gradeproc.compute.categories import category_table, weighted_mean
from gradeproc.compute.lateness import (
    column_ns,
    extended_cells,
    late_cells,
    penalised,
    utc_ns,
)
from gradeproc.compute.letters import apply_overrides, assign_letters
from gradeproc.parse import NOT_A_TIME

if TYPE_CHECKING:
    from gradeproc.policy import Policy
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
    # The extended cells' due times: (student positions, assessment positions, UTC ns)
    extended_due: tuple[np.ndarray, np.ndarray, np.ndarray]

    def handed_in(self) -> np.ndarray:
        """Students × assessments: the gradebook gives a submission time."""
        return utc_ns(self.gradebook.submitted) != NOT_A_TIME

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
            extended_due=self._extended_due_of(positions),
        )

    def _extended_due_of(
        self, positions: list[int] | np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        r, c, due = self.extended_due
        at = np.full(len(self.status), -1, dtype=np.int64)
        at[np.asarray(positions, dtype=np.int64)] = np.arange(len(positions))
        keep = at[r] >= 0
        return at[r][keep], c[keep], due[keep]


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
                name: pd.Categorical.from_codes(facts.status[:, j], categories=pd.Index(STATUSES))
                for j, name in enumerate(facts.gradebook.assessments.index)
            },
            index=facts.gradebook.roster.index,
        )


def flags_text(flags: pd.DataFrame) -> np.ndarray:
    """Each student's flag codes, each once, sorted, joined by ', '.

    Students share few combinations of flags, so each combination present is spelled once
    (from a bit mask per student: there are ten flags) and picked by index.
    """
    codes = sorted(flags.columns)
    bits = np.zeros(len(flags), dtype=np.min_scalar_type((1 << len(codes)) - 1))
    for position, code in enumerate(codes):
        bits |= flags[code].to_numpy(dtype=bool).astype(bits.dtype) << position
    students_with = np.bincount(bits)
    combinations = np.flatnonzero(students_with)
    texts = np.array(
        [", ".join(c for i, c in enumerate(codes) if combo >> i & 1) for combo in combinations],
        dtype=object,
    )
    text_of = np.zeros(len(students_with), dtype=np.intp)
    text_of[combinations] = np.arange(len(combinations))
    return texts[text_of[bits]]


def status_names(codes: np.ndarray) -> pd.Categorical[str]:
    return pd.Categorical.from_codes(codes.ravel(), categories=pd.Index(STATUSES))


# About this many cells (students × assessments) are graded at a time. Every rule is per
# student, so blocks change no result; they keep each temporary matrix a few MB, which the
# allocator hands back and reuses, where whole-course matrices of a million students cost
# fresh pages from the operating system for every temporary (at 1,000,000 × 20 blocks took
# the core from 12 s to 9 s).
BLOCK_CELLS = 1 << 19
# Blocks write disjoint rows of the results and numpy lets go of the interpreter inside each
# operation, so two blocks are graded at once: results the same, a large course graded in
# about 0.7 of the time on two cores (the CPU time is the same or a little more).
BLOCK_THREADS = 2

# The per-student flags that come from the cells, in the order _grade_block marks them.
CELL_FLAGS = ("DROPPED", "EXCUSED", "EXTENDED", "LATE", "LATE_REJECTED", "MISSING", "UNGRADED")


@dataclass
class _Course:
    """What every block reads: the gradebook's columns as arrays (views where they can be),
    and the extended cells (student positions in order, assessment positions, due times)."""

    policy: Policy
    points: list[np.ndarray]
    excused: list[np.ndarray]
    submitted: list[np.ndarray]
    due: np.ndarray  # int64 UTC ns per assessment
    late_policy: np.ndarray  # bool per assessment
    max_points: np.ndarray
    category: np.ndarray  # each assessment's category name
    extended: tuple[np.ndarray, np.ndarray, np.ndarray]

    @classmethod
    def of(cls, gradebook: Gradebook) -> _Course:
        assessments = gradebook.assessments
        r, c, due = extended_cells(
            assessments["due"],
            gradebook.extensions,
            gradebook.roster.index,
            gradebook.policy.timezone,
        )
        order = np.argsort(r, kind="stable")

        def columns(frame: pd.DataFrame, dtype: str) -> list[np.ndarray]:
            # One array for the frame (a view of its block when it has one), cut in columns.
            matrix = frame.to_numpy(dtype=dtype)
            return [matrix[:, j] for j in range(matrix.shape[1])]

        sub = gradebook.submitted
        return cls(
            policy=gradebook.policy,
            points=columns(gradebook.points, "float64"),
            excused=columns(gradebook.excused, "bool"),
            submitted=[column_ns(times) for _, times in sub.items()],
            due=column_ns(assessments["due"]),
            late_policy=assessments["late_policy"].to_numpy(dtype=bool),
            max_points=assessments["max_points"].to_numpy(dtype="float64"),
            category=assessments["category"].to_numpy(),
            extended=(r[order], c[order], due[order]),
        )


def grade(gradebook: Gradebook, notes: bool = True, details: bool = True) -> Grading:
    """Late penalties, drops, category percentages, total, letter and flags, as facts.

    The Notes and the Details rows are rendered from the facts when first asked for
    (`Grading.grades`, `Grading.details`). `notes=False` leaves Notes blank and
    `details=False` leaves Details empty, for callers that need only the letters.
    """
    policy = gradebook.policy
    n_students, n_items = len(gradebook.roster), len(gradebook.assessments)
    per_block = max(1, BLOCK_CELLS // max(n_items, 1))
    cells: dict[str, np.ndarray] = {
        "status": np.empty((n_students, n_items), dtype=np.uint8),
        "days": np.zeros((n_students, n_items), dtype=np.int32),  # set on late cells alone
        "final": np.empty((n_students, n_items), dtype="float64"),
        "extended": np.zeros((n_students, n_items), dtype=bool),  # set on extended cells alone
    }
    percents = np.empty((len(policy.categories), n_students))
    marks = np.empty((len(CELL_FLAGS), n_students), dtype=bool)
    course = _Course.of(gradebook)

    def grade_rows(rows: slice) -> None:
        _grade_block(course, rows, cells, percents[:, rows], marks[:, rows])

    blocks = [slice(i, min(i + per_block, n_students)) for i in range(0, n_students, per_block)]
    if len(blocks) <= 1:  # a class-sized course: no thread to start
        for rows in blocks:
            grade_rows(rows)
    else:
        with ThreadPoolExecutor(max_workers=BLOCK_THREADS) as pool:
            for _ in pool.map(grade_rows, blocks):  # each block's exception, if any, is raised
                pass

    students = gradebook.roster.index
    weights = np.array([c.weight for c in policy.categories], dtype="float64")
    total = pd.Series(weighted_mean(percents.T, weights), index=students, name="Total")
    letters = assign_letters(total, policy.bands, policy.total_decimals, policy.borderline_margin)
    letters = apply_overrides(letters, gradebook.overrides, policy.letter_codes)
    override = letters["override"].to_numpy(dtype=bool)
    marked = dict(zip(CELL_FLAGS, marks, strict=True))
    flags = pd.DataFrame(
        {
            "BORDERLINE": letters["borderline"].to_numpy() & ~override,
            **{name: marked[name] for name in CELL_FLAGS if name != "UNGRADED"},
            "OVERRIDE": override,
            "POLICY_GAP": letters["gap"].to_numpy(),
            "UNGRADED": marked["UNGRADED"],
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
    columns.update({f"{c.name} %": p for c, p in zip(policy.categories, percents, strict=True)})
    columns.update(
        {
            "Total": letters["total"].to_numpy(),
            "Letter": letters["letter"].to_numpy(dtype=object),
            "Registrar code": letters["code"].to_numpy(dtype=object),
            "Flags": flags_text(flags),
        }
    )
    facts = Facts(
        gradebook=gradebook,
        columns=columns,
        letters=letters,
        flags=flags,
        extended_due=course.extended,
        **cells,
    )
    return Grading(facts=facts, notes=notes, with_details=details)


def _stack(columns: list[np.ndarray], rows: slice, dtype: type) -> np.ndarray:
    """The block's rows of each column, as one assessments × students matrix."""
    block = np.empty((len(columns), rows.stop - rows.start), dtype=dtype)
    for j, column in enumerate(columns):
        block[j] = column[rows]
    return block


def _grade_block(
    course: _Course,
    rows: slice,
    cells: dict[str, np.ndarray],
    percents: np.ndarray,
    marks: np.ndarray,
) -> None:
    """Grades the students `rows`: their per-cell facts go into `cells` (students ×
    assessments), their category percentages (categories × students) into `percents` and
    the per-student flags of CELL_FLAGS into `marks`.

    The work is item-major (assessments × students): every column of the gradebook is a
    contiguous row here, and a category is a few of them. The rules that touch few cells
    (late work, blanks, extensions) are worked on those cells alone.
    """
    policy = course.policy
    final = _stack(course.points, rows, np.float64)  # raw scores until the rules below
    excused = _stack(course.excused, rows, bool)
    submitted = _stack(course.submitted, rows, np.int64)
    code = {name: np.uint8(i) for i, name in enumerate(STATUSES)}
    mark = dict(zip(CELL_FLAGS, marks, strict=True))
    marks[:] = False

    # Cells are flat positions in the block (item * students + student): one index per cell.
    n = rows.stop - rows.start
    at_final, at_excused, at_submitted = (
        final.reshape(-1),
        excused.reshape(-1),
        submitted.reshape(-1),
    )

    # Extended cells have their own due time; every other cell the assessment's.
    r, c, moved = course.extended
    mine = slice(*np.searchsorted(r, [rows.start, rows.stop]))
    ext_r, ext_c, ext_due = r[mine] - rows.start, c[mine], moved[mine]
    ext_cells = ext_c * n + ext_r
    late, days = late_cells(
        submitted, course.due[:, None], course.late_policy[:, None], policy.late_grace_minutes
    )
    if len(ext_cells):
        is_extended = np.zeros(final.size, dtype=bool)
        is_extended[ext_cells] = True
        not_extended = ~is_extended[late]
        late_ext, days_ext = late_cells(
            at_submitted[ext_cells], ext_due, course.late_policy[ext_c], policy.late_grace_minutes
        )
        late = np.concatenate([late[not_extended], ext_cells[late_ext]])
        days = np.concatenate([days[not_extended], days_ext])
        mark["EXTENDED"][ext_r] = True
    late_item, late_student = np.divmod(late, n)

    score = at_final[late]
    rejected = days > policy.late_max_days
    at_final[late] = penalised(
        score,
        days,
        course.max_points[late_item],
        policy.late_penalty_percent_per_day,
        policy.late_max_days,
        policy.late_deduction_basis,
    )
    # Late work that is scored and not excused is what LATE and LATE_REJECTED speak of.
    scored = ~np.isnan(score) & ~at_excused[late]
    mark["LATE"][late_student[scored & ~rejected]] = True
    mark["LATE_REJECTED"][late_student[scored & rejected]] = True

    # A blank score beside a submission time: handed in, not graded yet. Never a 0.
    blank = np.flatnonzero(np.isnan(final) & ~excused)
    handed_in = at_submitted[blank] != NOT_A_TIME
    missing = ~handed_in & (policy.blank_scores == "zero")
    at_final[blank[missing]] = 0.0
    np.copyto(final, np.nan, where=excused)
    blank_student = blank % n
    mark["MISSING"][blank_student[missing]] = True
    mark["UNGRADED"][blank_student[handed_in]] = True
    excused.any(axis=0, out=mark["EXCUSED"])

    counted = np.isnan(final)
    np.logical_not(counted, out=counted)
    percents[:], dropped = category_table(
        np.where(counted, final, 0.0),
        counted,
        course.max_points,
        course.category,
        policy.categories,
    )
    dropped.any(axis=0, out=mark["DROPPED"])

    # Each cell's status: the first rule that applies wins, so the later rules write last.
    status = np.full(final.shape, code["ON_TIME"], dtype=np.uint8)
    status.reshape(-1)[late] = np.where(rejected, code["LATE_REJECTED"], code["LATE"])
    status.reshape(-1)[blank] = np.where(missing, code["MISSING"], code["UNGRADED"])
    for name, where in (("EXCUSED", excused), ("DROPPED", dropped)):
        status ^= (status ^ code[name]) * where.view(np.uint8)  # the code where `where`

    # The course's cells are students × assessments: the block's rows are one stretch.
    n_items = len(final)
    cells["status"][rows] = status.T
    cells["final"][rows] = final.T
    cells["days"][rows].reshape(-1)[late_student * n_items + late_item] = days
    cells["extended"][rows].reshape(-1)[ext_r * n_items + ext_c] = True
