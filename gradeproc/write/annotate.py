"""The cells that get something of their own: each exceptional score on the Scores sheet
(shaded, with a comment saying what happened, and a legend), and a comment with the Notes on
a flagged student's Flags cell.

Only these exceptions are visited. Comments are kept apart from the cell data by xlsxwriter,
so they are written before a sheet's rows (constant_memory writes each row once).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd

from gradeproc.compute import STATUSES, Status, status_names
from gradeproc.read import normalise
from gradeproc.sentences import score_comments
from gradeproc.write.cells import fit_cell
from gradeproc.write.style import SCORE_KINDS

if TYPE_CHECKING:
    from xlsxwriter.worksheet import Worksheet

    from gradeproc.compute import Grading
    from gradeproc.read import Sheet


# A cell comment's box, in pixels; Excel's default (128 x 74) hides most of a sentence.
COMMENT_WIDTH = 360
COMMENT_CHARS_PER_LINE = 52
COMMENT_LINE_PX = 16


def column_number(letters: str) -> int:
    """Excel column letters -> 0-based index (A -> 0, AA -> 26)."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def comment_options(text: str, width: int = COMMENT_WIDTH) -> dict[str, object]:
    """A comment box big enough to read its text without resizing it."""
    return {"width": width, "height": _comment_height(text, width)}


@functools.lru_cache(maxsize=4096)  # Scores comments repeat a few hundred texts
def _comment_height(text: str, width: int) -> int:
    chars = max(12, int(COMMENT_CHARS_PER_LINE * width / COMMENT_WIDTH))
    lines = sum(max(1, math.ceil(len(line) / chars)) for line in text.split("\n"))
    return 10 + COMMENT_LINE_PX * lines


# A column width counts "0" digits; a line of ordinary text holds about a quarter more
# characters (measured on LibreOffice's rendering of Notes).
_SENTENCE_BREAK = re.compile(r"(?<=[.)])\s+(?=[A-Z][A-Za-z0-9 /_-]*:|Total |Letter |Extension )")


def note_lines(notes: pd.Series) -> pd.Series:
    """The Notes of a student, one sentence per line (for a comment)."""
    return notes.str.replace(_SENTENCE_BREAK, "\n", regex=True)


# --- the Scores sheet's exceptions -----------------------------------------------------------


class ScoreMark(NamedTuple):
    """One shaded Scores cell: 0-based row and column, its status, and the comment text."""

    row: int
    col: int
    status: str
    comment: str


def score_marks(
    grading: Grading, shaded: np.ndarray, sheet: Sheet | None, student_rows: pd.Series
) -> list[ScoreMark]:
    """The Scores cells that were penalised, rejected, missing, excused or dropped
    (`shaded_cells`), where the sheet has them.

    `student_rows` is each student's Excel row on the sheet (`Gradebook.sheet_rows`); the
    sheet's headers map to column letters, matched to assessment names as validation matches
    them (case and spaces ignored).
    Only these exceptions are visited; the rest of the sheet is not looked at.
    """
    facts = grading.facts
    items = facts.gradebook.assessments.index
    students = facts.gradebook.roster.index
    if sheet is None or not facts.status.size or "Student ID" not in sheet.frame.columns:
        return []
    names = {normalise(a): a for a in items}
    columns: dict[str, int] = {}
    for label, letter in sheet.letters.items():
        name = names.get(normalise(label)) if label != "Student ID" else None
        if name is not None and name not in columns:
            columns[name] = column_number(letter)
    # Each student's Excel row, as validation recorded it (their first row on the sheet).
    rows = student_rows.reindex(students).to_numpy(dtype="float64") - 1  # 0-based
    cols = np.array([columns.get(a, -1) for a in items], dtype=np.int64)
    mask = shaded & ~np.isnan(rows)[:, None] & (cols >= 0)[None, :]
    i, j = np.nonzero(mask)
    if not len(i):
        return []
    texts = score_comments(facts, i, j)
    kinds = status_names(facts.status[i, j]).tolist()
    return list(map(ScoreMark, rows[i].astype(np.int64).tolist(), cols[j].tolist(), kinds, texts))


