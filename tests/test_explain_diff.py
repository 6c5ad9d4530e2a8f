"""`gradeproc explain` and `gradeproc diff` on small gradebooks whose numbers are worked by hand.

Ann (S001): HW 90, 85, 95, 100, 97; HW3 handed in 2 days 1 minute late -> 3 days, 95 - 15 = 80,
so Homework is 452 / 500 = 90.40 %. Proposal 85 + Presentation 90 = 175 / 200 = 87.50 %,
Report 88 %, Participation 100 %. Total 45.2 + 13.125 + 26.4 + 5 = 89.725 -> 89.73: B+,
0.27 below A- (borderline). With a 3-day extension on HW3 nothing is late: Homework
467 / 500 = 93.40 %, total 46.7 + 13.125 + 26.4 + 5 = 91.225 -> 91.23: A-.

Bob (S002): HW2 excused, HW4 blank (0), HW5 4 days 1 second late (5 days: rejected, 0):
Homework (80 + 90 + 0 + 0) / 400 = 42.50 %, 75 %, 60 %, 50 % -> 53.00: Fail.

Cy (00123): 93 everywhere, Report excused: the Project report weight leaves, the rest is
scaled by 1/70, total 93.00 exactly, in the syllabus's gap at 93: A with POLICY_GAP.
"""

from __future__ import annotations

import copy
import datetime as dt
import warnings
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from gradeproc.api import grade_file, process
from gradeproc.cli import app
from gradeproc.diff import diff_graded, write_grade_changes
from gradeproc.errors import GradeprocError
from gradeproc.explain import _total_lines, explain, explain_student
from gradeproc.policy import Category
from tests.helpers import syllabus_sheets, write_book

D = dt.datetime
STUDENTS = [("S001", "Smith", "Ann"), ("S002", "Jones", "Bob"), ("00123", "Lee", "Cy")]
SCORES = {
    #        HW1 HW2  HW3 HW4   HW5 Prop Pres Rep   Part
    "S001": [90, 85, 95, 100, 97, 85, 90, 88, 100],
    "S002": [80, "EX", 90, None, 100, 70, 80, 60, 50],
    "00123": [93, 93, 93, 93, 93, 93, 93, "EX", 93],
}
SUBMITTED = {
    # HW1..HW5, Proposal, Report. HW3's time is ISO text: see the report on midnight cells.
    "S001": [
        D(2024, 9, 17, 20, 0),
        D(2024, 10, 1, 23, 59),
        "2024-10-18 00:00",
        D(2024, 11, 2, 12, 0),
        D(2024, 11, 19, 23, 0),
        D(2024, 10, 8, 9, 0),
        D(2024, 12, 10, 23, 0),
    ],
    "S002": [
        D(2024, 9, 17, 20, 0),
        None,
        D(2024, 10, 15, 23, 59),
        None,
        D(2024, 11, 23, 23, 59, 1),
        D(2024, 10, 8, 9, 0),
        D(2024, 12, 10, 23, 0),
    ],
}

ANN_EXPLAINED = """\
Grade explanation for Smith, Ann (student ID S001, section 001)
Course: CS 747 Optimization for Machine Learning, Fall 2024; gradebook v1.xlsx
Times are shown in America/New_York.
Flags: BORDERLINE, LATE

Homework (weight 50, earned points / max points):
  HW1: 90 / 100, submitted 2024-09-17 20:00 EDT, due 2024-09-17 23:59 EDT: on time.
  HW2: 85 / 100, submitted 2024-10-01 23:59 EDT, due 2024-10-01 23:59 EDT: on time.
  HW3: 95 / 100, submitted 2024-10-18 00:00 EDT, due 2024-10-15 23:59 EDT: 3 days late \
(2 days 0 h 1 min after the due time): -15 points, 95 -> 80 (3 days × 5 % of the 100 max points).
  HW4: 100 / 100, submitted 2024-11-02 12:00 EDT, due 2024-11-02 23:59 EDT: on time.
  HW5: 97 / 100, submitted 2024-11-19 23:00 EST, due 2024-11-19 23:59 EST: on time.
  Homework: 452 / 500 points = 90.40 %

Project proposal/presentation (weight 15, earned points / max points):
  Proposal: 85 / 100, submitted 2024-10-08 09:00 EDT, due 2024-10-08 23:59 EDT: on time.
  Presentation: 90 / 100: late policy N, no late penalty.
  Project proposal/presentation: 175 / 200 points = 87.50 %

Project report (weight 30, earned points / max points):
  Report: 88 / 100, submitted 2024-12-10 23:00 EST, due 2024-12-10 23:59 EST: on time.
  Project report: 88 / 100 points = 88.00 %

Class participation (weight 5, earned points / max points):
  Participation: 100 / 100: late policy N, no late penalty.
  Class participation: 100 / 100 points = 100.00 %

Total (weighted mean of the category percentages):
  Homework: 90.40 % × 50 / 100 = 45.2
  Project proposal/presentation: 87.50 % × 15 / 100 = 13.125
  Project report: 88.00 % × 30 / 100 = 26.4
  Class participation: 100.00 % × 5 / 100 = 5
  Total before rounding: 89.725
  Rounded half-up to 2 decimals: 89.73

Letter: 89.73 is in B+ [87, 90).
  0.27 below A- (90): less than the borderline margin 0.5, flag BORDERLINE.
  2.73 above the bottom of B+ (87).
Final letter: B+ (registrar code B+)."""


