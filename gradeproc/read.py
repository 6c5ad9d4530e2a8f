"""Read a gradebook's sheets into raw frames, one edge of the pipeline.

Values stay exactly as the cells hold them (numbers, text, datetimes); typing them is
validation's job, so that a bad cell becomes a finding with its place, not a crash here.
Each frame's index is the Excel row number and `columns` maps each header to its Excel
column letter, so any finding can name `Sheet!Cell`.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import re
from dataclasses import dataclass, field, replace
from itertools import islice
from pathlib import Path

import numpy as np
import pandas as pd

from gradeproc import safety  # by module: tests stand in for its readers
from gradeproc.codes import Code
from gradeproc.errors import ERROR, WARNING, FileProblem, Finding, column_letter
from gradeproc.parse import is_blank
from gradeproc.safety import SheetCells, shown_name

# Contract sheets and the columns each must or may have, in their canonical spelling.
REQUIRED_SHEETS = ("Policy", "Categories", "Letters", "Assessments", "Roster", "Scores")
OPTIONAL_SHEETS = ("Submitted", "Extensions", "Overrides", "Sections")
KNOWN_COLUMNS: dict[str, tuple[str, ...]] = {
    "Policy": ("Setting", "Value"),
    "Categories": ("Category", "Weight", "Aggregation", "Drop lowest"),
    "Letters": ("Letter", "Range", "Registrar code"),
    "Assessments": ("Assessment", "Category", "Max points", "Due", "Late policy"),
    "Roster": (
        "Student ID",
        "Last name",
        "First name",
        "Email",
        "Section",
        "Last attended",
        "CRN",
        "Grading basis",
        "Registrar comment",
    ),
    "Sections": ("Section", "CRN"),
    "Scores": ("Student ID",),
    "Submitted": ("Student ID",),
    "Extensions": ("Student ID", "Assessment", "Extra days", "New due", "Reason"),
    "Overrides": (
        "Student ID",
        "Letter",
        "Reason",
        "Incomplete final grade",
        "Extension date",
    ),
}


# Characters no one sees in a cell: zero-width space, non-joiner and joiner, word joiner,
# byte order mark, soft hyphen. Copied from web pages and LMS exports; ignored everywhere.
INVISIBLE = {
    "\u200b": "zero-width space",
    "\u200c": "zero-width non-joiner",
    "\u200d": "zero-width joiner",
    "\u2060": "word joiner",
    "\ufeff": "byte order mark",
    "\u00ad": "soft hyphen",
}
_DROP_INVISIBLE = str.maketrans(dict.fromkeys(INVISIBLE, None))
_INVISIBLE_RX = "[" + "".join(INVISIBLE) + "]"


def visible(text: str) -> str:
    """The text without invisible characters (see INVISIBLE)."""
    return text.translate(_DROP_INVISIBLE)


def normalise(text: object) -> str:
    """How headers and sheet names are compared: case, spaces and invisible characters ignored."""
    return " ".join(visible(str(text)).split()).casefold()


@dataclass
class Sheet:
    """One worksheet: `frame` holds the data rows under their headers, as typed in the cells."""

    name: str
    title: str
    frame: pd.DataFrame
    letters: dict[str, str]
    header_row: int
    rows: list[list[object]] = field(repr=False, default_factory=list)
    # Cells (`C2`) holding a number formatted as a percentage: validation decides what they mean.
    percent_cells: frozenset[str] = field(repr=False, default=frozenset())
    # Cells whose text held invisible characters, dropped when read.
    invisible_cells: list[str] = field(repr=False, default_factory=list)
    # Non-blank rows above the header (a title), not read.
    title_rows: int = 0

    def cell(self, column: str, row: int) -> str:
        return f"{self.letters.get(column, '?')}{row}"

    @property
    def header_cells(self) -> dict[str, str]:
        return {c: f"{letter}{self.header_row}" for c, letter in self.letters.items()}


@dataclass
class Workbook:
    """Everything read from the file, before any judgement about it."""

    path: Path
    sha256: str
    sheets: dict[str, Sheet]
    order: list[str]
    inspection_findings: list[Finding] = field(default_factory=list)

    def get(self, name: str) -> Sheet | None:
        return self.sheets.get(name)


# How far down a contract sheet's header may be (below a title row, say).
HEADER_SEARCH_ROWS = 5


def _header_index(name: str, rows: list[list[object]]) -> int | None:
    """The header row (0-based): the first non-blank row, unless one of the next few
    non-blank rows holds one of the sheet's own columns (a title row above the header)."""
    filled = (i for i, row in enumerate(rows) if any(not is_blank(v) for v in row))
    first = next(filled, None)
    known = {normalise(c) for c in KNOWN_COLUMNS.get(name, ())}
    if first is None or not known:
        return first
    candidates = [first, *islice(filled, HEADER_SEARCH_ROWS - 1)]
    for i in candidates:
        if any(isinstance(v, str) and normalise(v) in known for v in rows[i]):
            return i
    return first


