"""`gradeproc batch`: every gradebook in a folder, graded in parallel."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from gradeproc.cli.common import Debug, RegistrarFormatOption, echo_err, fail
from gradeproc.errors import GradeprocError, Interrupted, Signalled


def batch(
    in_dir: Annotated[
        Path,
        typer.Argument(
            help="The folder of gradebooks (searched with its sub-folders).",
            exists=True,
            file_okay=False,
            show_default=False,
        ),
    ],
    out_dir: Annotated[
        Path, typer.Option("-o", "--output", help="Where the graded workbooks and report go.")
    ],
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", min=1, metavar="N", help="Worker processes (default: one per CPU)."),
    ] = None,
    registrar: Annotated[
        Path | None,
        typer.Option("--registrar", help="Also write one registrar file for every course here."),
    ] = None,
    registrar_format: RegistrarFormatOption = "generic",
    force: Annotated[
        bool, typer.Option("--force", help="Regrade every gradebook; replace existing outputs.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    debug: Debug = False,
) -> None:
    """Grade every gradebook under IN_DIR into OUT_DIR, in parallel.

    Gradebooks unchanged since the last run are skipped. Exit code 1 when any gradebook
    failed, or a folder or *.xlsx entry could not be read; the others are still graded.
    """
    from gradeproc.batch import print_summary, run_batch

    try:
        result = run_batch(
            in_dir,
            out_dir,
            jobs=jobs,
            registrar=registrar,
            registrar_format=registrar_format,
            force=force,
            progress=True,
        )
    except (Interrupted, Signalled, KeyboardInterrupt):  # Interrupted: a course's Outputs saw it
        echo_err("Interrupted; the gradebooks graded so far are kept and the next run skips them.")
        raise typer.Exit(130) from None
    except GradeprocError as error:
        raise fail(error, debug, as_json=as_json) from None
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
    else:
        print_summary(result)
    if not result.ok:
        raise typer.Exit(1)