def base_sheets() -> dict[str, list[list[object]]]:
    return syllabus_sheets(STUDENTS, copy.deepcopy(SCORES), copy.deepcopy(SUBMITTED))


@pytest.fixture
def v1(tmp_path: Path) -> Path:
    return write_book(tmp_path / "v1.xlsx", base_sheets())


@pytest.fixture
def v2(tmp_path: Path) -> Path:
    """The same gradebook after the instructor granted Ann 3 more days on HW3."""
    sheets = base_sheets()
    sheets["Extensions"].append(["S001", "HW3", 3, None, "medical note"])
    return write_book(tmp_path / "v2.xlsx", sheets)


runner = CliRunner()


# --- explain -----------------------------------------------------------------------------------


def test_explain_tells_the_whole_calculation(v1: Path) -> None:
    assert explain(v1, "S001") == ANN_EXPLAINED


def test_explain_command_prints_the_same_text(v1: Path) -> None:
    result = runner.invoke(app, ["explain", str(v1), "S001"])
    assert result.exit_code == 0, result.output
    assert result.stdout == ANN_EXPLAINED + "\n"


def test_excused_missing_and_rejected_work(v1: Path) -> None:
    lines = explain(v1, "S002").splitlines()
    assert "  HW2: excused (EX): left out of Homework." in lines
    assert "  HW4: no score: counted as 0 / 100 (missing)." in lines
    assert (
        "  HW5: 100 / 100, submitted 2024-11-23 23:59:01 EST, due 2024-11-19 23:59 EST: "
        "5 days late (4 days 0 h 0 min 1 s after the due time), more than the 3-day limit: "
        "not accepted, 100 -> 0." in lines
    )
    assert "  Homework: 170 / 400 points = 42.50 %" in lines
    assert "  Total before rounding: 53.0" in lines
    assert "Letter: 53.00 is in Fail (below 60)." in lines
    assert "Final letter: Fail (registrar code F)." in lines


def test_absent_category_reweights_and_policy_gap(v1: Path) -> None:
    lines = explain(v1, "00123").splitlines()
    assert lines[0] == "Grade explanation for Lee, Cy (student ID 00123, section 001)"
    assert (
        "  HW1: 93 / 100, due 2024-09-17 23:59 EDT, no submission time recorded: "
        "no late penalty." in lines
    )
    assert (
        "  Project report: no gradable work (excused or not graded yet): "
        "the category leaves the total." in lines
    )
    total = lines[lines.index("Total (weighted mean of the category percentages):") :]
    assert total[1:7] == [
        "  Left out, no gradable work: Project report (30). The remaining weights add up to 70, "
        "so each category counts weight / 70 instead of weight / 100.",
        "  Homework: 93.00 % × 50 / 70 = 66.428571",
        "  Project proposal/presentation: 93.00 % × 15 / 70 = 19.928571",
        "  Class participation: 93.00 % × 5 / 70 = 6.642857",
        "  Total before rounding: 93.0",
        "  Rounded half-up to 2 decimals: 93.00",
    ]
    assert total[8:] == [
        "Letter: 93.00 is in no letter's range (it falls between A- [90, 93) and "
        'A (greater than 93)); letter_gap_rule "higher" gives A. Flag POLICY_GAP.',
        "  A is the top letter.",
        "Final letter: A (registrar code A).",
    ]


