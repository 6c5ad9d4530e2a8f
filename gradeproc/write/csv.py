"""CSV files a spreadsheet opens safely: UTF-8, blanks empty, text never a formula.

`formula_safe` is the OWASP rule every CSV gradeproc writes follows (the registrar files too).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def formula_safe(value: object) -> object:
    """OWASP CSV injection: text a spreadsheet would run gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """UTF-8 CSV, every text cell formula-safe, blanks empty."""
    values = frame.astype(object).where(frame.notna(), "").to_numpy().tolist()
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow([formula_safe(c) for c in frame.columns])
        writer.writerows([[formula_safe(v) for v in row] for row in values])
