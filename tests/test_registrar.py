"""Registrar files: profiles as data (generic, Banner, PeopleSoft, a department's own TOML)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from typer.testing import CliRunner

from gradeproc.api import grade_file, process
from gradeproc.cli import app
from gradeproc.errors import ProfileProblem, ValidationFailed
from gradeproc.registrar import (
    builtin_names,
    format_date,
    load_profile,
    profile_frame,
    write_registrar,
)
from gradeproc.write.csv import formula_safe
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


def set_policy(sheets: dict[str, list[list[object]]], **values: object) -> None:
    for row in sheets["Policy"]:
        if row[0] in values:
            row[1] = values[row[0]]


def add_column(sheets, sheet: str, header: str, values: dict[str, object]) -> None:
    sheets[sheet][0].append(header)
    for row in sheets[sheet][1:]:
        row.append(values.get(row[0]))


def banner_sheets(
    last_attended: dict[str, object] | None = None,
    incomplete: object = "Fail",
    extension: object = "2025-01-15",
    term_code: object = 202410,
    crn: object = "40123",
) -> dict[str, list[list[object]]]:
    """The syllabus book with Banner's extra columns; `last_attended=None` leaves the column out."""
    sheets = syllabus_sheets(STUDENTS, scores=SCORES)
    set_policy(sheets, term_code=term_code, crn=crn)
    if last_attended is not None:
        add_column(sheets, "Roster", "Last attended", last_attended)
    sheets["Overrides"][0] += ["Incomplete final grade", "Extension date"]
    sheets["Overrides"].append(["00789", "I", "Medical", incomplete, extension])
    return sheets


def run(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def cells(path: Path) -> list[list[tuple[object, str]]]:
    """Every cell of the first sheet as (value, openpyxl data type)."""
    sheet = load_workbook(path).worksheets[0]
    return [[(c.value, c.data_type) for c in row] for row in sheet.iter_rows()]


def refused(book: Path, profile: str = "banner") -> list[str]:
    with pytest.raises(ValidationFailed) as caught:
        process(book, output=book.with_suffix(".out.xlsx"), registrar_format=profile, force=True)
    return [str(f) for f in caught.value.findings]


# --- Banner: an Excel file of text cells ------------------------------------------------------


def test_banner_writes_an_xlsx_of_text_cells(tmp_path: Path) -> None:
    sheets = banner_sheets({"00456": dt.datetime(2024, 11, 20)})
    sheets["Roster"][1][0] = "00398127"
    sheets["Scores"][1][0] = "00398127"
    book = write_book(tmp_path / "book.xlsx", sheets)
    out = tmp_path / "banner.xlsx"
    result = run("process", book, "--registrar", out, "--registrar-format", "banner")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == f"Wrote {out}"
    s = "s"
    assert cells(out) == [
        [(h, s) for h in BANNER_HEADER.split(",")],
        [("202410", s), ("40123", s), ("00398127", s), ("A", s), (None, "n"), (None, "n"), (None, "n")],
        [("202410", s), ("40123", s), ("00456", s), ("F", s), ("11/20/2024", s), (None, "n"), (None, "n")],
        [("202410", s), ("40123", s), ("00789", s), ("I", s), (None, "n"), ("F", s), ("01/15/2025", s)],
    ]  # fmt: skip
    assert load_workbook(out).worksheets[0]["C2"].number_format == "@"


def test_banner_writes_a_csv_only_when_the_name_ends_in_csv(tmp_path: Path) -> None:
    sheets = banner_sheets({"00456": "2024-11-20 10:30"}, extension=dt.datetime(2025, 1, 15))
    book = write_book(tmp_path / "book.xlsx", sheets)
    out = tmp_path / "banner.CSV"
    result = run("export", "registrar", book, "-o", out, "--registrar-format", "banner")
    assert result.exit_code == 0, result.output
    assert (
        out.read_bytes()
        == (
            f"{BANNER_HEADER}\r\n"
            "202410,40123,00123,A,,,\r\n"
            "202410,40123,00456,F,11/20/2024,,\r\n"
            "202410,40123,00789,I,,F,01/15/2025\r\n"
        ).encode()
    )


def test_a_loader_refuses_a_value_that_could_start_a_formula(tmp_path: Path) -> None:
    sheets = banner_sheets({"00456": "2024-11-20"}, crn="-40123")
    add_column(sheets, "Roster", "Registrar comment", {"00123": "@SUM(A1)"})
    book = write_book(tmp_path / "book.xlsx", sheets)
    assert refused(book) == [
        'Policy!B15: CRN "-40123" starts like a spreadsheet formula; the Banner loader takes '
        "values as written, so gradeproc will not alter it: change the value",
    ]
    # The same comment through a profile that carries it: the Roster cell is named.
    toml = tmp_path / "mine.toml"
    toml.write_text(
        'columns = [{ header = "ID", source = "student_id" }, '
        '{ header = "Comment", source = "comment" }]\n',
        encoding="utf-8",
    )
    assert refused(book, str(toml)) == [
        'Roster!G2: Comment "@SUM(A1)" of student 00123 starts like a spreadsheet formula; the '
        "mine loader takes values as written, so gradeproc will not alter it: change the cell"
    ]


def test_an_f_without_last_attended_fails_naming_the_cell_and_writes_nothing(
    tmp_path: Path,
) -> None:
    book = write_book(tmp_path / "book.xlsx", banner_sheets({}))
    out = tmp_path / "banner.xlsx"
    result = run("process", book, "--registrar", out, "--registrar-format", "banner")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "Error: 1 problem found; nothing was written.",
        "  Roster!F3: student 00456 has the registrar grade F but no Last attended date; "
        "Banner needs the last day a student graded F attended",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]