def sheet_from_rows(
    name: str, title: str, rows: list[list[object]], *, invisible: bool = True
) -> Sheet:
    """Header = the first non-blank row (on a contract sheet, the first of the first few that
    holds one of its columns); fully blank rows below it are ignored.

    `rows[i]` is Excel row i + 1; an empty list is an absent row (sparse sheets). On a
    contract sheet, invisible characters are dropped from text cells, and their cells listed
    (`invisible=False`: the caller knows there are none).
    """
    header_index = _header_index(name, rows)
    if header_index is None:
        return Sheet(name, title, pd.DataFrame(), {}, 1, rows)
    contract = name in KNOWN_COLUMNS
    cleaned: list[str] = []
    header = rows[header_index]
    canonical = {normalise(c): c for c in KNOWN_COLUMNS.get(name, ())}
    columns: list[str] = []
    letters: dict[str, str] = {}
    positions: list[int] = []
    for pos, raw in enumerate(header):
        if is_blank(raw):
            continue
        text = raw if isinstance(raw, str) else _header_text(raw)
        if contract and visible(text) != text:
            cleaned.append(f"{column_letter(pos)}{header_index + 1}")
            text = visible(text)
            if not text.strip():
                continue
        label = canonical.get(normalise(text), " ".join(text.split()))
        if label in letters:  # a repeated header: the first one counts, the twin is reported
            label = f"{label} ({column_letter(pos)})"
        columns.append(label)
        letters[label] = column_letter(pos)
        positions.append(pos)
    body = rows[header_index + 1 :]
    # Blank cells become None and fully blank rows are left out in the same pass over the
    # cells: one Python loop, rather than pandas masks per column (costly on small sheets).
    data: list[list[object]] = []
    index: list[int] = []
    for number, row in enumerate(body, start=header_index + 2):
        width = len(row)
        values = [_cell_value(row[p]) if p < width else None for p in positions]
        if any(v is not None for v in values):
            data.append(values)
            index.append(number)
    cells = np.empty((len(data), len(columns)), dtype=object)  # filled row by row: no
    for i, values in enumerate(data):  # guessing of a 2-D shape from the nested lists
        cells[i] = values
    frame = pd.DataFrame(
        cells,
        columns=_header_index_of(tuple(columns)),
        index=pd.Index(np.array(index, dtype=np.int64)) if index else pd.RangeIndex(0),
        dtype=object,
        copy=False,
    )
    if len(frame) and contract and invisible:
        found = _drop_invisible(frame, letters)
        if found:  # a cell that held only invisible characters is blank now
            cleaned += found
            frame = frame.map(_cell_value)
            frame = frame[frame.notna().any(axis=1)]
    sheet = Sheet(name, title, frame, letters, header_index + 1, rows)
    sheet.invisible_cells = cleaned
    if contract and any(not is_blank(v) for row in rows[:header_index] for v in row):
        sheet.title_rows = header_index
    return sheet


