"""`gradeproc batch` tells courses apart by file and lists letters in the Letters order."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from gradeproc.batch import CourseSummary, letter_order, report_rows
from gradeproc.cli import app
from tests.test_batch import course

runner = CliRunner(env={"COLUMNS": "160"})


def test_two_courses_of_the_same_name_are_told_apart_by_their_file(tmp_path: Path) -> None:
    books, out = tmp_path / "in", tmp_path / "out"
    course(books / "fall" / "stats.xlsx", "STAT 101")
    course(books / "spring" / "stats.xlsx", "STAT 101")
    result = runner.invoke(app, ["batch", str(books), "-o", str(out), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if "STAT 101" in line]
    assert len(lines) == 2
    assert "fall/stats.xlsx" in lines[0] and "spring/stats.xlsx" in lines[1]
    assert "A 1, Fail 1" in lines[0]


def test_letters_follow_the_letters_sheet_in_every_output(tmp_path: Path) -> None:
    books, out = tmp_path / "in", tmp_path / "out"
    # Fail before A in alphabetical order; the Letters sheet lists A first, so A comes first.
    course(books / "a.xlsx", "A 1")
    args = ["batch", str(books), "-o", str(out), "--jobs", "1", "--json"]
    first = json.loads(runner.invoke(app, args).stdout)["courses"][0]
    assert list(first["letters"]) == ["A", "Fail"]
    again = json.loads(runner.invoke(app, args).stdout)["courses"][0]  # unchanged: recorded
    assert again["status"] == "unchanged" and list(again["letters"]) == ["A", "Fail"]
    header, _ = report_rows([CourseSummary(**first)])
    assert header[header.index("Mean total") + 1 :][:2] == ["A", "Fail"]


def test_the_report_merges_each_course_s_order() -> None:
    courses = [
        {"A": 1, "B": 2, "Fail": 1},
        {"A": 1, "A-": 1, "B": 1, "D": 1, "Fail": 2},
        {"P": 3, "NP": 1},
        {"I": 1, "Fail": 1},
    ]
    assert letter_order(courses) == ["A", "A-", "B", "D", "I", "Fail", "P", "NP"]
    assert letter_order(list(reversed(courses))) == ["I", "A", "A-", "B", "D", "Fail", "P", "NP"]
