"""The graded workbook: Grades, Details, Summary and Run, then the instructor's own sheets.

`write_workbook` lays the sheets out in that order; the Summary is built in
`gradeproc.write.summary`, the shaded scores and comments chosen in
`gradeproc.write.annotate`, and every format comes from `gradeproc.write.style`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from gradeproc.errors import WARNING, Finding
from gradeproc.read import KNOWN_COLUMNS
from gradeproc.write import annotate, style
from gradeproc.write.cells import (
    Column,
    SheetWriter,
    column_widths,
    new_workbook,
    plain,
    row_widths,
    to_columns,
)
from gradeproc.write.summary import letter_order, write_summary

if TYPE_CHECKING:
    from xlsxwriter.workbook import Workbook as XlsxWorkbook

    from gradeproc.compute import Grading
    from gradeproc.read import Sheet, Workbook
    from gradeproc.validation import Gradebook


# Details rows (students x assessments) up to which a graded workbook is built in memory.
# constant_memory costs a temporary file per sheet and per package part (a third of a
# 40-student book's writing time); in memory, a 200 x 25 book takes about 20 MB more
# (measured: 134 MB peak against 112). Larger books keep constant_memory, whose memory
# does not grow with the rows and whose per-file cost no longer shows.
IN_MEMORY_ROWS = 5_000


def memory_options(details_rows: int) -> dict[str, bool]:
    """xlsxwriter's memory mode for a graded workbook of `details_rows` Details rows."""
    if details_rows <= IN_MEMORY_ROWS:
        return {"constant_memory": False, "in_memory": True}
    return {"constant_memory": True, "in_memory": False}


def write_workbook(
    path: Path,
    grading: Grading,
    gradebook: Gradebook,
    workbook: Workbook,
    run_info: list[tuple[str, object]],
    warnings: list[str],
) -> list[Finding]:
    """The graded workbook. Returns what it could not hold as asked (Excel's limits),
    which its Run sheet lists after `warnings`, for the caller to report as well."""
    book = new_workbook(path, **memory_options(len(grading.details)))
    writer = SheetWriter(book, style.formats(book))
    grades = grading.grades
    flagged_rows = annotate.flagged_rows(grades)
    shaded = annotate.shaded_cells(grading)
    flagged, marked = int(flagged_rows.sum()), int(shaded.sum())
    grade_comments = flagged <= annotate.MAX_COMMENTS
    score_comments = marked <= annotate.MAX_COMMENTS
    limits: list[Finding] = []
    if not grade_comments:
        limits.append(
            _limit(
                "Grades",
                f"{flagged:,} flagged students, more than the {annotate.MAX_COMMENTS:,} cell "
                "comments a sheet gets; their Notes are in the Notes column only",
            )
        )
    if not score_comments:
        limits.append(
            _limit(
                "Scores",
                f"{marked:,} shaded cells, more than the {annotate.MAX_COMMENTS:,} cell comments "
                "a sheet gets; the Details sheet says what happened to each",
            )
        )
    detail_sheets = details_sheets(len(grading.details), len(gradebook.assessments))
    if len(detail_sheets) > 1:
        limits.append(
            _limit(
                "Details",
                f"{len(grading.details):,} rows, more than the {EXCEL_ROWS - 1:,} an Excel sheet "
                f"holds; they continue on {', '.join(t for t, _, _ in detail_sheets[1:])}, "
                "each student's rows on one sheet",
            )
        )
    warnings = [*warnings, *(str(f) for f in limits)]
    title = style.course_title(gradebook.policy)
    _write_grades(book, writer, grading, gradebook, flagged_rows if grade_comments else None)
    _write_details(book, writer, grading, detail_sheets, title)
    write_summary(book, writer, grading.grades, gradebook, grading.details)
    _write_run(book, writer, run_info, warnings, title)

    ours = ["Grades", "Summary", "Run", *(t for t, _, _ in detail_sheets)]
    titles = input_sheet_titles([workbook.sheets[n].title for n in workbook.order], ours)
    for name, sheet_title in zip(workbook.order, titles, strict=True):
        source = workbook.sheets[name]
        _write_input_sheet(
            book,
            writer,
            sheet_title,
            name,
            source,
            grading,
            shaded,
            gradebook.sheet_rows.get(name, pd.Series(dtype="int64")),
            score_comments,
            title,
        )
    book.close()
    return limits


