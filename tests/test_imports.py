"""Importing Canvas and Gradescope exports: the samples, their quirks, the CLI, and grading."""

from __future__ import annotations

import csv
import datetime as dt
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from gradeproc import api
from gradeproc.cli import app
from gradeproc.errors import FileProblem
from gradeproc.imports import read_canvas, read_gradescope, time_text, write_imported

SAMPLES = Path(__file__).resolve().parent.parent / "sample_data"
CANVAS = SAMPLES / "canvas_export.csv"
GRADESCOPE = SAMPLES / "gradescope_export.csv"
NEW_YORK = "America/New_York"

# What the instructor fills in after importing (the due dates the samples were made with).
DUE = {
    "HW1": dt.datetime(2024, 9, 17, 23, 59),
    "HW2": dt.datetime(2024, 10, 1, 23, 59),
    "HW3": dt.datetime(2024, 10, 15, 23, 59),
    "HW4": dt.datetime(2024, 11, 2, 23, 59),
    "Project Proposal": dt.datetime(2024, 10, 8, 23, 59),
    "Project Report": dt.datetime(2024, 12, 10, 23, 59),
    "Participation": None,
}
CATEGORY = {
    "HW1": "Homework",
    "HW2": "Homework",
    "HW3": "Homework",
    "HW4": "Homework",
    "Project Proposal": "Project proposal/presentation",
    "Project Report": "Project report",
    "Participation": "Class participation",
}


def sheet_values(path: Path, name: str) -> list[list[object]]:
    from python_calamine import CalamineWorkbook

    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()


def by_id(course, sid: str) -> int:
    return next(i for i, r in enumerate(course.roster) if r.student_id == sid)


def fill_in(book: Path) -> None:
    """What the instructor does next: a category for each assessment (no due dates)."""
    from openpyxl import load_workbook

    workbook = load_workbook(book)
    sheet = workbook["Assessments"]
    for row in range(2, sheet.max_row + 1):
        sheet.cell(row, 2).value = CATEGORY[sheet.cell(row, 1).value]
    workbook.save(book)


# --- Canvas ----------------------------------------------------------------------------------


def test_canvas_sample():
    course = read_canvas(CANVAS)
    assert course.source == "Canvas"
    assert len(course.roster) == 25  # the test student and the marker rows are not students
    assert all(r.last_name != "Student" for r in course.roster)
    assert [a.name for a in course.assessments] == list(DUE)
    assert [a.max_points for a in course.assessments] == [100, 100, 100, 100, 50, 100, 10]
    first = course.roster[0]
    assert (first.student_id, first.last_name, first.first_name) == ("0045127", "Abara", "Chidi")
    assert first.email == "cabara0@university.edu"
    assert first.section == "CS 747 001"
    assert course.roster[9].student_id == "0000318"
    nguyen = course.roster[13]
    assert (nguyen.last_name, nguyen.first_name, nguyen.email) == ("Nguyen", "Thi Minh Anh", "")
    hw3, hw4 = 2, 3
    assert course.scores[3][hw3] == "EX"
    assert course.scores[11][hw4] is None
    assert course.scores[0][:2] == [76.5, 86.0]
    assert course.submitted == []
    assert [a.hidden for a in course.assessments] == ["", "", "", "Muted", "", "", ""]
    assert course.warnings == [
        "HW4: its scores are still hidden from students in Canvas (Muted); the Import sheet "
        "and each graded workbook's Run sheet say so."
    ]


