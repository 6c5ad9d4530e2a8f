"""Regenerate the golden files: the sample gradebook's graded sheets as CSV (csvkit style).

Run after a deliberate change to the output, then review the diff of tests/data/golden/ as
you would review code: every changed cell is a changed grade.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SAMPLE = ROOT / "sample_data" / "fall2024_optml.xlsx"
GOLDEN = ROOT / "tests" / "data" / "golden"
SHEETS = ("Grades", "Details")


def graded_sheets(book: Path) -> dict[str, str]:
    """Grade `book` into a temporary folder; each compared sheet's cells as CSV text."""
    import pandas as pd

    from gradeproc.api import process

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "graded.xlsx"
        process(book, output=out, registrar=Path(folder) / "grades.csv")
        sheets = pd.read_excel(out, sheet_name=list(SHEETS), engine="calamine", dtype=str)
        texts = {
            name: frame.to_csv(index=False, lineterminator="\n") for name, frame in sheets.items()
        }
        texts["registrar"] = (Path(folder) / "grades.csv").read_text(encoding="utf-8")
    return texts


def golden_path(name: str) -> Path:
    suffix = "registrar.csv" if name == "registrar" else f"{name.lower()}.csv"
    return GOLDEN / f"{SAMPLE.stem}.{suffix}"


def main() -> None:
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for name, text in graded_sheets(SAMPLE).items():
        golden_path(name).write_text(text, encoding="utf-8", newline="")
        print(f"wrote {golden_path(name).relative_to(ROOT)}")


if __name__ == "__main__":
    main()