def setting_text(value: object) -> str:
    """A Policy setting as the instructor typed it: `5`, not `5.0`; `0.5` stays `0.5`."""
    if isinstance(value, float) and math.isfinite(value):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def input_sheet_titles(titles: list[str], ours: list[str]) -> list[str]:
    """The graded workbook's name for each input sheet: its own, unless one of gradeproc's
    sheets has it (an instructor's own "Summary"); then "Summary (input)", "Summary (input 2)"...

    Names compare as Excel compares them (case ignored), at most 31 characters, and a new
    name is never one the instructor already uses, wherever that sheet comes in the book.
    """
    used = {t.casefold() for t in ours}
    keep = [t.casefold() not in used for t in titles]
    used |= {t.casefold() for t, kept in zip(titles, keep, strict=True) if kept}
    result: list[str] = []
    for title, kept in zip(titles, keep, strict=True):
        candidate, n = title, 1
        while not kept:
            suffix = " (input)" if n == 1 else f" (input {n})"
            candidate = title[: 31 - len(suffix)] + suffix
            kept = candidate.casefold() not in used
            n += 1
        used.add(candidate.casefold())
        result.append(candidate)
    return result


def _limit(sheet: str, message: str) -> Finding:
    return Finding("output-limit", message, sheet, None, WARNING)


# Written before a sheet's rows, everything below: constant_memory mode writes each row once,
# so a column format or a comment addressed to a row already written would be lost.


def _write_grades(
    book: XlsxWorkbook,
    writer: SheetWriter,
    grading: Grading,
    gradebook: Gradebook,
    flagged: np.ndarray | None,
) -> None:
    """Frozen names, filters, two-decimal percentages, letters coloured, flags explained
    (a comment on each `flagged` row's Flags cell; None: no comments)."""
    formats = writer.formats
    grades = grading.grades
    columns = list(grades.columns)
    n = len(grades)
    sheet = book.add_worksheet("Grades")
    sheet.freeze_panes(1, 3)
    table = to_columns(grades)
    widths = column_widths(
        sheet,
        table,
        fixed={"Notes": (70, formats["wrap"]), "Flags": (26, formats["wrap"])},
        column_format=formats["top"],  # a tall row reads from its top line
        formats={"Letter": formats["centre_top"], "Registrar code": formats["centre_top"]},
    )
    # LibreOffice keeps rows at the height written: give rows with wrapped text theirs.
    for r, height in style.row_heights(grades, {"Notes": 70, "Flags": 26}).items():
        sheet.set_row(r + 1, height)
    if flagged is not None:
        annotate.flag_comments(sheet, grades, columns.index("Flags"), flagged)
    percent_columns = {c: "percent" for c in columns if c.endswith(" %") or c == "Total"}
    last = writer.frame(sheet, table, column_formats=percent_columns)
    sheet.autofilter(0, 0, max(last - 1, 1), len(columns) - 1)
    if "Letter" in columns:
        letters = letter_order(grades["Letter"], gradebook.policy.letter_order)
        style.letter_formats(sheet, 1, n, columns.index("Letter"), letters, formats)
    if "Flags" in columns:
        style.flag_formats(sheet, 1, n, columns.index("Flags"), formats["action"])
    names = [c for c in ("Student ID", "Last name", "First name") if c in columns]
    style.print_setup(
        sheet,
        header_row=0,
        widths=widths,
        title=style.course_title(gradebook.policy),
        repeat_columns=len(names),
    )
    style.ignore_id_warnings(sheet)


# Rows an Excel sheet holds. xlsxwriter ignores a cell past it without an error, so a
# Details sheet that would pass it continues on "Details (2)" and so on.
EXCEL_ROWS = 1_048_576


def details_sheets(n_rows: int, n_items: int) -> list[tuple[str, int, int]]:
    """(title, first row, stop) of each Details sheet, whole students on each."""
    per_sheet = EXCEL_ROWS - 1  # below the header
    if 0 < n_items <= per_sheet:
        per_sheet -= per_sheet % n_items
    starts = range(0, n_rows, per_sheet) if n_rows else [0]
    return [
        ("Details" if k == 0 else f"Details ({k + 1})", first, min(first + per_sheet, n_rows))
        for k, first in enumerate(starts)
    ]


def student_names(grades: pd.DataFrame) -> np.ndarray:
    """`Last, First` per Grades row (whichever of the two is given; None when neither)."""
    lasts, firsts = (
        ["" if v is None else str(v) for v in plain(grades[c].to_numpy(dtype=object))]
        for c in ("Last name", "First name")
    )
    names = [
        f"{last}, {first}" if last.strip() and first.strip() else (last + first) or None
        for last, first in zip(lasts, firsts, strict=True)
    ]
    return np.array(names, dtype=object)


