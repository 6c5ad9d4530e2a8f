"""pandera schemas for each input sheet, run lazily over the cells exactly as typed.

Every check parses the raw column itself instead of relying on pandera's coercion: a column
that fails coercion skips its other checks, and then a `-5` beside a `9O` would go unreported.
Each check's name is a finding code; `MESSAGES` turns a failure case into a plain sentence.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import pandas as pd

from gradeproc import parse
from gradeproc._pandera import pa
from gradeproc.codes import Code
from gradeproc.policy import AGGREGATIONS, SETTINGS, parse_range
from gradeproc.read import normalise

KNOWN_SETTINGS = {normalise(s) for s in SETTINGS}


def show(value: object) -> str:
    """A cell value as a message quotes it: text in quotes, numbers bare."""
    if isinstance(value, float):
        return f"{value:g}" if np.isfinite(value) else str(value)
    if isinstance(value, str):
        return f'"{value.strip()}"'
    return str(value)


# code -> (context) -> message. `value` is the cell as typed; `extra` carries schema facts.
MESSAGES: dict[str, Callable[..., str]] = {
    "required": lambda value, column, **_: f"{column} is blank",
    "unique-id": lambda value, **_: f"student ID {parse.parse_ids(pd.Series([value]))[0]} repeats",
    "unique": lambda value, column, **_: f"{column} {show(value)} appears more than once",
    "points": lambda value, **_: f"{show(value)} is not a number of points",
    "points-negative": lambda value, **_: f"{show(value)} is negative; a score is 0 or more points",
    "points-above-max": lambda value, column, extra, **_: (
        f"{show(value)} is more than the {extra['max'][column]:g} max points of {column}; "
        "set allow_extra_credit to Y if extra credit is intended"
    ),
    "number": lambda value, column, **_: f"{column} {show(value)} is not a number",
    "positive": lambda value, column, **_: f"{column} {show(value)} must be more than 0",
    "non-negative": lambda value, column, **_: f"{column} {show(value)} must be 0 or more",
    "whole": lambda value, column, **_: f"{column} {show(value)} must be a whole number",
    "aggregation": lambda value, **_: (
        f'{show(value)} is not an aggregation; use "points" or "equal"'
    ),
    "range": lambda value, **_: (
        f'{show(value)} is not a letter range; write it like "[90, 93)", ">= 93" or "below 60"'
    ),
    "setting": lambda value, **_: f"{show(value)} is not a setting gradeproc knows (a typo?)",
    "yes-no": lambda value, column, **_: f"{column} {show(value)} must be Y or N",
    "datetime": lambda value, column, **_: _datetime_message(value),
    "extra-days-max": lambda value, column, **_: (
        f"{column} {show(value)} is more than {MAX_EXTRA_DAYS:,} days (ten years); a typo?"
    ),
}

# More extra days than this is a typo, and would carry a due time past what can be computed.
MAX_EXTRA_DAYS = 3650


def _datetime_message(value: object) -> str:
    year = parse.implausible_year(value)
    if year is not None:
        return (
            f"{show(value)} is in the year {year}; a date outside {parse.FIRST_YEAR}-"
            f"{parse.LAST_YEAR} is a typo, so correct the year"
        )
    return f"{show(value)} is not a date and time; use a date cell or text like 2024-10-01 23:59"


def _check(fn: Callable[[pd.Series], pd.Series], code: str) -> pa.Check:
    return pa.Check(fn, name=code, error=code, ignore_na=False)


def not_blank(column: pd.Series) -> pd.Series:
    return column.notna()


def unique_ids(column: pd.Series) -> pd.Series:
    ids = parse.parse_ids(column)
    return ~(ids.duplicated() & column.notna())


def unique_text(column: pd.Series) -> pd.Series:
    keys = column.map(normalise, na_action="ignore")
    return ~(keys.duplicated() & column.notna())


def number_checks(*, positive: bool = False, whole: bool = False) -> list[pa.Check]:
    numbers = parse.parse_numbers  # small policy sheets: parsing per check costs nothing
    checks = [_check(lambda c: c.isna() | numbers(c).notna(), Code.NUMBER)]
    if positive:
        checks.append(_check(lambda c: ~(numbers(c) <= 0), Code.POSITIVE))
    else:
        checks.append(_check(lambda c: ~(numbers(c) < 0), Code.NON_NEGATIVE))
    if whole:
        checks.append(_check(lambda c: numbers(c).isna() | (numbers(c) % 1 == 0), Code.WHOLE))
    return checks


def datetime_check(timezone: str, parsed_invalid: pd.Series | None = None) -> pa.Check:
    """`parsed_invalid`: the column's mask from a parse done once for the whole sheet."""

    def ok(column: pd.Series) -> pd.Series:
        if parsed_invalid is not None:
            return ~parsed_invalid
        return ~parse.parse_datetimes(column, timezone)[1]

    return _check(ok, Code.DATETIME)


