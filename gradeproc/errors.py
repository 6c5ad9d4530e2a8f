"""One exception hierarchy, and the findings it carries.

A `Finding` is one problem an instructor can fix: a code a program can match on, the sheet
and cell where it is, and a plain sentence. The CLI prints findings; the library raises them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from gradeproc.codes import Code, Severity

ERROR = Severity.ERROR
WARNING = Severity.WARNING

_CELL = re.compile(r"^([A-Z]+)(\d+)$")


def column_letter(index: int) -> str:
    """Excel column letters for a 0-based column index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _cell_sort_key(cell: str | None) -> tuple[int, int]:
    match = _CELL.match(cell or "")
    if not match:
        return (0, 0)
    letters, row = match.groups()
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return (int(row), col)


@dataclass(frozen=True, order=False)
class Finding:
    """One problem in a gradebook, located as precisely as the problem allows."""

    code: Code | str
    message: str
    sheet: str | None = None
    cell: str | None = None
    severity: Severity = ERROR

    @property
    def location(self) -> str:
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet or ""

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message

    def to_dict(self) -> dict[str, str | None]:
        return asdict(self)


def finding_line(finding: Finding) -> str:
    """A finding in the command line's words, without its indent: `Scores!C14: ...`, `warning: ...`."""
    return str(finding) if finding.severity == ERROR else f"warning: {finding}"


# The order sheets are reported in: the order an instructor fills them in.
SHEET_ORDER = (
    "Policy",
    "Categories",
    "Letters",
    "Assessments",
    "Roster",
    "Scores",
    "Submitted",
    "Extensions",
    "Overrides",
)


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Per sheet (in the workbook's order), then in row and column order, so 200 stay readable."""

    def key(f: Finding) -> tuple:
        sheet_rank = SHEET_ORDER.index(f.sheet) if f.sheet in SHEET_ORDER else len(SHEET_ORDER)
        return (f.severity != ERROR, sheet_rank, f.sheet or "", _cell_sort_key(f.cell), f.message)

    return sorted(findings, key=key)


class GradeprocError(Exception):
    """Anything gradeproc refuses to do, with the findings that say why."""

    exit_code = 1

    def __init__(self, message: str, findings: Iterable[Finding] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.findings: list[Finding] = sort_findings(findings)


class FileProblem(GradeprocError):
    """The file is not a gradebook gradeproc can open (not xlsx, encrypted, hostile, missing)."""


class FileMissing(FileProblem):
    """The path names no file: the command line must change, like any wrong argument (exit 2)."""

    exit_code = 2


def count_problems(findings: Iterable[Finding]) -> str:
    """ "3 problems (Categories 1, Scores 2)": how many, and where, for a long list's last line."""
    errors = [f for f in findings if f.severity == ERROR]
    n = len(errors)
    text = f"{n} problem{'s' if n != 1 else ''}"
    per_sheet: dict[str, int] = {}
    for f in sort_findings(errors):
        per_sheet[f.sheet or "file"] = per_sheet.get(f.sheet or "file", 0) + 1
    if len(per_sheet) > 1:
        text += " (" + ", ".join(f"{sheet} {count}" for sheet, count in per_sheet.items()) + ")"
    return text


class ValidationFailed(GradeprocError):
    """The gradebook opened, but its contents break the contract."""

    def __init__(self, findings: Iterable[Finding]) -> None:
        findings = list(findings)
        super().__init__(f"{count_problems(findings)} found; nothing was written.", findings)


class Signalled(BaseException):
    """Ctrl-C or SIGTERM unwinding a command-line run, raised by its signal handler.

    A BaseException, so no `except Exception` (pandera's check runner, the calamine
    wrappers) can report it as a failed check or a broken file. Not KeyboardInterrupt:
    once a KeyboardInterrupt has passed through some of CPython's C entry points, the
    interpreter ends by killing itself with SIGINT (-2) even though gradeproc caught it
    and exited 130, as seen under a test runner.
    """


class Interrupted(GradeprocError):
    """Ctrl-C or SIGTERM: the run stops, and its temporary outputs are removed on the way out."""

    exit_code = 130

    def __init__(self) -> None:
        super().__init__("Interrupted; nothing was written.")


class OutputExists(GradeprocError):
    """Refusing to replace an existing file: the command line must say --force."""

    exit_code = 2


class OutputPathWrong(GradeprocError):
    """An output path that cannot name a file (a folder, a path through a file): exit 2."""

    exit_code = 2


class OutputFailed(GradeprocError):
    """The system refused to write an output (no space, read-only, no permission)."""


@dataclass
class Report:
    """Every finding of a validation run, errors and warnings alike."""

    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, *findings: Finding) -> None:
        self.findings.extend(findings)

    def extend(self, findings: Iterable[Finding]) -> None:
        self.findings.extend(findings)

    def sorted(self) -> list[Finding]:
        return sort_findings(self.findings)


class ProfileProblem(GradeprocError):
    """A registrar profile that is not built in or cannot be read: the command line must change."""

    exit_code = 2
