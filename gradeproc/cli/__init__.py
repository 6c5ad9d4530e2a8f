"""The command line: parse options, call the library, print, set the exit code. Nothing more.

One module per command group; `common` holds what they share (help style, options, how errors
and JSON are printed, exit codes). Heavy libraries are imported inside the commands, so
`gradeproc --help` loads only typer.
"""

from __future__ import annotations

from typing import Annotated

import typer

from gradeproc import __version__
from gradeproc.cli import batch, grade, inspect, registrar, serve
from gradeproc.cli.common import Command, Group
from gradeproc.cli.imports import import_app
from gradeproc.cli.registrar import export_app

__all__ = ["app"]

app = typer.Typer(
    name="gradeproc",
    help="Grade an Excel gradebook the way the syllabus says.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    cls=Group,
)
app.add_typer(export_app, name="export")
app.add_typer(import_app, name="import")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"gradeproc {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """gradeproc: validate a gradebook, apply the late and weighting rules, assign letters."""


# The order here is the order of `gradeproc --help`.
app.command(cls=Command)(grade.init)
app.command(cls=Command)(grade.validate)
app.command(cls=Command)(grade.process)
app.command("registrar-formats", cls=Command)(registrar.registrar_formats)
app.command(cls=Command)(inspect.explain)
app.command(cls=Command)(inspect.diff)
app.command(cls=Command)(batch.batch)
app.command(cls=Command)(serve.serve)
