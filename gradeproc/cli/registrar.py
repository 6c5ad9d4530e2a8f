"""`gradeproc export registrar|canvas` and `registrar-formats`: grades for other systems."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gradeproc.cli.common import (
    Book,
    Command,
    Debug,
    Force,
    RegistrarFormatOption,
    echo_err,
    fail,
    sub_app,
)
from gradeproc.errors import GradeprocError

export_app = sub_app("Export grades for other systems.")


@export_app.command("registrar", cls=Command)
def export_registrar(
    book: Book,
    output: Annotated[Path, typer.Option("-o", "--output", help="The file to write.")],
    registrar_format: RegistrarFormatOption = "generic",
    force: Force = False,
    debug: Debug = False,
) -> None:
    """Write only the registrar's file for a gradebook."""
    from gradeproc.api import export_registrar as export

    try:
        path = export(book, output, force=force, registrar_format=registrar_format)
    except GradeprocError as error:
        raise fail(error, debug) from None
    typer.echo(f"Wrote {path}")


def registrar_formats() -> None:
    """List the built-in registrar profiles, one line each."""
    from gradeproc.registrar import builtin_profiles

    profiles = builtin_profiles()
    width = max(len(p.name) for p in profiles)
    for profile in profiles:
        typer.echo(f"{profile.name:<{width}}  {profile.description}")


@export_app.command("canvas", cls=Command)
def export_canvas(
    book: Book,
    output: Annotated[Path, typer.Option("-o", "--output", help="The CSV to write.")],
    force: Force = False,
    debug: Debug = False,
) -> None:
    """Write final grades as a CSV for Canvas's gradebook import (Override Score)."""
    from gradeproc.canvas_export import export_canvas as export

    try:
        path, warnings = export(book, output, force=force)
    except GradeprocError as error:
        raise fail(error, debug) from None
    for warning in warnings:
        echo_err(f"warning: {warning}")
    typer.echo(f"Wrote {path}")
