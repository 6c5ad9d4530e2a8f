"""Write the graded workbook and the registrar CSV: the output edge of the pipeline.

Files appear whole or not at all: each is written to a temporary file beside its target and
renamed into place only when every output of the run is complete. Text never becomes a
formula: xlsxwriter is told not to read `=...` as one, and the CSV escapes it.
"""

from __future__ import annotations

import contextlib
import csv
import math
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from gradeproc.errors import WARNING, Finding, Interrupted, OutputExists, Signalled

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
EXCEL_EPOCH = np.datetime64("1899-12-30T00:00:00", "ns")
NS_PER_DAY = 86_400 * 10**9


def formula_safe(value: object) -> object:
    """OWASP CSV injection: text a spreadsheet would run gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _host() -> str:
    import socket

    return re.sub(r"[^A-Za-z0-9_-]", "-", socket.gethostname()) or "host"


# .<target>.<host>.<pid>.<random>.part: whose temporary file it is, so a later run can tell
# the leftovers of a killed run (SIGKILL, the OOM killer) from a run still writing.
_PART = re.compile(r"^\..+\.(?P<host>[A-Za-z0-9_-]+)\.(?P<pid>\d+)\.[^.]+\.part$")


def _alive(pid: int) -> bool:
    if os.name != "posix":  # no safe way to ask here: never take another run's file
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


# Folders already tidied by this process: a batch writes thousands of outputs into a few
# folders, and listing a folder per output would grow with the square of their number.
_TIDIED: set[str] = set()


def remove_leftovers(folder: Path) -> list[Path]:
    """Delete the temporary files killed runs left in `folder` on this machine, once.

    Only files whose process is gone: on a shared folder another machine's run, or a run
    still writing here, keeps its file.
    """
    key = os.path.abspath(folder)
    if key in _TIDIED:
        return []
    _TIDIED.add(key)
    removed = []
    host = _host()
    with os.scandir(folder) as entries:
        for entry in entries:
            found = _PART.match(entry.name)
            if not found or found["host"] != host:
                continue
            pid = int(found["pid"])
            if pid != os.getpid() and not _alive(pid):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
    return removed


class Outputs:
    """Temporary files that become the outputs together, or vanish together."""

    def __init__(self, force: bool = False) -> None:
        self.force = force
        self.pending: list[tuple[Path, Path]] = []

    def claim(self, target: Path, protect: Sequence[Path] = ()) -> Path:
        target = Path(target)
        for other in protect:
            if other.exists() and target.exists() and os.path.samefile(other, target):
                raise OutputExists(f"refusing to write over the input file {target}")
            if Path(os.path.abspath(other)) == Path(os.path.abspath(target)):
                raise OutputExists(f"refusing to write over the input file {target}")
        if target.exists() and not self.force:
            raise OutputExists(f"{target} already exists; add --force to replace it")
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_leftovers(target.parent)
        prefix = f".{target.name}.{_host()}.{os.getpid()}."
        fd, temp = tempfile.mkstemp(prefix=prefix, suffix=".part", dir=target.parent)
        os.close(fd)
        self.pending.append((Path(temp), target))
        return Path(temp)

    def commit(self) -> None:
        for temp, target in self.pending:
            os.replace(temp, target)
        self.pending.clear()

    def discard(self) -> None:
        for temp, _ in self.pending:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
        self.pending.clear()

    def __enter__(self) -> Outputs:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.commit()
            return
        interrupted = issubclass(exc_type, (KeyboardInterrupt, Signalled)) and bool(self.pending)
        self.discard()
        if interrupted:  # say what became of the outputs, in gradeproc's own terms
            raise Interrupted() from None


# --- registrar CSV ---------------------------------------------------------------------------

REGISTRAR_COLUMNS = ["Student ID", "Last name", "First name", "Section", "Grade"]


def registrar_frame(grades: pd.DataFrame) -> pd.DataFrame:
    frame = grades[["Student ID", "Last name", "First name", "Section"]].copy()
    frame["Grade"] = grades["Registrar code"]
    return frame


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """UTF-8 CSV, every text cell formula-safe, blanks empty."""
    values = frame.astype(object).where(frame.notna(), "").to_numpy().tolist()
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow([formula_safe(c) for c in frame.columns])
        writer.writerows([[formula_safe(v) for v in row] for row in values])


# --- the graded workbook ---------------------------------------------------------------------


def excel_serial(values: pd.Series) -> np.ndarray:
    """Datetimes -> Excel day numbers of their wall-clock time (NaN for NaT), vectorised.

    Excel has no time zones: an aware time is written as the wall clock of its own zone.
    """
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_localize(None)
    ns = values.to_numpy(dtype="datetime64[ns]")
    serial = (ns - EXCEL_EPOCH).astype("int64") / NS_PER_DAY
    return np.where(np.isnat(ns), np.nan, serial)


def cell_writers(sheet) -> tuple[object, object]:
    """(write_number, write_string) without xlsxwriter's A1-notation wrapper.

    The wrapper costs a tenth of the per-cell time on the Details sheet (1.4 million cells
    for 5,000 students); the row/column methods underneath take the same arguments. Falls
    back to the public methods should a future xlsxwriter rename them.
    """
    number = getattr(sheet, "_write_number", sheet.write_number)
    string = getattr(sheet, "_write_string", sheet.write_string)
    return number, string


# Characters an Excel cell (or comment) holds. xlsxwriter cuts a longer string short without
# an error and leaves a longer comment out altogether, so gradeproc cuts it, and says so.
CELL_CHARS = 32_767
CUT_MARK = " [...] (cut at Excel's 32,767 characters a cell; the Details sheet has every item)"


def fit_cell(text: str) -> str:
    if len(text) <= CELL_CHARS:
        return text
    return text[: CELL_CHARS - len(CUT_MARK)] + CUT_MARK


class SheetWriter:
    """Writes frames row by row (xlsxwriter's constant_memory mode needs row order)."""

    def __init__(self, book, formats: dict[str, object]) -> None:
        self.book = book
        self.formats = formats

    def frame(
        self,
        sheet,
        frame: pd.DataFrame,
        start_row: int = 0,
        column_formats: dict[str, str] | None = None,
    ) -> int:
        """Header + rows; NaN/NaT cells stay blank; datetimes as Excel dates. Returns next row.

        Each column is converted once to plain Python values and bound to the xlsxwriter
        method for its type, so the per-cell work is one call, as in the I/O floor.
        """
        column_formats = column_formats or {}
        sheet.write_row(start_row, 0, list(frame.columns), self.formats["header"])
        write_number, write_string = cell_writers(sheet)
        writers = []
        for c, name in enumerate(frame.columns):
            series = frame[name]
            fmt = self.formats.get(column_formats.get(name, ""))
            if pd.api.types.is_datetime64_any_dtype(series.dtype):
                values = excel_serial(series)
                fmt = self.formats["datetime"]
                method = write_number
            elif pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(
                series.dtype
            ):
                values = series.to_numpy(dtype="float64")
                method = write_number
            elif isinstance(series.dtype, pd.CategoricalDtype):
                categories = series.cat.categories
                values = np.append(categories.to_numpy(dtype=object), None)[series.cat.codes]
                text = pd.api.types.infer_dtype(categories, skipna=True) in ("string", "empty")
                method = write_string if text else sheet.write
            else:
                values = series.to_numpy(dtype=object)
                text = pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty")
                method = write_string if text else sheet.write
                if text and (series.str.len() > CELL_CHARS).any():  # a very long Notes
                    values = np.array(
                        [fit_cell(v) if isinstance(v, str) else v for v in values], dtype=object
                    )
            blank = pd.isna(values)
            cells = np.where(blank, None, values.astype(object)).tolist()
            writers.append((c, method, cells, fmt))
        n = len(frame)
        for offset in range(n):
            r = start_row + 1 + offset
            for c, method, cells, fmt in writers:
                value = cells[offset]
                if value is not None:
                    method(r, c, value, fmt)
        return start_row + 1 + n

    def rows(
        self,
        sheet,
        rows: list[list[object]],
        cell_formats: dict[tuple[int, int], object] | None = None,
    ) -> None:
        """An instructor's sheet, values as the cells held them.

        `cell_formats` holds the few cells gradeproc marks ((row, col) -> format): a late or
        missing score, a legend line. A marked blank cell is written as a formatted blank.
        Rows without a marked cell take the plain path.
        """
        date_format = self.formats["datetime"]
        write = sheet.write
        write_number, write_string = cell_writers(sheet)
        fast = {float: write_number, int: write_number, str: write_string}
        marked: dict[int, dict[int, object]] = {}
        for (r, c), fmt in (cell_formats or {}).items():
            marked.setdefault(r, {})[c] = fmt
        n_rows = max(len(rows), max(marked, default=-1) + 1)
        for r in range(n_rows):
            row = rows[r] if r < len(rows) else []
            formats = marked.get(r)
            if formats is None:
                for c, value in enumerate(row):
                    if value is None or value == "":
                        continue
                    method = fast.get(type(value))
                    if method is not None:
                        if method is write_number and not math.isfinite(value):
                            continue
                        method(r, c, value, None)
                    elif hasattr(value, "year") or hasattr(value, "hour"):
                        sheet.write_datetime(r, c, value, date_format)
                    else:
                        write(r, c, value)
                continue
            for c, value in enumerate(row):
                fmt = formats.get(c)
                if (
                    value is None
                    or value == ""
                    or (isinstance(value, float) and not np.isfinite(value))
                ):
                    if fmt is not None:
                        sheet.write_blank(r, c, None, fmt)
                elif hasattr(value, "year") or hasattr(value, "hour"):
                    sheet.write_datetime(r, c, value, date_format)
                else:
                    write(r, c, value, fmt)
            for c in sorted(c for c in formats if c >= len(row)):
                sheet.write_blank(r, c, None, formats[c])


def _formats(book) -> dict[str, object]:
    """Every cell format of the graded workbook, made once."""
    from gradeproc import style

    specs: dict[str, dict[str, object]] = {
        "header": style.HEADER,
        "datetime": {"num_format": "yyyy-mm-dd hh:mm"},
        "percent": {"num_format": "0.00", "valign": "top"},
        "top": {"valign": "top"},
        "centre_top": {"align": "center", "valign": "top"},
        "centre": {"align": "center"},
        "points": {"num_format": "0.##"},
        "share": {"num_format": "0.0%"},
        "bold": {"bold": True},
        "wrap": {"text_wrap": True, "valign": "top"},
        "title": {"bold": True, "font_size": 16, "font_color": "#1F3864"},
        "heading": {
            "bold": True,
            "font_size": 12,
            "font_color": "#1F3864",
            "bottom": 2,
            "bottom_color": "#305496",
        },
        "label": {"bold": True, "valign": "top"},
        "value": {"text_wrap": True, "valign": "top", "align": "left"},
        "note": {"italic": True, "font_color": "#595959"},
        "action": style.fill(style.RED, bold=True),
    }
    for band, colours in style.BANDS.items():
        specs[f"band_{band}"] = style.fill(colours)
    for status, kind in style.SCORE_KINDS.items():
        specs[f"score_{status}"] = style.fill(kind.colours, italic=kind.italic)
    return {name: book.add_format(spec) for name, spec in specs.items()}


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
    grading,  # compute.Grading
    gradebook,  # validation.Gradebook
    workbook,  # read.Workbook
    run_info: list[tuple[str, object]],
    warnings: list[str],
) -> list[Finding]:
    """The graded workbook. Returns what it could not hold as asked (Excel's limits),
    which its Run sheet lists after `warnings`, for the caller to report as well."""
    import xlsxwriter

    book = xlsxwriter.Workbook(
        str(path),
        {
            **memory_options(len(grading.details)),
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "remove_timezone": True,
        },
    )
    from gradeproc import style

    writer = SheetWriter(book, _formats(book))
    grades = grading.grades
    flagged = int(((grades["Flags"].fillna("") != "") & (grades["Notes"].fillna("") != "")).sum())
    marked = int(np.isin(grading.status.to_numpy(dtype=object), list(style.SCORE_KINDS)).sum())
    grade_comments = flagged <= style.MAX_COMMENTS
    score_comments = marked <= style.MAX_COMMENTS
    limits: list[Finding] = []
    if not grade_comments:
        limits.append(
            _limit(
                "Grades",
                f"{flagged:,} flagged students, more than the {style.MAX_COMMENTS:,} cell "
                "comments a sheet gets; their Notes are in the Notes column only",
            )
        )
    if not score_comments:
        limits.append(
            _limit(
                "Scores",
                f"{marked:,} shaded cells, more than the {style.MAX_COMMENTS:,} cell comments "
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
    _write_grades(book, writer, grading, gradebook, grade_comments)
    _write_details(book, writer, grading, detail_sheets)
    _write_summary(book, writer, grading.grades, gradebook, grading.details)
    _write_run(book, writer, run_info, warnings)

    taken = {"grades", "summary", "run", *(t.casefold() for t, _, _ in detail_sheets)}
    for name in workbook.order:
        source = workbook.sheets[name]
        title = source.title
        if title.casefold() in taken:  # an instructor's own "Summary" keeps its values
            title = f"{title} (input)"[:31]
        taken.add(title.casefold())
        _write_input_sheet(book, writer, title, name, source, grading, gradebook, score_comments)
    book.close()
    return limits


def _limit(sheet: str, message: str) -> Finding:
    return Finding("output-limit", message, sheet, None, WARNING)


# Written before a sheet's rows, everything below: constant_memory mode writes each row once,
# so a column format or a comment addressed to a row already written would be lost.


def _write_grades(book, writer: SheetWriter, grading, gradebook, comments: bool = True) -> None:
    """Frozen names, filters, two-decimal percentages, letters coloured, flags explained."""
    from gradeproc import style

    formats = writer.formats
    grades = grading.grades
    columns = list(grades.columns)
    n = len(grades)
    sheet = book.add_worksheet("Grades")
    sheet.freeze_panes(1, 3)
    _widths(
        sheet,
        grades,
        fixed={"Notes": (70, formats["wrap"]), "Flags": (26, formats["wrap"])},
        column_format=formats["top"],  # a tall row reads from its top line
        formats={"Letter": formats["centre_top"], "Registrar code": formats["centre_top"]},
    )
    # LibreOffice keeps rows at the height written: give rows with wrapped text theirs.
    for r, height in style.row_heights(grades, {"Notes": 70, "Flags": 26}).items():
        sheet.set_row(r + 1, height)
    if comments and "Flags" in columns and "Notes" in columns:
        _flag_comments(sheet, grades, columns.index("Flags"))
    percent_columns = {c: "percent" for c in columns if c.endswith(" %") or c == "Total"}
    last = writer.frame(sheet, grades, column_formats=percent_columns)
    sheet.autofilter(0, 0, max(last - 1, 1), len(columns) - 1)
    if "Letter" in columns:
        letters = [r.letter for r in gradebook.policy.letters]
        letters += [x for x in pd.unique(grades["Letter"].dropna()) if x not in letters]
        style.letter_formats(sheet, 1, n, columns.index("Letter"), letters, formats)
    if "Flags" in columns:
        style.flag_formats(sheet, 1, n, columns.index("Flags"), formats["action"])
    style.print_setup(sheet, header_row=0)
    style.ignore_id_warnings(sheet)


def _flag_comments(sheet, grades: pd.DataFrame, col: int) -> None:
    """A comment with the Notes, one sentence a line, on each flagged student's Flags cell."""
    from gradeproc import style

    flags = grades["Flags"].fillna("").astype(str)
    notes = grades["Notes"].fillna("").astype(str)
    flagged = (flags.str.strip() != "") & (notes.str.strip() != "")
    if not flagged.any():
        return
    sheet.set_comments_author("gradeproc")
    rows = (np.flatnonzero(flagged.to_numpy()) + 1).tolist()
    for r, text in zip(rows, style.note_lines(notes[flagged]).tolist(), strict=True):
        text = fit_cell(text)
        sheet.write_comment(r, col, text, style.comment_options(text))


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


def _write_details(book, writer: SheetWriter, grading, sheets: list[tuple[str, int, int]]) -> None:
    from gradeproc import style

    columns = list(grading.details.columns)
    for title, first, stop in sheets:
        details = grading.details.iloc[first:stop]
        sheet = book.add_worksheet(title)
        sheet.freeze_panes(1, 2)
        _widths(sheet, details, formats={"Status": writer.formats["centre"]})
        last = writer.frame(sheet, details)
        sheet.autofilter(0, 0, max(last - 1, 1), len(columns) - 1)
        if "Status" in columns:
            style.status_formats(sheet, 1, len(details), columns.index("Status"), writer.formats)
        style.print_setup(sheet, header_row=0)
        style.ignore_id_warnings(sheet)


def _write_input_sheet(
    book,
    writer: SheetWriter,
    title: str,
    name: str,
    source,
    grading,
    gradebook,
    comments: bool = True,
) -> None:
    """An instructor's sheet with its values; on Scores, the exceptional scores shaded."""
    from gradeproc import style
    from gradeproc.read import KNOWN_COLUMNS

    sheet = book.add_worksheet(title)
    rows = source.rows
    cell_formats: dict[tuple[int, int], object] = {}
    header = source.header_row - 1  # 0-based
    if name == "Scores":
        rows, cell_formats = _mark_scores(sheet, writer, source, grading, gradebook, comments)
    if name in KNOWN_COLUMNS and header < len(rows):  # a contract sheet: its header stands out
        for c, value in enumerate(rows[header]):
            if value is not None and value != "":
                cell_formats.setdefault((header, c), writer.formats["header"])
        sheet.freeze_panes(header + 1, 1 if "Student ID" in source.frame.columns else 0)
    _row_widths(sheet, rows)
    if "Student ID" in source.frame.columns:
        style.ignore_id_warnings(sheet)
    style.print_setup(sheet, header_row=header if rows else None)
    writer.rows(sheet, rows, cell_formats)


def _mark_scores(
    sheet, writer: SheetWriter, source, grading, gradebook, comments: bool = True
) -> tuple[list[list[object]], dict[tuple[int, int], object]]:
    """Shade each late, rejected, missing, excused or dropped score, say why in a comment,
    and add a legend to the right of the data (in columns the gradebook's reader ignores:
    their header cell stays blank)."""
    from gradeproc import style

    formats = writer.formats
    marks = style.score_marks(grading, gradebook, source)
    if not marks:
        return source.rows, {}
    sheet.set_comments_author("gradeproc")
    cell_formats: dict[tuple[int, int], object] = {}
    for mark in marks:
        cell_formats[(mark.row, mark.col)] = formats[f"score_{mark.status}"]
        if comments:
            sheet.write_comment(
                mark.row, mark.col, mark.comment, style.comment_options(mark.comment, 240)
            )
    rows = list(source.rows)
    legend_col = max((len(r) for r in rows), default=0) + 1
    top = source.header_row  # the row below the header, 0-based
    for offset, (text, status) in enumerate(style.legend_rows((m.status for m in marks), comments)):
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


def _widths(
    sheet,
    frame: pd.DataFrame,
    fixed: dict[str, tuple[float, object]] | None = None,
    header_row: int = 0,
    column_format: object = None,
    formats: dict[str, object] | None = None,
) -> list[float]:
    """Column widths from the first 200 values as shown, the header wrapping when longer.

    Called before the rows are written (constant_memory): a column's format reaches the
    cells written without one only if it is set first. Returns the widths.
    """
    from gradeproc import style

    fixed = fixed or {}
    widths: list[float] = []
    for c, name in enumerate(frame.columns):
        if name in fixed:
            width, fmt = fixed[name]
            sheet.set_column(c, c, width, fmt)
            widths.append(width)
            continue
        series = frame[name].head(200)
        if pd.api.types.is_datetime64_any_dtype(series.dtype):
            data = len("yyyy-mm-dd hh:mm")
        elif pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(
            series.dtype
        ):
            numbers = series.to_numpy(dtype="float64")
            numbers = np.round(numbers[~np.isnan(numbers)], 2)
            data = max([0, *(len(str(v)) for v in numbers.tolist())])
        else:
            values = series.to_numpy(dtype=object)
            data = max([0, *(len(str(v)) for v in values[~pd.isna(values)].tolist())])
        # a long header wraps rather than widening a column of short values, but no word
        # of it is cut; +2 for the header's filter button
        word = max([0, *(len(w) for w in str(name).split())])
        width = min(max(data + 2, min(len(str(name)) + 4, 16), min(word + 3, 24), 9), 60)
        sheet.set_column(c, c, width, (formats or {}).get(name, column_format))
        widths.append(width)
    height = style.header_height([str(c) for c in frame.columns], widths)
    if height:
        sheet.set_row(header_row, height)
    return widths


def _row_widths(sheet, rows: list[list[object]], sample: int = 200) -> None:
    """Widths of an instructor's sheet from its first rows: dates fit, long text stops at 60."""
    widths: dict[int, int] = {}
    for row in rows[:sample]:
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            if hasattr(value, "year") or hasattr(value, "hour"):
                n = len("yyyy-mm-dd hh:mm")
            elif isinstance(value, float):
                n = len(f"{value:.10g}")
            else:
                n = len(str(value))
            widths[c] = max(widths.get(c, 0), n)
    for c, n in widths.items():
        sheet.set_column(c, c, min(max(n + 2, 9), 60))


def letter_counts(grades: pd.DataFrame, letter_order: list[str]) -> pd.DataFrame:
    counts = grades["Letter"].value_counts()
    order = letter_order + [x for x in counts.index if x not in letter_order]
    counts = counts.reindex(order, fill_value=0)
    total = int(counts.sum())
    return pd.DataFrame(
        {
            "Letter": order,
            "Students": counts.to_numpy(dtype="int64"),
            "Percent": (counts.to_numpy() * 100 / total) if total else np.zeros(len(order)),
        }
    )


def total_statistics(grades: pd.DataFrame) -> list[tuple[str, float]]:
    total = grades["Total"].dropna()
    if total.empty:
        return [("Students with a total", 0)]
    return [
        ("Students with a total", int(total.count())),
        ("Mean", float(total.mean())),
        ("Median", float(total.median())),
        ("Standard deviation", float(total.std(ddof=0))),
        ("Minimum", float(total.min())),
        ("Maximum", float(total.max())),
    ]


def _write_summary(
    book, writer: SheetWriter, grades: pd.DataFrame, gradebook, details: pd.DataFrame | None = None
) -> None:
    """A page for the instructor: the two charts on top, then the tables they are drawn from.

    Letters (count, share, range), statistics of the totals, the distribution of totals in
    5-point bins split by letter band with the cut-offs, and how each assessment went. Tables
    go down column A, as constant_memory writes rows in order; the charts float above them.
    """
    from gradeproc import style

    formats = writer.formats
    policy = gradebook.policy
    sheet = book.add_worksheet("Summary")
    ranges = {r.letter: r.text for r in policy.letters}
    counts = letter_counts(grades, [r.letter for r in policy.letters])
    counts.insert(1, "Range", [ranges.get(x, "set by override") for x in counts["Letter"]])
    histogram = style.total_histogram(grades, policy)
    stats = None
    if details is not None:
        stats = style.assessment_statistics(details, gradebook.assessments)
    totals = pd.DataFrame(total_statistics(grades), columns=["Statistic", "Value"])
    tables = [t for t in (counts, totals, histogram, stats) if t is not None]
    widths = _summary_widths(sheet, tables)

    course = " ".join(
        str(policy.settings.get(k)) for k in ("course", "term") if policy.settings.get(k)
    )
    sheet.set_row(0, 24)
    sheet.write(0, 0, f"Summary: {course}" if course else "Summary", formats["title"])
    n_total = int(grades["Total"].notna().sum())
    sheet.write(1, 0, f"{len(grades)} students, {n_total} with a total", formats["note"])

    # The charts, side by side over the tables' width; the tables start below them.
    chart_row, chart_height = 3, 320
    page = sum(_pixels(w) for w in widths)
    letter_width = max(380, int(page * 0.4))
    histogram_width = max(480, page - letter_width - 16)
    row = chart_row + int(np.ceil(chart_height / CHART_ROW_PX)) + 1

    def table(title: str, frame: pd.DataFrame, start: int, **column_formats: str) -> int:
        sheet.write(start, 0, title, formats["heading"])
        height = _table_header_height(frame, widths)
        if height:
            sheet.set_row(start + 1, height)
        return writer.frame(sheet, frame, start_row=start + 1, column_formats=column_formats)

    # Letters, coloured as on Grades.
    letters_top = row + 1
    end = table("Letters", counts, row, Percent="percent")
    style.letter_formats(sheet, letters_top + 1, end - 1, 0, counts["Letter"].tolist(), formats)
    chart = book.add_chart({"type": "column"})
    chart.add_series(
        {
            "name": "Students",
            "categories": ["Summary", letters_top + 1, 0, end - 1, 0],
            "values": ["Summary", letters_top + 1, 2, end - 1, 2],
            "data_labels": {"value": True},
            "gap": 60,
            "points": [
                {"fill": {"color": style.BAR_COLOURS[style.letter_band(x)]}}
                for x in counts["Letter"]
            ],
        }
    )
    chart.set_title({"name": "Letters", "name_font": {"size": 12}})
    chart.set_legend({"none": True})
    chart.set_y_axis({"name": "Students", "major_gridlines": {"visible": True}})
    sheet.insert_chart(
        chart_row, 0, chart, {"x_scale": letter_width / 480, "y_scale": chart_height / 288}
    )

    # Statistics of the totals: counts as integers, the rest with two decimals.
    row = end + 1
    sheet.write(row, 0, "Totals", formats["heading"])
    row += 1
    sheet.write_row(row, 0, ["Statistic", "Value"], formats["header"])
    for label, value in total_statistics(grades):
        row += 1
        sheet.write(row, 0, label)
        sheet.write(row, 1, value, None if isinstance(value, int) else formats["percent"])

    # The distribution of totals, stacked by letter band, with the cut-offs in each bin.
    row += 2
    page_breaks = [row]  # printed, each table below the charts starts a page
    hist_top = row + 1
    end = table("Distribution of totals", histogram, row)
    chart = book.add_chart({"type": "column", "subtype": "stacked"})
    for band, key in histogram.attrs["bands"].items():
        c = histogram.columns.get_loc(band)
        chart.add_series(
            {
                "name": ["Summary", hist_top, c, hist_top, c],
                "categories": ["Summary", hist_top + 1, 0, end - 1, 0],
                "values": ["Summary", hist_top + 1, c, end - 1, c],
                "fill": {"color": style.BAR_COLOURS[key]},
                "border": {"color": "#FFFFFF", "width": 0.5},
                "gap": 10,
                "overlap": 100,
            }
        )
    marks = ", ".join(style.cutoff_text(*c) for c in style.cutoffs(policy))
    chart.set_title({"name": "Totals in bins of 5 points", "name_font": {"size": 12}})
    chart.set_x_axis(
        {
            "name": f"Letter cut-offs: {marks}",
            "name_font": {"size": 9, "bold": False},
            "num_font": {"rotation": -45, "size": 8},
        }
    )
    chart.set_y_axis({"name": "Students", "major_gridlines": {"visible": True}})
    chart.set_legend({"position": "right", "font": {"size": 9}})
    sheet.insert_chart(
        chart_row,
        0,
        chart,
        {
            "x_offset": letter_width + 16,
            "x_scale": histogram_width / 480,
            "y_scale": chart_height / 288,
        },
    )

    # How each assessment went: a colour scale on the mean, bars on the shares.
    if stats is not None:
        row = end + 1
        page_breaks.append(row)
        top = row + 1
        share_columns = [c for c in stats.columns if c.startswith("Share ")]
        end = table(
            "Assessments",
            stats,
            row,
            Mean="percent",
            Median="percent",
            **{"Mean %": "percent"},
            **{c: "share" for c in share_columns},
        )
        if end - 1 > top:
            mean = stats.columns.get_loc("Mean %")
            sheet.conditional_format(
                top + 1,
                mean,
                end - 1,
                mean,
                {
                    "type": "3_color_scale",
                    "min_color": "#F8696B",
                    "mid_color": "#FFEB84",
                    "max_color": "#63BE7B",
                },
            )
            for name in share_columns:
                c = stats.columns.get_loc(name)
                sheet.conditional_format(
                    top + 1,
                    c,
                    end - 1,
                    c,
                    {
                        "type": "data_bar",
                        "bar_color": "#F4B183",
                        "bar_solid": True,
                        "min_type": "num",
                        "min_value": 0,
                        "max_type": "max",
                    },
                )
        sheet.write(
            end,
            0,
            "Mean and median of the final scores, after late penalties; each share is of all "
            "students on the roster.",
            formats["note"],
        )
    sheet.set_h_pagebreaks(page_breaks)
    style.print_setup(sheet, header_row=0, gridlines=False)


CHART_ROW_PX = 20  # a default row, in pixels


def _pixels(width: float) -> int:
    """A column's width in pixels, as Excel converts its character width."""
    return int(width * 7 + 0.5) + 5


def _table_header_height(frame: pd.DataFrame, widths: list[float]) -> float | None:
    from gradeproc import style

    names = [str(c) for c in frame.columns]
    return style.header_height(names, [widths[c] + 2 for c in range(len(names))])


def _summary_widths(sheet, tables: list[pd.DataFrame]) -> list[float]:
    """One width per column over every table of the Summary (they all start in column A)."""
    widths: dict[int, float] = {0: 22}
    for table in tables:
        for c, name in enumerate(table.columns):
            values = table[name]
            if pd.api.types.is_numeric_dtype(values.dtype):
                data = 8
            else:
                data = max([0, *values.astype(str).str.len().tolist()])
            widths[c] = max(widths.get(c, 9), min(len(str(name)), 12) + 2, data + 2)
    out = [min(widths[c], 40) for c in range(max(widths) + 1)]
    for c, width in enumerate(out):
        sheet.set_column(c, c, width)
    return out


def _write_run(book, writer: SheetWriter, run_info, warnings: list[str]) -> None:
    """The run as a page: a title, a section per kind of fact, every warning in full."""
    from gradeproc import style

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
    style.print_setup(sheet, header_row=0, gridlines=False)