def shaded_cells(grading: Grading) -> np.ndarray:
    """Students × assessments (as `grading.status`): the scores the Scores sheet shades.

    UNGRADED is shaded where work was handed in; under `blank_scores = ignore` a blank
    with no submission time is UNGRADED too, but there is nothing to act on yet.
    """
    codes = grading.facts.status
    kinds = [STATUSES.index(kind) for kind in SCORE_KINDS]
    handed_in = grading.facts.handed_in()
    return np.isin(codes, kinds) & ((codes != STATUSES.index(Status.UNGRADED)) | handed_in)


def flagged_rows(grades: pd.DataFrame) -> np.ndarray:
    """Per Grades row: the student has a flag and Notes, so the Flags cell gets a comment."""
    flags, notes = (grades[c].to_numpy(dtype=object).tolist() for c in ("Flags", "Notes"))
    return np.array([_said(f) and _said(n) for f, n in zip(flags, notes, strict=True)], dtype=bool)


def _said(value: Any) -> bool:
    return not pd.isna(value) and str(value).strip() != ""


# Comments per sheet at most. Each costs xlsxwriter about 70 µs (a VML shape apiece) and Excel
# itself grows sluggish with tens of thousands; above this the Notes column and the Details
# sheet carry the same words, and the Run sheet says the comments were left out.
MAX_COMMENTS = 5_000


def legend_rows(kinds: Iterable[str], comments: bool = True) -> list[tuple[str, str | None]]:
    """(text, status or None) lines of the Scores legend, for the kinds that occur."""
    occurring = set(kinds)
    present = [s for s in SCORE_KINDS if s in occurring]
    if not present:
        return []
    lines: list[tuple[str, str | None]] = [("Legend (gradeproc)", None)]
    lines += [(SCORE_KINDS[s].label, s) for s in present]
    if comments:
        lines.append(("Point at a shaded cell for what happened.", ""))
    else:
        lines.append(("The Details sheet says what happened to each shaded cell.", ""))
    return lines


def flag_comments(sheet: Worksheet, grades: pd.DataFrame, col: int, flagged: np.ndarray) -> None:
    """A comment with the Notes, one sentence a line, on each `flagged_rows` Flags cell."""
    if not flagged.any():
        return
    sheet.set_comments_author("gradeproc")
    rows = (np.flatnonzero(flagged) + 1).tolist()
    for r, text in zip(rows, note_lines(grades["Notes"][flagged]).tolist(), strict=True):
        text = fit_cell(text)
        sheet.write_comment(r, col, text, comment_options(text))


def mark_scores(
    sheet: Worksheet,
    formats: dict[str, object],
    source: Sheet,
    grading: Grading,
    shaded: np.ndarray,
    student_rows: pd.Series,
    comments: bool = True,
) -> tuple[list[list[object]], dict[tuple[int, int], object]]:
    """Shade each late, rejected, missing, excused or dropped score, say why in a comment,
    and add a legend to the right of the data (in columns the gradebook's reader ignores:
    their header cell stays blank)."""
    marks = score_marks(grading, shaded, source, student_rows)
    if not marks:
        return source.rows, {}
    sheet.set_comments_author("gradeproc")
    cell_formats: dict[tuple[int, int], object] = {}
    for mark in marks:
        cell_formats[(mark.row, mark.col)] = formats[f"score_{mark.status}"]
        if comments:
            sheet.write_comment(
                mark.row, mark.col, mark.comment, comment_options(mark.comment, 240)
            )
    rows = list(source.rows)
    legend_col = max((len(r) for r in rows), default=0) + 1
    top = source.header_row  # the row below the header, 0-based
    for offset, (text, status) in enumerate(legend_rows((m.status for m in marks), comments)):
        r = top + offset
        rows.extend([] for _ in range(r + 1 - len(rows)))
        row = list(rows[r])
        row += [None] * (legend_col - len(row))
        rows[r] = [*row[:legend_col], text, *row[legend_col + 1 :]]
        if status is None:
            cell_formats[(r, legend_col)] = formats["bold"]
        elif status == "":
            cell_formats[(r, legend_col)] = formats["note"]
        else:
            cell_formats[(r, legend_col)] = formats[f"score_{status}"]
    return rows, cell_formats
