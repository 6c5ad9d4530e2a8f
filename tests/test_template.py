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


def widths(path: Path) -> dict[str, dict[str, float]]:
    from openpyxl import load_workbook

    book = load_workbook(path)
    return {
        sheet.title: {k: d.width for k, d in sheet.column_dimensions.items()}
        for sheet in book.worksheets
    }


def test_init_and_the_committed_template_have_the_same_column_widths(tmp_path: Path) -> None:
    assert widths(init(tmp_path / "new.xlsx")) == widths(TEMPLATE)


def test_template_columns_show_their_contents_whole() -> None:
    sheets = widths(TEMPLATE)
    assert sheets["Roster"]["D"] >= 30  # Email: a whole address
    assert sheets["Roster"]["B"] >= 16 and sheets["Roster"]["C"] >= 16
    assert all(width >= 10 for column, width in sheets["Scores"].items() if column != "A")


def test_the_template_leaves_letter_gap_rule_to_the_instructor(tmp_path: Path) -> None:
    policy = {row[0]: row[1] for row in values(TEMPLATE)["Policy"][1:]}
    assert policy["letter_gap_rule"] == ""
    report = validate(init(tmp_path / "new.xlsx"))
    assert [str(w) for w in report.warnings] == [
        "Letters: no letter covers totals of exactly 93 (between A- and A); letter_gap_rule "
        '"higher" gives them A and flags them POLICY_GAP; to settle it, write letter_gap_rule '
        "(higher or lower) in the Policy sheet, or close the gap in the Letters sheet"
    ]