@functools.lru_cache(maxsize=512)
def _header_index_of(columns: tuple[str, ...]) -> pd.Index:
    """A header's column index, built once per process for each header seen (pandas infers
    the text type of the labels on every build: a tenth of a millisecond a sheet). An index
    is immutable, so frames share it."""
    return pd.Index(columns)


def _drop_invisible(frame: pd.DataFrame, letters: dict[str, str]) -> list[str]:
    """Remove invisible characters from the frame's text cells; the cells they were in."""
    cells: list[str] = []
    everything = frame.to_numpy(dtype=object).ravel()
    text = "".join([v for v in everything if type(v) is str])
    if not any(ch in text for ch in INVISIBLE):
        return cells  # the common case, at the cost of one pass over the cells
    for label in frame.columns:
        column = frame[label]
        is_text = np.array([type(v) is str for v in column.tolist()], dtype=bool)
        if not is_text.any():
            continue
        texts = column[is_text]
        hit = texts.str.contains(_INVISIBLE_RX, regex=True)
        if hit.any():
            rows = hit.index[hit.to_numpy()]
            frame.loc[rows, label] = texts[hit].map(visible)
            cells += [f"{letters[label]}{r}" for r in rows]
    return cells


def _header_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# The cell types that are never blank (their values are kept as they are).
_KEPT_TYPES = frozenset((int, bool, dt.datetime, dt.date, dt.time, dt.timedelta, pd.Timestamp))


def _cell_value(value: object) -> object:
    """A cell as the frame holds it: None for a blank (empty, NaN, or spaces only)."""
    if value is None:
        return None
    if type(value) is str:  # exact types, the readers' own: cheaper than isinstance
        return value if value.strip() else None
    if type(value) is float:
        return None if value != value else value
    if type(value) in _KEPT_TYPES:
        return value
    return None if pd.isna([value])[0] else value  # NaT and any other blank


def read_workbook(path: str | Path) -> Workbook:
    """Open a gradebook file after the zip-level safety checks, and read every sheet."""
    path = Path(path)
    data = safety.read_gradebook_bytes(path)  # read once: the hash names the bytes that are graded
    inspection = safety.inspect_workbook_file(path, data)
    sha = hashlib.sha256(data).hexdigest()

    def unreadable(exc: Exception) -> str:
        return (
            f"{shown_name(path)} could not be read as an Excel workbook ({exc}). "
            "Open it in your spreadsheet program and save it again as .xlsx."
        )

    book = safety.open_workbook(path, data, unreadable)
    wanted = {normalise(n): n for n in REQUIRED_SHEETS + OPTIONAL_SHEETS}
    sheets: dict[str, Sheet] = {}
    order: list[str] = []
    error_findings: list[Finding] = []
    for title in book.sheet_names:
        name = wanted.get(normalise(title), title)
        if name in sheets:  # two sheets that differ only by case or spaces
            name = title
        cells = inspection.sheet_cells.get(title)
        rows = _read_rows(book, path, data, title, cells)
        sheets[name] = sheet_from_rows(name, title, rows, invisible=inspection.invisible_text)
        error_findings.extend(_layout_findings(sheets[name]))
        if cells is not None:
            sheets[name].percent_cells = frozenset(cells.percent)
            error_findings.extend(_error_findings(name, cells))
            error_findings.extend(_percent_findings(sheets[name]))
        order.append(name)
    missing = [n for n in REQUIRED_SHEETS if n not in sheets]
    if missing:
        listed = ", ".join(f'"{n}"' for n in missing)
        raise FileProblem(
            f"{shown_name(path)} has no {listed} sheet{'s' if len(missing) > 1 else ''}. "
            f"A gradebook needs the sheets {', '.join(REQUIRED_SHEETS)}; "
            "`gradeproc init NEW.xlsx` writes one to start from."
        )
    by_title = {sheet.title: name for name, sheet in sheets.items()}
    findings = [
        f if f.sheet is None else replace(f, sheet=by_title.get(f.sheet, f.sheet))
        for f in inspection.findings
    ]
    return Workbook(path, sha, sheets, order, [*error_findings, *findings])


