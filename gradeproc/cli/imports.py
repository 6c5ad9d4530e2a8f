"""`gradeproc import canvas|gradescope EXPORT.csv -o BOOK.xlsx`: a gradebook from an export."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from gradeproc.cli.common import Command, Debug, Force, echo_err, fail, sub_app
from gradeproc.errors import GradeprocError

if TYPE_CHECKING:
    from gradeproc.imports import ImportedCourse

import_app = sub_app("Start a gradebook from a Canvas or Gradescope grade export.")

Export = Annotated[Path, typer.Argument(help="The export (.csv).", show_default=False)]
Output = Annotated[
    Path,
    typer.Option("-o", "--output", help="The gradebook (.xlsx) to write.", show_default=False),
]
PolicyBook = Annotated[
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

# gradeproc.imports needs pandas: imported when a command runs, not for `--help`.


def _canvas(export: Path, timezone: str | None) -> ImportedCourse:
    from gradeproc.imports import read_canvas

    return read_canvas(export)


def _gradescope(export: Path, timezone: str | None) -> ImportedCourse:
    from gradeproc.imports import read_gradescope

    return read_gradescope(export, timezone)


READERS: dict[str, Callable[[Path, str | None], ImportedCourse]] = {
    "canvas": _canvas,
    "gradescope": _gradescope,
}


def _run(
    source: str,
    export: Path,
    output: Path,
    policy: Path | None,
    timezone: str | None,
    force: bool,
    debug: bool,
) -> None:
    from gradeproc import imports

    if output.suffix.casefold() != ".xlsx":
        raise typer.BadParameter(f"{output} does not end in .xlsx.", param_hint="'-o'")
    if timezone is not None and imports.zone_or_none(timezone) is None:
        raise typer.BadParameter(
            f'"{timezone}" is not a time zone; give an IANA name such as America/New_York.',
            param_hint="'--timezone'",
        )
    try:
        course = READERS[source](export, timezone)
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
    policy: PolicyBook = None,
    timezone: Timezone = None,
    force: Force = False,
    debug: Debug = False,
) -> None:
    """A gradebook from a Canvas gradebook export (Grades > Export > CSV)."""
    _run("canvas", export, output, policy, timezone, force, debug)


@import_app.command("gradescope", cls=Command)
def import_gradescope(
    export: Export,
    output: Output,
    policy: PolicyBook = None,
    timezone: Timezone = None,
    force: Force = False,
    debug: Debug = False,
) -> None:
    """A gradebook from a Gradescope course export (Download Grades, CSV)."""
    _run("gradescope", export, output, policy, timezone, force, debug)