def test_without_the_last_attended_column_the_student_id_cell_is_named(tmp_path: Path) -> None:
    book = write_book(tmp_path / "book.xlsx", banner_sheets(None))
    with pytest.raises(ValidationFailed) as caught:
        process(book, registrar=tmp_path / "b.xlsx", registrar_format="banner")
    assert [str(f) for f in caught.value.findings] == [
        "Roster!A3: student 00456 has the registrar grade F but no Last attended date; "
        'Banner needs the last day a student graded F attended (add a "Last attended" column to '
        "the Roster sheet)"
    ]
    assert [f.code for f in caught.value.findings] == ["registrar-last-attended"]
    assert not (tmp_path / "b.xlsx").exists()


# --- Last attended: which grades, which format, which days ------------------------------------


def test_last_attended_required_for_a_list_and_written_whenever_given(tmp_path: Path) -> None:
    sheets = banner_sheets({"00123": "2024-12-02", "00456": "2024-11-20"})
    set_policy(sheets, last_attended_required_for="F, A", registrar_date_format="YYYY-MM-DD")
    book = write_book(tmp_path / "book.xlsx", sheets)
    rows = process(book, registrar_format="banner").registrar_rows
    assert rows["Last Attended Date"].tolist() == ["2024-12-02", "2024-11-20", ""]
    sheets["Roster"][1][-1] = None
    assert refused(write_book(tmp_path / "b2.xlsx", sheets)) == [
        "Roster!F2: student 00123 has the registrar grade A but no Last attended date; "
        "Banner needs the last day a student graded A attended"
    ]


def test_dates_are_checked_against_the_term_and_today(tmp_path: Path) -> None:
    future = dt.date.today() + dt.timedelta(days=3)
    sheets = banner_sheets({"00123": "2024-08-01", "00456": future.isoformat()})
    add_column(sheets, "Roster", "CRN", {})
    set_policy(sheets, term_start=dt.datetime(2024, 8, 26), term_end="2024-12-20")
    book = write_book(tmp_path / "book.xlsx", sheets)
    assert refused(book) == [
        "Roster!F2: the Last attended date 2024-08-01 of student 00123 is before the term starts "
        "(2024-08-26)",
        f"Roster!F3: the Last attended date {future.isoformat()} of student 00456 is in the future",
    ]
    sheets = banner_sheets({"00456": "2024-12-21"})
    set_policy(sheets, term_end="2024-12-20")
    assert refused(write_book(tmp_path / "b2.xlsx", sheets)) == [
        "Roster!F3: the Last attended date 2024-12-21 of student 00456 is after the term ends "
        "(2024-12-20)"
    ]
    sheets = banner_sheets({"00456": "2024-12-01"})
    set_policy(sheets, term_start="first week", registrar_date_format="DD.MM.YY")
    assert refused(write_book(tmp_path / "b3.xlsx", sheets)) == [
        'Policy!B17: "DD.MM.YY" is not a date format; use YYYY, MM and DD with / - . or spaces '
        "between (for example MM/DD/YYYY)",
        'Policy!B18: term_start "first week" is not a date; use a date cell or text like '
        "2024-08-26",
    ]


