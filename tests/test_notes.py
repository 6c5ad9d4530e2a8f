"""The words of Flags and Notes: numbers as an instructor writes them, singular and plural."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gradeproc.compute import flags_text
from gradeproc.sentences import days_text, points_text, points_unit


def test_points_are_written_without_trailing_zeros() -> None:
    assert points_text(np.array([95.0, 87.5, 0.25, 100.0, 12.3456, 0.0])).tolist() == [
        "95",
        "87.5",
        "0.25",
        "100",
        "12.3456",
        "0",
    ]


def test_one_point_and_one_day_are_singular() -> None:
    assert points_unit(np.array([1.0, 15.0, 0.5])).tolist() == [" point", " points", " points"]
    assert days_text(np.array([1, 3])).tolist() == ["1 day", "3 days"]


def test_flags_are_sorted_unique_and_comma_joined() -> None:
    flags = pd.DataFrame(
        {
            "MISSING": [True, False, False],
            "LATE": [True, True, False],
            "BORDERLINE": [True, False, False],
        }
    )
    assert flags_text(flags).tolist() == ["BORDERLINE, LATE, MISSING", "LATE", ""]
