"""`gradeproc export canvas`: Canvas export -> import -> process -> Canvas import CSV."""

from __future__ import annotations

import csv
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gradeproc import api
from gradeproc.cli import app
from gradeproc.imports import import_course, read_canvas, read_gradescope

HEADER = (
    "Student,ID,SIS User ID,SIS Login ID,Section,Quiz 1 (501),Essay (502),"
    "Current Score,Final Score,Override Score"
)
# (Student as Canvas writes it, Canvas ID, SIS User ID, SIS Login ID, Section, Quiz 1, Essay)
STUDENTS = [
    ("Okafor, Ngozi", "9103", "000781", "nokafor@school.edu", "Sec 1", "8", "15"),
    ("Zelda Fitzgerald", "9101", "000312", "zfitz@school.edu", "Sec 2", "10", "20"),
    ("Hemingway, Ernest", "9102", "000950", "ehem@school.edu", "Sec 1", "9", "EX"),
    ("Lee, Min-jun", "9104", "001234", "mlee@school.edu", "Sec 2", "5", "12.5"),
    ("Lee, Ji-woo", "9105", "001235", "jlee@school.edu", "Sec 1", "7", ""),
]
POINTS = {"Quiz 1": 10, "Essay": 20}


def canvas_export(path: Path) -> Path:
    lines = [
        HEADER,
        ",,,,,Manual Posting,,,,",
        "    Points Possible,,,,,10.00,20.00,(read only),(read only),(read only)",
    ]
    for row in STUDENTS:
        lines.append(",".join(f'"{v}"' if "," in v else v for v in row) + ",,,")
    lines.append('"Student, Test",9999,,test_student,Sec 1,,,,,')
    path.write_text("\ufeff" + "\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


def expected_percent(quiz: str, essay: str) -> str:
    """All in one points category: earned over possible, excused left out, blank as 0."""
    earned = Decimal(quiz or "0") + (Decimal(essay or "0") if essay != "EX" else Decimal(0))
    possible = Decimal(POINTS["Quiz 1"] + (POINTS["Essay"] if essay != "EX" else 0))
    return str((100 * earned / possible).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def prepared(tmp_path: Path, overrides: list[list[str]] = ()) -> Path:
    """Import the Canvas export, fill in the categories (and overrides): the graded book."""
    from openpyxl import load_workbook

    book = tmp_path / "course.xlsx"
    import_course(read_canvas(canvas_export(tmp_path / "canvas_export.csv")), book)
    workbook = load_workbook(book)
    sheet = workbook["Assessments"]
    for row in range(2, sheet.max_row + 1):
        sheet.cell(row, 2).value = "Homework"
    for override in overrides:
        workbook["Overrides"].append(override)
    workbook.save(book)
    api.process(book, output=tmp_path / "course.graded.xlsx")
    return tmp_path / "course.graded.xlsx"


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_round_trip_every_student_on_the_right_row(tmp_path):
    graded = prepared(tmp_path)
    out = tmp_path / "canvas_import.csv"
    result = CliRunner().invoke(app, ["export", "canvas", str(graded), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Wrote {out}\n"
    assert result.stderr == ""
    with open(out, encoding="utf-8", newline="") as fh:
        assert next(csv.reader(fh)) == [
            "Student",
            "ID",
            "SIS User ID",
            "SIS Login ID",
            "Section",
            "Override Score",
        ]
    rows = {row["ID"]: row for row in read_rows(out)}
    assert len(rows) == len(STUDENTS)  # the test student is not exported
    for student, canvas_id, sis, login, section, quiz, essay in STUDENTS:
        row = rows[canvas_id]
        assert row["SIS User ID"] == sis  # leading zeros kept
        assert row["SIS Login ID"] == login
        assert row["Section"] == section
        last, first = student.split(", ") if "," in student else reversed(student.rsplit(" ", 1))
        assert row["Student"] == f"{last}, {first}"
        assert row["Override Score"] == expected_percent(quiz, essay), student
    assert rows["9101"]["Override Score"] == "100.00"
    assert rows["9104"]["Override Score"] == "58.33"


def test_letters_set_by_hand_are_left_blank_and_named(tmp_path):
    graded = prepared(tmp_path, [["001235", "W", "withdrew"], ["000950", "I", "incomplete"]])
    out = tmp_path / "canvas_import.csv"
    result = CliRunner().invoke(app, ["export", "canvas", str(graded), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "warning: 2 letters were set by hand and are not a score Canvas can take as Override "
        "Score: 000950 Ernest Hemingway (I), 001235 Ji-woo Lee (W). Their Override Score is "
        "left blank; enter these letters in Canvas yourself.\n"
    )
    rows = {row["SIS User ID"]: row["Override Score"] for row in read_rows(out)}
    assert rows == {
        "000781": "76.67",
        "000312": "100.00",
        "000950": "",
        "001234": "58.33",
        "001235": "",
    }


def test_an_ungraded_gradebook_is_graded_first(tmp_path):
    graded = prepared(tmp_path)
    book = tmp_path / "course.xlsx"
    from_book = tmp_path / "from_book.csv"
    from_graded = tmp_path / "from_graded.csv"
    assert (
        CliRunner().invoke(app, ["export", "canvas", str(book), "-o", str(from_book)]).exit_code
        == 0
    )
    assert (
        CliRunner().invoke(app, ["export", "canvas", str(graded), "-o", str(from_graded)]).exit_code
        == 0
    )
    assert from_book.read_bytes() == from_graded.read_bytes()


def test_existing_output_needs_force(tmp_path):
    graded = prepared(tmp_path)
    out = tmp_path / "canvas_import.csv"
    out.write_text("keep", encoding="utf-8")
    result = CliRunner().invoke(app, ["export", "canvas", str(graded), "-o", str(out)])
    assert result.exit_code == 2
    assert out.read_text(encoding="utf-8") == "keep"


def test_gradebook_not_from_canvas_uses_student_id_as_sis_id(tmp_path):
    from openpyxl import load_workbook

    samples = Path(__file__).resolve().parent.parent / "sample_data"
    book = tmp_path / "gs.xlsx"
    import_course(read_gradescope(samples / "gradescope_export.csv"), book)
    workbook = load_workbook(book)
    for row in range(2, workbook["Assessments"].max_row + 1):
        workbook["Assessments"].cell(row, 2).value = "Homework"
    workbook.save(book)
    out = tmp_path / "canvas_import.csv"
    result = CliRunner().invoke(app, ["export", "canvas", str(book), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "warning: the Roster has no Canvas ID column (this gradebook was not imported from "
        "Canvas): the ID column is blank and Canvas matches students by SIS User ID, written "
        "from Student ID. Check that they are the IDs Canvas knows.\n"
    )
    rows = read_rows(out)
    assert list(rows[0]) == ["Student", "ID", "SIS User ID", "Section", "Override Score"]
    assert (rows[0]["Student"], rows[0]["ID"], rows[0]["SIS User ID"]) == (
        "Abara, Chidi",
        "",
        "0045127",
    )


@pytest.mark.parametrize("name", ["missing.xlsx"])
def test_missing_gradebook_is_a_message(tmp_path, name):
    result = CliRunner().invoke(
        app, ["export", "canvas", str(tmp_path / name), "-o", str(tmp_path / "c.csv")]
    )
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ")
    assert not (tmp_path / "c.csv").exists()