def semicolon_variant(source: Path, target: Path) -> Path:
    """The export as a European spreadsheet saves it: `;` between cells, decimal commas."""
    with open(source, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    rows = [[cell.replace(".", ",") if cell[:1].isdigit() else cell for cell in r] for r in rows]
    with open(target, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=";").writerows(rows)
    return target


def test_canvas_semicolon_variant(tmp_path):
    variant = semicolon_variant(CANVAS, tmp_path / "canvas_semicolon.csv")
    assert variant.read_text(encoding="utf-8").startswith("Student;ID;SIS User ID;")
    course, sample = read_canvas(variant), read_canvas(CANVAS)
    assert course.roster == sample.roster
    assert course.assessments == sample.assessments
    assert course.scores == sample.scores


def test_canvas_header_with_no_sis_id_is_not_an_export(tmp_path):
    other = tmp_path / "roster.csv"
    other.write_text('Student,ID,Section,HW1\n"Doe, Jane",1,001,9\n', encoding="utf-8")
    with pytest.raises(FileProblem) as caught:
        read_canvas(other)
    assert caught.value.message == (
        'roster.csv is not a Canvas gradebook export: its header has no "SIS User ID" column.'
    )


def test_each_reader_points_to_the_other(tmp_path):
    with pytest.raises(FileProblem, match="looks like a Gradescope export"):
        read_canvas(GRADESCOPE)
    with pytest.raises(FileProblem, match="looks like a Canvas export"):
        read_gradescope(CANVAS)


def test_empty_and_non_utf8_files(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(FileProblem, match="is empty"):
        read_canvas(empty)
    latin = tmp_path / "latin.csv"
    latin.write_bytes('Student,SIS User ID\n"Núñez, José",1\n'.encode("cp1252"))
    with pytest.raises(FileProblem, match="not UTF-8"):
        read_canvas(latin)


def test_formula_like_names_stay_text(tmp_path):
    export = tmp_path / "evil.csv"
    export.write_text(
        "Student,ID,SIS User ID,SIS Login ID,Section,Quiz (1)\n"
        "    Points Possible,,,,,10\n"
        "\"=cmd|' /C calc'!A0, +Mallory\",7,=1+1,@x,-001,=2*5\n",
        encoding="utf-8",
    )
    book = write_imported(read_canvas(export), tmp_path / "evil.xlsx")
    roster = sheet_values(book, "Roster")[1]
    assert roster == ["=1+1", "=cmd|' /C calc'!A0", "+Mallory", "@x", "-001", "7", "=1+1", "@x"]
    assert sheet_values(book, "Scores")[1] == ["=1+1", "=2*5"]
    with zipfile.ZipFile(book) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert not any(b"<f>" in archive.read(n) for n in sheets)


# --- Gradescope ------------------------------------------------------------------------------


def test_gradescope_sample():
    course = read_gradescope(GRADESCOPE)
    assert course.source == "Gradescope"
    assert len(course.roster) == 25
    assert [a.name for a in course.assessments] == ["HW1", "HW2", "HW3", "HW4", "Project Report"]
    assert all(a.max_points == 100 for a in course.assessments)
    abara = course.roster[by_id(course, "0045127")]
    assert (abara.first_name, abara.last_name, abara.section) == ("Chidi", "Abara", "CS 747 001")
    # a missing submission: no score, no time
    missing = 11
    assert course.scores[missing][3] is None and course.submitted[missing][3] is None
    # 225:07:02 late, offset kept
    late = course.submitted[6][0]
    assert late == dt.datetime(2024, 9, 27, 9, 6, 2, tzinfo=dt.timezone(dt.timedelta(hours=-4)))
    other = course.submitted[4][1]
    assert other.utcoffset() == dt.timedelta(hours=-7)
    assert course.warnings == []


def test_gradescope_times_keep_their_offset_in_new_york(tmp_path):
    book = write_imported(read_gradescope(GRADESCOPE), tmp_path / "book.xlsx")
    submitted = sheet_values(book, "Submitted")
    assert submitted[0] == ["Student ID", "HW1", "HW2", "HW3", "HW4", "Project Report"]
    # 2024-10-01 18:30:00 -0700 is 21:30 in New York (EDT, -0400)
    assert submitted[5][2] == "2024-10-01 21:30:00-04:00"
    # -0500 after the clocks went back stays as written
    assert submitted[1][4] == "2024-11-04 03:37:36-05:00"
    assert submitted[12][4] == ""  # the missing submission
    assert sheet_values(book, "Roster")[1][0] == "0045127"
    imported = dict(row[:2] for row in sheet_values(book, "Import")[1:])
    assert imported["Times are in"] == (
        "America/New_York, each written with its UTC offset: changing the Policy timezone "
        "does not move them."
    )


def policy_book(tmp_path: Path, zone: str) -> Path:
    """A gradebook whose Policy sheet names `zone`, to import with --policy."""
    from openpyxl import load_workbook

    template = tmp_path / f"{zone.replace('/', '_')}.xlsx"
    api.init(template)
    workbook = load_workbook(template)
    for row in workbook["Policy"].iter_rows(min_row=2):
        if row[0].value == "timezone":
            row[1].value = zone
    workbook.save(template)
    return template


def test_policy_time_zone_decides_how_times_are_shown(tmp_path):
    template = policy_book(tmp_path, "America/Los_Angeles")
    book = write_imported(read_gradescope(GRADESCOPE), tmp_path / "book.xlsx", template)
    assert sheet_values(book, "Submitted")[5][2] == "2024-10-01 18:30:00-07:00"
    policy = {row[0]: row[1] for row in sheet_values(book, "Policy")[1:]}
    assert policy["timezone"] == "America/Los_Angeles"


def test_timezone_option_beats_the_policy_and_becomes_its_timezone(tmp_path):
    template = policy_book(tmp_path, "America/Los_Angeles")
    book = write_imported(
        read_gradescope(GRADESCOPE), tmp_path / "book.xlsx", template, timezone="Europe/Berlin"
    )
    assert sheet_values(book, "Submitted")[5][2] == "2024-10-02 03:30:00+02:00"
    policy = {row[0]: row[1] for row in sheet_values(book, "Policy")[1:]}
    assert policy["timezone"] == "Europe/Berlin"


def set_policy_timezone(book: Path, zone: str) -> None:
    from openpyxl import load_workbook

    workbook = load_workbook(book)
    for row in workbook["Policy"].iter_rows(min_row=2):
        if row[0].value == "timezone":
            row[1].value = zone
    workbook.save(book)


def test_changing_the_policy_time_zone_moves_no_imported_instant(tmp_path):
    """The trap: an import graded under two Policy zones must give the same lateness."""
    book = write_imported(read_gradescope(GRADESCOPE), tmp_path / "book.xlsx")
    fill_in(book)
    east = api.process(book, output=tmp_path / "east.xlsx").details
    set_policy_timezone(book, "Pacific/Auckland")
    far = api.process(book, output=tmp_path / "far.xlsx").details
    for frame in (east, far):  # Details shows times in the Policy zone: compare instants
        for column in ("Submitted", "Effective due"):
            frame[column] = pd.to_datetime(frame[column], utc=True)
    columns = ["Submitted", "Effective due", "Days late", "Deduction", "Status", "Final score"]
    assert east[columns].equals(far[columns])
    assert (east["Days late"] > 0).sum() > 5  # the sample has late work to move


def test_repeated_hour_keeps_its_offset():
    from zoneinfo import ZoneInfo

    from gradeproc.parse import parse_datetimes

    zone = ZoneInfo(NEW_YORK)
    first = dt.datetime(2024, 11, 3, 1, 30, tzinfo=dt.timezone(dt.timedelta(hours=-4)))
    second = dt.datetime(2024, 11, 3, 1, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    assert time_text(first, zone) == "2024-11-03 01:30:00-04:00"
    assert time_text(second, zone) == "2024-11-03 01:30:00-05:00"
    read, invalid = parse_datetimes(
        pd.Series([time_text(first, zone), time_text(second, zone)], dtype=object), NEW_YORK
    )
    assert not invalid.any()
    assert list(read) == [pd.Timestamp(first), pd.Timestamp(second)]


def test_bad_lateness_cell(tmp_path):
    text = GRADESCOPE.read_text(encoding="utf-8").replace("225:07:02", "nine days", 1)
    export = tmp_path / "edited.csv"
    export.write_text(text, encoding="utf-8")
    with pytest.raises(FileProblem) as caught:
        read_gradescope(export)
    assert caught.value.message.startswith(
        'edited.csv line 8, column "HW1 - Lateness (H:M:S)": "nine days" is not a lateness'
    )


# --- the command line and what comes next ----------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "export", "assessments"), [("canvas", CANVAS, 7), ("gradescope", GRADESCOPE, 5)]
)
def test_cli_import(tmp_path, kind, export, assessments):
    book = tmp_path / "BOOK.xlsx"
    runner = CliRunner()
    result = runner.invoke(app, ["import", kind, str(export), "-o", str(book)])
    assert result.exit_code == 0, result.output
    times = "Times are in America/New_York, each written with its UTC offset.\n"
    assert result.stdout == (
        f"Imported 25 students and {assessments} assessments from {export} into {book}.\n"
        + (times if kind == "gradescope" else "")
        + f"Next: fill in each assessment's Category, then run gradeproc validate {book}.\n"
    )
    again = runner.invoke(app, ["import", kind, str(export), "-o", str(book)])
    assert again.exit_code == 2
    assert "already exists; add --force" in again.stderr
    forced = runner.invoke(app, ["import", kind, str(export), "-o", str(book), "--force"])
    assert forced.exit_code == 0


def test_cli_import_not_an_export(tmp_path):
    other = tmp_path / "roster.csv"
    other.write_text("Name,Email\nJane,j@x.edu\n", encoding="utf-8")
    result = CliRunner().invoke(
        app, ["import", "gradescope", str(other), "-o", str(tmp_path / "b.xlsx")]
    )
    assert result.exit_code == 1
    assert result.stderr == (
        'Error: roster.csv is not a Gradescope gradebook export: its header has no "SID" column.\n'
    )
    assert not (tmp_path / "b.xlsx").exists()


def test_cli_import_wants_xlsx(tmp_path):
    result = CliRunner().invoke(
        app, ["import", "canvas", str(CANVAS), "-o", str(tmp_path / "b.csv")]
    )
    assert result.exit_code == 2


def test_imported_book_names_what_is_missing(tmp_path):
    book = write_imported(read_canvas(CANVAS), tmp_path / "book.xlsx")
    report = api.validate(book)
    assert not report.ok
    located = {f"{f.sheet}!{f.cell}": f.message for f in report.errors}
    # only the categories need the instructor: no due date is asked for (Late policy N)
    assert located == {f"Assessments!B{row}": "Category is blank" for row in range(2, 9)}
    assessments = sheet_values(book, "Assessments")[1:]
    assert {(row[3], row[4]) for row in assessments} == {("", "N")}


def test_imported_canvas_book_grades(tmp_path):
    book = write_imported(read_canvas(CANVAS), tmp_path / "book.xlsx")
    fill_in(book)
    result = api.process(book, output=tmp_path / "graded.xlsx")
    assert len(result.grades) == 25
    assert result.grades["Student ID"].iloc[0] == "0045127"
    details = result.details.set_index(["Student ID", "Assessment"])
    excused = result.grades["Student ID"].iloc[3]
    assert details.loc[(excused, "HW3"), "Status"] == "EXCUSED"
    blank = result.grades["Student ID"].iloc[11]
    assert details.loc[(blank, "HW4"), "Status"] == "MISSING"
    assert result.grades["Letter"].notna().all()


def test_imported_gradescope_book_grades_with_lateness(tmp_path):
    book = write_imported(read_gradescope(GRADESCOPE), tmp_path / "book.xlsx")
    fill_in(book)
    result = api.process(book, output=tmp_path / "graded.xlsx")
    assert len(result.grades) == 25
    details = result.details.set_index(["Student ID", "Assessment"])
    very_late = result.grades["Student ID"].iloc[6]
    assert details.loc[(very_late, "HW1"), "Status"] == "LATE_REJECTED"
    other_offset = result.grades["Student ID"].iloc[4]
    assert details.loc[(other_offset, "HW2"), "Status"] == "ON_TIME"
    missing = result.grades["Student ID"].iloc[11]
    assert details.loc[(missing, "HW4"), "Status"] == "MISSING"


@pytest.mark.parametrize("name", ["bomb.xlsx", "password.xlsx", "renamed_csv.xlsx"])
def test_policy_template_gets_the_gradebook_safety_checks(tmp_path, name):
    """--policy reads a workbook from somewhere too: the same refusals as `process`."""
    from tests.data.bad import make_corpus

    template = make_corpus.build(tmp_path / "bad")[name]
    result = CliRunner().invoke(
        app,
        ["import", "canvas", str(CANVAS), "-o", str(tmp_path / "b.xlsx"), "--policy", template],
    )
    processed = CliRunner().invoke(app, ["process", str(template)])
    assert result.exit_code == processed.exit_code == 1
    assert result.stderr == processed.stderr
    assert result.stderr.startswith(f"Error: {name} ")
    assert not (tmp_path / "b.xlsx").exists()