# A sheet whose cells reach much further than they fill (one stray value at XFD1048576) is
# read cell by cell: the fast reader allocates the whole rectangle the cells span.
SPARSE_SLACK_CELLS = 250_000

ERROR_CELL_CODE = Code.ERROR_CELL
MSG_ERROR_CELL = (
    "holds the error {error}; correct the formula or type the value in, and save the workbook again"
)
MSG_ERROR_CELL_COPIED = (
    "holds the error {error}; gradeproc does not read this sheet, and copies the cell into "
    "the graded workbook as a blank"
)
MSG_ERROR_CELL_MORE = "and {count:,} more cells in this sheet hold errors such as #N/A"
MSG_SHEET_UNREADABLE = (
    '{name} could not be read: its sheet "{sheet}" is damaged ({reason}); open the workbook '
    "in Excel or LibreOffice and save it again."
)
_MAX_REASON = 160


def is_sparse(cells: SheetCells | None) -> bool:
    """Whether a sheet's cells fill so little of the rectangle they span that it is read sparsely."""
    return cells is not None and cells.area > 2 * cells.cells + SPARSE_SLACK_CELLS


def _error_findings(name: str, cells: SheetCells) -> list[Finding]:
    """Every error cell is a finding: an error in a sheet gradeproc reads stops the run."""
    contract = name in KNOWN_COLUMNS
    template = MSG_ERROR_CELL if contract else MSG_ERROR_CELL_COPIED
    severity = ERROR if contract else WARNING
    findings = [
        Finding(ERROR_CELL_CODE, template.format(error=error), name, cell or None, severity)
        for cell, error in cells.errors
    ]
    more = cells.error_count - len(cells.errors)
    if more > 0:
        message = MSG_ERROR_CELL_MORE.format(count=more)
        findings.append(Finding(ERROR_CELL_CODE, message, name, None, severity))
    return findings


PERCENT_CELL_CODE = Code.PERCENT_CELL
_CELL_REF = re.compile(r"^([A-Z]+)(\d+)$")


def _percent_findings(sheet: Sheet) -> list[Finding]:
    """A number shown as a percentage in a contract sheet other than Scores is refused:
    `5%` as a late penalty or `40%` as a weight holds 0.05 or 0.4, and which one was meant
    is not for gradeproc to guess. (Scores are read as a share of max points.)"""
    if sheet.name == "Scores" or sheet.name not in KNOWN_COLUMNS or not sheet.percent_cells:
        return []
    findings: list[Finding] = []
    for ref in sorted(sheet.percent_cells):
        match = _CELL_REF.match(ref)
        if match is None:
            continue
        col = sum((ord(ch) - 64) * 26**i for i, ch in enumerate(reversed(match.group(1)))) - 1
        row = int(match.group(2)) - 1
        values = sheet.rows[row] if row < len(sheet.rows) else []
        value = values[col] if col < len(values) else None
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            continue
        shown = f"{round(value * 100, 9):g}"
        findings.append(
            Finding(
                PERCENT_CELL_CODE,
                f"shows {shown}% but holds the number {value:g}; type {shown} (or whatever "
                "number you mean) in a cell formatted as a plain number",
                sheet.name,
                ref,
            )
        )
    return findings


INVISIBLE_CODE = Code.INVISIBLE_CHARACTERS
TITLE_ROWS_CODE = Code.TITLE_ROWS


