"""The faster ways of reading, validating and writing give the same answers as the plain ones.

No timings here: each fast path is compared with the slower path it replaces, on edge cases
and on generated cells.
"""

from __future__ import annotations

import datetime as dt
import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradeproc import parse, schemas, validation
from gradeproc.read import sheet_from_rows
from gradeproc.write.workbook import IN_MEMORY_ROWS, memory_options


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (" 00123 ", "00123"),
        (123.0, "123"),
        (123, "123"),
        (1.5, "1.5"),
        (-0.0, "0"),
        (2.5e-7, "2.5e-07"),
        (float("inf"), "inf"),
        (1e20, "100000000000000000000"),  # whole, beyond int64: its digits, not an overflow
        (True, True),
        (dt.date(2024, 1, 1), dt.date(2024, 1, 1)),
        (None, None),
    ],
)
def test_an_id_cell_reads_as_its_text(cell: object, expected: object) -> None:
    ids = parse.parse_ids(pd.Series([cell], index=[7], name="Student ID", dtype=object))
    assert ids.index.tolist() == [7] and ids.name == "Student ID"
    assert ids[7] == expected and type(ids[7]) is type(expected)


def test_a_blank_number_id_stays_blank() -> None:
    assert math.isnan(parse.parse_ids(pd.Series([float("nan")], dtype=object))[0])


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (" 12 ", 12.0),
        ("1e3", 1000.0),
        ("+.5", 0.5),
        (5, 5.0),
        (2.5, 2.5),
        ("abc", None),
        ("inf", None),
        (float("inf"), None),
        (True, None),
        ("EX", None),
        (None, None),
    ],
)
def test_a_number_cell_reads_as_its_number(cell: object, expected: float | None) -> None:
    value = parse.parse_numbers(pd.Series([cell], index=[4], dtype=object))[4]
    assert (math.isnan(value) and expected is None) or value == expected


CELLS = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**6), 10**6),
    st.sampled_from(["EX", " ex ", "Ex", "12", " 7.5 ", "abc", "", "   ", "1e2", "-3", "inf"]),
    st.text(max_size=4),
    st.booleans(),
)


def _reference_points(cell: object) -> tuple[float, bool, bool]:
    """(points, excused, blank) of one cell, the long way."""
    blank = cell is None or (isinstance(cell, float) and math.isnan(cell))
    excused = type(cell) is str and cell.strip().casefold() == "ex"
    points = math.nan
    if type(cell) in (int, float):
        points = float(cell)
    elif type(cell) is str:
        points = float(pd.to_numeric(pd.Series([cell.strip()]), errors="coerce")[0])
    return (points if math.isfinite(points) else math.nan), excused, blank


@settings(max_examples=150, deadline=None)
@given(st.lists(CELLS, max_size=30))
def test_a_score_column_reads_as_each_cell_does_alone(cells: list[object]) -> None:
    """The column pass of parse_points agrees with reading every cell on its own."""
    read = parse.parse_points(pd.Series(cells, dtype=object))
    for i, cell in enumerate(cells):
        points, excused, blank = _reference_points(cell)
        assert read.excused[i] == excused and read.blank[i] == blank
        assert (math.isnan(read.points[i]) and math.isnan(points)) or read.points[i] == points
        assert read.invalid[i] == (not blank and not excused and math.isnan(points))


def test_a_sheet_leaves_out_blank_rows_and_keeps_excel_row_numbers() -> None:
    rows = [
        [None, "  "],
        ["Student ID", "HW1", "Note"],
        ["S1", 10.0],  # a short row: the missing cells are blank
        [" ", None, float("nan")],  # blank: spaces, nothing and NaN
        ["S2", "  ", "ok"],
        [],
    ]
    sheet = sheet_from_rows("Scores", "Scores", rows)
    assert sheet.header_row == 2
    assert sheet.frame.index.tolist() == [3, 5]
    assert sheet.frame.to_dict("index") == {
        3: {"Student ID": "S1", "HW1": 10.0, "Note": None},
        5: {"Student ID": "S2", "HW1": None, "Note": "ok"},
    }
    assert sheet.cell("HW1", 5) == "B5"


def test_a_sheet_with_only_a_header_has_no_rows() -> None:
    sheet = sheet_from_rows("Roster", "Roster", [["Student ID", "Last name"], [None, " "]])
    assert sheet.frame.empty and list(sheet.frame.columns) == ["Student ID", "Last name"]


