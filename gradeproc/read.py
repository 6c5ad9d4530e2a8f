"""Read a gradebook's sheets into raw frames, one edge of the pipeline.

Values stay exactly as the cells hold them (numbers, text, datetimes); typing them is
validation's job, so that a bad cell becomes a finding with its place, not a crash here.
Each frame's index is the Excel row number and `columns` maps each header to its Excel
column letter, so any finding can name `Sheet!Cell`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from gradeproc.errors import FileProblem, Finding, column_letter

# Contract sheets and the columns each must or may have, in their canonical spelling.
REQUIRED_SHEETS = ("Policy", "Categories", "Letters", "Assessments", "Roster", "Scores")
OPTIONAL_SHEETS = ("Submitted", "Extensions", "Overrides")
KNOWN_COLUMNS: dict[str, tuple[str, ...]] = {
    "Policy": ("Setting", "Value"),
    "Categories": ("Category", "Weight", "Aggregation", "Drop lowest"),
    "Letters": ("Letter", "Range", "Registrar code"),
    "Assessments": ("Assessment", "Category", "Max points", "Due", "Late policy"),
    "Roster": ("Student ID", "Last name", "First name", "Email", "Section", "Last attended"),
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


def normalise(text: object) -> str:
    """How headers and sheet names are compared: case and surrounding spaces ignored."""
    return " ".join(str(text).split()).casefold()


@dataclass
class Sheet:
    """One worksheet: `frame` holds the data rows under their headers, as typed in the cells."""

    name: str
    title: str
    frame: pd.DataFrame
    letters: dict[str, str]
    header_row: int
    rows: list[list[object]] = field(repr=False, default_factory=list)

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


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def sheet_from_rows(name: str, title: str, rows: list[list[object]]) -> Sheet:
    """Header = the first non-blank row; fully blank rows below it are ignored."""
    header_index = next(
        (i for i, row in enumerate(rows) if any(not _is_blank(v) for v in row)), None
    )
    if header_index is None:
        return Sheet(name, title, pd.DataFrame(), {}, 1, rows)
    header = rows[header_index]
    canonical = {normalise(c): c for c in KNOWN_COLUMNS.get(name, ())}
    columns: list[str] = []
    letters: dict[str, str] = {}
    positions: list[int] = []
    for pos, raw in enumerate(header):
        if _is_blank(raw):
            continue
        text = raw if isinstance(raw, str) else _header_text(raw)
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
    frame = pd.DataFrame(data, columns=columns, dtype=object)
    frame.index = pd.Index(index, dtype="int64") if index else pd.RangeIndex(0)
    return Sheet(name, title, frame, letters, header_index + 1, rows)


def _header_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _cell_value(value: object) -> object:
    """A cell as the frame holds it: None for a blank (empty, NaN, or spaces only)."""
    if value is None:
        return None
    kind = type(value)
    if kind is str:
        return value if value.strip() else None
    if kind is float:
        return None if value != value else value
    if kind is int or kind is bool:
        return value
    return None if pd.isna(value) else value


def read_workbook(path: str | Path) -> Workbook:
    """Open a gradebook file after the zip-level safety checks, and read every sheet."""
    from python_calamine import CalamineWorkbook

    from gradeproc.safety import inspect_workbook_file

    path = Path(path)
    inspection = inspect_workbook_file(path)
    sha = file_sha256(path)
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own types for a broken file
        raise FileProblem(
            f"{path.name} could not be read as an Excel workbook ({exc}). "
            "Open it in your spreadsheet program and save it again as .xlsx."
        ) from exc
    wanted = {normalise(n): n for n in REQUIRED_SHEETS + OPTIONAL_SHEETS}
    sheets: dict[str, Sheet] = {}
    order: list[str] = []
    for title in book.sheet_names:
        name = wanted.get(normalise(title), title)
        if name in sheets:  # two sheets that differ only by case or spaces
            name = title
        rows = book.get_sheet_by_name(title).to_python(skip_empty_area=False)
        sheets[name] = sheet_from_rows(name, title, rows)
        order.append(name)
    missing = [n for n in REQUIRED_SHEETS if n not in sheets]
    if missing:
        listed = ", ".join(f'"{n}"' for n in missing)
        raise FileProblem(
            f"{path.name} has no {listed} sheet{'s' if len(missing) > 1 else ''}. "
            f"A gradebook needs the sheets {', '.join(REQUIRED_SHEETS)}; "
            "`gradeproc init NEW.xlsx` writes one to start from."
        )
    by_title = {sheet.title: name for name, sheet in sheets.items()}
    findings = [
        replace(f, sheet=by_title.get(f.sheet, f.sheet))
        for f in [*inspection.formulas_without_values, *inspection.lost_features]
    ]
    return Workbook(path, sha, sheets, order, findings)
