"""The whole path, file in and files out, on a small gradebook whose numbers are worked by hand."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from gradeproc.api import process
from gradeproc.errors import OutputExists, ValidationFailed
from tests.helpers import (
    FULL,
    SYLLABUS_GRADES_COLUMNS,
    WORKED_STUDENTS,
    syllabus_sheets,
    worked_sheets,
    write_book,
)

STUDENTS = WORKED_STUDENTS


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return write_book(tmp_path / "course.xlsx", worked_sheets())


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_process_grades_every_rule_by_hand(book: Path) -> None:
    result = process(book, registrar=book.with_name("grades.csv"))
    grades = result.grades.set_index("Student ID")
    assert grades["Total"].to_dict() == {
        "S01": 100.0,
        "S02": 98.0,  # Homework 480/500 = 96 % -> 48 + 15 + 30 + 5
        "S03": 93.0,
        "S04": 90.0,  # Homework 400/500 = 80 %
        "S05": 90.0,  # HW2 leaves Homework: 360/400 = 90 %
        "S06": 80.0,
        "00123": 90.0,
    }
    assert grades["Letter"].to_dict() == {
        "S01": "A",
        "S02": "A",
        "S03": "A",
        "S04": "A-",
        "S05": "A-",
        "S06": "I",
        "00123": "A-",
    }
    assert grades["Flags"].to_dict() == {
        "S01": "",
        "S02": "LATE",
        "S03": "POLICY_GAP",
        "S04": "MISSING",
        "S05": "EXCUSED",
        "S06": "OVERRIDE",
        "00123": "LATE_REJECTED",
    }
    assert grades.loc["S02", "Notes"] == "HW3: 3 days late, -15 points (95 -> 80)."
    assert grades.loc["S03", "Notes"] == (
        'Total 93.00 is in no letter\'s range; letter_gap_rule "higher" gives A.'
    )
    assert grades.loc["S04", "Notes"] == "HW1: no score, counted as 0."
    assert grades.loc["S06", "Notes"] == (
        "Letter I set by the instructor (computed: B-): Incomplete: medical leave."
    )
    assert grades.loc["00123", "Notes"] == (
        "HW1: 4 days late, over the 3-day limit: not accepted, 0 points (was 100)."
    )
    assert grades.loc["S06", "Registrar code"] == "I"
    assert list(result.grades.columns) == SYLLABUS_GRADES_COLUMNS


def test_details_rows(book: Path) -> None:
    details = process(book).details.set_index(["Student ID", "Assessment"])
    row = details.loc[("S02", "HW3")]
    assert row["Days late"] == 3
    assert row["Deduction"] == 15
    assert row["Final score"] == 80
    assert row["Status"] == "LATE"
    assert row["Submitted"] == pd.Timestamp("2024-10-18 00:00", tz="America/New_York")
    assert row["Effective due"] == pd.Timestamp("2024-10-15 23:59", tz="America/New_York")
    assert details.loc[("S01", "HW2"), "Status"] == "ON_TIME"  # exactly at the due time
    assert details.loc[("S05", "HW2"), "Status"] == "EXCUSED"
    assert details.loc[("S04", "HW1"), "Status"] == "MISSING"
    assert details.loc[("00123", "HW1"), "Status"] == "LATE_REJECTED"
    assert len(details) == len(STUDENTS) * 9


def test_outputs_are_written_and_the_input_is_untouched(book: Path) -> None:
    before = sha(book)
    result = process(book, registrar=book.with_name("grades.csv"))
    assert sha(book) == before
    assert result.output == book.with_name("course.graded.xlsx")
    sheets = CalamineWorkbook.from_path(str(result.output)).sheet_names
    assert sheets[:4] == ["Grades", "Details", "Summary", "Run"]
    assert set(sheets[4:]) >= {"Policy", "Roster", "Scores", "Submitted"}
    assert book.with_name("grades.csv").read_text(encoding="utf-8").splitlines()[:3] == [
        "Student ID,Last name,First name,Section,Grade",
        "S01,Lovelace,Ada,001,A",
        "S02,Hopper,Grace,001,A",
    ]
    assert not list(book.parent.glob("*.part"))


def test_run_sheet_records_the_input_hash_and_every_setting(book: Path) -> None:
    result = process(book)
    rows = CalamineWorkbook.from_path(str(result.output)).get_sheet_by_name("Run").to_python()
    values = {row[0]: row[1] for row in rows if row and row[0]}
    assert values["Input SHA-256"] == sha(book)
    assert values["Input file"] == "course.xlsx"
    for setting in ("timezone", "late_penalty_percent_per_day", "letter_gap_rule", "blank_scores"):
        assert setting in values
    assert any("exactly 93" in str(row[1]) for row in rows if len(row) > 1)


def test_an_existing_output_is_replaced_only_with_force(book: Path) -> None:
    out = book.with_name("course.graded.xlsx")
    out.write_bytes(b"keep me")
    with pytest.raises(OutputExists):
        process(book)
    assert out.read_bytes() == b"keep me"
    process(book, force=True)
    assert out.read_bytes()[:2] == b"PK"


def test_a_bad_gradebook_writes_nothing(tmp_path: Path) -> None:
    sheets = syllabus_sheets(STUDENTS[:1], {"S01": ["9O", *FULL[1:]]})
    book = write_book(tmp_path / "bad.xlsx", sheets)
    before = sha(book)
    with pytest.raises(ValidationFailed) as caught:
        process(book, registrar=tmp_path / "grades.csv")
    assert [str(f) for f in caught.value.findings if f.severity == "error"] == [
        'Scores!B2: "9O" is not a number of points'
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.xlsx"]
    assert sha(book) == before


def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    students = [("=1+2", "@SUM(A1)", "-Eve"), ("S02", "+Mallory", "Bob")]
    book = write_book(tmp_path / "evil.xlsx", syllabus_sheets(students))
    result = process(book, registrar=tmp_path / "grades.csv")
    csv_lines = (tmp_path / "grades.csv").read_text(encoding="utf-8").splitlines()
    assert csv_lines[1:] == ["'=1+2,'@SUM(A1),'-Eve,001,A", "S02,'+Mallory,Bob,001,A"]
    # In the workbook the cells are text (t="s"/inlineStr), never a formula (<f>).
    import zipfile

    with zipfile.ZipFile(result.output) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in zf.read(name), name


def test_a_student_with_nothing_gradable_gets_no_total_and_no_letter(tmp_path: Path) -> None:
    students = [("S01", "Lovelace", "Ada"), ("S02", "Hopper", "Grace")]
    sheets = syllabus_sheets(students, {"S02": ["EX"] * 9})
    result = process(write_book(tmp_path / "book.xlsx", sheets), registrar=tmp_path / "g.csv")
    row = result.grades.set_index("Student ID").loc["S02"]
    assert pd.isna(row["Total"]) and pd.isna(row["Letter"]) and pd.isna(row["Registrar code"])
    assert row["Flags"] == "EXCUSED"
    assert (tmp_path / "g.csv").read_text(encoding="utf-8").splitlines()[
        2
    ] == "S02,Hopper,Grace,001,"
