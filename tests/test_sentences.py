"""Words rendered from facts: each status's sentence, the core returning facts only, the
Notes agreeing with Details, and `diff` comparing facts rather than wording."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings

from gradeproc.api import grade_file, process
from gradeproc.compute import STATUSES, Status, grade
from gradeproc.compute.lateness import column_ns
from gradeproc.diff import _cell_sentences, _cells_frame, diff_graded
from gradeproc.sentences import (
    Cells,
    late_sentences,
    score_comments,
    status_sentences,
    wall_minutes,
)
from gradeproc.validation import Gradebook
from tests.helpers import write_book
from tests.test_explain_diff import base_sheets
from tests.test_invariants import gradebooks

NAN = float("nan")


def _one(status: str, days: int = 0, raw: float = NAN, final: float = NAN, when: str = "") -> Cells:
    return Cells(
        name="HW3",
        category="Homework",
        maximum=np.array([100.0]),
        status=np.array([status], dtype=object),
        days=np.array([days]),
        raw=np.array([raw]),
        final=np.array([final]),
        excused=np.array([status == Status.EXCUSED]),
        handed_in=np.array([when != ""]),
        when=np.array([when], dtype=object),
        max_days=3,
    )


@pytest.mark.parametrize(
    ("cells", "late", "other"),
    [
        (_one("ON_TIME", 0, 90, 90), "", ""),
        (_one("LATE", 3, 95, 80), "HW3: 3 days late, -15 points (95 -> 80).", ""),
        (_one("LATE", 1, 0.5, 0), "HW3: 1 day late, -0.5 points (0.5 -> 0).", ""),
        (_one("LATE", 1, 96, 95), "HW3: 1 day late, -1 point (96 -> 95).", ""),
        (
            _one("LATE_REJECTED", 5, 100, 0),
            "HW3: 5 days late, over the 3-day limit: not accepted, 0 points (was 100).",
            "",
        ),
        (_one("MISSING", 0, NAN, 0), "", "HW3: no score, counted as 0."),
        (
            _one("UNGRADED", 2, NAN, NAN, "2024-10-15 23:41"),
            "",
            "HW3: handed in 2024-10-15 23:41, not graded yet; left out of the total.",
        ),
        (_one("UNGRADED", 0, NAN, NAN, ""), "", ""),  # blank_scores = ignore, nothing handed in
        (_one("EXCUSED", 2, NAN, NAN), "", "HW3: excused, left out of Homework."),
        (_one("DROPPED", 0, 62.5, 62.5), "", "HW3: dropped by the Homework drop rule (62.5/100)."),
        (
            _one("DROPPED", 2, 70, 60),
            "HW3: 2 days late, -10 points (70 -> 60).",
            "HW3: dropped by the Homework drop rule (60/100).",
        ),
        (_one("DROPPED", 0, NAN, 0), "", "HW3: dropped by the Homework drop rule (0/100)."),
    ],
)
def test_each_status_is_said_one_way(cells: Cells, late: str, other: str) -> None:
    assert late_sentences(cells).tolist() == [late]
    assert status_sentences(cells).tolist() == [other]


def test_status_codes_and_names_render_alike() -> None:
    named = _one("EXCUSED")
    coded = Cells(**{**named.__dict__, "status": np.array([Status.EXCUSED.code])})
    assert status_sentences(coded).tolist() == status_sentences(named).tolist()
    assert [Status(s).code for s in STATUSES] == list(range(len(STATUSES)))


@pytest.fixture
def graded(tmp_path: Path):
    return grade_file(write_book(tmp_path / "v1.xlsx", base_sheets()))


def test_the_core_returns_facts_and_renders_words_only_when_asked() -> None:
    gradebook = _small_gradebook()
    grading = grade(gradebook)
    # Nothing rendered yet: no Notes, no Details rows.
    assert {"grades", "details", "status"}.isdisjoint(grading.__dict__)
    facts = grading.facts
    shape = (len(gradebook.roster), len(gradebook.assessments))
    assert facts.status.shape == facts.days.shape == facts.final.shape == shape
    assert facts.status.dtype == np.uint8 and facts.extended.dtype == bool
    assert "Notes" not in facts.columns
    assert list(grading.grades.columns)[-2:] == ["Flags", "Notes"]
    assert "grades" in grading.__dict__  # rendered once, then kept


def _small_gradebook() -> Gradebook:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    from core import synthetic_gradebook

    return synthetic_gradebook(50, 8)


def test_score_comments_come_from_the_facts(graded) -> None:
    _, gradebook, grading = graded
    students, items = gradebook.roster.index, gradebook.assessments.index
    cells = [("S001", "HW3"), ("S002", "HW2"), ("S002", "HW4"), ("S002", "HW5")]
    i = np.array([students.get_loc(s) for s, _ in cells])
    j = np.array([items.get_loc(a) for _, a in cells])
    assert score_comments(grading.facts, i, j).tolist() == [
        "3 days late: -15 points (95 -> 80).",
        "Excused: left out of Homework.",
        "No score: counted as 0.",
        "5 days late, over the 3-day limit: not accepted, 0 points (was 100).",
    ]


def test_details_rows_say_what_the_notes_say(graded) -> None:
    _, gradebook, grading = graded
    cells = _cells_frame(grading.details)
    for sid, notes in zip(grading.grades["Student ID"], grading.grades["Notes"], strict=True):
        said = [s.text for s in _cell_sentences(cells.loc[[sid]], gradebook.policy.late_max_days)]
        assert notes.startswith(" ".join(said))


@settings(max_examples=60, deadline=None)
@given(gradebooks())
def test_notes_begin_with_each_details_row_said_in_order(gradebook: Gradebook) -> None:
    """For any gradebook, the Notes rendered from the facts say, first and in Details' order,
    exactly the sentences each Details row's facts give: one wording, from one set of facts."""
    grading = grade(gradebook)
    cells = _cells_frame(grading.details)
    for sid, notes in zip(grading.grades["Student ID"], grading.grades["Notes"], strict=True):
        said = [s.text for s in _cell_sentences(cells.loc[[sid]], gradebook.policy.late_max_days)]
        assert notes[: len(" ".join(said))] == " ".join(said)
        rest = notes[len(" ".join(said)) :].strip()
        assert not rest or not rest.startswith(tuple(gradebook.assessments.index + ":"))


