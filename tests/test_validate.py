"""Validation: every problem at once, each with its Sheet!Cell and a plain sentence."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from gradeproc.api import check, validate
from tests.helpers import syllabus_sheets, write_book

STUDENTS = [("S01", "Lovelace", "Ada"), ("00123", "Hopper", "Grace"), ("S03", "Turing", "Alan")]


def problems(tmp_path: Path, sheets: dict) -> list[str]:
    report = validate(write_book(tmp_path / "book.xlsx", sheets))
    return [str(f) for f in report.sorted() if f.severity == "error"]


def test_a_clean_book_has_no_problems_and_one_policy_warning(tmp_path: Path) -> None:
    report = validate(write_book(tmp_path / "book.xlsx", syllabus_sheets(STUDENTS)))
    assert report.ok
    assert [f.code for f in report.warnings] == ["letter-range-gap"]


def test_every_problem_is_reported_at_once_in_sheet_and_row_order(tmp_path: Path) -> None:
    sheets = syllabus_sheets(
        STUDENTS,
        scores={
            "S01": [95, "9O", -5, 80, "ex", 90, 88, None, 100],
            "00123": [95, 90, 105, 80, 70, 90, 88, 92, 100],
        },
    )
    sheets["Roster"].append(["S01", "Twin", "Evil", "evil@example.edu", "001"])
    sheets["Categories"][1][1] = 40
    sheets["Policy"].append(["late_penalty_pct", 5, None])
    sheets["Policy"][4][1] = "five"
    sheets["Assessments"][2][1] = "Homwork"
    sheets["Scores"].append([999, 1, 1, 1, 1, 1, 1, 1, 1, 1])
    sheets["Submitted"].append(["S01", "yesterday"])
    assert problems(tmp_path, sheets) == [
        'Policy!B5: late_penalty_percent_per_day: "five" is not a number',
        'Policy!A25: "late_penalty_pct" is not a setting gradeproc knows (a typo?)',
        "Categories: weights add up to 90, not 100",
        'Assessments!B3: category "Homwork" is not in the Categories sheet',
        "Roster!A5: student ID S01 appears twice (rows 2 and 5)",
        'Scores!C2: "9O" is not a number of points',
        "Scores!D2: -5 is negative; a score is 0 or more points",
        "Scores!D3: 105 is more than the 100 max points of HW3; set allow_extra_credit to Y if "
        "extra credit is intended",
        "Scores!A5: student ID 999 is not on the Roster",
        'Submitted!B2: "yesterday" is not a date and time; use a date cell or text like '
        "2024-10-01 23:59",
    ]


def test_a_bad_number_does_not_hide_a_negative_one_in_the_same_column(tmp_path: Path) -> None:
    # pandera skips a column's checks once coercion fails; our checks parse for themselves.
    sheets = syllabus_sheets(STUDENTS, scores={"S01": ["9O"] + [90] * 8, "00123": [-5] + [90] * 8})
    assert problems(tmp_path, sheets) == [
        'Scores!B2: "9O" is not a number of points',
        "Scores!B3: -5 is negative; a score is 0 or more points",
    ]


def test_roster_and_scores_must_match_both_ways(tmp_path: Path) -> None:
    sheets = syllabus_sheets(STUDENTS)
    del sheets["Scores"][2]  # 00123 has no scores row
    assert problems(tmp_path, sheets) == [
        "Roster!A3: student ID 00123 has no row in the Scores sheet"
    ]


def test_assessments_and_score_columns_must_match(tmp_path: Path) -> None:
    sheets = syllabus_sheets(STUDENTS)
    for row in sheets["Scores"]:
        del row[3]  # drop the HW3 column
    report = validate(write_book(tmp_path / "book.xlsx", sheets))
    assert [str(f) for f in report.errors] == [
        "Assessments!A4: HW3 has no column in the Scores sheet"
    ]


def test_extra_columns_and_sheets_are_the_instructors_own(tmp_path: Path) -> None:
    sheets = syllabus_sheets(STUDENTS)
    sheets["Scores"][0].append("Comments")
    sheets["Scores"][1].append("great work")
    sheets["Roster"][0].append("Pronouns")
    sheets["My notes"] = [["anything"], ["at all"]]
    report = validate(write_book(tmp_path / "book.xlsx", sheets))
    assert report.ok
    assert 'Scores!K1: column "Comments" is not an assessment; it is kept but not graded' in [
        str(f) for f in report.warnings
    ]


def test_extensions_and_overrides_name_known_students_and_assessments(tmp_path: Path) -> None:
    sheets = syllabus_sheets(STUDENTS)
    sheets["Extensions"] += [
        ["S01", "HW9", 2, None, "flu"],
        ["S77", "HW1", 1, None, "flu"],
        ["S01", "HW1", 1, dt.datetime(2024, 9, 20, 12), "both"],
        ["S03", "*", None, None, "neither"],
        ["S03", "*", 1, None, "again"],
    ]
    sheets["Overrides"] += [["S88", "I", "incomplete"]]
    assert problems(tmp_path, sheets) == [
        'Extensions!B2: assessment "HW9" is not in the Assessments sheet (use * for every '
        "assessment)",
        "Extensions!A3: student ID S77 is not on the Roster",
        "Extensions!C4: the extension for S01 gives both Extra days and New due; give exactly one",
        "Extensions!C5: the extension for S03 gives neither Extra days nor New due; give exactly "
        "one",
        "Extensions!A6: a second extension for S03 on * (the first is in row 5)",
        "Overrides!A2: student ID S88 is not on the Roster",
    ]


def test_letter_gap_rule_error_makes_the_93_gap_a_problem(tmp_path: Path) -> None:
    sheets = syllabus_sheets(STUDENTS)
    for row in sheets["Policy"]:
        if row[0] == "letter_gap_rule":
            row[1] = "error"
    assert problems(tmp_path, sheets) == [
        "Letters: no letter covers totals of exactly 93 (between A- and A); fix the ranges or "
        'set letter_gap_rule to "higher" or "lower"'
    ]


def test_messy_but_valid_input_reads(tmp_path: Path) -> None:
    sheets = syllabus_sheets(STUDENTS)
    sheets["Scores"][0] = [f"  {h.lower()} " for h in sheets["Scores"][0]]  # header case, spaces
    sheets["Roster"][2][0] = 123  # an ID Excel stored as a number
    sheets["Scores"][2] = [123, "95", " EX ", "Ex", 80, 70, 90, 88, 92, 100]
    sheets["Submitted"].append(["S01", "2024-09-17T23:30:00-04:00", "2024-10-01 23:59"])
    sheets["Scores"].append([None] * 10)  # trailing blank row
    _, gradebook, report = check(write_book(tmp_path / "book.xlsx", sheets))
    assert report.ok, [str(f) for f in report.errors]
    assert list(gradebook.roster.index) == ["S01", "123", "S03"]
    assert gradebook.points.loc["123", "HW1"] == 95
    assert gradebook.excused.loc["123", ["HW2", "HW3"]].tolist() == [True, True]
    submitted = gradebook.submitted.loc["S01"]
    assert submitted["HW1"] == pd.Timestamp("2024-09-18 03:30", tz="UTC")
    assert submitted["HW2"] == pd.Timestamp("2024-10-02 03:59", tz="UTC")


@pytest.mark.parametrize("value", ["0", "-1", "x"])
def test_bad_setting_values(tmp_path: Path, value: str) -> None:
    sheets = syllabus_sheets(STUDENTS)
    for row in sheets["Policy"]:
        if row[0] == "late_max_days":
            row[1] = value
    expected = {
        "0": [],
        "-1": ['Policy!B6: late_max_days: "-1" must be a number of 0 or more'],
        "x": ['Policy!B6: late_max_days: "x" is not a number'],
    }[value]
    assert problems(tmp_path, sheets) == expected


def test_weights_typed_as_percent_cells_get_a_hint(tmp_path: Path) -> None:
    sheets = syllabus_sheets(STUDENTS)
    for row, fraction in zip(sheets["Categories"][1:], [0.5, 0.15, 0.3, 0.05], strict=True):
        row[1] = fraction
    assert problems(tmp_path, sheets) == [
        "Categories: weights add up to 1, not 100 (cells formatted as percentages hold "
        "fractions: type 50 for 50 %)"
    ]


def test_a_percent_sign_in_a_setting_is_understood(tmp_path: Path) -> None:
    sheets = syllabus_sheets(STUDENTS)
    for row in sheets["Policy"]:
        if row[0] == "late_penalty_percent_per_day":
            row[1] = "10%"
    _, gradebook, report = check(write_book(tmp_path / "book.xlsx", sheets))
    assert report.ok
    assert gradebook.policy.late_penalty_percent_per_day == 10


def test_letters_without_a_registrar_code_column_use_the_letter_as_the_code(
    tmp_path: Path,
) -> None:
    sheets = syllabus_sheets(STUDENTS)
    code = sheets["Letters"][0].index("Registrar code")
    sheets["Letters"] = [row[:code] + row[code + 1 :] for row in sheets["Letters"]]
    _, gradebook, report = check(write_book(tmp_path / "book.xlsx", sheets))
    assert report.ok and gradebook is not None
    assert [(r.letter, r.code) for r in gradebook.policy.letters][:2] == [("A", "A"), ("A-", "A-")]


def test_the_gradebook_records_each_students_row_in_each_sheet(tmp_path: Path) -> None:
    sheets = syllabus_sheets(STUDENTS, submitted={"00123": [dt.datetime(2024, 9, 1)]})
    _, gradebook, _ = check(write_book(tmp_path / "book.xlsx", sheets))
    assert gradebook is not None
    rows = gradebook.sheet_rows
    assert sorted(rows) == ["Roster", "Scores", "Submitted"]
    assert rows["Roster"].to_dict() == {"S01": 2, "00123": 3, "S03": 4}
    assert rows["Scores"].to_dict() == {"S01": 2, "00123": 3, "S03": 4}
    assert rows["Submitted"].to_dict() == {"00123": 2}
