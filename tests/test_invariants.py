"""Properties that hold for every gradebook, checked on hypothesis-generated ones."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradeproc.compute import grade
from gradeproc.compute.lateness import late_deduction
from gradeproc.compute.letters import snap
from gradeproc.policy import (
    Category,
    LetterRange,
    Policy,
    build_bands,
    default_settings,
    parse_range,
)
from gradeproc.template import LETTERS
from gradeproc.validation import Gradebook, no_extensions

LETTER_RANGES = [LetterRange(x, c, *parse_range(t), text=t) for x, t, c in LETTERS]
DUE = pd.Timestamp("2024-10-01 23:59", tz="America/New_York").tz_convert("UTC")


@st.composite
def gradebooks(draw: st.DrawFn) -> Gradebook:
    n_students = draw(st.integers(1, 6))
    n_items = draw(st.integers(1, 5))
    names = [f"A{j}" for j in range(n_items)]
    max_points = np.array(
        draw(
            st.lists(st.sampled_from([1.0, 10.0, 25.0, 100.0]), min_size=n_items, max_size=n_items)
        )
    )
    shares = np.array(
        draw(
            st.lists(st.floats(0, 1), min_size=n_students * n_items, max_size=n_students * n_items)
        )
    )
    points = np.round(shares.reshape(n_students, n_items) * max_points, 2)
    kinds = np.array(
        draw(st.lists(st.sampled_from("ssssbx"), min_size=points.size, max_size=points.size))
    )
    kinds = kinds.reshape(points.shape)
    points[kinds != "s"] = np.nan
    offsets = draw(
        st.lists(st.integers(-3 * 86_400, 6 * 86_400), min_size=points.size, max_size=points.size)
    )
    submitted_ns = DUE.value + np.array(offsets, dtype=np.int64).reshape(points.shape) * 10**9
    students = pd.Index([f"S{i}" for i in range(n_students)], name="Student ID")
    settings_ = default_settings()
    settings_["blank_scores"] = draw(st.sampled_from(["zero", "ignore"]))
    settings_["late_deduction_basis"] = draw(st.sampled_from(["max_points", "earned_score"]))
    settings_["late_penalty_percent_per_day"] = draw(st.sampled_from([5.0, 10.0, 40.0]))
    categories = [
        Category("One", 60, draw(st.sampled_from(["points", "equal"])), draw(st.integers(0, 2))),
        Category("Two", 40, "points", 0),
    ]
    category_of = ["One" if j % 2 == 0 else "Two" for j in range(n_items)]
    bands, _, _ = build_bands(LETTER_RANGES, "higher")
    return Gradebook(
        policy=Policy(settings_, categories, LETTER_RANGES, bands),
        roster=pd.DataFrame(
            {"Last name": "X", "First name": "Y", "Email": None, "Section": "1"}, index=students
        ),
        assessments=pd.DataFrame(
            {
                "category": category_of,
                "max_points": max_points,
                "due": pd.Series([DUE] * n_items, index=names),
                "late_policy": True,
            },
            index=pd.Index(names, name="Assessment"),
        ),
        points=pd.DataFrame(points, index=students, columns=names),
        excused=pd.DataFrame(kinds == "x", index=students, columns=names),
        submitted=pd.DataFrame(
            {
                n: pd.Series(
                    submitted_ns[:, j].view("datetime64[ns]"), index=students
                ).dt.tz_localize("UTC")
                for j, n in enumerate(names)
            }
        ),
        extensions=no_extensions(),
        overrides=pd.DataFrame(columns=["Letter", "Reason"], index=pd.Index([], dtype=object)),
    )


@settings(max_examples=150, deadline=None)
@given(gradebooks())
def test_grading_invariants(gradebook: Gradebook) -> None:
    grading = grade(gradebook)
    details = grading.details
    final = details["Final score"].dropna()
    raw = details["Raw score"]
    assert (final >= 0).all(), "a penalty never makes a score negative"
    assert (final <= details.loc[final.index, "Max points"]).all()
    scored = details["Raw score"].notna()
    assert (details.loc[scored, "Final score"] <= raw[scored]).all(), "a penalty never adds points"
    total = grading.grades["Total"].dropna()
    assert ((total >= 0) & (total <= 100)).all(), "a total never leaves [0, max]"
    for column in [c for c in grading.grades.columns if c.endswith(" %")]:
        percent = grading.grades[column].dropna()
        assert ((percent >= 0) & (percent <= 100)).all()
    has_total = grading.grades["Total"].notna()
    assert grading.grades.loc[has_total, "Letter"].notna().all()
    late = details["Status"].isin(["LATE"])
    assert (details.loc[late, "Days late"].between(1, gradebook.policy.late_max_days)).all()
    rejected = details["Status"] == "LATE_REJECTED"
    assert (details.loc[rejected, "Final score"] == 0).all()
    flags = grading.grades.set_index("Student ID")["Flags"]
    for sid in details.loc[details["Status"] == "MISSING", "Student ID"].unique():
        assert "MISSING" in flags[sid]


@given(
    st.floats(0, 100),
    st.integers(0, 10),
    st.floats(0, 100),
    st.sampled_from(["max_points", "earned_score"]),
)
def test_a_penalty_never_makes_a_score_negative(
    raw: float, days: int, pct: float, basis: str
) -> None:
    points = pd.DataFrame({"A": [raw]})
    deduction, after, _ = late_deduction(
        points, pd.DataFrame({"A": [days]}), pd.Series([100.0], index=["A"]), pct, 3, basis
    )
    assert 0 <= after.iloc[0, 0] <= raw
    # What was removed is the difference, as a decimal: 1 - 0.99 is 0.01 (letters.snap).
    assert deduction.iloc[0, 0] == snap(raw - after.iloc[0, 0])
    assert deduction.iloc[0, 0] == pytest.approx(raw - after.iloc[0, 0], abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(gradebooks(), st.integers(1, 4))
def test_any_block_size_grades_the_same(gradebook: Gradebook, students_per_block: int) -> None:
    """Big courses are graded a block of students at a time; blocks change nothing."""
    from unittest import mock

    from gradeproc import compute

    whole = grade(gradebook)
    cells = students_per_block * len(gradebook.assessments)
    with mock.patch.object(compute, "BLOCK_CELLS", cells):
        blocks = grade(gradebook)
    for name in ("grades", "details", "status", "flags"):
        pd.testing.assert_frame_equal(getattr(blocks, name), getattr(whole, name))