def test_format_date() -> None:
    day = dt.date(2024, 3, 7)
    assert format_date(day, "MM/DD/YYYY") == "03/07/2024"
    assert format_date(day, "YYYY-MM-DD") == "2024-03-07"
    assert format_date(day, "DD.MM.YYYY") == "07.03.2024"


# --- CRN per student ------------------------------------------------------------------------


def two_sections(tmp_path: Path, name: str = "book.xlsx", crn: object = None, **extra) -> Path:
    sheets = banner_sheets({"00456": "2024-11-20"}, crn=crn)
    sheets["Roster"][2][4] = "002"  # 00456 is in section 002
    for header, values in extra.items():
        if header == "sections":
            sheets["Sections"] = [["Section", "CRN"], *values]
        else:
            add_column(sheets, "Roster", header, values)
    return write_book(tmp_path / name, sheets)


def test_crn_from_a_sections_sheet_or_a_roster_column(tmp_path: Path) -> None:
    book = two_sections(tmp_path, sections=[["001", 40123], ["002", "40124"]])
    rows = process(book, registrar_format="banner").registrar_rows
    assert rows["CRN"].tolist() == ["40123", "40124", "40123"]
    book = two_sections(
        tmp_path, "b2.xlsx", CRN={"00123": 41001, "00456": "41002", "00789": "41001"}
    )
    rows = process(book, registrar_format="banner").registrar_rows
    assert rows["CRN"].tolist() == ["41001", "41002", "41001"]


def test_a_student_without_a_crn_and_a_conflict_are_refused(tmp_path: Path) -> None:
    book = two_sections(tmp_path, sections=[["001", "40123"]], CRN={"00456": "40999"})
    sheets_conflict = two_sections(
        tmp_path, "b3.xlsx", sections=[["001", "40123"], ["002", "40124"]], CRN={"00456": "40999"}
    )
    assert refused(sheets_conflict) == [
        "Roster!G3: student 00456 has the CRN 40999 but section 002 has the CRN 40124 in the "
        "Sections sheet; make them agree"
    ]
    nothing = two_sections(tmp_path, "b4.xlsx")
    assert refused(nothing) == [
        f"Roster!E{row}: student {sid} has no CRN; the Banner export needs each student's course "
        "reference number (give it in a CRN column of the Roster, in a Sections sheet of "
        "Section and CRN, or in the crn setting for a one-section course)"
        for row, sid in ((2, "00123"), (3, "00456"), (4, "00789"))
    ]
    assert process(book, registrar_format="banner").registrar_rows["CRN"].tolist() == [
        "40123",
        "40999",
        "40123",
    ]


def test_the_crn_setting_serves_one_section_only(tmp_path: Path) -> None:
    book = two_sections(tmp_path, crn="40123")
    assert refused(book) == [
        "Policy!B15: the crn setting gives one CRN for the sections 001, 002; the registrar "
        "drops the students of any other section: give each section its CRN in a Sections "
        "sheet (Section, CRN) or a CRN column of the Roster"
    ]


def test_term_code_is_required(tmp_path: Path) -> None:
    sheets = banner_sheets({"00456": "2024-11-20"}, term_code=None)
    assert refused(write_book(tmp_path / "book.xlsx", sheets)) == [
        "Policy!B14: term_code is blank; the Banner export needs the registrar term code "
        "(for example 202410)"
    ]


# --- Incompletes and withdrawals ---------------------------------------------------------------


def test_an_incomplete_needs_its_final_grade_and_extension_date(tmp_path: Path) -> None:
    sheets = banner_sheets({"00456": "2024-11-20"}, incomplete=None, extension="next week")
    book = write_book(tmp_path / "book.xlsx", sheets)
    result = run(
        "process", book, "--registrar", tmp_path / "b.xlsx", "--registrar-format", "banner"
    )
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "Error: 2 problems found; nothing was written.",
        "  Overrides!D2: student 00789 has the registrar grade I but no Incomplete final grade; "
        "Banner needs the letter the incomplete becomes if the work is not done",
        '  Overrides!E2: "next week" is not a date; use a date cell or text like 2024-12-13',
    ]


