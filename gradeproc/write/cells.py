"""Cells onto a worksheet: a frame column by column, an instructor's sheet row by row, and
the column widths that fit them.

Text never becomes a formula: the workbook is opened with xlsxwriter's string conversions
off, and each column goes to the typed writer for its values.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

import numpy as np
import pandas as pd
import xlsxwriter

from gradeproc.write import bulk, style
from gradeproc.write.package import TemplatePackager

if TYPE_CHECKING:
    from xlsxwriter.workbook import Workbook as XlsxWorkbook
    from xlsxwriter.worksheet import Worksheet


EXCEL_EPOCH = np.datetime64("1899-12-30T00:00:00", "ns")


def new_workbook(path: Path, **options: object) -> XlsxWorkbook:
    """An xlsxwriter workbook that writes every value as given: text stays text, never turned
    into a formula, a link or a number, and times are written without their zone (they are
    already in the course's zone). `options` adds to these (memory mode, for example)."""
    return Workbook(
        str(path),
        {
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "remove_timezone": True,
            **options,
        },
    )


class Workbook(xlsxwriter.Workbook):
    """xlsxwriter's workbook whose sheets take tables as blocks of rendered rows
    (write.bulk), its shared strings and cell comments packaged from templates
    (write.package)."""

    worksheet_class = bulk.BulkWorksheet

    def _get_packager(self) -> TemplatePackager:  # xlsxwriter's hook for its packager
        return TemplatePackager()


NS_PER_DAY = 86_400 * 10**9


def excel_serial(values: pd.Series) -> np.ndarray:
    """Datetimes -> Excel day numbers of their wall-clock time (NaN for NaT), vectorised.

    Excel has no time zones: an aware time is written as the wall clock of its own zone.
    """
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_localize(None)
    ns = values.to_numpy(dtype="datetime64[ns]")
    serial = (ns - EXCEL_EPOCH).astype("int64") / NS_PER_DAY
    return np.where(np.isnat(ns), np.nan, serial)


def plain(values: np.ndarray) -> list[object]:
    """Values as plain Python objects, None for a blank (NaN, NaT, None, pandas' NA)."""
    cells = np.array(values, dtype=object)  # a copy: the caller's array stays as it was
    cells[pd.isna(values)] = None
    return cells.tolist()


Writer = Callable[..., object]


def cell_writers(sheet: Worksheet) -> tuple[Writer, Writer, Writer]:
    """(write_number, write_string, write_datetime) without xlsxwriter's A1-notation wrapper.

    The wrapper costs a tenth of the per-cell time on the Details sheet (1.4 million cells
    for 5,000 students); the row/column methods underneath take the same arguments. Falls
    back to the public methods should a future xlsxwriter rename them.
    """
    number = getattr(sheet, "_write_number", sheet.write_number)
    string = getattr(sheet, "_write_string", sheet.write_string)
    datetime = getattr(sheet, "_write_datetime", sheet.write_datetime)
    return number, string, datetime


# Characters an Excel cell (or comment) holds. xlsxwriter cuts a longer string short without
# an error and leaves a longer comment out altogether, so gradeproc cuts it, and says so.
CELL_CHARS = 32_767
CUT_MARK = " [...] (cut at Excel's 32,767 characters a cell; the Details sheet has every item)"


def fit_cell(text: str) -> str:
    if len(text) <= CELL_CHARS:
        return text
    return text[: CELL_CHARS - len(CUT_MARK)] + CUT_MARK


@dataclass(frozen=True)
class Column:
    """One column converted once, as the writer and the width take it: `values` a numpy
    array (float64 for numbers and Excel dates, NaN for a blank; else objects). Its cells
    as plain Python values are made a block of rows at a time (`cells`), so a sheet of
    millions of cells never holds them all as Python objects at once."""

    name: str
    kind: str  # "date", "number", "text" or "any" (written by xlsxwriter's generic write)
    values: np.ndarray

    def __len__(self) -> int:
        return len(self.values)

    def cells(self, first: int = 0, stop: int | None = None) -> list[object]:
        """Rows first..stop-1 as plain Python values, None for a blank; a text longer than
        a cell holds is cut, and says so."""
        cells = plain(self.values[first:stop])
        texts = cast("Iterable[str]", filter(None, cells)) if self.kind == "text" else ()
        if max(map(len, texts), default=0) > CELL_CHARS:
            cells = [fit_cell(v) if isinstance(v, str) else v for v in cells]  # a long Notes
        return cells


def to_column(name: str, series: pd.Series) -> Column:
    dtype = series.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        kind, values = "date", excel_serial(series)
    elif pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        kind, values = "number", series.to_numpy(dtype="float64")
    elif isinstance(dtype, pd.CategoricalDtype):
        categories = series.cat.categories
        with_blank = np.append(categories.to_numpy(dtype=object), np.array([None], dtype=object))
        values = with_blank[series.cat.codes.to_numpy()]  # code -1 (a blank): None
        text = pd.api.types.infer_dtype(categories, skipna=True) in ("string", "empty")
        kind = "text" if text else "any"
    else:
        values = series.to_numpy(dtype=object)
        text = pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty")
        kind = "text" if text else "any"
    return Column(name, kind, values)


def to_columns(frame: pd.DataFrame) -> list[Column]:
    """Every column of `frame`, converted once for writing and measuring."""
    return [to_column(str(name), frame[name]) for name in frame.columns]


class SheetWriter:
    """Writes tables in row order (xlsxwriter's constant_memory mode needs it): a block of
    rows rendered at once (`write.bulk`), or cell by cell where a block cannot be."""

    def __init__(self, book: XlsxWorkbook, formats: dict[str, object]) -> None:
        self.book = book
        self.formats = formats

    def frame(
        self,
        sheet: Worksheet,
        table: pd.DataFrame | Sequence[Column],
        start_row: int = 0,
        column_formats: dict[str, str] | None = None,
    ) -> int:
        """Header + rows; blank cells stay blank; datetimes as Excel dates. Returns next row.

        Each column is converted once (`to_column`); its cells become Python values a block of
        rows at a time, rendered together (`bulk.frame_xml`), or, where a block holds a value
        the renderer does not know, each written by the xlsxwriter method for its type.
        """
        columns = to_columns(table) if isinstance(table, pd.DataFrame) else table
        column_formats = column_formats or {}
        sheet.write_row(start_row, 0, [c.name for c in columns], self.formats["header"])
        write_number, write_string, _ = cell_writers(sheet)
        methods = {"date": write_number, "number": write_number, "text": write_string}
        cell_formats = [
            self.formats["datetime"]
            if column.kind == "date"
            else self.formats.get(column_formats.get(column.name, ""))
            for column in columns
        ]
        n = len(columns[0]) if columns else 0
        step = bulk.chunk_rows(len(columns))
        for first in range(0, n, step):  # a chunk of rows at a time: memory stays bounded
            stop = min(first + step, n)
            if isinstance(sheet, bulk.BulkWorksheet):
                xml = bulk.frame_xml(sheet, columns, start_row + 1, cell_formats, first, stop)
                if xml is not None:
                    sheet.write_block(
                        start_row + 1 + first, start_row + stop, len(columns) - 1, xml
                    )
                    continue
            # Row by row (constant-memory mode drops a cell above the row it is on).
            writers = [
                (c, methods.get(column.kind, sheet.write), column.cells(first, stop), fmt)
                for c, (column, fmt) in enumerate(zip(columns, cell_formats, strict=True))
            ]
            for offset in range(stop - first):
                r = start_row + 1 + first + offset
                for c, method, cells, fmt in writers:
                    value = cells[offset]
                    if value is not None:
                        method(r, c, value, fmt)
        return start_row + 1 + n

    def rows(
        self,
        sheet: Worksheet,
        rows: list[list[object]],
        cell_formats: dict[tuple[int, int], object] | None = None,
    ) -> None:
        """An instructor's sheet, values as the cells held them.

        `cell_formats` holds the few cells gradeproc marks ((row, col) -> format): a late or
        missing score, a legend line. A marked blank cell is written as a formatted blank.
        Rows without a marked cell take the plain path.
        """
        date_format = self.formats["datetime"]
        marked: dict[int, dict[int, object]] = {}
        for (r, c), fmt in (cell_formats or {}).items():
            marked.setdefault(r, {})[c] = fmt
        n_rows = max(len(rows), max(marked, default=-1) + 1)
        width = max([0, *(len(row) for row in rows), *(c + 1 for _, c in cell_formats or {})])
        step = bulk.chunk_rows(width)
        for first in range(0, n_rows, step):  # a chunk of rows at a time: memory stays bounded
            stop = min(first + step, n_rows)
            if isinstance(sheet, bulk.BulkWorksheet):
                xml = bulk.rows_xml(sheet, rows, marked, date_format, first, stop)
                if xml is not None:
                    sheet.write_block(first, stop - 1, width - 1, xml)
                    continue
            self._rows_one_by_one(sheet, rows, marked, first, stop)

    def _rows_one_by_one(
        self,
        sheet: Worksheet,
        rows: list[list[object]],
        marked: dict[int, dict[int, object]],
        first: int,
        stop: int,
    ) -> None:
        """Rows first..stop-1 through xlsxwriter's cell methods, one cell at a time."""
        date_format = self.formats["datetime"]
        write = sheet.write
        write_number, write_string, write_datetime = cell_writers(sheet)
        fast = {float: write_number, int: write_number, str: write_string}
        for r in range(first, stop):
            row = rows[r] if r < len(rows) else []
            formats = marked.get(r)
            if formats is None:
                for c, value in enumerate(row):
                    if value is None or value == "":
                        continue
                    method = fast.get(type(value))
                    if method is not None:
                        if type(value) is float and not math.isfinite(value):
                            continue
                        method(r, c, value, None)
                    elif hasattr(value, "year") or hasattr(value, "hour"):
                        write_datetime(r, c, value, date_format)
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
                    write_datetime(r, c, value, date_format)
                else:
                    write(r, c, value, fmt)
            for c in sorted(c for c in formats if c >= len(row)):
                sheet.write_blank(r, c, None, formats[c])


def data_width(column: Column, sample: int = 200) -> int:
    """Characters the longest of the column's first `sample` values takes as shown."""
    if column.kind == "date":
        return len("yyyy-mm-dd hh:mm")
    values = column.values[:sample]
    if column.kind == "number":
        numbers = np.round(values[~np.isnan(values)], 2)
        return max([0, *(len(str(v)) for v in numbers.tolist())])
    return max([0, *(len(str(v)) for v in values[~pd.isna(values)].tolist())])


def column_widths(
    sheet: Worksheet,
    columns: Sequence[Column],
    fixed: dict[str, tuple[float, object]] | None = None,
    header_row: int = 0,
    column_format: object = None,
    formats: dict[str, object] | None = None,
    narrow: dict[str, float] | None = None,
) -> list[float]:
    """Column widths from the first 200 values as shown, the header wrapping when longer.

    `narrow` columns take their given width wherever their values fit in it. Called before
    the rows are written (constant_memory): a column's format reaches the cells written
    without one only if it is set first. Returns the widths.
    """
    fixed = fixed or {}
    narrow = narrow or {}
    widths: list[float] = []
    for c, column in enumerate(columns):
        name = column.name
        if name in fixed:
            width, fmt = fixed[name]
            sheet.set_column(c, c, width, fmt)
            widths.append(width)
            continue
        data = data_width(column)
        if name in narrow and data <= narrow[name] - 2:
            sheet.set_column(c, c, narrow[name], None)
            widths.append(narrow[name])
            continue
        # a long header wraps rather than widening a column of short values, but no word
        # of it is cut; +2 for the header's filter button
        word = max([0, *(len(w) for w in name.split())])
        width = min(max(data + 2, min(len(name) + 4, 16), min(word + 3, 24), 9), 60)
        sheet.set_column(c, c, width, (formats or {}).get(name, column_format))
        widths.append(width)
    height = style.header_height([c.name for c in columns], widths)
    if height:
        sheet.set_row(header_row, height)
    return widths


def row_widths(sheet: Worksheet, rows: list[list[object]], sample: int = 200) -> list[float]:
    """Widths of an instructor's sheet from its first rows: dates fit, long text stops at 60.

    Returns every column's width (a column with no value keeps Excel's default)."""
    widths: dict[int, int] = {}
    for row in rows[:sample]:
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            if type(value) is str:
                n = len(value)
            elif type(value) is float:
                n = len(f"{value:.10g}")
            elif hasattr(value, "year") or hasattr(value, "hour"):
                n = len("yyyy-mm-dd hh:mm")
            elif isinstance(value, float):
                n = len(f"{value:.10g}")
            else:
                n = len(str(value))
            if n > widths.get(c, 0):
                widths[c] = n
    for c, n in widths.items():
        sheet.set_column(c, c, min(max(n + 2, 9), 60))
    last = max(widths, default=-1)
    return [
        min(max(widths[c] + 2, 9), 60) if c in widths else style.DEFAULT_WIDTH
        for c in range(last + 1)
    ]
