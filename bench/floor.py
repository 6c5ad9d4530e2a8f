"""The I/O floor: the least time any implementation of ``gradeproc process`` needs.

floor = (read every sheet of the input with pandas + calamine)
      + (write every cell value of the produced output with xlsxwriter, constant_memory)

The output's values are read beforehand (with calamine, untimed); only the
xlsxwriter write of those values, row by row with ``write_row`` (datetimes go
through ``write_datetime`` with a date format), is timed, including the
workbook's ``close()`` where the zip file is built. Formats, column widths and
the chart are not part of the floor: it is values only.

Usage::

    python bench/floor.py INPUT.xlsx OUTPUT.xlsx [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import python_calamine
import xlsxwriter

DATE_FORMAT = "yyyy-mm-dd hh:mm:ss"

__all__ = ["floor_seconds", "read_values", "time_read", "time_write"]

Rows = list[list[object]]


def read_values(path: str | os.PathLike[str]) -> list[tuple[str, Rows]]:
    """Every sheet's cell values, positioned from A1; empty cells are None."""
    wb = python_calamine.CalamineWorkbook.from_path(str(path))
    sheets = []
    for name in wb.sheet_names:
        rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        sheets.append((name, [[None if v == "" else v for v in row] for row in rows]))
    return sheets


def time_read(input_path: str | os.PathLike[str]) -> float:
    t0 = time.perf_counter()
    pd.read_excel(input_path, sheet_name=None, engine="calamine")
    return time.perf_counter() - t0


def time_write(sheets: list[tuple[str, Rows]], directory: str | os.PathLike[str]) -> float:
    """Seconds to write ``sheets`` with xlsxwriter (constant_memory) into ``directory``."""
    target = Path(directory) / "floor.xlsx"
    t0 = time.perf_counter()
    wb = xlsxwriter.Workbook(
        str(target),
        {
            "constant_memory": True,
            # Values only: no string -> formula/URL/number conversions.
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            # write_row sends datetime/date/time/timedelta values to
            # write_datetime, which gives them this format.
            "default_date_format": DATE_FORMAT,
        },
    )
    for name, rows in sheets:
        ws = wb.add_worksheet(name)
        write_row = ws.write_row
        for r, row in enumerate(rows):
            write_row(r, 0, row)
    wb.close()
    elapsed = time.perf_counter() - t0
    target.unlink()
    return elapsed


def floor_seconds(
    input_path: str | os.PathLike[str],
    output_path: str | os.PathLike[str],
    *,
    repeat: int = 1,
) -> dict[str, float]:
    """The I/O floor for processing ``input_path`` into ``output_path``.

    Returns ``{"read_s", "write_s", "floor_s"}``; with ``repeat`` > 1 each part
    is the best of ``repeat`` runs (floor_s = best read + best write).
    """
    sheets = read_values(output_path)
    reads, writes = [], []
    with tempfile.TemporaryDirectory(prefix="gradeproc-floor-") as tmp:
        for _ in range(max(1, repeat)):
            reads.append(time_read(input_path))
            writes.append(time_write(sheets, tmp))
    read_s, write_s = min(reads), min(writes)
    return {"read_s": read_s, "write_s": write_s, "floor_s": read_s + write_s}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="I/O floor of gradeproc process")
    parser.add_argument("input", help="the gradebook read by gradeproc")
    parser.add_argument("output", help="the graded workbook gradeproc wrote")
    parser.add_argument("--repeat", type=int, default=1, help="best of N runs")
    args = parser.parse_args(argv)
    result = floor_seconds(args.input, args.output, repeat=args.repeat)
    print(", ".join(f"{k}={v:.3f}" for k, v in result.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