SHEET_CELLS = st.one_of(
    st.none(),
    st.sampled_from(["S1", "S2", " s1 ", "A", "B", "x", "Y", "n", "points", "equal", "EX"]),
    st.sampled_from(["[90, 100]", ">= 93", "below 60", "late_penalty_per_day", "timezone"]),
    st.sampled_from([1.0, 2.0, 0.0, -1.0, 2.5, 100.0, 40.0]),
    st.sampled_from(["2024-10-01 23:59", "not a date"]),
    st.datetimes(min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2024, 12, 31)),
)

SCHEMAS = {
    "Policy": schemas.policy_schema,
    "Categories": schemas.categories_schema,
    "Letters": schemas.letters_schema,
    "Roster": schemas.roster_schema,
    "Overrides": schemas.overrides_schema,
    "Extensions": lambda: schemas.extensions_schema("America/New_York"),
    "Assessments": lambda: schemas.assessments_schema("America/New_York"),
}


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(sorted(SCHEMAS)),
    st.lists(st.lists(SHEET_CELLS, min_size=5, max_size=5), min_size=1, max_size=6),
    st.integers(0, 4),
)
def test_a_schema_reports_the_same_with_or_without_the_fast_path(
    name: str, body: list[list[object]], dropped: int
) -> None:
    """Answering a clean sheet from the checks themselves never hides a pandera finding."""
    schema = SCHEMAS[name]()
    columns = list(schema.columns)[:5]
    header = [c for i, c in enumerate(columns) if i != dropped or len(columns) == 1]
    sheet = sheet_from_rows(name, name, [header, *[row[: len(header)] for row in body]])
    fast = validation.run_schema(schema, sheet)
    original = validation._all_pass
    validation._all_pass = lambda schema, frame: False
    try:
        slow = validation.run_schema(schema, sheet)
    finally:
        validation._all_pass = original
    assert fast == slow


def test_a_schema_beyond_plain_column_checks_goes_to_pandera() -> None:
    from gradeproc._pandera import pa

    def column(*checks: pa.Check, **options: object) -> pa.Column:
        return pa.Column(checks=list(checks), **{"nullable": True, **options})

    def positive(**options: object) -> pa.Check:
        return pa.Check(lambda c: c > 0, **{"ignore_na": False, **options})

    plain = pa.DataFrameSchema({"A": column(positive())})
    typed = pa.DataFrameSchema({"A": column(positive(), dtype=int)})
    warning = pa.DataFrameSchema({"A": column(positive(raise_warning=True))})
    na_ignored = pa.DataFrameSchema({"A": column(positive(ignore_na=True))})
    not_null = pa.DataFrameSchema({"A": column(positive(), nullable=False)})
    framed = pa.DataFrameSchema(checks=[pa.Check(lambda df: df["A"].notna())])
    frame = pd.DataFrame({"A": [1, 2]})
    assert validation._all_pass(plain, frame)
    assert not validation._all_pass(plain, pd.DataFrame({"A": [1, -2]}))
    others = (typed, warning, na_ignored, not_null, framed)
    assert not any(validation._all_pass(s, frame) for s in others)


def test_small_books_are_written_in_memory_and_big_ones_in_constant_memory() -> None:
    assert memory_options(40 * 25) == {"constant_memory": False, "in_memory": True}
    assert memory_options(IN_MEMORY_ROWS)["in_memory"]
    assert memory_options(IN_MEMORY_ROWS + 1) == {"constant_memory": True, "in_memory": False}


def test_validating_does_not_import_hypothesis_which_stays_importable() -> None:
    code = (
        "import sys, gradeproc.validation\n"
        "print('hypothesis' in sys.modules)\n"
        "import hypothesis, pandera.pandas\n"
        "print(hypothesis.__name__)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout.split()
    assert out == ["False", "hypothesis"]


def test_the_numbers_of_a_column_keep_its_index() -> None:
    column = pd.Series(["1", 2.0, None], index=[10, 11, 13], dtype=object)
    numbers = parse.parse_numbers(column)
    assert numbers.index.tolist() == [10, 11, 13]
    assert np.array_equal(numbers.to_numpy(), [1.0, 2.0, np.nan], equal_nan=True)
