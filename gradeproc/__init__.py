"""gradeproc: grade an instructor's Excel gradebook the way the syllabus says.

    from gradeproc import process
    result = process("gradebook.xlsx", registrar="grades.csv")
    print(result.grades[["Student ID", "Total", "Letter"]])

Names are imported on first use, so `gradeproc --help` does not pay for pandas.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "process": "gradeproc.api",
    "validate": "gradeproc.api",
    "init": "gradeproc.api",
    "Result": "gradeproc.api",
    "Finding": "gradeproc.errors",
    "GradeprocError": "gradeproc.errors",
    "Report": "gradeproc.errors",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'gradeproc' has no attribute {name!r}")
