"""Registrar exports: the generic CSV stays the default; the Banner Faculty Grade Entry profile."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gradeproc.api import grade_file, process
from gradeproc.cli import app
from gradeproc.errors import ValidationFailed
from gradeproc.registrar import BANNER_COLUMNS, banner_frame
from tests.helpers import syllabus_sheets, write_book

runner = CliRunner()

# 00123 earns an A, 00456 an F (Letters' "Fail", registrar code F), 00789 an I by override.
STUDENTS = [
    ("00123", "Hopper", "Grace"),
    ("00456", "=Turing", "Alan"),
    ("00789", "Lovelace", "Ada"),
]
SCORES = {"00123": [100] * 9, "00456": [10] * 9, "00789": [85] * 9}
BANNER_HEADER = (
    "Term Code,CRN,Student ID,Final Grade,Last Attended Date,Incomplete Final Grade,Extension Date"
)


def banner_sheets(
    last_attended: dict[str, object] | None = None,
    incomplete: object = "Fail",
    extension: object = "2025-01-15",
    term_code: object = 202410,
    crn: object = "40123",
) -> dict[str, list[list[object]]]:
    """The syllabus book with Banner's extra columns; `last_attended=None` leaves the column out."""
    sheets = syllabus_sheets(STUDENTS, scores=SCORES)
    for row in sheets["Policy"]:
        if row[0] == "term_code":
            row[1] = term_code
        if row[0] == "crn":
            row[1] = crn
    if last_attended is not None:
        sheets["Roster"][0].append("Last attended")
        for row in sheets["Roster"][1:]:
            row.append(last_attended.get(row[0]))
    sheets["Overrides"][0] += ["Incomplete final grade", "Extension date"]
    sheets["Overrides"].append(["00789", "I", "Medical", incomplete, extension])
    return sheets


def run(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def test_banner_happy_path_writes_the_exact_csv(tmp_path: Path) -> None:
    book = write_book(tmp_path / "book.xlsx", banner_sheets({"00456": dt.datetime(2024, 11, 20)}))
    csv = tmp_path / "banner.csv"
    result = run("process", book, "--registrar", csv, "--registrar-format", "banner")
    assert result.exit_code == 0, result.output
    assert csv.read_text(encoding="utf-8").splitlines() == [
        BANNER_HEADER,
        "202410,40123,00123,A,,,",
        "202410,40123,00456,F,2024-11-20,,",
        "202410,40123,00789,I,,F,2025-01-15",
    ]
    assert (tmp_path / "book.graded.xlsx").exists()


def test_banner_export_registrar_reads_iso_text_dates_and_keeps_text_cells_safe(
    tmp_path: Path,
) -> None:
    sheets = banner_sheets(
        {"00456": "2024-11-20 10:30"}, extension=dt.datetime(2025, 1, 15), crn="-40123"
    )
    book = write_book(tmp_path / "book.xlsx", sheets)
    csv = tmp_path / "banner.csv"
    result = run("export", "registrar", book, "-o", csv, "--registrar-format", "banner")
    assert result.exit_code == 0, result.output
    assert csv.read_text(encoding="utf-8").splitlines() == [
        BANNER_HEADER,
        "202410,'-40123,00123,A,,,",
        "202410,'-40123,00456,F,2024-11-20,,",
        "202410,'-40123,00789,I,,F,2025-01-15",
    ]


def test_an_f_without_last_attended_fails_naming_the_cell_and_writes_nothing(
    tmp_path: Path,
) -> None:
    book = write_book(tmp_path / "book.xlsx", banner_sheets({}))
    csv = tmp_path / "banner.csv"
    result = run("process", book, "--registrar", csv, "--registrar-format", "banner")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "Error: 1 problem found; nothing was written.",
        "  Roster!F3: student 00456 has the registrar grade F but no Last attended date; "
        "Banner needs the last day an F student attended",
    ]
    assert not csv.exists()
    assert not (tmp_path / "book.graded.xlsx").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]


def test_without_the_last_attended_column_the_student_id_cell_is_named(tmp_path: Path) -> None:
    book = write_book(tmp_path / "book.xlsx", banner_sheets(None))
    with pytest.raises(ValidationFailed) as caught:
        process(book, registrar=tmp_path / "b.csv", registrar_format="banner")
    assert [str(f) for f in caught.value.findings] == [
        "Roster!A3: student 00456 has the registrar grade F but no Last attended date; "
        'Banner needs the last day an F student attended (add a "Last attended" column to the '
        "Roster sheet)"
    ]
    assert [f.code for f in caught.value.findings] == ["banner-last-attended"]
    assert not (tmp_path / "b.csv").exists()


def test_an_incomplete_needs_its_final_grade_and_extension_date(tmp_path: Path) -> None:
    sheets = banner_sheets({"00456": "2024-11-20"}, incomplete=None, extension="next week")
    book = write_book(tmp_path / "book.xlsx", sheets)
    csv = tmp_path / "banner.csv"
    result = run("process", book, "--registrar", csv, "--registrar-format", "banner")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "Error: 2 problems found; nothing was written.",
        "  Overrides!D2: student 00789 has the registrar grade I but no Incomplete final grade; "
        "Banner needs the letter the incomplete becomes if the work is not done",
        '  Overrides!E2: "next week" is not a date; use a date cell or text like 2024-12-13',
    ]
    assert not csv.exists()


