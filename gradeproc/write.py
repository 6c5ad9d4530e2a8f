"""Write the graded workbook and the registrar CSV: the output edge of the pipeline.

Files appear whole or not at all: each is written to a temporary file beside its target and
renamed into place only when every output of the run is complete. Text never becomes a
formula: xlsxwriter is told not to read `=...` as one, and the CSV escapes it.
"""

from __future__ import annotations

import contextlib
import csv
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from gradeproc.errors import OutputExists

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
EXCEL_EPOCH = np.datetime64("1899-12-30T00:00:00", "ns")
NS_PER_DAY = 86_400 * 10**9


def formula_safe(value: object) -> object:
    """OWASP CSV injection: text a spreadsheet would run gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


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
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
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

    def __exit__(self, exc_type, exc, tb) -> None:  # noqa: ANN001
        if exc_type is None:
            self.commit()
        else:
            self.discard()


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
    """Naive datetimes -> Excel day numbers (NaN for NaT), without a Python object per cell."""
    ns = values.to_numpy(dtype="datetime64[ns]")
    serial = (ns - EXCEL_EPOCH).astype("int64") / NS_PER_DAY
    return np.where(np.isnat(ns), np.nan, serial)



class SheetWriter:
    """Writes frames row by row (xlsxwriter's constant_memory mode needs row order)."""

    def __init__(self, book, formats: dict[str, object]) -> None:  # noqa: ANN001
        self.book = book
        self.formats = formats

    def frame(
        self,
        sheet,  # noqa: ANN001
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
        writers = []
        for c, name in enumerate(frame.columns):
            series = frame[name]
            fmt = self.formats.get(column_formats.get(name, ""))
            if pd.api.types.is_datetime64_any_dtype(series.dtype):
                values = excel_serial(series)
                fmt = self.formats["datetime"]
                method = sheet.write_number
            elif pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(
                series.dtype
            ):
                values = series.to_numpy(dtype="float64")
                method = sheet.write_number
            else:
                values = series.to_numpy(dtype=object)
                text = pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty")
                method = sheet.write_string if text else sheet.write
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

    def rows(self, sheet, rows: list[list[object]]) -> None:  # noqa: ANN001
        """An instructor's sheet, values as the cells held them."""
        date_format = self.formats["datetime"]
        write = sheet.write
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, float) and not np.isfinite(value):
                    continue
                if hasattr(value, "year") or hasattr(value, "hour"):
                    sheet.write_datetime(r, c, value, date_format)
                else:
                    write(r, c, value)


def write_workbook(
    path: Path,
    grading,  # noqa: ANN001 - compute.Grading
    gradebook,  # noqa: ANN001 - validate.Gradebook
    workbook,  # noqa: ANN001 - read.Workbook
    run_info: list[tuple[str, object]],
    warnings: list[str],
) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "remove_timezone": True,
        },
    )
    formats = {
        "header": book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1}),
        "datetime": book.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
        "percent": book.add_format({"num_format": "0.00"}),
        "points": book.add_format({"num_format": "0.##"}),
        "bold": book.add_format({"bold": True}),
        "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
    }
    writer = SheetWriter(book, formats)
    grades = grading.grades
    percent_columns = {c: "percent" for c in grades.columns if c.endswith(" %") or c == "Total"}

    sheet = book.add_worksheet("Grades")
    sheet.freeze_panes(1, 3)
    last = writer.frame(sheet, grades, column_formats=percent_columns)
    sheet.autofilter(0, 0, max(last - 1, 1), len(grades.columns) - 1)
    _widths(sheet, grades)

    sheet = book.add_worksheet("Details")
    sheet.freeze_panes(1, 2)
    last = writer.frame(sheet, grading.details)
    sheet.autofilter(0, 0, max(last - 1, 1), len(grading.details.columns) - 1)
    _widths(sheet, grading.details)

    _write_summary(book, writer, grades, gradebook)
    _write_run(book, writer, run_info, warnings)

    taken = {"grades", "details", "summary", "run"}
    for name in workbook.order:
        source = workbook.sheets[name]
        title = source.title
        if title.casefold() in taken:  # an instructor's own "Summary" keeps its values
            title = f"{title} (input)"[:31]
        taken.add(title.casefold())
        writer.rows(book.add_worksheet(title), source.rows)
    book.close()


def _widths(sheet, frame: pd.DataFrame) -> None:  # noqa: ANN001
    for c, name in enumerate(frame.columns):
        sample = frame[name].head(200).astype(str)
        width = max([len(str(name)), *(sample.str.len().tolist() or [0])]) + 2
        sheet.set_column(c, c, min(width, 60))


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


def _write_summary(book, writer: SheetWriter, grades: pd.DataFrame, gradebook) -> None:  # noqa: ANN001
    sheet = book.add_worksheet("Summary")
    counts = letter_counts(grades, [r.letter for r in gradebook.policy.letters])
    last = writer.frame(sheet, counts, column_formats={"Percent": "percent"})
    row = last + 1
    sheet.write(row, 0, "Total", writer.formats["header"])
    sheet.write(row, 1, "Value", writer.formats["header"])
    for label, value in total_statistics(grades):
        row += 1
        sheet.write(row, 0, label)
        sheet.write(row, 1, value, writer.formats["percent"])
    sheet.set_column(0, 0, 24)
    sheet.set_column(1, 2, 12)
    chart = book.add_chart({"type": "column"})
    chart.add_series(
        {
            "name": "Students",
            "categories": ["Summary", 1, 0, len(counts), 0],
            "values": ["Summary", 1, 1, len(counts), 1],
            "data_labels": {"value": True},
        }
    )
    chart.set_title({"name": "Letter distribution"})
    chart.set_legend({"none": True})
    chart.set_x_axis({"name": "Letter"})
    chart.set_y_axis({"name": "Students", "major_gridlines": {"visible": True}})
    sheet.insert_chart(1, 4, chart, {"x_scale": 1.3, "y_scale": 1.2})


def _write_run(book, writer: SheetWriter, run_info, warnings: list[str]) -> None:  # noqa: ANN001
    sheet = book.add_worksheet("Run")
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, 1, 90)
    sheet.write_row(0, 0, ["Item", "Value"], writer.formats["header"])
    row = 0
    for label, value in run_info:
        row += 1
        sheet.write(row, 0, label, writer.formats["bold"] if value is None else None)
        if value is not None:
            sheet.write(row, 1, value)
    row += 2
    sheet.write(row, 0, "Warnings", writer.formats["bold"])
    if not warnings:
        sheet.write(row, 1, "none")
    for message in warnings:
        sheet.write(row, 1, message, writer.formats["wrap"])
        row += 1