def test_extension_drop_equal_aggregation_and_override(tmp_path: Path) -> None:
    sheets = base_sheets()
    homework = sheets["Categories"][1]
    homework[2], homework[3] = "equal", 1  # mean of percentages, drop the lowest one
    sheets["Assessments"][5][2] = 50  # HW5 out of 50
    sheets["Scores"][1][1:6] = [100, 50, 95, 80, 25]  # Ann: 100, 50, 80 (late), 80, 50 %
    sheets["Scores"][2][5] = sheets["Scores"][3][5] = 40  # within HW5's new max
    sheets["Extensions"].append(["S001", "HW1", None, "2024-09-20 12:00", "travel"])
    sheets["Overrides"].append(["S001", "I", "incomplete: medical"])
    lines = explain(write_book(tmp_path / "x.xlsx", sheets), "S001").splitlines()
    assert "Homework (weight 50, mean of the assessments' percentages, drop lowest 1):" in lines
    assert (
        "  HW1: 100 / 100, submitted 2024-09-17 20:00 EDT, due 2024-09-20 12:00 EDT "
        "(extended from 2024-09-17 23:59 EDT: new due date, travel): on time." in lines
    )
    assert (
        "  HW5: 25 / 50, submitted 2024-11-19 23:00 EST, due 2024-11-19 23:59 EST: on time. "
        "Dropped by the Homework drop rule: its 25 / 50 does not count." in lines
    )
    assert (
        "  Drop lowest 1: HW5 dropped, the choice that gives the highest Homework percentage."
        in lines
    )
    # (100 + 50 + 80 + 80) / 4 = 77.5; total 38.75 + 13.125 + 26.4 + 5 = 83.275 -> 83.28: B
    assert (
        "  Homework: mean of 4 percentages (100.00 + 50.00 + 80.00 + 80.00) / 4 = 77.50 %" in lines
    )
    assert "Letter: 83.28 is in B [83, 87)." in lines
    assert (
        "Override: the instructor set the letter to I (computed letter B): incomplete: medical."
        in lines
    )
    assert lines[-1] == "Final letter: I (registrar code I)."


def test_floating_point_noise_is_named_before_rounding() -> None:
    policy = SimpleNamespace(categories=[Category("Homework", 100)], total_decimals=2)
    lines = _total_lines(policy, {"Homework": 89.70499999999999})
    assert lines[-2:] == [
        "  Total before rounding: 89.70499999999998 (89.705 once floating-point noise is removed)",
        "  Rounded half-up to 2 decimals: 89.71",
    ]


def test_student_id_matching(v1: Path) -> None:
    workbook, gradebook, grading = grade_file(v1)
    assert explain_student(workbook, gradebook, grading, " S001 ")[0].startswith(
        "Grade explanation for Smith, Ann (student ID S001"
    )
    assert "student ID 00123" in explain_student(workbook, gradebook, grading, "00123")[0]
    with pytest.raises(GradeprocError, match="student ID 123 is not on the Roster"):
        explain_student(workbook, gradebook, grading, "123")


def test_unknown_student_exits_1(v1: Path) -> None:
    result = runner.invoke(app, ["explain", str(v1), "S999"])
    assert result.exit_code == 1
    assert result.stderr == "Error: student ID S999 is not on the Roster\n"
    assert result.stdout == ""


# --- diff --------------------------------------------------------------------------------------


def test_diff_after_an_extension(v1: Path, v2: Path, tmp_path: Path) -> None:
    old, new = process(v1).output, process(v2).output
    changes = tmp_path / "changes.csv"
    result = runner.invoke(app, ["diff", str(old), str(new), "--registrar", str(changes)])
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines() == [
        "S001 Smith, Ann: B+ -> A- (89.73 -> 91.23). Extension on HW3: +3 days (medical note). "
        "No longer: HW3: 3 days late, -15 points (95 -> 80).",
        "1 student changed: 1 letter.",
        f"Wrote {changes}",
    ]
    assert changes.read_bytes().decode("utf-8") == (
        "Student ID,Last name,First name,Section,Old grade,New grade,Reason\r\n"
        'S001,Smith,Ann,001,B+,A-,"Extension on HW3: +3 days (medical note). '
        'No longer: HW3: 3 days late, -15 points (95 -> 80)."\r\n'
    )
    # The file exists now: replacing it needs --force, and that is unusable input (2).
    again = runner.invoke(app, ["diff", str(old), str(new), "--registrar", str(changes)])
    assert again.exit_code == 2
    assert "already exists" in again.stderr


