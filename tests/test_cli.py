"""The command line through typer's CliRunner: exact messages and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gradeproc.cli import app
from tests.helpers import syllabus_sheets, write_book

runner = CliRunner()
STUDENTS = [("S01", "Lovelace", "Ada"), ("S02", "Hopper", "Grace")]


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return write_book(tmp_path / "course.xlsx", syllabus_sheets(STUDENTS))


@pytest.fixture
def bad_book(tmp_path: Path) -> Path:
    sheets = syllabus_sheets(STUDENTS, {"S01": ["9O", -5] + [90] * 7})
    sheets["Categories"][1][1] = 40
    return write_book(tmp_path / "bad.xlsx", sheets)


def test_validate_a_clean_book(book: Path) -> None:
    result = runner.invoke(app, ["validate", str(book)])
    assert result.exit_code == 0
    assert result.stdout == (
        "  warning: Letters: no letter covers totals of exactly 93 (between A- and A); "
        'letter_gap_rule "higher" gives them A and flags them POLICY_GAP; to settle it, write '
        "letter_gap_rule (higher or lower) in the Policy sheet, or close the gap in the Letters "
        "sheet\n"
        "course.xlsx: no problems found (1 warning).\n"
    )


def test_validate_prints_every_problem_and_exits_1(bad_book: Path) -> None:
    result = runner.invoke(app, ["validate", str(bad_book)])
    assert result.exit_code == 1
    assert result.stderr == (
        "  Categories: weights add up to 90, not 100\n"
        '  Scores!B2: "9O" is not a number of points\n'
        "  Scores!C2: -5 is negative; a score is 0 or more points\n"
        "  warning: Letters: no letter covers totals of exactly 93 (between A- and A); "
        'letter_gap_rule "higher" gives them A and flags them POLICY_GAP; to settle it, write '
        "letter_gap_rule (higher or lower) in the Policy sheet, or close the gap in the Letters "
        "sheet\n"
        "bad.xlsx: 3 problems (Categories 1, Scores 2) found.\n"
    )
    assert sorted(p.name for p in bad_book.parent.iterdir()) == ["bad.xlsx"]


def test_validate_json(bad_book: Path) -> None:
    result = runner.invoke(app, ["validate", "--json", str(bad_book)])
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload["ok"] is False
    assert payload["findings"][1] == {
        "code": "points",
        "message": '"9O" is not a number of points',
        "sheet": "Scores",
        "cell": "B2",
        "severity": "error",
    }


def test_process_writes_and_reports(book: Path) -> None:
    csv = book.with_name("grades.csv")
    result = runner.invoke(app, ["process", str(book), "--registrar", str(csv)])
    assert result.exit_code == 0, result.output
    out = book.with_name("course.graded.xlsx")
    assert result.stdout == f"Graded 2 students: A 2.\nWrote {out}\nWrote {csv}\n"
    assert out.exists() and csv.exists()


def test_process_a_bad_book_exits_1_without_traceback(bad_book: Path) -> None:
    result = runner.invoke(app, ["process", str(bad_book)])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[:4] == [
        "Error: 3 problems (Categories 1, Scores 2) found; nothing was written.",
        "  Categories: weights add up to 90, not 100",
        '  Scores!B2: "9O" is not a number of points',
        "  Scores!C2: -5 is negative; a score is 0 or more points",
    ]
    assert "Traceback" not in result.output
    assert not bad_book.with_name("bad.graded.xlsx").exists()


def test_process_refuses_to_replace_without_force(book: Path) -> None:
    assert runner.invoke(app, ["process", str(book)]).exit_code == 0
    result = runner.invoke(app, ["process", str(book)])
    assert result.exit_code == 2
    out = book.with_name("course.graded.xlsx")
    assert result.stderr == f"Error: {out} already exists; add --force to replace it\n"
    assert runner.invoke(app, ["process", str(book), "--force"]).exit_code == 0


def test_process_never_writes_over_its_input(book: Path) -> None:
    result = runner.invoke(app, ["process", str(book), "-o", str(book), "--force"])
    assert result.exit_code == 2
    assert result.stderr == f"Error: refusing to write over the input file {book}\n"


def test_process_json_summary(book: Path) -> None:
    result = runner.invoke(app, ["process", str(book), "--json"])
    assert result.exit_code == 0
    payload = json.loads(result.stdout)
    assert payload["ok"] is True
    assert payload["students"] == 2
    assert payload["letters"] == {"A": 2}
    assert payload["flags"] == {}
    assert payload["output"] == str(book.with_name("course.graded.xlsx"))


MISSING = "Error: nope.xlsx was not found; check the file name and the folder it is in.\n"


@pytest.mark.parametrize(
    "command",
    [
        ["validate"],
        ["process"],
        ["explain", "{book}", "S01"],
        ["diff", "{book}", "{other}"],
        ["diff", "{other}", "{book}"],
        ["export", "registrar", "-o", "{out}"],
        ["export", "canvas", "-o", "{out}"],
    ],
    ids=" ".join,
)
def test_a_file_that_is_not_there_is_a_command_line_error(
    tmp_path: Path, book: Path, command: list[str]
) -> None:
    missing = str(tmp_path / "nope.xlsx")
    names = {"book": missing, "other": str(book), "out": str(tmp_path / "out.csv")}
    args = [part.format(**names) for part in command]
    if "{book}" not in command:
        args.insert(len(command) - (2 if "-o" in command else 0), missing)
    result = runner.invoke(app, args)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", MISSING)
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize("command", ["validate", "process"])
def test_json_failure_has_the_same_shape_for_every_command(tmp_path: Path, command: str) -> None:
    result = runner.invoke(app, [command, str(tmp_path / "nope.xlsx"), "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout) == {
        "ok": False,
        "error": "nope.xlsx was not found; check the file name and the folder it is in.",
        "findings": [],
    }


def test_validate_json_prints_the_findings_process_json_prints(bad_book: Path) -> None:
    checked = runner.invoke(app, ["validate", str(bad_book), "--json"])
    graded = runner.invoke(app, ["process", str(bad_book), "--json"])
    assert checked.exit_code == graded.exit_code == 1
    findings = json.loads(checked.stdout)["findings"]
    assert findings == json.loads(graded.stdout)["findings"]
    assert [(f["code"], f["sheet"], f["cell"], f["severity"]) for f in findings] == [
        ("weights-total", "Categories", None, "error"),
        ("points", "Scores", "B2", "error"),
        ("points-negative", "Scores", "C2", "error"),
        ("letter-range-gap", "Letters", None, "warning"),
    ]


def test_wrong_command_line_exits_2() -> None:
    assert runner.invoke(app, ["process"]).exit_code == 2
    assert runner.invoke(app, ["frobnicate"]).exit_code == 2
    assert runner.invoke(app, ["process", "x.xlsx", "--no-such-option"]).exit_code == 2


def test_init_writes_the_template_and_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "new.xlsx"
    result = runner.invoke(app, ["init", str(target)])
    assert result.exit_code == 0
    assert result.stdout == (
        f"Wrote {target}: fill in Roster, Scores and Submitted, then run "
        f"`gradeproc process {target}`.\n"
    )
    again = runner.invoke(app, ["init", str(target)])
    assert again.exit_code == 2
    assert again.stderr == f"Error: {target} already exists; add --force to replace it\n"


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.startswith("gradeproc ")


def test_the_library_api_keeps_its_names_after_a_run(tmp_path: Path) -> None:
    # A submodule named like an API function would replace it on the package once imported.
    import gradeproc

    book = write_book(tmp_path / "course.xlsx", syllabus_sheets(STUDENTS))
    gradeproc.process(book)
    assert gradeproc.validate(book).ok
    assert callable(gradeproc.init) and callable(gradeproc.process)
