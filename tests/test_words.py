"""Words for people: a settled letter gap, the Run sheet's settings as typed."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from gradeproc.api import process
from gradeproc.cli import app
from tests.helpers import syllabus_sheets, worked_sheets, write_book

runner = CliRunner()
STUDENTS = [("S01", "Lovelace", "Ada"), ("S02", "Hopper", "Grace")]


def _policy(sheets: dict, **values: object) -> dict:
    for row in sheets["Policy"][1:]:
        if row[0] in values:
            row[1] = values[row[0]]
    return sheets


def _run_cells(path: Path) -> dict[str, object]:
    with warnings.catch_warnings():  # openpyxl does not keep data bars' x14 extension
        warnings.simplefilter("ignore", UserWarning)
        sheet = load_workbook(path)["Run"]
    return {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row[0] is not None}


def test_a_gap_rule_written_on_purpose_is_a_note_in_the_run_sheet(tmp_path: Path) -> None:
    sheets = _policy(syllabus_sheets(STUDENTS), letter_gap_rule="higher")
    book = write_book(tmp_path / "course.xlsx", sheets)
    result = runner.invoke(app, ["process", str(book)])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert result.stdout.startswith("Graded 2 students: A 2.\n")
    run = _run_cells(tmp_path / "course.graded.xlsx")
    assert run["Note 1"] == (
        "Letters: no letter covers totals of exactly 93 (between A- and A); "
        'letter_gap_rule "higher" gives them A and flags them POLICY_GAP'
    )
    assert run["Warnings (0)"] is None
    assert "Note 2" not in run


def test_a_gap_rule_left_blank_warns_and_says_how_to_settle_it(tmp_path: Path) -> None:
    book = write_book(tmp_path / "course.xlsx", syllabus_sheets(STUDENTS))
    result = process(book)
    assert [str(w) for w in result.warnings] == [
        "Letters: no letter covers totals of exactly 93 (between A- and A); letter_gap_rule "
        '"higher" gives them A and flags them POLICY_GAP; to settle it, write letter_gap_rule '
        "(higher or lower) in the Policy sheet, or close the gap in the Letters sheet"
    ]
    assert "Note 1" not in _run_cells(result.output)


def test_the_run_sheet_shows_settings_as_typed(tmp_path: Path) -> None:
    sheets = _policy(
        syllabus_sheets(STUDENTS),
        late_penalty_percent_per_day=5,
        late_grace_minutes=0,
        borderline_margin=0.5,
        total_decimals=2,
    )
    result = process(write_book(tmp_path / "course.xlsx", sheets))
    run = _run_cells(result.output)
    assert run["late_penalty_percent_per_day"] == "5"
    assert run["late_grace_minutes"] == "0"
    assert run["borderline_margin"] == "0.5"
    assert run["total_decimals"] == "2"
    assert run["letter_gap_rule"] == "higher"


@pytest.fixture(scope="module")
def worked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_book(tmp_path_factory.mktemp("worked") / "course.xlsx", worked_sheets())


@pytest.mark.parametrize(
    ("typed", "suggestion"),
    [
        ("123", "00123 (Knuth, Donald)"),  # the leading zeros left off
        ("s01", "S01 (Lovelace, Ada)"),  # lower case
        ("knuth", "00123 (Knuth, Donald)"),  # a surname
        ("Lovelace, Ada", "S01 (Lovelace, Ada)"),  # a name as the Roster spells it
        ("S001", "S01 (Lovelace, Ada)"),  # a character too many
    ],
)
def test_explain_suggests_the_student_meant(worked: Path, typed: str, suggestion: str) -> None:
    result = runner.invoke(app, ["explain", str(worked), typed])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: student ID {typed} is not on the Roster; did you mean {suggestion}?\n"
    )
    assert result.stdout == ""


def test_explain_suggests_several_and_nothing_far_off(worked: Path) -> None:
    result = runner.invoke(app, ["explain", str(worked), "S0"])
    assert result.stderr == (
        "Error: student ID S0 is not on the Roster; did you mean S01 (Lovelace, Ada), "
        "S02 (Hopper, Grace) or S03 (Turing, Alan)?\n"
    )
    result = runner.invoke(app, ["explain", str(worked), "XYZ"])
    assert result.stderr == "Error: student ID XYZ is not on the Roster\n"
