"""`gradeproc init` and templates/gradebook_template.xlsx stay the same workbook."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from python_calamine import CalamineWorkbook

from gradeproc.api import init, validate
from gradeproc.template import template_rows

TEMPLATE = Path(__file__).resolve().parents[1] / "templates" / "gradebook_template.xlsx"


def values(path: Path) -> dict[str, list[list[object]]]:
    book = CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def test_init_writes_what_the_committed_template_holds(tmp_path: Path) -> None:
    written = init(tmp_path / "new.xlsx")
    assert values(written) == values(TEMPLATE), (
        "templates/gradebook_template.xlsx is stale: regenerate it with "
        "python -c 'from gradeproc.template import write_template as w; "
        'w("templates/gradebook_template.xlsx")\''
    )


def test_the_template_holds_the_syllabus_policy(tmp_path: Path) -> None:
    sheets = values(TEMPLATE)
    assert list(sheets) == list(template_rows())
    assert sheets["Categories"][1:] == [
        ["Homework", 50.0, "points", 0.0],
        ["Project proposal/presentation", 15.0, "points", 0.0],
        ["Project report", 30.0, "points", 0.0],
        ["Class participation", 5.0, "points", 0.0],
    ]
    assert [row[0] for row in sheets["Assessments"][1:]] == [
        "HW1",
        "HW2",
        "HW3",
        "HW4",
        "HW5",
        "Proposal",
        "Presentation",
        "Report",
        "Participation",
    ]
    assert sheets["Letters"][1] == ["A", "greater than 93", "A"]
    assert sheets["Roster"] == [["Student ID", "Last name", "First name", "Email", "Section"]]


def test_an_empty_template_validates(tmp_path: Path) -> None:
    report = validate(init(tmp_path / "new.xlsx"))
    assert report.ok


def test_python_dash_m_runs_the_cli() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "gradeproc", "--version"], capture_output=True, text=True
    )
    assert result.returncode == 0
    assert result.stdout.startswith("gradeproc ")