def test_incomplete_grade_must_be_a_letter_and_missing_columns_are_hinted(tmp_path: Path) -> None:
    sheets = banner_sheets({"00456": "2024-11-20"}, incomplete="Z")
    book = write_book(tmp_path / "book.xlsx", sheets)
    with pytest.raises(ValidationFailed) as caught:
        process(book, registrar_format="banner")
    assert [str(f) for f in caught.value.findings] == [
        'Overrides!D2: Incomplete final grade "Z" of student 00789 is not a letter of the '
        "Letters sheet"
    ]
    sheets = syllabus_sheets(STUDENTS, scores=SCORES)
    sheets["Overrides"].append(["00789", "I", "Medical"])
    for row in sheets["Policy"]:
        if row[0] in ("term_code", "crn"):
            row[1] = "1"
    sheets["Roster"][0].append("Last attended")
    sheets["Roster"][2].append("2024-11-20")
    book = write_book(tmp_path / "plain.xlsx", sheets)
    with pytest.raises(ValidationFailed) as caught:
        process(book, registrar_format="banner")
    assert [str(f) for f in caught.value.findings] == [
        "Overrides!B2: student 00789 has the registrar grade I but no Extension date; Banner "
        'needs the date the incomplete work is due (add an "Extension date" column to the '
        "Overrides sheet)",
        "Overrides!B2: student 00789 has the registrar grade I but no Incomplete final grade; "
        "Banner needs the letter the incomplete becomes if the work is not done (add an "
        '"Incomplete final grade" column to the Overrides sheet)',
    ]


def test_term_code_and_crn_are_required_for_banner(tmp_path: Path) -> None:
    sheets = banner_sheets({"00456": "2024-11-20"}, term_code=None, crn=" ")
    book = write_book(tmp_path / "book.xlsx", sheets)
    with pytest.raises(ValidationFailed) as caught:
        process(book, registrar=tmp_path / "b.csv", registrar_format="banner")
    assert [str(f) for f in caught.value.findings] == [
        "Policy!B14: term_code is blank; the Banner export needs the registrar term code "
        "(for example 202410)",
        "Policy!B15: crn is blank; the Banner export needs the course reference number (CRN)",
    ]
    assert caught.value.message == "2 problems found; nothing was written."


def test_banner_frame_without_a_workbook_names_sheets_only(tmp_path: Path) -> None:
    book = write_book(tmp_path / "book.xlsx", banner_sheets({}))
    workbook, gradebook, grading = grade_file(book)
    frame, findings = banner_frame(gradebook, grading)
    assert list(frame.columns) == BANNER_COLUMNS
    assert frame["Student ID"].tolist() == ["00123", "00456", "00789"]
    assert [(f.sheet, f.cell, f.code) for f in findings] == [
        ("Roster", None, "banner-last-attended")
    ]
    _, located = banner_frame(gradebook, grading, workbook)
    assert [(f.sheet, f.cell) for f in located] == [("Roster", "F3")]


def test_generic_stays_the_default(tmp_path: Path) -> None:
    book = write_book(tmp_path / "book.xlsx", banner_sheets({}))  # an F without a date is fine
    csv = tmp_path / "grades.csv"
    result = run("process", book, "--registrar", csv)
    assert result.exit_code == 0, result.output
    assert csv.read_text(encoding="utf-8").splitlines() == [
        "Student ID,Last name,First name,Section,Grade",
        "00123,Hopper,Grace,001,A",
        "00456,'=Turing,Alan,001,F",
        "00789,Lovelace,Ada,001,I",
    ]


def test_an_unknown_profile_is_a_command_line_error(tmp_path: Path) -> None:
    book = write_book(tmp_path / "book.xlsx", banner_sheets({}))
    result = run("process", book, "--registrar-format", "peoplesoft")
    assert result.exit_code == 2
    assert not (tmp_path / "book.graded.xlsx").exists()


def test_a_student_with_no_counted_work_is_named_not_sent_blank(tmp_path: Path) -> None:
    """Everything excused: no total, no letter. Generic warns; Banner refuses; an I fixes it."""
    sheets = banner_sheets({"00456": "2024-11-20"})
    sheets["Scores"][1][1:] = ["EX"] * 9  # 00123
    book = write_book(tmp_path / "book.xlsx", sheets)
    message = (
        "Roster!A2: student 00123 has no total and no letter (no work counts toward a total); "
        "{}: set their letter (for example I) in the Overrides sheet"
    )

    generic = run("process", book, "--registrar", tmp_path / "g.csv")
    assert generic.exit_code == 0, generic.output
    assert "warning: " + message.format("the registrar file leaves their Grade blank") + "\n" in (
        generic.stderr
    )
    assert (tmp_path / "g.csv").read_text(encoding="utf-8").splitlines()[1] == (
        "00123,Hopper,Grace,001,"
    )
    grades = process(book, output=tmp_path / "again.xlsx").grades.set_index("Student ID")
    assert grades.at["00123", "Notes"].endswith(
        "No work counts toward a total (all excused or ungraded): no total and no letter; "
        "set the letter in the Overrides sheet."
    )

    with pytest.raises(ValidationFailed) as caught:
        process(book, output=tmp_path / "b.xlsx", registrar_format="banner", force=True)
    assert [str(f) for f in caught.value.findings] == [
        message.format("Banner cannot load a blank Final Grade")
    ]

    sheets["Overrides"].append(["00123", "I", "Medical", "F", "2025-01-15"])
    fixed = write_book(tmp_path / "fixed.xlsx", sheets)
    result = process(fixed, registrar=tmp_path / "b.csv", registrar_format="banner")
    assert not [w for w in result.warnings if w.code == "no-grade"]
    assert result.registrar_rows.set_index("Student ID").at["00123", "Final Grade"] == "I"