def _layout_findings(sheet: Sheet) -> list[Finding]:
    """Warnings for what reading a contract sheet quietly got past: invisible characters
    dropped from its cells, title rows above its header."""
    findings: list[Finding] = []
    cells = sheet.invisible_cells
    if cells:
        first_row = sheet.rows[int(cells[0].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) - 1]
        raw = next((v for v in first_row if isinstance(v, str) and visible(v) != v), "")
        names = sorted({INVISIBLE[ch] for ch in raw if ch in INVISIBLE}) or [
            "an invisible character"
        ]
        n = len(cells) - 1
        more = f"; so {'does' if n == 1 else 'do'} {n:,} more cell{'s' if n != 1 else ''}"
        more = f"{more} of this sheet" if n else ""
        findings.append(
            Finding(
                INVISIBLE_CODE,
                f"holds text with invisible characters ({', '.join(names)}), which gradeproc "
                f"ignores{more}",
                sheet.name,
                cells[0],
                WARNING,
            )
        )
    if sheet.title_rows:
        above = "row 1" if sheet.title_rows == 1 else f"rows 1-{sheet.title_rows}"
        findings.append(
            Finding(
                TITLE_ROWS_CODE,
                f"the header is row {sheet.header_row}; {above} above it "
                f"{'is' if sheet.title_rows == 1 else 'are'} taken as a title and not read",
                sheet.name,
                f"A{sheet.header_row}",
                WARNING,
            )
        )
    return findings


def _unreadable(path: Path, title: str, exc: BaseException) -> FileProblem:
    reason = " ".join(str(exc).split()) or type(exc).__name__
    if len(reason) > _MAX_REASON:
        reason = reason[: _MAX_REASON - 3] + "..."

    message = MSG_SHEET_UNREADABLE.format(name=shown_name(path), sheet=title, reason=reason)
    return FileProblem(message)


def _read_rows(
    book, path: Path, data: bytes, title: str, cells: SheetCells | None
) -> list[list[object]]:
    """A sheet's rows as the cells hold them; any failure is a FileProblem naming the sheet."""
    try:
        if is_sparse(cells):
            return _sparse_rows(data, title)
        return book.get_sheet_by_name(title).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine's and the XML parser's own errors
        raise _unreadable(path, title, exc) from exc
    except BaseException as exc:  # a Rust panic inside calamine (pyo3's PanicException)
        if type(exc).__name__ != "PanicException":
            raise
        raise _unreadable(path, title, exc) from exc


_CELL_TYPES = frozenset(("n", "s", "b", "e", "d", "str", "inlineStr", "f"))
_ABSENT: list[object] = []  # every absent row of a sparse sheet: one shared empty list


def _sparse_rows(data: bytes, title: str) -> list[list[object]]:
    """A sheet read cell by cell, costing memory for the cells present, not their rectangle.

    Absent rows are empty lists; a row holds values up to its last present cell. Error
    cells are blank, as the fast reader gives them (they are findings of their own).
    """
    from openpyxl import load_workbook  # this rare fallback only: openpyxl is slow to load
    from openpyxl.worksheet._reader import WorkSheetParser

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = book[title]
        rows: list[list[object]] = []
        with sheet._get_source() as source:
            parser = WorkSheetParser(
                source,
                sheet._shared_strings,
                data_only=True,
                epoch=book.epoch,
                date_formats=book._date_formats,
                timedelta_formats=book._timedelta_formats,
            )
            for number, cells in parser.parse():
                row: list[object] = []
                for cell in cells:
                    value = cell["value"]
                    if cell["data_type"] not in _CELL_TYPES:
                        raise ValueError(f"Unknown cell 't' attribute: \"{cell['data_type']}\"")
                    if value is None or cell["data_type"] == "e":
                        continue
                    col = cell["column"] - 1
                    if col >= len(row):
                        row.extend([None] * (col + 1 - len(row)))
                    row[col] = value
                if not row:
                    continue
                if number > len(rows):
                    rows.extend([_ABSENT] * (number - 1 - len(rows)))
                    rows.append(row)
                else:  # a row out of order: merged with what is already there
                    old = rows[number - 1]
                    merged = [*old, *([None] * (len(row) - len(old)))]
                    for c, value in enumerate(row):
                        if value is not None:
                            merged[c] = value
                    rows[number - 1] = merged
        return rows
    finally:
        book.close()