def test_diff_sees_lateness_the_notes_do_not_show(tmp_path: Path) -> None:
    """Bob's excused HW2 gets a submission time 2 days late: its Notes sentence (excused) is
    word for word the same, but the fact changed; his HW1 moves the total."""
    old = process(write_book(tmp_path / "v1.xlsx", base_sheets())).output
    sheets = base_sheets()
    sheets["Scores"][2][1] = 60  # Bob's HW1: 80 -> 60
    sheets["Submitted"][2][2] = dt.datetime(2024, 10, 3, 23, 59)  # HW2, due 10-01 23:59
    new = process(write_book(tmp_path / "v5.xlsx", sheets)).output
    frame = diff_graded(old, new)
    assert frame["Reason"].tolist() == ["HW1: 80 -> 60 points. HW2: on time -> 2 days late."]


def test_diff_of_a_gradebook_in_memory_uses_the_same_facts(tmp_path: Path) -> None:
    """The same change, the new side a gradebook graded in memory: the same reason."""
    old = process(write_book(tmp_path / "v1.xlsx", base_sheets())).output
    sheets = base_sheets()
    sheets["Scores"][2][1] = 60
    sheets["Submitted"][2][2] = dt.datetime(2024, 10, 3, 23, 59)
    edited = write_book(tmp_path / "v5.xlsx", sheets)
    assert diff_graded(old, edited)["Reason"].tolist() == [
        "HW1: 80 -> 60 points. HW2: on time -> 2 days late."
    ]


def test_a_status_change_is_said_from_the_facts(tmp_path: Path) -> None:
    """Ann's HW1 from on time to late: the new late sentence is rendered from the new facts
    and names HW1, so no separate points line is added."""
    old = process(write_book(tmp_path / "v1.xlsx", base_sheets())).output
    sheets = base_sheets()
    sheets["Submitted"][1][1] = dt.datetime(2024, 9, 18, 20, 0)  # HW1 due 09-17 23:59
    frame = diff_graded(old, write_book(tmp_path / "v6.xlsx", sheets))
    ann = frame.set_index("Student ID").loc["S001"]
    assert ann["Reason"] == "HW1: 1 day late, -5 points (90 -> 85)."


def test_statuses_in_the_details_frame_match_the_status_frame(graded) -> None:
    _, _, grading = graded
    details = grading.details
    by_cell = details.set_index(["Student ID", "Assessment"])["Status"].astype(str)
    for sid in grading.status.index:
        for name in grading.status.columns:
            assert by_cell[(sid, name)] == str(grading.status.at[sid, name])
    assert pd.api.types.is_integer_dtype(details["Days late"])


def test_times_are_spelled_on_the_course_clock() -> None:
    """Across the clock change, at no time (NaT) and with no time at all."""
    times = pd.Series(
        pd.to_datetime(["2024-11-03 05:30", None, "2024-11-03 06:30", "2024-10-15 03:41"], utc=True)
    )
    expected = ["2024-11-03 01:30", None, "2024-11-03 01:30", "2024-10-14 23:41"]
    spelled = wall_minutes(column_ns(times), "America/New_York").tolist()
    assert [None if pd.isna(t) else t for t in spelled] == expected
    assert wall_minutes(np.empty(0, dtype=np.int64), "UTC").tolist() == []
