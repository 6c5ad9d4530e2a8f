"""The library's front door: validate, process and init, usable without the command line."""

from __future__ import annotations

import datetime as dt
import platform
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from gradeproc import __version__
from gradeproc import registrar as registrar_file  # by module: tests stand in for its writer
from gradeproc.codes import Code
from gradeproc.compute import Grading, grade
from gradeproc.errors import Finding, OutputPathWrong, Report, ValidationFailed
from gradeproc.imports import import_notes
from gradeproc.locks import open_file_findings
from gradeproc.read import Workbook, read_workbook
from gradeproc.safety import shown_name
from gradeproc.template import write_template
from gradeproc.validation import Gradebook, validate_workbook
from gradeproc.write import summary
from gradeproc.write.outputs import Outputs
from gradeproc.write.workbook import setting_text, write_workbook


@dataclass
class Result:
    """What `process` produced: the frames, where they were written, and what to mention."""

    grades: pd.DataFrame
    details: pd.DataFrame
    output: Path | None
    registrar: Path | None
    warnings: list[Finding] = field(default_factory=list)
    input_sha256: str = ""
    # The registrar rows in the requested profile (written or not), and the policy settings.
    registrar_rows: pd.DataFrame | None = None
    settings: dict[str, object] = field(default_factory=dict)
    letter_order: list[str] = field(default_factory=list)

    def letter_counts(self) -> dict[str, int]:
        """Students per letter, in the Letters sheet's order (then overrides such as I)."""
        counts = summary.letter_counts(self.grades, self.letter_order)
        shown = counts[counts["Students"] > 0]
        return dict(zip(shown["Letter"].tolist(), shown["Students"].tolist(), strict=True))

    def graded_line(self) -> str:
        """`Graded 40 students: A 6, A- 6, ...`: the line the command line and the page show."""
        letters = ", ".join(f"{k} {v}" for k, v in self.letter_counts().items())
        return f"Graded {len(self.grades)} students: {letters}."

    def flag_counts(self) -> dict[str, int]:
        """Students per flag code, codes in alphabetical order."""
        counts = Counter(
            code
            for flags in self.grades["Flags"].tolist()
            if isinstance(flags, str)
            for code in flags.split(", ")
            if code
        )
        return {code: counts[code] for code in sorted(counts)}

    def ungraded_students(self) -> int:
        """Students with work handed in but not graded yet (flag UNGRADED)."""
        return self.flag_counts().get("UNGRADED", 0)

    def to_dict(self) -> dict[str, object]:
        totals = self.grades["Total"].dropna()
        flags = self.flag_counts()
        return {
            "students": len(self.grades),
            "letters": self.letter_counts(),
            "flags": flags,
            "ungraded_students": flags.get("UNGRADED", 0),
            "mean_total": round(float(totals.mean()), 2) if len(totals) else None,
            "output": str(self.output) if self.output else None,
            "registrar": str(self.registrar) if self.registrar else None,
            "warnings": [str(w) for w in self.warnings],
            "input_sha256": self.input_sha256,
        }


EMPTY_ROSTER = Code.EMPTY_ROSTER
MSG_EMPTY_ROSTER = (
    "the Roster lists no students, so there is nothing to grade; add one row per student "
    "(Student ID, Last name, First name), and their points on the Scores sheet"
)
MSG_NOT_XLSX = (
    "{path} ends in {suffix}, but a gradebook is an Excel workbook whose name ends in .xlsx; "
    "give a name such as {suggested}"
)


def gradebook_name(path: Path) -> Path:
    """The name `init` writes: .xlsx added when there is no extension; another one refused."""
    if path.suffix.casefold() == ".xlsx" or path.is_dir():  # a folder: Outputs refuses it
        return path
    if not path.suffix:
        return path.with_name(f"{path.name.rstrip('.')}.xlsx")
    raise OutputPathWrong(
        MSG_NOT_XLSX.format(path=path, suffix=path.suffix, suggested=path.with_suffix(".xlsx"))
    )


def default_output(path: Path) -> Path:
    return path.with_name(f"{path.stem}.graded.xlsx")


def check(path: str | Path) -> tuple[Workbook, Gradebook | None, Report]:
    """Read and validate: (workbook, gradebook or None, report). Raises FileProblem for a non-gradebook."""

    workbook = read_workbook(path)
    gradebook, report = validate_workbook(workbook)
    open_now = open_file_findings(path)  # unsaved edits are not in the file read
    report.findings[:0] = open_now
    if gradebook is not None:
        gradebook.warnings[:0] = open_now
    return workbook, gradebook, report


def validate(path: str | Path) -> Report:
    """Every problem in a gradebook, errors and warnings; nothing is written."""
    return check(path)[2]


