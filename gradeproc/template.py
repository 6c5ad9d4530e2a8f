"""The gradebook `gradeproc init` writes: every input sheet, with the syllabus's policy filled in.

`templates/gradebook_template.xlsx` is this function's output; a test keeps the two the same.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from gradeproc.policy import SETTINGS

SYLLABUS_COURSE = "CS 747 Optimization for Machine Learning"
SYLLABUS_TERM = "Fall 2024"

CATEGORIES = [
    ("Homework", 50, "points", 0),
    ("Project proposal/presentation", 15, "points", 0),
    ("Project report", 30, "points", 0),
    ("Class participation", 5, "points", 0),
]

LETTERS = [
    ("A", "greater than 93", "A"),
    ("A-", "[90, 93)", "A-"),
    ("B+", "[87, 90)", "B+"),
    ("B", "[83, 87)", "B"),
    ("B-", "[80, 83)", "B-"),
    ("C+", "[77, 80)", "C+"),
    ("C", "[73, 77)", "C"),
    ("C-", "[68, 73)", "C-"),
    ("D", "[60, 68)", "D"),
    ("Fail", "below 60", "F"),
]


def _due(month: int, day: int, hour: int = 23, minute: int = 59) -> dt.datetime:
    return dt.datetime(2024, month, day, hour, minute)


ASSESSMENTS = [
    ("HW1", "Homework", 100, _due(9, 17), "Y"),
    ("HW2", "Homework", 100, _due(10, 1), "Y"),
    ("HW3", "Homework", 100, _due(10, 15), "Y"),
    ("HW4", "Homework", 100, _due(11, 2), "Y"),
    ("HW5", "Homework", 100, _due(11, 19), "Y"),
    ("Proposal", "Project proposal/presentation", 100, _due(10, 8), "Y"),
    ("Presentation", "Project proposal/presentation", 100, _due(11, 26, 14, 0), "N"),
    ("Report", "Project report", 100, _due(12, 10), "Y"),
    ("Participation", "Class participation", 100, None, "N"),
]

HEADERS = {
    "Policy": ["Setting", "Value", "Meaning"],
    "Categories": ["Category", "Weight", "Aggregation", "Drop lowest"],
    "Letters": ["Letter", "Range", "Registrar code"],
    "Assessments": ["Assessment", "Category", "Max points", "Due", "Late policy"],
    "Roster": ["Student ID", "Last name", "First name", "Email", "Section"],
    "Scores": ["Student ID"] + [a[0] for a in ASSESSMENTS],
    "Submitted": ["Student ID"] + [a[0] for a in ASSESSMENTS if a[4] == "Y"],
    "Extensions": ["Student ID", "Assessment", "Extra days", "New due", "Reason"],
    "Overrides": ["Student ID", "Letter", "Reason"],
}

DATE_FORMAT = "yyyy-mm-dd hh:mm"
# Widths (characters) that show a typical value whole, on screen and on paper: an email
# address, a surname, a score such as 97.5 under a filter button.
MIN_WIDTHS = {"Student ID": 12, "Last name": 16, "First name": 16, "Email": 30, "Section": 9}
SCORE_WIDTH = 10


def template_rows() -> dict[str, list[list[object]]]:
    """Every sheet of a new gradebook as rows of cell values, header first."""
    settings = {name: spec[0] for name, spec in SETTINGS.items()}
    settings.update(course=SYLLABUS_COURSE, term=SYLLABUS_TERM)
    # Left blank (its default, higher, applies): the 93 between the syllabus's A and A- is a
    # gap, and the instructor is told to settle it by writing the rule they want.
    settings["letter_gap_rule"] = ""
    policy = [
        [name, settings[name] if settings[name] != "" else None, spec[3]]
        for name, spec in SETTINGS.items()
    ]
    body: dict[str, list[list[object]]] = {
        "Policy": policy,
        "Categories": [list(c) for c in CATEGORIES],
        "Letters": [list(x) for x in LETTERS],
        "Assessments": [list(a) for a in ASSESSMENTS],
    }
    return {name: [list(header), *body.get(name, [])] for name, header in HEADERS.items()}


def write_template(path: str | Path) -> Path:
    """Write a new gradebook. Text columns for IDs so Excel keeps leading zeros."""
    from openpyxl import Workbook  # only `init` and imports write a template: loaded then
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    path = Path(path)
    book = Workbook()
    book.remove(book.active)
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for name, rows in template_rows().items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        for cell in sheet[1]:
            cell.font = header_font
            cell.fill = header_fill
            cell.alignment = Alignment(vertical="center")
        sheet.freeze_panes = "B2"
        for index, header in enumerate(HEADERS[name], start=1):
            letter = get_column_letter(index)
            values = [len(str(r[index - 1])) for r in rows if index - 1 < len(r) and r[index - 1]]
            width = min(max([len(header) + 2, *[v + 2 for v in values]]), 60)
            width = max(width, MIN_WIDTHS.get(header, 0))
            if name == "Scores" and header != "Student ID":
                width = max(width, SCORE_WIDTH)
            sheet.column_dimensions[letter].width = width
            if header in ("Student ID", "Section"):
                for r in range(1, 1001):
                    sheet.cell(row=r, column=index).number_format = "@"
            if header in ("Due", "New due") or (name == "Submitted" and header != "Student ID"):
                for r in range(2, len(rows) + 1):
                    sheet.cell(row=r, column=index).number_format = DATE_FORMAT
                sheet.column_dimensions[letter].width = max(width, 18)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path