def test_diff_frame(v1: Path, v2: Path) -> None:
    frame = diff_graded(process(v1).output, process(v2).output)
    assert frame.to_dict("records") == [
        {
            "Student ID": "S001",
            "Last name": "Smith",
            "First name": "Ann",
            "Section": "001",
            "Old total": 89.73,
            "New total": 91.23,
            "Old letter": "B+",
            "New letter": "A-",
            "Old code": "B+",
            "New code": "A-",
            "Change": "letter",
            "Reason": "Extension on HW3: +3 days (medical note). "
            "No longer: HW3: 3 days late, -15 points (95 -> 80).",
        }
    ]


def test_identical_runs_have_no_changes(v1: Path, tmp_path: Path) -> None:
    first = process(v1).output
    second = process(v1, output=tmp_path / "again.graded.xlsx").output
    result = runner.invoke(app, ["diff", str(first), str(second)])
    assert result.exit_code == 0, result.output
    assert result.stdout == "No grade changes.\n"


def test_added_and_removed_students_keep_text_ids(tmp_path: Path, v1: Path) -> None:
    sheets = base_sheets()
    del sheets["Roster"][2], sheets["Scores"][2], sheets["Submitted"][2]  # Bob leaves
    sheets["Roster"].append(["00456", "=SUM(A1)", "Dee", "dee@example.edu", "001"])
    sheets["Scores"].append(["00456", *[100] * 9])
    old = process(v1).output
    new = process(write_book(tmp_path / "v3.xlsx", sheets)).output
    frame = diff_graded(old, new)
    rows = frame[["Student ID", "Change", "Old code", "New code"]].values.tolist()
    assert [[None if pd.isna(v) else v for v in row] for row in rows] == [
        ["00456", "added", None, "A"],
        ["S002", "removed", "F", None],
    ]
    result = runner.invoke(app, ["diff", str(old), str(new)])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "00456 =SUM(A1), Dee: added, A (100.00).",
        "S002 Jones, Bob: removed (was Fail, 53.00).",
        "2 students changed: 1 added, 1 removed.",
    ]
    out = write_grade_changes(frame, tmp_path / "changes.csv")
    assert out.read_text(encoding="utf-8").splitlines() == [
        "Student ID,Last name,First name,Section,Old grade,New grade,Reason",
        "00456,'=SUM(A1),Dee,001,,A,new on the roster",
        "S002,Jones,Bob,001,F,,no longer on the roster",
    ]


def test_a_graded_workbook_against_its_gradebook_has_no_changes(v1: Path) -> None:
    graded = process(v1).output
    result = runner.invoke(app, ["diff", str(graded), str(v1)])
    assert result.exit_code == 0, result.output
    assert result.stdout == "No grade changes.\n"