def grade_file(
    path: str | Path, notes: bool = True, details: bool = True
) -> tuple[Workbook, Gradebook, Grading]:
    """Read, validate and compute, without writing: (workbook, gradebook, grading).

    Raises ValidationFailed on any error. `notes`/`details` as in `compute.grade`.
    """

    workbook, gradebook, report = check(path)
    if gradebook is None:
        raise ValidationFailed(report.findings)
    if not len(gradebook.roster):  # an untouched template: nothing to grade is not a grading
        roster = workbook.sheets["Roster"]
        cell = roster.cell("Student ID", roster.header_row + 1)
        raise ValidationFailed([Finding(EMPTY_ROSTER, MSG_EMPTY_ROSTER, "Roster", cell)])
    grading = grade(gradebook, notes=notes, details=details)
    gradebook.warnings.extend(
        registrar_file.no_grade_findings(grading.grades, workbook, sheet_rows=gradebook.sheet_rows)
    )
    gradebook.warnings.extend(import_notes(workbook)[1])
    return workbook, gradebook, grading


def run_info(workbook: Workbook, gradebook: Gradebook) -> list[tuple[str, object]]:

    policy = gradebook.policy
    info: list[tuple[str, object]] = [
        ("gradeproc version", __version__),
        ("Input file", shown_name(workbook.path)),
        ("Input SHA-256", workbook.sha256),
        ("Ran at (UTC)", dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")),
        ("Python / pandas", f"{platform.python_version()} / {pd.__version__}"),
        ("Students", len(gradebook.roster)),
        ("Assessments", len(gradebook.assessments)),
        ("Settings applied", None),
    ]

    info += [(name, setting_text(value)) for name, value in policy.settings.items()]
    info.append(("Categories", None))
    info += [
        (c.name, f"weight {c.weight:g}, {c.aggregation}, drop lowest {c.drop_lowest}")
        for c in policy.categories
    ]
    info.append(("Letters", None))
    info += [(r.letter, f"{r.text} -> {r.code}") for r in policy.letters]

    info += import_notes(workbook)[0]
    if gradebook.notes:  # settled on purpose: said here once, not on the terminal
        info.append(("Notes", None))
        info += [(f"Note {n}", str(note)) for n, note in enumerate(gradebook.notes, 1)]
    return info


def process(
    path: str | Path,
    output: str | Path | None = None,
    registrar: str | Path | None = None,
    force: bool = False,
    registrar_format: str = "generic",
) -> Result:
    """Grade a gradebook file and write the annotated workbook (and the registrar CSV).

    Nothing is written when the gradebook has a problem; outputs appear whole or not at all.
    `registrar_format` is a built-in profile's name or a profile's .toml path
    (docs/registrar.md); its rules are checked, and `Result.registrar_rows` filled, even when
    no registrar file is asked for.
    """

    path = Path(path)
    profile = registrar_file.load_profile(registrar_format)
    out_path = Path(output) if output else default_output(path)
    with Outputs(force) as outputs:
        temp_book = outputs.claim(out_path, protect=[path])
        temp_csv = outputs.claim(Path(registrar), protect=[path]) if registrar else None
        workbook, gradebook, grading = grade_file(path)
        rows = registrar_file.registrar_rows(profile, grading, gradebook, workbook)
        warnings = [str(w) for w in gradebook.warnings]
        with outputs.writing(temp_book):
            limits = write_workbook(
                temp_book, grading, gradebook, workbook, run_info(workbook, gradebook), warnings
            )
        if temp_csv is not None and registrar is not None:
            with outputs.writing(temp_csv):
                registrar_file.write_registrar(rows, profile, temp_csv, Path(registrar))
    return Result(
        grades=grading.grades,
        details=grading.details,
        output=out_path,
        registrar=Path(registrar) if registrar else None,
        warnings=[*gradebook.warnings, *limits],
        input_sha256=workbook.sha256,
        registrar_rows=rows,
        settings=dict(gradebook.policy.settings),
        letter_order=gradebook.policy.letter_order,
    )


def init(path: str | Path, force: bool = False) -> Path:
    """Write a new gradebook with the syllabus policy and an empty roster.

    Returns the path written: `.xlsx` is added to a name without an extension, and any
    other extension is refused (OutputPathWrong).
    """

    path = gradebook_name(Path(path))
    with Outputs(force) as outputs:
        temp = outputs.claim(path)
        with outputs.writing(temp):
            write_template(temp)
    return path


def export_registrar(
    path: str | Path, output: str | Path, force: bool = False, registrar_format: str = "generic"
) -> Path:
    """Grade without writing the workbook, and write only the registrar file."""

    path = Path(path)
    profile = registrar_file.load_profile(registrar_format)
    with Outputs(force) as outputs:
        temp = outputs.claim(Path(output), protect=[path])
        workbook, gradebook, grading = grade_file(path, notes=False, details=False)
        rows = registrar_file.registrar_rows(profile, grading, gradebook, workbook)
        with outputs.writing(temp):
            registrar_file.write_registrar(rows, profile, temp, Path(output))
    return Path(output)
