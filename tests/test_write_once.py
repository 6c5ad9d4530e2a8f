"""What the graded workbook decides once: the order of letters and the spelling of numbers."""

from __future__ import annotations

import pandas as pd

from gradeproc.api import Result
from gradeproc.sentences import points_text
from gradeproc.write.summary import letter_counts, letter_order
from gradeproc.write.workbook import setting_text

ORDER = ["A", "B", "C", "F"]


def _grades(letters: list[str | None]) -> pd.DataFrame:
    return pd.DataFrame({"Letter": pd.Series(letters, dtype=object)})


def test_letters_beyond_the_letters_sheet_follow_it_alphabetically() -> None:
    letters = _grades(["W", "A", "I", "W", "W", None, "B", "I"])["Letter"]
    assert letter_order(letters, ORDER) == ["A", "B", "C", "F", "I", "W"]


def test_summary_and_result_count_letters_in_one_order() -> None:
    grades = _grades(["W", "A", "I", "W", "W", "B", "I"])
    table = letter_counts(grades, ORDER)
    assert table["Letter"].tolist() == ["A", "B", "C", "F", "I", "W"]
    assert table["Students"].tolist() == [1, 1, 0, 0, 2, 3]
    result = Result(grades=grades, details=pd.DataFrame(), output=None, registrar=None)
    result.letter_order = ORDER
    assert result.letter_counts() == {"A": 1, "B": 1, "I": 2, "W": 3}  # no empty letters


def test_run_sheet_records_a_setting_exactly_as_typed() -> None:
    # The Run sheet is the record of a run: a setting is written as typed, never rounded,
    # though a sentence quoting it spells at most four decimals.
    assert setting_text(3.33333) == "3.33333"
    assert str(points_text([3.33333])[0]) == "3.3333"
    assert setting_text(5.0) == "5"
    assert setting_text(0.5) == "0.5"
    assert setting_text("America/New_York") == "America/New_York"
    assert setting_text(3) == "3"
