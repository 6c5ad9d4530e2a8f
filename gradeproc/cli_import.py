"""`gradeproc import canvas|gradescope EXPORT.csv -o BOOK.xlsx`: a gradebook from an export.

Registered on the main app in cli.py. Heavy modules (and cli.py's helpers, which import
this module) are imported inside the commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperCommand, TyperGroup


class _PlainHelp:
    """Help that reads as typed: `BOOK`, not `{book}`; a flag shows no `<bool>` value."""

    def get_params(self, ctx):
        params = super().get_params(ctx)  # type: ignore[misc]
        for param in params:
            if param.metavar is not None:
                continue
            if param.param_type_name == "argument":
                param.metavar = param.name.upper()
            elif getattr(param, "is_flag", False):
                param.metavar = ""
        return params

    def get_short_help_str(self, limit: int = 45) -> str:
        """A command's whole first paragraph in a command list, wrapped, never cut off."""
        import inspect

        if self.short_help or not self.help:  # type: ignore[attr-defined]
            return super().get_short_help_str(limit)  # type: ignore[misc]
        first = inspect.cleandoc(self.help).split("\n\n")[0]  # type: ignore[attr-defined]
        return " ".join(first.split())

    def collect_usage_pieces(self, ctx) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []  # type: ignore[attr-defined]
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                pieces.append(param.metavar if param.required else f"[{param.metavar}]")
            else:
                pieces.extend(param.get_usage_pieces(ctx))
        return pieces


class Command(_PlainHelp, TyperCommand):
    pass


class Group(_PlainHelp, TyperGroup):
    def collect_usage_pieces(self, ctx) -> list[str]:
        return TyperGroup.collect_usage_pieces(self, ctx)


import_app = typer.Typer(
    help="Start a gradebook from a Canvas or Gradescope grade export.",
    no_args_is_help=True,
    rich_markup_mode=None,
    cls=Group,
)

Export = Annotated[Path, typer.Argument(help="The export (.csv).", show_default=False)]
Output = Annotated[
    Path,
    typer.Option("-o", "--output", help="The gradebook (.xlsx) to write.", show_default=False),
]
Policy = Annotated[
    Path | None,
    typer.Option(
        "--policy",
        help="Copy the Policy, Categories and Letters sheets from this gradebook "
        "(default: the syllabus template).",
    ),
]
Timezone = Annotated[
    str | None,
    typer.Option(
        "--timezone",
        help="The IANA time zone to write times in, and to read times that carry no UTC "
        "offset (required then); it becomes the new gradebook's Policy timezone "
        "(default: the --policy gradebook's timezone).",
        show_default=False,
    ),
]
# The options every command shares are defined here, where cli.py can import them.
Force = Annotated[bool, typer.Option("--force", help="Replace an existing output file.")]
Debug = Annotated[bool, typer.Option("--debug", help="Show the traceback of an error.")]


def _run(
    reader: str,
    export: Path,
    output: Path,
    policy: Path | None,
    timezone: str | None,
    force: bool,
    debug: bool,
) -> None:
    from gradeproc import imports
    from gradeproc.cli import echo_err, fail
    from gradeproc.errors import GradeprocError

    if output.suffix.casefold() != ".xlsx":
        raise typer.BadParameter(f"{output} does not end in .xlsx.", param_hint="'-o'")
    if timezone is not None and imports.zone_or_none(timezone) is None:
        raise typer.BadParameter(
            f'"{timezone}" is not a time zone; give an IANA name such as America/New_York.',
            param_hint="'--timezone'",
        )
    try:
        if reader == "read_gradescope":
            course = imports.read_gradescope(export, timezone)
        else:
            course = imports.read_canvas(export)
        plan = imports.import_course(course, output, policy, timezone, force)
    except GradeprocError as error:
        raise fail(error, debug) from None
    for warning in [*course.warnings, *plan.warnings]:
        echo_err(f"warning: {warning}")
    students, assessments = len(course.roster), len(course.assessments)
    typer.echo(
        f"Imported {students} student{'s' if students != 1 else ''} and {assessments} "
        f"assessment{'s' if assessments != 1 else ''} from {export} into {output}."
    )
    if course.has_submissions:
        typer.echo(f"Times are in {plan.zone}, each written with its UTC offset.")
    todo = "Category and Due" if plan.due_to_fill else "Category"
    typer.echo(f"Next: fill in each assessment's {todo}, then run gradeproc validate {output}.")


@import_app.command("canvas", cls=Command)
def import_canvas(
    export: Export,
    output: Output,
    policy: Policy = None,
    timezone: Timezone = None,
    force: Force = False,
    debug: Debug = False,
) -> None:
    """A gradebook from a Canvas gradebook export (Grades > Export > CSV)."""
    _run("read_canvas", export, output, policy, timezone, force, debug)


@import_app.command("gradescope", cls=Command)
def import_gradescope(
    export: Export,
    output: Output,
    policy: Policy = None,
    timezone: Timezone = None,
    force: Force = False,
    debug: Debug = False,
) -> None:
    """A gradebook from a Gradescope course export (Download Grades, CSV)."""
    _run("read_gradescope", export, output, policy, timezone, force, debug)
