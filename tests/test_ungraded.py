"""Work handed in but not graded yet: a blank score beside a submission time is UNGRADED.

The class, worked by hand (template policy: Homework 50, Project proposal/presentation 15,
Project report 30, Class participation 5; every item out of 100):

- 00123 Ada Lovelace: HW3 blank, handed in 2024-10-15 23:41 (18 minutes early); the rest 100.
  HW3 leaves the total like excused work: Homework 400 / 400 = 100 %, total 100.
- S02 Grace Hopper: HW1 blank and no submission time: MISSING, counted as 0 (unchanged rule):
  Homework 400 / 500 = 80 %, total 40 + 15 + 30 + 5 = 90.
- S03 Alan Turing: 80 everywhere, Report blank but handed in 2024-12-11 00:30 (31 minutes
  late): Project report has no gradable work and leaves the total, the other weights are
  scaled up, total 80 (it would be 56 if the blank counted as 0). Days late 1, shown.
"""

from __future__ import annotations

import datetime as dt
import json
import warnings
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from gradeproc.api import grade_file, process
from gradeproc.cli import app
from gradeproc.diff import diff_graded
from gradeproc.explain import explain
from gradeproc.write import style
from tests.helpers import syllabus_sheets, write_book

runner = CliRunner()
STUDENTS = [("00123", "Lovelace", "Ada"), ("S02", "Hopper", "Grace"), ("S03", "Turing", "Alan")]
ADA_HANDED_IN = dt.datetime(2024, 10, 15, 23, 41)
ALAN_HANDED_IN = dt.datetime(2024, 12, 11, 0, 30)
ADA_WARNING = (
    "Scores!D2: 00123 Ada Lovelace handed in HW3 on 2024-10-15 23:41 but it has no score yet; "
    "it is left out of the total until it is graded"
)
ALAN_WARNING = (
    "Scores!I4: S03 Alan Turing handed in Report on 2024-12-11 00:30 but it has no score yet; "
    "it is left out of the total until it is graded"
)
GAP_WARNING = (
    'Letters: no letter covers totals of exactly 93 (between A- and A); letter_gap_rule "higher" '
    "gives them A and flags them POLICY_GAP; to settle it, write letter_gap_rule (higher or "
    "lower) in the Policy sheet, or close the gap in the Letters sheet"
)


def sheets(ada_hw3: object = None, blank_scores: str = "zero") -> dict[str, list[list[object]]]:
    scores = {
        "00123": [100, 100, ada_hw3, 100, 100, 100, 100, 100, 100],
        "S02": [None, 100, 100, 100, 100, 100, 100, 100, 100],
        "S03": [80, 80, 80, 80, 80, 80, 80, None, 80],
    }
    submitted = {
        "00123": [None, None, ADA_HANDED_IN],
        "S03": [None, None, None, None, None, None, ALAN_HANDED_IN],
    }
    book = syllabus_sheets(STUDENTS, scores, submitted)
    for row in book["Policy"]:
        if row[0] == "blank_scores":
            row[1] = blank_scores
    return book


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_book(tmp_path_factory.mktemp("ungraded") / "course.xlsx", sheets())


