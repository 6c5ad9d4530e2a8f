"""The command line: parse options, call the library, print, set the exit code. Nothing more.

Exit codes: 0 done; 1 the gradebook has problems (all printed, nothing written);
2 the command line is wrong. Heavy libraries are imported inside the commands.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from gradeproc import __version__
from gradeproc.cli_import import Command, Debug, Force, Group, import_app
from gradeproc.errors import (
    GradeprocError,
    Interrupted,
    Signalled,
    count_problems,
    finding_line,
)

app = typer.Typer(
    name="gradeproc",
    help="Grade an Excel gradebook the way the syllabus says.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    cls=Group,
)
export_app = typer.Typer(
    help="Export grades for other systems.",
    no_args_is_help=True,
    rich_markup_mode=None,
    cls=Group,
)
app.add_typer(export_app, name="export")
app.add_typer(import_app, name="import")

Book = Annotated[Path, typer.Argument(help="The gradebook (.xlsx).", show_default=False)]


RegistrarFormatOption = Annotated[
    str,
    typer.Option(
        "--registrar-format",
        metavar="NAME",
        help="The registrar file's format: a built-in name (generic: Student ID, Last name, "
        "First name, Section, Grade; banner: Ellucian Banner's Faculty Grade Entry upload, which "
        "needs each student's CRN and the term_code setting; list them all with "
        "`gradeproc registrar-formats`) or the path of a .toml format file of your own.",
    ),
]


class State:
    debug = False


def echo_err(message: str) -> None:
    typer.echo(message, err=True)


def report_error(error: GradeprocError) -> None:
    """Print an error and its findings, grouped per sheet in row order, with their count."""
    echo_err(f"Error: {error.message}")
    errors = [f for f in error.findings if f.severity == "error"]
    warnings = [f for f in error.findings if f.severity != "error"]
    for finding in [*errors, *warnings]:
        echo_err(f"  {finding_line(finding)}")


def fail(error: GradeprocError, debug: bool) -> typer.Exit:
    if debug:
        raise error
    report_error(error)
    return typer.Exit(error.exit_code)


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


@app.command(cls=Command)
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


@app.command(cls=Command)
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
        if as_json:
            typer.echo(json.dumps({"ok": False, "error": error.message, "findings": []}))
            raise typer.Exit(error.exit_code) from None
        raise fail(error, debug) from None
    findings = report.sorted()
    if as_json:
        typer.echo(
            json.dumps({"ok": report.ok, "findings": [f.to_dict() for f in findings]}, indent=2)
        )
        raise typer.Exit(0 if report.ok else 1)
    errors, warnings = report.errors, report.warnings
    for finding in findings:
        (echo_err if errors else typer.echo)(f"  {finding_line(finding)}")
    if errors:
        echo_err(f"{shown_name(book)}: {count_problems(errors)} found.")
        raise typer.Exit(1)
    suffix = f" ({len(warnings)} warning{'s' if len(warnings) != 1 else ''})" if warnings else ""
    typer.echo(f"{shown_name(book)}: no problems found{suffix}.")


@app.command(cls=Command)
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
        if as_json:
            typer.echo(
                json.dumps(
                    {
                        "ok": False,
                        "error": error.message,
                        "findings": [f.to_dict() for f in error.findings],
                    },
                    indent=2,
                )
            )
            raise typer.Exit(error.exit_code) from None
        raise fail(error, debug) from None
    if as_json:
        typer.echo(json.dumps({"ok": True, **result.to_dict()}, indent=2))
        return
    for warning in result.warnings:
        echo_err(finding_line(warning))
    typer.echo(result.graded_line())
    typer.echo(f"Wrote {result.output}")
    if result.registrar:
        typer.echo(f"Wrote {result.registrar}")


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


@app.command("registrar-formats", cls=Command)
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


@app.command(cls=Command)
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


@app.command(cls=Command)
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
        report_error(error)
        raise typer.Exit(2) from None
    for line in change_lines(changes):
        typer.echo(line)
    if written:
        typer.echo(f"Wrote {written}")
    raise typer.Exit(1 if len(changes) else 0)


@app.command(cls=Command)
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
        raise fail(error, debug) from None
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
    else:
        print_summary(result)
    if not result.ok:
        raise typer.Exit(1)


LOOPBACK_ONLY = (
    "--host {host} lets other computers reach the page, so it needs an access token: "
    "add --token {token} (a new random one) or a token of your own."
)


@app.command(cls=Command)
def serve(
    host: Annotated[
        str,
        typer.Option(
            "--host",
            metavar="HOST",
            help="Address to listen on (other than this computer: --token).",
        ),
    ] = "127.0.0.1",
    port: Annotated[
        int,
        typer.Option(
            "--port", metavar="PORT", min=0, max=65535, help="Port to listen on (0: any free one)."
        ),
    ] = 8000,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            metavar="TOKEN",
            help="Access token the page's address must carry (default: new).",
        ),
    ] = None,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Don't open the page in a browser.")
    ] = False,
    max_upload_mb: Annotated[
        float,
        typer.Option(
            "--max-upload-mb", metavar="MB", min=0.001, help="Largest upload accepted, in MB."
        ),
    ] = 25,
    debug: Debug = False,
) -> None:
    """Grade gradebooks dropped on a web page on this computer.

    Needs the web extra: pip install "gradeproc[web]". The page's address carries an access
    token; nothing is loaded from the internet, and uploads are forgotten after download.
    """
    try:
        from gradeproc.serve import is_loopback, new_token
        from gradeproc.serve import serve as run_server
    except ImportError as error:
        if debug:
            raise
        echo_err(
            f"Error: `gradeproc serve` needs the web extra ({error.name} is not installed): "
            'pip install "gradeproc[web]"'
        )
        raise typer.Exit(2) from None
    if not is_loopback(host) and not token:
        echo_err("Error: " + LOOPBACK_ONLY.format(host=host, token=new_token()))
        raise typer.Exit(2)
    try:
        run_server(
            host,
            port,
            token or new_token(),
            open_browser=not no_browser,
            max_bytes=int(max_upload_mb * 1024 * 1024),
            say=typer.echo,
        )
    except (Signalled, KeyboardInterrupt):
        echo_err("Stopped; every uploaded gradebook and result was deleted.")
    except GradeprocError as error:
        raise fail(error, debug) from None