def name_column(details: pd.DataFrame, grades: pd.DataFrame, names: np.ndarray) -> Column:
    """The Details rows' `Name` (`student_names` of `grades`): whose row it is, at a glance."""
    ids = details["Student ID"]
    if isinstance(ids.dtype, pd.CategoricalDtype) and ids.cat.categories.equals(
        pd.Index(grades["Student ID"])
    ):
        rows = ids.cat.codes.to_numpy()  # Details lists students in Grades order
    else:
        rows = pd.Index(grades["Student ID"]).get_indexer(ids)
    padded = np.append(names, np.array([None], dtype=object))  # no Grades student: no name
    return Column("Name", "text", padded[np.where(rows >= 0, rows, len(names))])


# Details' number columns are narrow, their two-word headers wrapping, so the sheet prints
# one page wide at a readable size.
DETAIL_NUMBER_WIDTHS: dict[str, float] = {
    "Max points": 9,
    "Raw score": 9,
    "Days late": 9,
    "Deduction": 11,
    "Final score": 9,
}


def _write_details(
    book: XlsxWorkbook,
    writer: SheetWriter,
    grading: Grading,
    sheets: list[tuple[str, int, int]],
    title: str = "",
) -> None:
    names = student_names(grading.grades)
    for sheet_title, first, stop in sheets:
        details = grading.details.iloc[first:stop]
        columns = to_columns(details)
        at = list(details.columns).index("Student ID") + 1 if "Student ID" in details else 0
        columns.insert(at, name_column(details, grading.grades, names))
        sheet = book.add_worksheet(sheet_title)
        sheet.freeze_panes(1, 3)
        widths = column_widths(
            sheet,
            columns,
            formats={"Status": writer.formats["centre"]},
            narrow=DETAIL_NUMBER_WIDTHS,
        )
        last = writer.frame(sheet, columns)
        sheet.autofilter(0, 0, max(last - 1, 1), len(columns) - 1)
        if "Status" in details:
            status = [c.name for c in columns].index("Status")
            style.status_formats(sheet, 1, len(details), status, writer.formats)
        style.print_setup(sheet, header_row=0, widths=widths, title=title, repeat_columns=3)
        style.ignore_id_warnings(sheet)


def _write_input_sheet(
    book: XlsxWorkbook,
    writer: SheetWriter,
    title: str,
    name: str,
    source: Sheet,
    grading: Grading,
    shaded: np.ndarray,
    student_rows: pd.Series,
    comments: bool = True,
    course: str = "",
) -> None:
    """An instructor's sheet with its values; on Scores, the exceptional scores shaded."""
    sheet = book.add_worksheet(title)
    rows = source.rows
    cell_formats: dict[tuple[int, int], object] = {}
    header = source.header_row - 1  # 0-based
    if name == "Scores":
        rows, cell_formats = annotate.mark_scores(
            sheet,
            writer.formats,
            source,
            grading,
            shaded,
            student_rows,
            comments,
        )
    if name in KNOWN_COLUMNS and header < len(rows):  # a contract sheet: its header stands out
        for c, value in enumerate(rows[header]):
            if value is not None and value != "":
                cell_formats.setdefault((header, c), writer.formats["header"])
        sheet.freeze_panes(header + 1, 1 if "Student ID" in source.frame.columns else 0)
    widths = row_widths(sheet, rows)
    if "Student ID" in source.frame.columns:
        style.ignore_id_warnings(sheet)
    style.print_setup(
        sheet,
        header_row=header if rows else None,
        widths=widths,
        title=course,
        repeat_columns=1 if "Student ID" in source.frame.columns else 0,
    )
    writer.rows(sheet, rows, cell_formats)


def _write_run(
    book: XlsxWorkbook, writer: SheetWriter, run_info, warnings: list[str], title: str = ""
) -> None:
    """The run as a page: a title, a section per kind of fact, every warning in full."""
    formats = writer.formats
    sheet = book.add_worksheet("Run")
    sheet.set_column(0, 0, 34, formats["label"])
    sheet.set_column(1, 1, 100, formats["value"])
    sheet.set_row(0, 24)
    sheet.write(0, 0, "gradeproc run", formats["title"])

    def heading(r: int, text: str) -> None:
        sheet.write(r, 0, text, formats["heading"])
        sheet.write_blank(r, 1, None, formats["heading"])

    row = 2
    if run_info and run_info[0][1] is not None:
        heading(row, "This run")
        row += 1
    for label, value in run_info:
        if value is None:
            row += 1
            heading(row, label)
        else:
            sheet.write(row, 0, label, formats["label"])
            sheet.write(row, 1, value, formats["value"])
        row += 1
    row += 1
    heading(row, f"Warnings ({len(warnings)})")
    row += 1
    if not warnings:
        sheet.write(row, 1, "none", formats["value"])
    for number, message in enumerate(warnings, 1):
        sheet.write(row, 0, f"Warning {number}", formats["label"])
        sheet.write(row, 1, message, formats["value"])
        row += 1
    style.print_setup(sheet, header_row=0, gridlines=False, widths=[34, 100], title=title)
