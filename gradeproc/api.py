"""The library's front door: validate, process and init, usable without the command line."""

from __future__ import annotations

import datetime as dt
import platform
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from gradeproc import __version__
from gradeproc.errors import Finding, Report, ValidationFailed


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
        counts = self.grades["Letter"].value_counts()
        order = [x for x in self.letter_order if x in counts.index]
        order += sorted(x for x in counts.index if x not in order)
        return {letter: int(counts[letter]) for letter in order}

    def flag_counts(self) -> dict[str, int]:
        flags = self.grades["Flags"].str.split(", ").explode()
        return {k: int(v) for k, v in flags[flags.astype(bool)].value_counts().sort_index().items()}

    def to_dict(self) -> dict[str, object]:
        totals = self.grades["Total"].dropna()
        return {
            "students": len(self.grades),
            "letters": self.letter_counts(),
            "flags": self.flag_counts(),
            "mean_total": round(float(totals.mean()), 2) if len(totals) else None,
            "output": str(self.output) if self.output else None,
            "registrar": str(self.registrar) if self.registrar else None,
            "warnings": [str(w) for w in self.warnings],
            "input_sha256": self.input_sha256,
        }


def default_output(path: Path) -> Path:
    return path.with_name(f"{path.stem}.graded.xlsx")


def check(path: str | Path) -> tuple[object, object, Report]:
    """Read and validate: (workbook, gradebook or None, report). Raises FileProblem for a non-gradebook."""
    from gradeproc.read import read_workbook
    from gradeproc.validation import validate_workbook

    workbook = read_workbook(path)
    gradebook, report = validate_workbook(workbook)
    return workbook, gradebook, report


def validate(path: str | Path) -> Report:
    """Every problem in a gradebook, errors and warnings; nothing is written."""
    return check(path)[2]


def grade_file(path: str | Path, notes: bool = True, details: bool = True):
    """Read, validate and compute, without writing: (workbook, gradebook, grading).

    Raises ValidationFailed on any error. `notes`/`details` as in `compute.grade`.
    """
    from gradeproc.compute import grade
    from gradeproc.registrar import no_grade_findings

    workbook, gradebook, report = check(path)
    if gradebook is None:
        raise ValidationFailed(report.findings)
    grading = grade(gradebook, notes=notes, details=details)
    gradebook.warnings.extend(no_grade_findings(grading.grades, workbook))
    return workbook, gradebook, grading


def run_info(workbook, gradebook) -> list[tuple[str, object]]:
    from gradeproc.safety import shown_name

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
    info += [(name, str(value)) for name, value in policy.settings.items()]
    info.append(("Categories", None))
    info += [
        (c.name, f"weight {c.weight:g}, {c.aggregation}, drop lowest {c.drop_lowest}")
        for c in policy.categories
    ]
    info.append(("Letters", None))
    info += [(r.letter, f"{r.text} -> {r.code}") for r in policy.letters]
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
    `registrar_format` is "generic" or "banner" (docs/registrar.md); the Banner rules are
    checked, and `Result.registrar_rows` filled, even when no registrar file is asked for.
    """
    from gradeproc.registrar import registrar_rows
    from gradeproc.write import Outputs, write_csv, write_workbook

    path = Path(path)
    out_path = Path(output) if output else default_output(path)
    with Outputs(force) as outputs:
        temp_book = outputs.claim(out_path, protect=[path])
        temp_csv = outputs.claim(Path(registrar), protect=[path, out_path]) if registrar else None
        workbook, gradebook, grading = grade_file(path)
        rows = registrar_rows(registrar_format, grading, gradebook, workbook)
        warnings = [str(w) for w in gradebook.warnings]
        limits = write_workbook(
            temp_book, grading, gradebook, workbook, run_info(workbook, gradebook), warnings
        )
        if temp_csv is not None:
            write_csv(rows, temp_csv)
    return Result(
        grades=grading.grades,
        details=grading.details,
        output=out_path,
        registrar=Path(registrar) if registrar else None,
        warnings=[*gradebook.warnings, *limits],
        input_sha256=workbook.sha256,
        registrar_rows=rows,
        settings=dict(gradebook.policy.settings),
        letter_order=[r.letter for r in gradebook.policy.letters],
    )


def init(path: str | Path, force: bool = False) -> Path:
    """Write a new gradebook with the syllabus policy and an empty roster."""
    from gradeproc.template import write_template
    from gradeproc.write import Outputs

    with Outputs(force) as outputs:
        temp = outputs.claim(Path(path))
        write_template(temp)
    return Path(path)


def export_registrar(
    path: str | Path, output: str | Path, force: bool = False, registrar_format: str = "generic"
) -> Path:
    """Grade without writing the workbook, and write only the registrar CSV."""
    from gradeproc.registrar import registrar_rows
    from gradeproc.write import Outputs, write_csv

    path = Path(path)
    with Outputs(force) as outputs:
        temp = outputs.claim(Path(output), protect=[path])
        workbook, gradebook, grading = grade_file(path, notes=False, details=False)
        write_csv(registrar_rows(registrar_format, grading, gradebook, workbook), temp)
    return Path(output)
