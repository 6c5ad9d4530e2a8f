"""The faster ways of reading, validating and writing give the same answers as the plain ones.

No timings here: each fast path is compared with the slower path it replaces, on edge cases
and on generated cells.
"""

from __future__ import annotations

import datetime as dt
import math
import subprocess
import sys
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradeproc import parse, schemas, validation
from gradeproc.policy import parse_range
from gradeproc.read import Sheet, normalise, sheet_from_rows
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
    """The block pass of parse_points_block agrees with reading every cell on its own."""
    read = parse.parse_points_block(pd.DataFrame({"A": cells, "B": cells[::-1]}, dtype=object))
    assert read.labels == ["A", "B"]
    for j, column in enumerate((cells, cells[::-1])):
        for i, cell in enumerate(column):
            points, excused, blank = _reference_points(cell)
            assert read.excused[i, j] == excused and read.blank[i, j] == blank
            got = read.points[i, j]
            assert (math.isnan(got) and math.isnan(points)) or got == points
            assert read.invalid[i, j] == (not blank and not excused and math.isnan(points))


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


def _due_invalid(cells: parse.Columns, label: str) -> np.ndarray | None:
    if label not in cells:
        return None
    return parse.parse_datetimes(cells.frame[label], "America/New_York")[1].to_numpy()


SCHEMAS: dict[str, Callable[[parse.Columns], schemas.SheetSchema]] = {
    "Policy": schemas.policy_schema,
    "Categories": schemas.categories_schema,
    "Letters": schemas.letters_schema,
    "Roster": schemas.roster_schema,
    "Overrides": schemas.overrides_schema,
    "Extensions": lambda c: schemas.extensions_schema(c, _due_invalid(c, "New due")),
    "Assessments": lambda c: schemas.assessments_schema(c, _due_invalid(c, "Due")),
}
COLUMNS = {
    "Policy": ["Setting", "Value"],
    "Categories": ["Category", "Weight", "Aggregation", "Drop lowest"],
    "Letters": ["Letter", "Range", "Registrar code"],
    "Roster": ["Student ID"],
    "Overrides": ["Student ID", "Letter"],
    "Extensions": ["Student ID", "Assessment", "Extra days", "New due"],
    "Assessments": ["Assessment", "Category", "Max points", "Due", "Late policy"],
}


def _sheet(name: str, body: list[list[object]], dropped: int) -> Sheet:
    columns = COLUMNS[name]
    header = [c for i, c in enumerate(columns) if i != dropped or len(columns) == 1]
    return sheet_from_rows(name, name, [header, *[row[: len(header)] for row in body]])


BODIES = st.lists(st.lists(SHEET_CELLS, min_size=5, max_size=5), min_size=1, max_size=6)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(SCHEMAS)), BODIES, st.integers(0, 4))
def test_a_schema_reports_the_same_with_or_without_the_fast_path(
    name: str, body: list[list[object]], dropped: int
) -> None:
    """Answering a clean sheet from the verdicts themselves never hides a pandera finding."""
    sheet = _sheet(name, body, dropped)
    cells = parse.Columns(sheet.frame)
    schema = SCHEMAS[name](cells)
    fast = validation.run_schema(schema, sheet, cells)
    original = schemas.SheetSchema.all_pass
    schemas.SheetSchema.all_pass = lambda self, cells, verdicts: False  # type: ignore[method-assign]
    try:
        slow = validation.run_schema(schema, sheet, cells)
    finally:
        schemas.SheetSchema.all_pass = original  # type: ignore[method-assign]
    assert fast == slow


def _reference(code: str, column: pd.Series) -> pd.Series:
    """Each check as a plain pandas expression over the column (what the verdicts replace)."""
    numbers = parse.parse_numbers(column)
    keys = column.map(normalise, na_action="ignore")
    folded = column.map(lambda v: str(v).strip().casefold(), na_action="ignore")
    ranges = column.map(lambda v: parse_range(str(v)) is not None, na_action="ignore")
    return {
        "required": lambda: column.notna(),
        "unique-id": lambda: ~(parse.parse_ids(column).duplicated() & column.notna()),
        "unique": lambda: ~(keys.duplicated() & column.notna()),
        "number": lambda: column.isna() | numbers.notna(),
        "positive": lambda: ~(numbers <= 0),
        "non-negative": lambda: ~(numbers < 0),
        "whole": lambda: numbers.isna() | (numbers % 1 == 0),
        "setting": lambda: column.isna() | keys.isin(schemas.KNOWN_SETTINGS),
        "aggregation": lambda: column.isna() | folded.isin(("points", "equal")),
        "range": lambda: column.isna() | ranges.eq(True),
        "yes-no": lambda: (
            column.isna()
            | folded.isin(("y", "yes", "true", "1", "1.0"))
            | folded.isin(("n", "no", "false", "0", "0.0"))
        ),
        "extra-days-max": lambda: ~(numbers > schemas.MAX_EXTRA_DAYS),
        "datetime": lambda: ~parse.parse_datetimes(column, "America/New_York")[1],
    }[code]()


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(sorted(SCHEMAS)), BODIES, st.integers(0, 4))
def test_each_verdict_is_its_check_as_plain_pandas(
    name: str, body: list[list[object]], dropped: int
) -> None:
    """The vectorised verdicts over columns read once agree, cell by cell, with each check
    written as a pandas expression over its raw column."""
    sheet = _sheet(name, body, dropped)
    cells = parse.Columns(sheet.frame)
    for label, checks in SCHEMAS[name](cells).verdicts(cells).items():
        for code, ok in checks:
            expected = _reference(code, sheet.frame[label]).to_numpy(dtype=bool)
            assert ok.tolist() == expected.tolist(), (label, code)


def test_student_rows_are_each_students_first_row() -> None:
    sheet = sheet_from_rows(
        "Extensions",
        "Extensions",
        [["Student ID", "Assessment"], ["S1", "HW1"], [None, "HW2"], [" S2 ", "x"], ["S1", "y"]],
    )
    rows = validation._student_rows(parse.Columns(sheet.frame))
    assert rows.to_dict() == {"S1": 2, "S2": 4} and rows.dtype == "int64"


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
