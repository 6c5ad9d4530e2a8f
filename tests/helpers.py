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
