"""`gradeproc init`, `validate` and `process`: start, check and grade one gradebook."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gradeproc.cli.common import (
    Book,
    Debug,
    Force,
    RegistrarFormatOption,
    echo_err,
    echo_json,
    fail,
)
from gradeproc.errors import GradeprocError, count_problems, finding_line


def init(book: Book, force: Force = False, debug: Debug = False) -> None:
    """Write a new gradebook with the syllabus policy and an empty roster."""
    from gradeproc.api import init as init_book

    try:
        path = init_book(book, force=force)
    except GradeprocError as error:
        raise fail(error, debug) from None
    if path != book:
        typer.echo(f"Added .xlsx to {book}: a gradebook is an Excel workbook.")
    typer.echo(
        f"Wrote {path}: fill in Roster, Scores and Submitted, then run `gradeproc process {path}`."
    )


def validate(
    book: Book,
    as_json: Annotated[bool, typer.Option("--json", help="Print findings as JSON.")] = False,
    debug: Debug = False,
) -> None:
    """Report every problem in a gradebook, each with its sheet and cell; writes nothing."""
    from gradeproc.api import validate as validate_book
    from gradeproc.safety import shown_name

    try:
        report = validate_book(book)
    except GradeprocError as error:
        raise fail(error, debug, as_json=as_json) from None
    findings = report.sorted()
    if as_json:
        echo_json({"ok": report.ok}, findings)
        raise typer.Exit(0 if report.ok else 1)
    errors, warnings = report.errors, report.warnings
    for finding in findings:
        (echo_err if errors else typer.echo)(f"  {finding_line(finding)}")
    if errors:
        echo_err(f"{shown_name(book)}: {count_problems(errors)} found.")
        raise typer.Exit(1)
    suffix = f" ({len(warnings)} warning{'s' if len(warnings) != 1 else ''})" if warnings else ""
    typer.echo(f"{shown_name(book)}: no problems found{suffix}.")


def process(
    book: Book,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Where to write the graded workbook.")
    ] = None,
    registrar: Annotated[
        Path | None, typer.Option("--registrar", help="Also write the registrar's file here.")
    ] = None,
    registrar_format: RegistrarFormatOption = "generic",
    force: Force = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
    debug: Debug = False,
) -> None:
    """Grade a gradebook: writes BOOK.graded.xlsx (and the registrar's file on request)."""
    from gradeproc.api import process as process_book

    try:
        result = process_book(
            book,
            output=output,
            registrar=registrar,
            force=force,
            registrar_format=registrar_format,
        )
    except GradeprocError as error:
        raise fail(error, debug, as_json=as_json) from None
    if as_json:
        echo_json({"ok": True, **result.to_dict()})
        return
    for warning in result.warnings:
        echo_err(finding_line(warning))
    typer.echo(result.graded_line())
    typer.echo(f"Wrote {result.output}")
    if result.registrar:
        typer.echo(f"Wrote {result.registrar}")
