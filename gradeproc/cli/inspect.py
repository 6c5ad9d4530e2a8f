"""`gradeproc explain` and `diff`: why a student has their grade, and what changed between runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gradeproc.cli.common import Book, Debug, Force, fail, report_error
from gradeproc.errors import GradeprocError


def explain(
    book: Book,
    student_id: Annotated[
        str, typer.Argument(help="The student's ID, as on the Roster.", show_default=False)
    ],
    debug: Debug = False,
) -> None:
    """Explain one student's grade step by step: scores, lateness, categories, total, letter."""
    from gradeproc.explain import explain as explain_grade

    try:
        text = explain_grade(book, student_id)
    except GradeprocError as error:
        raise fail(error, debug) from None
    typer.echo(text)


def diff(
    old: Annotated[
        Path,
        typer.Argument(
            help="The earlier grades: a graded workbook (.graded.xlsx) or a gradebook.",
            show_default=False,
        ),
    ],
    new: Annotated[
        Path,
        typer.Argument(
            help="The later grades: a graded workbook or a gradebook.", show_default=False
        ),
    ],
    registrar: Annotated[
        Path | None,
        typer.Option("--registrar", help="Write the registrar's grade-change CSV here."),
    ] = None,
    force: Force = False,
    debug: Debug = False,
) -> None:
    """Show whose letter or total changed between two sets of grades, and why.

    Either side may be a gradebook: it is graded in memory, nothing written. So
    `gradeproc diff BOOK.graded.xlsx BOOK.xlsx` shows what grading again now would change.
    Each line names the assessments whose scores moved.

    Exit status, like diff(1): 0 no grade changed, 1 some grade changed, 2 unusable input
    (unreadable, a gradebook with problems, or --registrar exists without --force).
    """
    from gradeproc.diff import change_lines, diff_graded, write_grade_changes

    try:
        changes = diff_graded(old, new)
        written = (
            write_grade_changes(changes, registrar, force=force, protect=[old, new])
            if registrar
            else None
        )
    except GradeprocError as error:
        if debug:
            raise
        report_error(error)  # exit 1 means "grades changed" here, so every failure is 2
        raise typer.Exit(2) from None
    for line in change_lines(changes):
        typer.echo(line)
    if written:
        typer.echo(f"Wrote {written}")
    raise typer.Exit(1 if len(changes) else 0)
