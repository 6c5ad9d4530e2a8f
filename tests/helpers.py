"""Small gradebooks for tests, built from the template's rows so they follow the contract."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

from gradeproc.template import template_rows


def write_book(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """Write sheets (name -> rows, header first) with openpyxl, as a spreadsheet program would."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
        for row in sheet.iter_rows():
            for cell in row:  # openpyxl reads "=..." as a formula; a typed value stays text
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"
    book.save(path)
    return path


def syllabus_sheets(
    students: list[tuple[str, str, str]] | None = None,
    scores: dict[str, list[object]] | None = None,
    submitted: dict[str, list[object]] | None = None,
) -> dict[str, list[list[object]]]:
    """The template's sheets with a roster, scores (per student, in assessment order) and times."""
    sheets = copy.deepcopy(template_rows())
    students = students or []
    for sid, last, first in students:
        sheets["Roster"].append([sid, last, first, f"{first.lower()}@example.edu", "001"])
    for sid, _, _ in students:
        row = (scores or {}).get(sid, [100] * (len(sheets["Scores"][0]) - 1))
        sheets["Scores"].append([sid, *row])
    for sid, times in (submitted or {}).items():
        sheets["Submitted"].append([sid, *times])
    return sheets


def due(name: str) -> dt.datetime:
    """The template's due time of an assessment."""
    for row in template_rows()["Assessments"][1:]:
        if row[0] == name:
            return row[3]
    raise KeyError(name)


# A small class whose every number is worked by hand (tests/test_process.py checks them all).
FULL = [100] * 9
WORKED_STUDENTS = [
    ("S01", "Lovelace", "Ada"),  # everything on time
    ("S02", "Hopper", "Grace"),  # HW3: 95, 2 days 1 minute late -> 3 days, 80
    ("S03", "Turing", "Alan"),  # 93 everywhere -> the uncovered 93, POLICY_GAP
    ("S04", "Noether", "Emmy"),  # HW1 missing
    ("S05", "Curie", "Marie"),  # HW2 excused
    ("S06", "Shannon", "Claude"),  # incomplete by override
    ("00123", "Knuth", "Donald"),  # HW1 72 h + 1 s late: rejected; an ID with a leading zero
]
WORKED_SCORES = {
    "S01": FULL,
    "S02": [100, 100, 95, 100, 100, 100, 100, 100, 100],
    "S03": [93] * 9,
    "S04": [None, 100, 100, 100, 100, 100, 100, 100, 100],
    "S05": [90, "EX", 90, 90, 90, 90, 90, 90, 90],
    "S06": [80] * 9,
    "00123": FULL,
}


def worked_sheets() -> dict[str, list[list[object]]]:
    """The worked class as gradebook sheets, with its submission times and the override."""
    submitted = {
        "S01": [due("HW1"), due("HW2")],
        "S02": [None, None, due("HW3") + dt.timedelta(days=2, minutes=1)],
        "00123": [due("HW1") + dt.timedelta(hours=72, seconds=1)],
    }
    sheets = syllabus_sheets(WORKED_STUDENTS, WORKED_SCORES, submitted)
    sheets["Overrides"].append(["S06", "I", "Incomplete: medical leave"])
    return sheets


# The Grades columns for the syllabus's categories, in the contract's order.
SYLLABUS_GRADES_COLUMNS = [
    "Student ID",
    "Last name",
    "First name",
    "Section",
    "Homework %",
    "Project proposal/presentation %",
    "Project report %",
    "Class participation %",
    "Total",
    "Letter",
    "Registrar code",
    "Flags",
    "Notes",
]