def test_incomplete_details_only_where_the_school_requires_them(tmp_path: Path) -> None:
    sheets = banner_sheets({"00456": "2024-11-20"}, incomplete=None, extension=None)
    set_policy(sheets, incomplete_details_required="N")
    rows = process(write_book(tmp_path / "b.xlsx", sheets), registrar_format="banner")
    assert rows.registrar_rows.iloc[2].tolist() == ["202410", "40123", "00789", "I", "", "", ""]


def test_incomplete_codes_are_a_setting(tmp_path: Path) -> None:
    sheets = banner_sheets({"00456": "2024-11-20"}, incomplete=None)
    sheets["Overrides"][1][1] = "IN"
    book = write_book(tmp_path / "b.xlsx", sheets)
    assert process(book, registrar_format="banner").registrar_rows["Final Grade"].tolist() == [
        "A",
        "F",
        "IN",
    ]
    set_policy(sheets, incomplete_codes="I, IN, I/X")
    assert refused(write_book(tmp_path / "b2.xlsx", sheets)) == [
        "Overrides!D2: student 00789 has the registrar grade IN but no Incomplete final grade; "
        "Banner needs the letter the incomplete becomes if the work is not done"
    ]


def test_incomplete_grade_must_be_a_letter_and_missing_columns_are_hinted(tmp_path: Path) -> None:
    sheets = banner_sheets({"00456": "2024-11-20"}, incomplete="Z")
    assert refused(write_book(tmp_path / "book.xlsx", sheets)) == [
        'Overrides!D2: Incomplete final grade "Z" of student 00789 is not a letter of the '
        "Letters sheet"
    ]
    sheets = syllabus_sheets(STUDENTS, scores=SCORES)
    sheets["Overrides"].append(["00789", "I", "Medical"])
    set_policy(sheets, term_code="1", crn="1")
    add_column(sheets, "Roster", "Last attended", {"00456": "2024-11-20"})
    assert refused(write_book(tmp_path / "plain.xlsx", sheets)) == [
        "Overrides!B2: student 00789 has the registrar grade I but no Extension date; Banner "
        'needs the date the incomplete work is due (add an "Extension date" column to the '
        "Overrides sheet)",
        "Overrides!B2: student 00789 has the registrar grade I but no Incomplete final grade; "
        "Banner needs the letter the incomplete becomes if the work is not done (add an "
        '"Incomplete final grade" column to the Overrides sheet)',
    ]


def test_a_withdrawal_is_left_out_of_a_loader_file_with_a_note(tmp_path: Path) -> None:
    sheets = banner_sheets({"00456": "2024-11-20"})
    sheets["Overrides"].append(["00123", "W", "Withdrew in week 9", None, None])
    book = write_book(tmp_path / "book.xlsx", sheets)
    note = (
        "Overrides!B3: student 00123 has the registrar grade W (a withdrawal) and is left out "
        "of the Banner file: the registrar records withdrawals itself"
    )
    result = process(book, registrar_format="banner")
    assert result.registrar_rows["Student ID"].tolist() == ["00456", "00789"]
    assert note in [str(w) for w in result.warnings]
    generic = process(book, output=tmp_path / "g.xlsx").registrar_rows
    assert generic["Grade"].tolist() == ["W", "F", "I"]  # a person's file keeps every student


# --- Grading basis --------------------------------------------------------------------------


