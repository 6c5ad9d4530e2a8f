"""What every command shares: the help style, the common options, and how results are printed.

Exit codes, the same for every command: 0 done; 1 the gradebook has problems (all printed,
nothing written); 2 the command line is wrong (a path that does not exist, an output that
exists without --force, an unknown format); 130 interrupted.

`--json` prints one object on stdout for every command that has it: `ok`, and on failure
`error` and `findings` (each finding as `Finding.to_dict()`); the exit code is the same as
without `--json`.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from gradeproc.errors import ERROR, GradeprocError, finding_line

if TYPE_CHECKING:
    from gradeproc.errors import Finding

# typer bundles its own click; its Context and Parameter are typed loosely here (Any).


class _PlainHelp:
    """Help that reads as typed: `BOOK`, not `{book}`; a flag shows no `<bool>` value."""

    def get_params(self, ctx: Any) -> list[Any]:
        params: list[Any] = super().get_params(ctx)  # type: ignore[misc]
        for param in params:
            if param.metavar is not None:
                continue
            if param.param_type_name == "argument":
                param.metavar = (param.name or "").upper()
            elif getattr(param, "is_flag", False):
                param.metavar = ""
        return params

    def get_short_help_str(self, limit: int = 45) -> str:
        """A command's whole first paragraph in a command list, wrapped, never cut off."""
        if self.short_help or not self.help:  # type: ignore[attr-defined]
            return super().get_short_help_str(limit)  # type: ignore[misc]
        first = inspect.cleandoc(self.help).split("\n\n")[0]  # type: ignore[attr-defined]
        return " ".join(first.split())

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
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
    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        return TyperGroup.collect_usage_pieces(self, ctx)


def sub_app(help: str) -> typer.Typer:
    """A command group (`export`, `import`) with the house help style."""
    return typer.Typer(help=help, no_args_is_help=True, rich_markup_mode=None, cls=Group)


Book = Annotated[Path, typer.Argument(help="The gradebook (.xlsx).", show_default=False)]
Force = Annotated[bool, typer.Option("--force", help="Replace an existing output file.")]
Debug = Annotated[bool, typer.Option("--debug", help="Show the traceback of an error.")]
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


def echo_err(message: str) -> None:
    typer.echo(message, err=True)


def report_error(error: GradeprocError) -> None:
    """Print an error and its findings, errors first, each group per sheet in row order."""
    echo_err(f"Error: {error.message}")
    errors = [f for f in error.findings if f.severity == ERROR]
    warnings = [f for f in error.findings if f.severity != ERROR]
    for finding in [*errors, *warnings]:
        echo_err(f"  {finding_line(finding)}")


def fail(error: GradeprocError, debug: bool, *, as_json: bool = False) -> typer.Exit:
    """The exit for a command that raised: the error printed (as JSON on request)."""
    if debug:
        raise error
    if as_json:
        echo_json({"ok": False, "error": error.message}, error.findings)
    else:
        report_error(error)
    return typer.Exit(error.exit_code)


def echo_json(payload: dict[str, Any], findings: Iterable[Finding] | None = None) -> None:
    """One JSON object on stdout; `findings`, when given, under the key "findings"."""
    if findings is not None:
        payload = {**payload, "findings": [f.to_dict() for f in findings]}
    typer.echo(json.dumps(payload, indent=2))
