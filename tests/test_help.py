"""The help screens: complete on their own, no `<bool>` on a flag, usage names as typed."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from gradeproc.cli import app

runner = CliRunner(env={"COLUMNS": "100", "TERM": "dumb"})

COMMANDS = [
    ["init"],
    ["validate"],
    ["process"],
    ["explain"],
    ["diff"],
    ["batch"],
    ["export", "registrar"],
    ["import", "canvas"],
    ["import", "gradescope"],
]


def help_text(*command: str) -> str:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_no_help_screen_shows_a_value_for_a_flag_or_braces(command: list[str]) -> None:
    text = help_text(*command)
    assert "<bool>" not in text
    assert "{" not in text and "}" not in text
    assert "docs/" not in text  # a pip install ships no docs folder
    assert re.search(r"\n  --help +Show this message and exit\.\n", text)


@pytest.mark.parametrize(
    ("command", "usage"),
    [
        (["process"], "Usage: gradeproc process [OPTIONS] BOOK\n"),
        (["explain"], "Usage: gradeproc explain [OPTIONS] BOOK STUDENT_ID\n"),
        (["diff"], "Usage: gradeproc diff [OPTIONS] OLD NEW\n"),
        (["batch"], "Usage: gradeproc batch [OPTIONS] IN_DIR\n"),
        (["export", "registrar"], "Usage: gradeproc export registrar [OPTIONS] BOOK\n"),
        (["import", "canvas"], "Usage: gradeproc import canvas [OPTIONS] EXPORT\n"),
    ],
)
def test_usage_names_the_arguments_in_capitals(command: list[str], usage: str) -> None:
    assert help_text(*command).startswith(usage)


def test_flags_are_flags() -> None:
    text = help_text("process")
    assert re.search(r"\n  --force +Replace an existing output file\.\n", text)
    assert re.search(r"\n  --json +Print a JSON summary\.\n", text)
    result = runner.invoke(app, ["process", "x.xlsx", "--force", "true"])
    assert result.exit_code == 2
    assert "Got unexpected extra argument(s) (true)" in result.stderr


def test_batch_help_wraps_whole_sentences() -> None:
    text = help_text("batch")
    assert text.startswith(
        "Usage: gradeproc batch [OPTIONS] IN_DIR\n"
        "\n"
        "  Grade every gradebook under IN_DIR into OUT_DIR, in parallel.\n"
        "\n"
        "  Gradebooks unchanged since the last run are skipped. Exit code 1 when any\n"
        "  gradebook failed, or a folder or *.xlsx entry could not be read; the others\n"
        "  are still graded.\n"
    )
    assert re.search(r"\n  --jobs N +Worker processes \(default: one per CPU\)\.", text)


def test_the_registrar_format_is_explained_in_the_help() -> None:
    text = " ".join(help_text("process").split())
    assert (
        "--registrar-format NAME The registrar file's format: a built-in name (generic: "
        "Student ID, Last name, First name, Section, Grade; banner: Ellucian Banner's Faculty "
        "Grade Entry upload, which needs each student's CRN and the term_code setting; list them "
        "all with `gradeproc registrar-formats`) or the path of a .toml format file of your own. "
        "[default: generic]"
    ) in text


def test_the_command_list_gives_each_first_sentence_whole() -> None:
    text = " ".join(help_text().split())
    assert "Usage: gradeproc [OPTIONS] COMMAND [ARGS]..." in text
    assert "--version Show the version." in text
    assert "..." not in text.replace("[ARGS]...", "")
    assert "init Write a new gradebook with the syllabus policy and an empty roster." in text
