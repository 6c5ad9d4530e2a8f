"""The pure compute core: validated frames and a policy in, output frames out. No file I/O."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from gradeproc.compute.categories import category_table, weighted_total
from gradeproc.compute.lateness import days_late_ns, effective_due_ns, late_deduction, utc_ns
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
) -> np.ndarray:
    """One status code per cell, as an index into STATUSES; the first rule that applies wins."""
    code = {name: np.uint8(i) for i, name in enumerate(STATUSES)}
    status = np.where(late, code["LATE"], code["ON_TIME"])
    status = np.where(rejected, code["LATE_REJECTED"], status)
    status = np.where(blank, code["MISSING" if blank_scores == "zero" else "UNGRADED"], status)
    status = np.where(excused, code["EXCUSED"], status)
    return np.where(dropped, code["DROPPED"], status).astype(np.uint8)


def status_names(codes: np.ndarray) -> pd.Categorical:
    return pd.Categorical.from_codes(codes.ravel(), categories=list(STATUSES))


def grade(gradebook, notes: bool = True, details: bool = True) -> Grading:
    """Late penalties, drops, category percentages, total, letter, flags and notes.

    `notes=False` leaves Notes blank and `details=False` leaves Details empty, for callers
    that need only the letters (the registrar export): the sentences are the costliest part.
    """
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
    missing_counts = policy.blank_scores == "zero"
    final = after_penalty.to_numpy()
    if missing_counts:
        final = np.where(blank, 0.0, final)
    final = np.where(excused, np.nan, final)
    counted = ~excused & (~blank | missing_counts)
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
    status = cell_status(excused, blank, rejected_values, late, dropped_values, policy.blank_scores)
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
            "MISSING": (blank & missing_counts).any(axis=1),
            "OVERRIDE": letters["override"].to_numpy(dtype=bool),
            "POLICY_GAP": letters["gap"].to_numpy(),
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
    grades = pd.DataFrame(columns, copy=False)

    detail_rows = (
        details_frame(
            gradebook,
            submitted_ns,
            due_ns,
            late_days,
            deduction,
            final,
            status,
            rejected_values | late,
        )
        if details
        else pd.DataFrame(columns=DETAIL_COLUMNS)
    )
    return Grading(grades=grades, details=detail_rows, status=status_frame, flags=flags)


def details_frame(
    gradebook, submitted_ns, due_ns, late_days, deduction, final, status, penalised
) -> pd.DataFrame:
    """One row per student and assessment, students in roster order.

    Repeated text (IDs, assessments, categories, statuses) is categorical and times keep
    their instant with the course time zone attached, so building this costs no Python
    object per cell; the writer renders wall-clock times.
    """
    students = gradebook.roster.index
    assessments = gradebook.assessments
    n_students, n_items = len(students), len(assessments)
    timezone = gradebook.policy.timezone

    def local(ns: np.ndarray) -> pd.Series:
        # Localising to UTC and converting are metadata only: the instants are not touched.
        utc = pd.Series(ns.ravel().view("datetime64[ns]"), copy=False).dt.tz_localize("UTC")
        return utc.dt.tz_convert(timezone).array

    def tile(values: pd.Series | pd.Index) -> pd.Categorical:
        codes, uniques = pd.factorize(pd.Index(values))
        return pd.Categorical.from_codes(np.tile(codes, n_students), categories=uniques)

    points = gradebook.points.to_numpy(dtype="float64")
    return pd.DataFrame(
        {
            "Student ID": pd.Categorical.from_codes(
                np.repeat(np.arange(n_students), n_items), categories=students
            ),
            "Assessment": tile(assessments.index),
            "Category": tile(assessments["category"]),
            "Max points": np.tile(assessments["max_points"].to_numpy(), n_students),
            "Raw score": points.ravel(),
            "Submitted": local(submitted_ns),
            "Effective due": local(due_ns),
            "Days late": late_days.to_numpy().ravel(),
            "Deduction": np.where(penalised, deduction.to_numpy(), 0.0).ravel(),
            "Final score": final.ravel(),
            "Status": status_names(status),
        },
        copy=False,
    )