@pytest.fixture(scope="module")
def graded(book: Path, tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("graded")
    return process(book, output=folder / "course.graded.xlsx", registrar=folder / "grades.csv")


def _open(path: Path):
    with warnings.catch_warnings():  # openpyxl does not keep data bars' x14 extension
        warnings.simplefilter("ignore", UserWarning)
        return load_workbook(path)


def _grades(result) -> pd.DataFrame:
    return result.grades.set_index("Student ID")


def _detail(result, sid: str, assessment: str) -> pd.Series:
    details = result.details
    rows = details[(details["Student ID"] == sid) & (details["Assessment"] == assessment)]
    return rows.iloc[0]


def test_handed_in_without_a_score_is_left_out_not_zero(graded) -> None:
    grades = _grades(graded)
    assert grades.loc["00123", ["Homework %", "Total", "Letter"]].tolist() == [100.0, 100.0, "A"]
    assert grades.loc["00123", "Flags"] == "UNGRADED"
    assert grades.loc["00123", "Notes"] == (
        "HW3: handed in 2024-10-15 23:41, not graded yet; left out of the total."
    )
    # A blank without a submission time is still missing, and counts 0.
    assert grades.loc["S02", ["Homework %", "Total", "Flags"]].tolist() == [80.0, 90.0, "MISSING"]
    assert grades.loc["S02", "Notes"] == "HW1: no score, counted as 0."


def test_a_category_with_only_ungraded_work_leaves_the_total_like_excused_work(graded) -> None:
    alan = _grades(graded).loc["S03"]
    assert pd.isna(alan["Project report %"])
    assert (alan["Homework %"], alan["Total"], alan["Letter"]) == (80.0, 80.0, "B-")
    assert alan["Flags"] == "UNGRADED"
    assert alan["Notes"] == (
        "Report: handed in 2024-12-11 00:30, not graded yet; left out of the total."
    )


def test_details_status_is_ungraded_with_deduction_and_final_blank(graded) -> None:
    ada = _detail(graded, "00123", "HW3")
    assert ada["Status"] == "UNGRADED"
    assert pd.isna(ada["Raw score"]) and pd.isna(ada["Deduction"]) and pd.isna(ada["Final score"])
    assert ada["Days late"] == 0
    alan = _detail(graded, "S03", "Report")  # handed in 31 minutes late: 1 day, once graded
    assert (alan["Status"], alan["Days late"]) == ("UNGRADED", 1)
    assert pd.isna(alan["Deduction"]) and pd.isna(alan["Final score"])
    grace = _detail(graded, "S02", "HW1")
    assert (grace["Status"], grace["Deduction"], grace["Final score"]) == ("MISSING", 0, 0)


def test_each_ungraded_cell_is_a_warning_naming_student_and_cell(graded) -> None:
    assert [str(w) for w in graded.warnings] == [GAP_WARNING, ADA_WARNING, ALAN_WARNING]
    codes = {w.code for w in graded.warnings if w.sheet == "Scores"}
    assert codes == {"ungraded"}


def test_validate_lists_them_as_warnings(book: Path) -> None:
    result = runner.invoke(app, ["validate", str(book)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"  warning: {GAP_WARNING}",
        f"  warning: {ADA_WARNING}",
        f"  warning: {ALAN_WARNING}",
        "course.xlsx: no problems found (3 warnings).",
    ]
    data = json.loads(runner.invoke(app, ["validate", str(book), "--json"]).stdout)
    ungraded = [f for f in data["findings"] if f["code"] == "ungraded"]
    assert [(f["sheet"], f["cell"], f["severity"]) for f in ungraded] == [
        ("Scores", "D2", "warning"),
        ("Scores", "I4", "warning"),
    ]


def test_process_json_counts_ungraded_students(book: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["process", str(book), "-o", str(tmp_path / "out.xlsx"), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["ungraded_students"] == 2
    assert data["flags"]["UNGRADED"] == 2
    assert ADA_WARNING in data["warnings"]


def test_the_registrar_file_still_has_every_letter(graded) -> None:
    lines = graded.registrar.read_text(encoding="utf-8").splitlines()
    assert lines == [
        "Student ID,Last name,First name,Section,Grade",
        "00123,Lovelace,Ada,001,A",
        "S02,Hopper,Grace,001,A-",
        "S03,Turing,Alan,001,B-",
    ]


def test_the_workbook_shades_and_explains_the_ungraded_cells(graded) -> None:
    book = _open(graded.output)
    scores = book["Scores"]
    for ref, text in (
        ("D2", "Handed in 2024-10-15 23:41, not graded yet: left out of the total."),
        ("I4", "Handed in 2024-12-11 00:30, not graded yet: left out of the total."),
    ):
        cell = scores[ref]
        assert cell.value is None
        assert cell.fill.fgColor.rgb[-6:] == style.SCORE_KINDS["UNGRADED"].colours[0][1:], ref
        assert cell.comment.text == text
    assert scores["B3"].comment.text == "No score: counted as 0."  # S02's HW1: missing
    legend = [c.value for row in scores.iter_rows() for c in row if isinstance(c.value, str)]
    assert style.SCORE_KINDS["UNGRADED"].label in legend
    grades = book["Grades"]
    flag_rules = [
        rule.formula or rule.text
        for cf in grades.conditional_formatting
        for rule in cf.rules
        if rule.type == "containsText"
    ]
    assert any("UNGRADED" in str(rule) for rule in flag_rules)
    details = book["Details"]
    header = [c.value for c in details[1]]
    values = next(
        v
        for v in (
            dict(zip(header, r, strict=True))
            for r in details.iter_rows(min_row=2, values_only=True)
        )
        if (v["Student ID"], v["Assessment"]) == ("00123", "HW3")
    )
    assert values["Status"] == "UNGRADED"
    assert values["Deduction"] is None and values["Final score"] is None


def test_summary_says_how_many_students_wait_for_a_score(graded) -> None:
    summary = _open(graded.output)["Summary"]
    assert summary["A2"].value == (
        "3 students, 3 with a total, 2 with work handed in but not graded yet (flag UNGRADED)"
    )


def test_summary_shares_count_ungraded_apart_from_missing(book: Path) -> None:
    from gradeproc.write.summary import assessment_statistics

    _, gradebook, grading = grade_file(book)
    stats = assessment_statistics(grading.details, gradebook.assessments).set_index("Assessment")
    assert stats.loc["HW3", ["Share missing", "Share ungraded"]].tolist() == [0.0, 0.333333333]
    assert stats.loc["HW1", ["Share missing", "Share ungraded"]].tolist() == [0.333333333, 0.0]
    assert stats.loc["HW3", "Mean"] == 90  # the two scored HW3s: 100 and 80


def test_ignore_mode_ungraded_without_a_submission_is_not_flagged(tmp_path: Path) -> None:
    """Under `blank_scores = ignore` every blank is left out (status UNGRADED); only the
    handed-in one is flagged, warned about and shaded: the others are not due for grading."""
    book = write_book(tmp_path / "midterm.xlsx", sheets(blank_scores="ignore"))
    result = process(book)
    grades = _grades(result)
    assert grades.loc["00123", "Flags"] == "UNGRADED"
    assert (grades.loc["S02", "Flags"], grades.loc["S02", "Homework %"]) == ("", 100.0)
    assert grades.loc["S02", "Notes"] == ""
    grace = _detail(result, "S02", "HW1")
    assert grace["Status"] == "UNGRADED"
    assert pd.isna(grace["Deduction"]) and pd.isna(grace["Final score"])
    assert [w.cell for w in result.warnings if w.code == "ungraded"] == ["D2", "I4"]
    scores = _open(result.output)["Scores"]
    assert scores["D2"].comment is not None
    assert scores["B3"].comment is None and scores["B3"].fill.fgColor.rgb == "00000000"


def test_excused_work_with_a_submission_time_stays_excused(tmp_path: Path) -> None:
    book = write_book(tmp_path / "ex.xlsx", sheets(ada_hw3="EX"))
    result = process(book)
    assert _detail(result, "00123", "HW3")["Status"] == "EXCUSED"
    assert _grades(result).loc["00123", "Flags"] == "EXCUSED"
    assert [w.cell for w in result.warnings if w.code == "ungraded"] == ["I4"]


def test_explain_says_the_work_waits_for_a_score(book: Path) -> None:
    lines = explain(book, "00123").splitlines()
    assert "Flags: UNGRADED" in lines
    assert (
        "  HW3: handed in 2024-10-15 23:41 EDT, no score yet: left out of Homework until it "
        "is graded, not counted as 0 (flag UNGRADED)." in lines
    )
    assert "  Homework: 400 / 400 points = 100.00 %" in lines
    alan = explain(book, "S03").splitlines()
    assert (
        "  Report: handed in 2024-12-11 00:30 EST (1 day late: the late penalty applies once it "
        "is scored), no score yet: left out of Project report until it is graded, not counted "
        "as 0 (flag UNGRADED)." in alan
    )
    assert (
        "  Project report: no gradable work (excused or not graded yet): "
        "the category leaves the total." in alan
    )


def test_diff_says_the_work_was_graded(book: Path, tmp_path: Path) -> None:
    old = process(book, output=tmp_path / "old.graded.xlsx").output
    scored = write_book(tmp_path / "scored.xlsx", sheets(ada_hw3=60))
    new = process(scored, output=tmp_path / "new.graded.xlsx").output
    frame = diff_graded(old, new)
    assert frame[["Student ID", "Old total", "New total", "Change"]].values.tolist() == [
        ["00123", 100.0, 96.0, "total"]
    ]
    assert frame.loc[0, "Reason"] == (
        "HW3: graded now (handed in 2024-10-15 23:41, it was left out of the total)."
    )
    result = runner.invoke(app, ["diff", str(old), str(new)])
    assert result.stdout.splitlines() == [
        "00123 Lovelace, Ada: A (100.00 -> 96.00). HW3: graded now (handed in 2024-10-15 "
        "23:41, it was left out of the total).",
        "1 student changed: 1 total only.",
    ]


def test_diff_when_the_submission_time_is_removed_says_missing(book: Path, tmp_path: Path) -> None:
    old = process(book, output=tmp_path / "old.graded.xlsx").output
    changed = sheets()
    changed["Submitted"] = [r for r in changed["Submitted"] if r[0] != "00123"]
    new = process(write_book(tmp_path / "v2.xlsx", changed)).output
    frame = diff_graded(old, new).set_index("Student ID")
    assert frame.loc["00123", "Reason"] == (
        "HW3: no score, counted as 0. "
        "No longer: HW3: handed in 2024-10-15 23:41, not graded yet; left out of the total."
    )