def test_grading_basis_converts_letters_and_the_run_sheet_says_so(tmp_path: Path) -> None:
    students = [*STUDENTS, ("01000", "Hamilton", "Margaret"), ("01001", "Liskov", "Barbara")]
    scores = {**SCORES, "01000": [70] * 9, "01001": [65] * 9}
    sheets = syllabus_sheets(students, scores=scores)
    sheets["Overrides"].append(["00789", "I", "Medical"])
    add_column(
        sheets,
        "Roster",
        "Grading basis",
        {"00123": "P/NP", "00456": "s/u", "00789": "P/NP", "01000": "P/NP", "01001": "Audit"},
    )
    book = write_book(tmp_path / "book.xlsx", sheets)
    out = tmp_path / "grades.csv"
    result = process(book, registrar=out)
    assert out.read_bytes() == (
        b"Student ID,Last name,First name,Section,Grade\r\n"
        b"00123,Hopper,Grace,001,P\r\n"
        b"00456,'=Turing,Alan,001,U\r\n"
        b"00789,Lovelace,Ada,001,I\r\n"
        b"01000,Hamilton,Margaret,001,P\r\n"
        b"01001,Liskov,Barbara,001,AU\r\n"
    )
    notes = [
        "Roster!F2: student 00123 takes the course P/NP: the letter A goes to the registrar as P",
        "Roster!F3: student 00456 takes the course S/U: the letter Fail goes to the registrar as U",
        "Roster!F5: student 01000 takes the course P/NP: the letter C- goes to the registrar as P",
        "Roster!F6: student 01001 takes the course Audit: the letter D goes to the registrar as AU",
    ]
    assert [str(w) for w in result.warnings if w.code == "grading-basis"] == notes
    run_sheet = load_workbook(tmp_path / "book.graded.xlsx")["Run"]
    texts = [c.value for row in run_sheet.iter_rows() for c in row]
    assert all(n in texts for n in notes)
    assert ["pass_from_letter", "C-"] in [[r[0].value, r[1].value] for r in run_sheet.iter_rows()]

    set_policy(sheets, pass_from_letter="C")
    again = process(write_book(tmp_path / "b2.xlsx", sheets))
    assert again.registrar_rows["Grade"].tolist() == ["P", "U", "I", "NP", "AU"]


def test_an_unknown_grading_basis_is_refused(tmp_path: Path) -> None:
    sheets = banner_sheets({"00456": "2024-11-20"})
    add_column(sheets, "Roster", "Grading basis", {"00123": "Pass/Fail"})
    assert refused(write_book(tmp_path / "b.xlsx", sheets), "generic") == [
        'Roster!G2: Grading basis "Pass/Fail" of student 00123 is not one of Letter, P/NP, S/U, '
        "Audit"
    ]
    sheets = banner_sheets({"00456": "2024-11-20"})
    add_column(sheets, "Roster", "Grading basis", {"00123": "P/NP"})
    set_policy(sheets, pass_from_letter="C-minus")
    assert refused(write_book(tmp_path / "b2.xlsx", sheets), "generic") == [
        'Policy!B20: pass_from_letter "C-minus" is not a letter of the Letters sheet; P/NP and '
        "S/U students need it"
    ]


# --- PeopleSoft shapes ------------------------------------------------------------------------


def peoplesoft_book(tmp_path: Path) -> Path:
    sheets = banner_sheets(
        {"00456": dt.datetime(2024, 11, 20), "00789": "2024-12-01"}, term_code=2248
    )
    sheets["Overrides"][1][1] = "F"  # PeopleSoft rosters here: no incomplete in the example
    add_column(sheets, "Roster", "Grading basis", {"00789": "P/NP"})
    add_column(sheets, "Roster", "Registrar comment", {"00123": "Excellent project, top 5%"})
    sheets["Roster"][2][1] = "Turing"
    return write_book(tmp_path / "book.xlsx", sheets)


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        (
            "peoplesoft-term-class",
            "Term,Class Number,ID,Grade\r\n2248,40123,00123,A\r\n2248,40123,00456,F\r\n"
            "2248,40123,00789,F\r\n",
        ),
        ("peoplesoft-id-grade", "00123,A\r\n00456,F\r\n00789,F\r\n"),
        ("peoplesoft-id-grade-date", "00123,A,\r\n00456,F,11/20/2024\r\n00789,F,12/01/2024\r\n"),
        (
            "peoplesoft-roster",
            'ID,Name,Grade,Grading Basis,Comments\r\n00123,"Hopper, Grace",A,Letter,'
            '"Excellent project, top 5%"\r\n00456,"Turing, Alan",F,Letter,\r\n'
            '00789,"Lovelace, Ada",F,P/NP,\r\n',
        ),
    ],
)
def test_peoplesoft_profiles_write_their_exact_bytes(
    tmp_path: Path, profile: str, expected: str
) -> None:
    book = peoplesoft_book(tmp_path)
    out = tmp_path / "upload.csv"
    result = run("export", "registrar", book, "-o", out, "--registrar-format", profile)
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == expected.encode()


def test_the_id_grade_date_profile_needs_a_date_for_an_f(tmp_path: Path) -> None:
    sheets = banner_sheets({})
    assert refused(write_book(tmp_path / "b.xlsx", sheets), "peoplesoft-id-grade-date") == [
        "Roster!F3: student 00456 has the registrar grade F but no Last attended date; "
        "PeopleSoft needs the last day a student graded F attended"
    ]