def test_diff_against_an_edited_gradebook_grades_it_in_memory(v1: Path, tmp_path: Path) -> None:
    """`diff BOOK.graded.xlsx BOOK.xlsx`: what would change if I graded again now?"""
    graded = process(v1).output
    sheets = base_sheets()
    sheets["Scores"][2][1] = 60  # Bob's HW1: 80 -> 60, nothing else about him changes
    sheets["Extensions"].append(["S001", "HW3", 3, None, "medical note"])
    edited = write_book(tmp_path / "v1.xlsx", sheets)  # the instructor saved over v1.xlsx
    before = sorted(p.name for p in tmp_path.iterdir())
    result = runner.invoke(app, ["diff", str(graded), str(edited)])
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines() == [
        "S001 Smith, Ann: B+ -> A- (89.73 -> 91.23). Extension on HW3: +3 days (medical note). "
        "No longer: HW3: 3 days late, -15 points (95 -> 80).",
        "S002 Jones, Bob: Fail (53.00 -> 50.50). HW1: 80 -> 60 points.",
        "2 students changed: 1 letter, 1 total only.",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written


def test_diff_names_the_assessment_that_moved_between_graded_workbooks(
    v1: Path, tmp_path: Path
) -> None:
    sheets = base_sheets()
    sheets["Scores"][1][1] = 80  # Ann's HW1: 90 -> 80
    sheets["Scores"][1][8] = 90  # Ann's Report: 88 -> 90
    new = process(write_book(tmp_path / "v4.xlsx", sheets)).output
    frame = diff_graded(process(v1).output, new)
    assert frame["Reason"].tolist() == ["HW1: 90 -> 80 points. Report: 88 -> 90 points."]


def _load(path: Path) -> Any:
    """A graded workbook opened for editing by hand (openpyxl drops its chart and formats)."""
    from openpyxl import load_workbook

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return load_workbook(path)


def test_diff_says_a_letter_set_by_hand_from_the_overrides_sheet(v1: Path, tmp_path: Path) -> None:
    sheets = base_sheets()
    sheets["Overrides"].append(["S002", "I", "Incomplete: medical leave"])
    new = process(write_book(tmp_path / "v5.xlsx", sheets)).output
    frame = diff_graded(process(v1).output, new)
    assert frame[["Student ID", "Change", "Reason"]].values.tolist() == [
        [
            "S002",
            "letter",
            "Letter I set by the instructor (computed: Fail): Incomplete: medical leave.",
        ]
    ]
    # And back: the override is gone, said as what no longer holds.
    back = diff_graded(new, process(v1, output=tmp_path / "v1-again.graded.xlsx").output)
    assert back["Reason"].tolist() == [
        "No longer: Letter I set by the instructor (computed: Fail): Incomplete: medical leave."
    ]


def test_diff_says_an_extension_taken_away(v1: Path, v2: Path) -> None:
    frame = diff_graded(process(v2).output, process(v1).output)
    assert frame["Reason"].tolist() == [
        "HW3: 3 days late, -15 points (95 -> 80). "
        "No longer: Extension on HW3: +3 days (medical note)."
    ]


def test_diff_says_when_no_work_counts_any_more(v1: Path, tmp_path: Path) -> None:
    sheets = base_sheets()
    sheets["Scores"][2][1:] = ["EX"] * 9  # every one of Bob's scores excused
    new = process(write_book(tmp_path / "v6.xlsx", sheets)).output
    frame = diff_graded(process(v1).output, new)
    assert frame["Student ID"].tolist() == ["S002"]
    assert frame["New letter"].isna().tolist() == [True]
    assert frame["Reason"].iloc[0] == (
        "HW1: excused, left out of Homework. HW3: excused, left out of Homework. "
        "HW4: excused, left out of Homework. HW5: excused, left out of Homework. "
        "Proposal: excused, left out of Project proposal/presentation. "
        "Presentation: excused, left out of Project proposal/presentation. "
        "Report: excused, left out of Project report. "
        "Participation: excused, left out of Class participation. "
        "No work counts toward a total (all excused or ungraded): no total and no letter; "
        "set the letter in the Overrides sheet. "
        "No longer: HW4: no score, counted as 0. "
        "No longer: HW5: 5 days late, over the 3-day limit: not accepted, 0 points (was 100)."
    )


def test_diff_never_reads_the_notes_back(v1: Path, v2: Path, tmp_path: Path) -> None:
    """Reasons come from facts: Notes edited by hand in a graded workbook change nothing."""
    old = process(v1).output
    book = _load(old)
    grades = book["Grades"]
    notes = next(c.column for c in grades[1] if c.value == "Notes")
    for row in range(2, grades.max_row + 1):
        grades.cell(row, notes, "Extension on HW9: +9 days (typed by hand). Letter Z set.")
    book.save(old)
    frame = diff_graded(old, process(v2).output)
    assert frame["Reason"].tolist() == [
        "Extension on HW3: +3 days (medical note). "
        "No longer: HW3: 3 days late, -15 points (95 -> 80)."
    ]


def test_a_graded_workbook_without_its_gradebook_sheets_still_diffs(v1: Path, v2: Path) -> None:
    """Without the copied gradebook sheets only the scores' facts (Details) are known."""
    new = process(v2).output
    book = _load(new)
    for name in ("Roster", "Scores", "Submitted", "Extensions", "Overrides"):
        del book[name]
    book.save(new)
    frame = diff_graded(process(v1).output, new)
    assert frame["Reason"].tolist() == ["No longer: HW3: 3 days late, -15 points (95 -> 80)."]


def test_diff_refuses_a_gradebook_with_problems(v1: Path, tmp_path: Path) -> None:
    sheets = base_sheets()
    sheets["Scores"][1][1] = "9O"
    broken = write_book(tmp_path / "broken.xlsx", sheets)
    result = runner.invoke(app, ["diff", str(process(v1).output), str(broken)])
    assert result.exit_code == 2
    assert 'Scores!B2: "9O" is not a number of points' in result.stderr
    assert result.stdout == ""


def test_a_workbook_with_neither_grades_nor_a_roster_is_unusable_input(tmp_path: Path) -> None:
    other = write_book(tmp_path / "other.xlsx", {"Sheet1": [["a", "b"], [1, 2]]})
    result = runner.invoke(app, ["diff", str(other), str(other)])
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: other.xlsx is neither a graded workbook nor a gradebook: it has no Grades "
        "sheet and no Roster sheet. diff compares the BOOK.graded.xlsx files that `gradeproc "
        "process` writes, or a gradebook it grades in memory.\n"
    )