def points_checks(
    parsed: parse.Points, max_points: float | None, allow_extra_credit: bool
) -> list[pa.Check]:
    """Checks over a score column parsed once beforehand (the big sheet: no parse per check)."""
    checks = [
        _check(lambda c: ~parsed.invalid, Code.POINTS),
        _check(lambda c: ~(parsed.points < 0), Code.POINTS_NEGATIVE),
    ]
    if max_points is not None and not allow_extra_credit:
        checks.append(_check(lambda c: ~(parsed.points > max_points), Code.POINTS_ABOVE_MAX))
    return checks


def _column(*checks: pa.Check, required: bool = True) -> pa.Column:
    return pa.Column(checks=list(checks), nullable=True, required=required)


def id_column() -> pa.Column:
    return _column(_check(not_blank, Code.REQUIRED), _check(unique_ids, Code.UNIQUE_ID))


@functools.cache  # the same for every gradebook: built once per process
def policy_schema() -> pa.DataFrameSchema:
    known = _check(
        lambda c: c.isna() | c.map(normalise, na_action="ignore").isin(KNOWN_SETTINGS), Code.SETTING
    )
    return pa.DataFrameSchema(
        {
            "Setting": _column(known, _check(unique_text, Code.UNIQUE)),
            "Value": _column(),
        },
        name="Policy",
    )


@functools.cache  # the same for every gradebook: built once per process
def categories_schema() -> pa.DataFrameSchema:
    aggregation = _check(
        lambda c: (
            c.isna()
            | c.map(lambda v: str(v).strip().casefold(), na_action="ignore").isin(AGGREGATIONS)
        ),
        Code.AGGREGATION,
    )
    return pa.DataFrameSchema(
        {
            "Category": _column(_check(not_blank, Code.REQUIRED), _check(unique_text, Code.UNIQUE)),
            "Weight": _column(_check(not_blank, Code.REQUIRED), *number_checks()),
            "Aggregation": _column(aggregation, required=False),
            "Drop lowest": _column(*number_checks(whole=True), required=False),
        },
        name="Categories",
    )


@functools.cache  # the same for every gradebook: built once per process
def letters_schema() -> pa.DataFrameSchema:
    def parses(column: pd.Series) -> pd.Series:
        return column.isna() | column.map(
            lambda v: parse_range(str(v)) is not None, na_action="ignore"
        )

    return pa.DataFrameSchema(
        {
            "Letter": _column(_check(not_blank, Code.REQUIRED), _check(unique_text, Code.UNIQUE)),
            "Range": _column(_check(not_blank, Code.REQUIRED), _check(parses, Code.RANGE)),
            "Registrar code": _column(required=False),
        },
        name="Letters",
    )


def assessments_schema(timezone: str, due_invalid: pd.Series | None = None) -> pa.DataFrameSchema:
    yes_no = _check(lambda c: ~parse.parse_yes_no(c)[1], Code.YES_NO)
    return pa.DataFrameSchema(
        {
            "Assessment": _column(
                _check(not_blank, Code.REQUIRED), _check(unique_text, Code.UNIQUE)
            ),
            "Category": _column(_check(not_blank, Code.REQUIRED)),
            "Max points": _column(_check(not_blank, Code.REQUIRED), *number_checks(positive=True)),
            "Due": _column(datetime_check(timezone, due_invalid)),
            "Late policy": _column(yes_no, required=False),
        },
        name="Assessments",
    )


@functools.cache  # the same for every gradebook: built once per process
def roster_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema({"Student ID": id_column()}, name="Roster")


def scores_schema(
    parsed: dict[str, parse.Points], max_points: dict[str, float | None], allow_extra_credit: bool
) -> pa.DataFrameSchema:
    columns = {"Student ID": id_column()}
    for name, points in parsed.items():
        checks = points_checks(points, max_points.get(name), allow_extra_credit)
        columns[name] = _column(*checks, required=False)
    return pa.DataFrameSchema(columns, name="Scores")


def submitted_schema(invalid: dict[str, pd.Series], timezone: str) -> pa.DataFrameSchema:
    columns = {"Student ID": id_column()}
    for name, mask in invalid.items():
        columns[name] = _column(datetime_check(timezone, mask), required=False)
    return pa.DataFrameSchema(columns, name="Submitted")


def _extra_days_check() -> pa.Check:
    return _check(lambda c: ~(parse.parse_numbers(c) > MAX_EXTRA_DAYS), Code.EXTRA_DAYS_MAX)


def extensions_schema(
    timezone: str, new_due_invalid: pd.Series | None = None
) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "Student ID": _column(_check(not_blank, Code.REQUIRED)),
            "Assessment": _column(_check(not_blank, Code.REQUIRED)),
            "Extra days": _column(*number_checks(), _extra_days_check(), required=False),
            "New due": _column(datetime_check(timezone, new_due_invalid), required=False),
        },
        name="Extensions",
    )


@functools.cache  # the same for every gradebook: built once per process
def overrides_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "Student ID": id_column(),
            "Letter": _column(_check(not_blank, Code.REQUIRED)),
        },
        name="Overrides",
    )