# --- Profiles as data ---------------------------------------------------------------------------


def test_a_departments_own_profile(tmp_path: Path) -> None:
    toml = tmp_path / "dept.toml"
    toml.write_text(
        'description = "Our loader"\n'
        'title = "Dept"\n'
        "header = false\n"
        'line_end = "lf"\n'
        "bom = true\n"
        'audience = "person"\n'
        'date_format = "YYYY/MM/DD"\n'
        'last_attended_required_for = ["F", "A"]\n'
        "columns = [\n"
        '  { header = "Course", source = "course" },\n'
        '  { header = "Name", source = "name" },\n'
        '  { header = "Grade", source = "grade" },\n'
        '  { header = "LDA", source = "last_attended" },\n'
        "]\n",
        encoding="utf-8",
    )
    sheets = banner_sheets({"00123": "2024-12-01", "00456": "2024-11-20"})
    book = write_book(tmp_path / "book.xlsx", sheets)
    out = tmp_path / "dept.txt"
    result = run("process", book, "--registrar", out, "--registrar-format", toml)
    assert result.exit_code == 0, result.output
    assert (
        out.read_bytes()
        == (
            '\ufeffCS 747 Optimization for Machine Learning,"Hopper, Grace",A,2024/12/01\n'
            'CS 747 Optimization for Machine Learning,"\'=Turing, Alan",F,2024/11/20\n'
            'CS 747 Optimization for Machine Learning,"Lovelace, Ada",I,\n'
        ).encode()
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("colums = []\n", "unknown key 'colums'; the keys are audience, bom, columns, date_format, "
         "description, file, header, incomplete_details_required, last_attended_required_for, "
         "line_end, skip_withdrawn, title"),
        ("columns = []\n", 'columns must be a list like [{ header = "ID", source = "student_id" }]'),
        ('columns = [{ source = "gpa" }]\n', "column 1 has the unknown source 'gpa'; the sources "
         "are student_id, last_name, first_name, name, section, grade, term_code, term, course, "
         "crn, last_attended, incomplete_grade, extension_date, grading_basis, comment"),
        ('file = "xls"\ncolumns = [{ source = "grade" }]\n', "file must be one of csv, xlsx, "
         "not 'xls'"),
        ('header = "no"\ncolumns = [{ source = "grade" }]\n', "header must be true or false, "
         "not 'no'"),
        ('columns = [{ header = "G", source = "grade" }, { header = "G", source = "crn" }]\n',
         "the header 'G' is used twice"),
        ('date_format = "M/D/Y"\ncolumns = [{ source = "grade" }]\n', '"M/D/Y" is not a date '
         "format; use YYYY, MM and DD with / - . or spaces between (for example MM/DD/YYYY)"),
        ("columns = [\n", None),
    ],
)  # fmt: skip
def test_a_broken_profile_is_a_command_line_error(
    tmp_path: Path, text: str, message: str | None
) -> None:
    toml = tmp_path / "bad.toml"
    toml.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileProblem) as caught:
        load_profile(toml)
    if message is None:
        assert caught.value.message.startswith(f"registrar profile {toml} is not valid TOML (")
    else:
        assert caught.value.message == f"registrar profile {toml}: {message}"


def test_unknown_or_missing_profiles_exit_2_before_grading(tmp_path: Path) -> None:
    book = write_book(tmp_path / "book.xlsx", banner_sheets({}))
    result = run("process", book, "--registrar-format", "peoplesoft")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        'Error: "peoplesoft" is not a built-in registrar format (generic, banner, '
        "peoplesoft-id-grade, peoplesoft-id-grade-date, peoplesoft-roster, "
        "peoplesoft-term-class) nor a .toml profile file; `gradeproc registrar-formats` lists "
        "the built-ins"
    ]
    missing = tmp_path / "nope.toml"
    result = run(
        "export", "registrar", book, "-o", tmp_path / "x.csv", "--registrar-format", missing
    )
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"Error: registrar profile {missing} does not exist"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]


def test_registrar_formats_lists_the_built_ins() -> None:
    result = run("registrar-formats")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "generic                   Plain CSV: Student ID, Last name, First name, Section, Grade "
        "(header, one row per student)",
        "banner                    Banner Faculty Grade Entry import (.xlsx): Term Code, CRN, "
        "Student ID, Final Grade, dates",
        "peoplesoft-id-grade       PeopleSoft grade roster upload: ID, Grade only (CSV, no header)",
        "peoplesoft-id-grade-date  PeopleSoft grade roster upload: EMPLID, GRADE, last date "
        "MM/DD/YYYY (CSV, no header)",
        "peoplesoft-roster         PeopleSoft grade roster: ID, Name, Grade, Grading Basis, "
        "Comments (CSV, Windows line ends)",
        "peoplesoft-term-class     PeopleSoft upload: Term, Class Number, ID, Grade (CSV with a "
        "header)",
    ]
    assert builtin_names()[:2] == ["generic", "banner"]


# --- generic, and frames without a workbook ---------------------------------------------------------


def test_profile_frame_without_a_workbook_names_sheets_only(tmp_path: Path) -> None:
    book = write_book(tmp_path / "book.xlsx", banner_sheets({}))
    workbook, gradebook, grading = grade_file(book)
    banner = load_profile("banner")
    frame, findings = profile_frame(banner, gradebook, grading)
    assert list(frame.columns) == BANNER_HEADER.split(",")
    assert frame["Student ID"].tolist() == ["00123", "00456", "00789"]
    assert [(f.sheet, f.cell, f.code) for f in findings] == [
        ("Roster", None, "registrar-last-attended")
    ]
    _, located = profile_frame(banner, gradebook, grading, workbook)
    assert [(f.sheet, f.cell) for f in located] == [("Roster", "F3")]


def test_generic_stays_the_default(tmp_path: Path) -> None:
    book = write_book(tmp_path / "book.xlsx", banner_sheets({}))  # an F without a date is fine
    out = tmp_path / "grades.csv"
    result = run("process", book, "--registrar", out)
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == (
        b"Student ID,Last name,First name,Section,Grade\r\n"
        b"00123,Hopper,Grace,001,A\r\n"
        b"00456,'=Turing,Alan,001,F\r\n"
        b"00789,Lovelace,Ada,001,I\r\n"
    )


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
    assert refused(book) == [message.format("Banner cannot load a blank grade")]

    sheets["Overrides"].append(["00123", "I", "Medical", "F", "2025-01-15"])
    fixed = write_book(tmp_path / "fixed.xlsx", sheets)
    result = process(fixed, registrar=tmp_path / "b.xlsx", registrar_format="banner")
    assert not [w for w in result.warnings if w.code == "no-grade"]
    assert result.registrar_rows.set_index("Student ID").at["00123", "Final Grade"] == "I"


def test_sections_sheet_problems_name_their_cells(tmp_path: Path) -> None:
    book = two_sections(tmp_path, sections=[["001", "40123"], ["002", "40124"], ["002", "40125"]])
    assert refused(book) == ["Sections!B4: section 002 is given two CRNs, 40124 and 40125"]
    book = two_sections(tmp_path, "b2.xlsx", sections=[["001", "+40123"], ["002", "40124"]])
    assert refused(book) == [
        'Sections!B2: CRN "+40123" starts like a spreadsheet formula; the Banner loader takes '
        "values as written, so gradeproc will not alter it: change the value"
    ]


# Text a registrar file may carry: digits with leading zeros, letters, punctuation, formulas.
TEXT = st.text(
    alphabet=st.sampled_from(list("0123456789AZaz =+-@,\"'\t/")), min_size=1, max_size=12
)


@settings(max_examples=40, deadline=None)
@given(values=st.lists(TEXT, min_size=1, max_size=6))
def test_written_text_reads_back_exactly(tmp_path_factory, values: list[str]) -> None:
    """A person's CSV escapes exactly the formula-like values; an xlsx keeps every value as
    the same text cell, never a number or a formula."""
    folder = tmp_path_factory.mktemp("w")
    frame = pd.DataFrame({"Value": values}, dtype=object)
    generic = load_profile("generic")
    write_registrar(frame, generic, folder / "a.part", folder / "a.csv")
    with open(folder / "a.part", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows == [["Value"], *[[formula_safe(v)] for v in values]]
    banner = load_profile("banner")
    write_registrar(frame, banner, folder / "b.part", folder / "b.xlsx")
    read = cells((folder / "b.part").rename(folder / "b.xlsx"))
    assert read == [[("Value", "s")], *[[(v, "s")] for v in values]]
