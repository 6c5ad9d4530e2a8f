"""The checks of each input sheet, over the cells exactly as typed, reported by pandera.

A sheet's schema lists its columns and each column's checks; a check is one vectorised
verdict over the column as `parse.Columns` read it once (never pandera's coercion: a column
that fails coercion skips its other checks, and then a `-5` beside a `9O` would go
unreported). When every cell passes, that is the answer; otherwise the same verdicts run as
one pandera DataFrameSchema for the sheet, which reports every failure case. Each check's
name is a finding code; `MESSAGES` turns a failure case into a plain sentence.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gradeproc import parse
from gradeproc.codes import Code
from gradeproc.policy import AGGREGATIONS, SETTINGS, parse_range
from gradeproc.read import normalise

KNOWN_SETTINGS = frozenset(normalise(s) for s in SETTINGS)
AGGREGATION_NAMES = frozenset(AGGREGATIONS)


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


# A check's verdict on one column (by its label): True for each cell that passes.
Verdict = Callable[[str], np.ndarray]
# A sheet's verdicts: column label -> (code, verdict) per check, in check order.
Verdicts = dict[str, list[tuple[str, np.ndarray]]]


@dataclass(frozen=True)
class Check:
    code: str
    passes: Verdict


@dataclass(frozen=True)
class ColumnSchema:
    checks: tuple[Check, ...] = ()
    required: bool = True


@dataclass(frozen=True)
class SheetSchema:
    """One sheet's columns, in the order findings are reported, and their checks."""

    name: str
    columns: dict[str, ColumnSchema]

    def verdicts(self, cells: parse.Columns) -> Verdicts:
        """Each present column's (code, verdict) pairs, in check order."""
        return {
            label: [(check.code, check.passes(label)) for check in column.checks]
            for label, column in self.columns.items()
            if label in cells
        }

    def all_pass(self, cells: parse.Columns, verdicts: Verdicts) -> bool:
        """No required column is missing and every cell passes every check."""
        if any(c.required and label not in cells for label, c in self.columns.items()):
            return False
        return all(ok.all() for checks in verdicts.values() for _, ok in checks)

    def failure_cases(self, verdicts: Verdicts, frame: pd.DataFrame) -> pd.DataFrame | None:
        """The same verdicts run as one pandera schema, lazily: its failure cases (one row
        per failing cell or missing column), or None when nothing fails.

        pandera is loaded here, when a sheet has a failing cell, and not before: a gradebook
        without problems (nearly every one) is answered by the verdicts alone, and loading
        pandera costs a command about a quarter of a second."""
        from gradeproc._pandera import pa

        def check(code: str, ok: np.ndarray) -> pa.Check:
            return pa.Check(
                lambda column: pd.Series(ok, index=column.index),
                name=code,
                error=code,
                ignore_na=False,
            )

        schema = pa.DataFrameSchema(
            {
                label: pa.Column(
                    checks=[check(code, ok) for code, ok in verdicts.get(label, [])],
                    nullable=True,
                    required=column.required,
                )
                for label, column in self.columns.items()
            },
            name=self.name,
        )
        try:
            schema.validate(frame, lazy=True)
        except pa.errors.SchemaErrors as exc:
            return exc.failure_cases
        return None


def _repeats(keys: np.ndarray, blank: np.ndarray) -> np.ndarray:
    """Which non-blank cells repeat the key of a cell above them."""
    seen: set[object] = set()
    repeated = np.zeros(len(keys), dtype=bool)
    for i, (key, empty) in enumerate(zip(keys.tolist(), blank.tolist(), strict=True)):
        if empty:
            continue
        if key in seen:
            repeated[i] = True
        else:
            seen.add(key)
    return repeated


def _is_range(value: object) -> bool:
    return parse_range(str(value)) is not None


class _Verdicts:
    """The verdicts every sheet's checks share, over one sheet's columns read once."""

    def __init__(self, cells: parse.Columns) -> None:
        self.cells = cells

    def not_blank(self, label: str) -> np.ndarray:
        return ~self.cells.blank(label)

    def unique_ids(self, label: str) -> np.ndarray:
        return ~_repeats(self.cells.ids(label), self.cells.blank(label))

    def unique_text(self, label: str) -> np.ndarray:
        return ~_repeats(self.cells.mapped(label, normalise), self.cells.blank(label))

    def number(self, label: str) -> np.ndarray:
        return self.cells.blank(label) | ~np.isnan(self.cells.numbers(label))

    def positive(self, label: str) -> np.ndarray:
        return ~(self.cells.numbers(label) <= 0)

    def non_negative(self, label: str) -> np.ndarray:
        return ~(self.cells.numbers(label) < 0)

    def whole(self, label: str) -> np.ndarray:
        numbers = self.cells.numbers(label)
        with np.errstate(invalid="ignore"):  # NaN % 1 is NaN: not a number passes here
            return np.isnan(numbers) | (numbers % 1 == 0)

    def numbers(self, *, positive: bool = False, whole: bool = False) -> list[Check]:
        checks = [Check(Code.NUMBER, self.number)]
        if positive:
            checks.append(Check(Code.POSITIVE, self.positive))
        else:
            checks.append(Check(Code.NON_NEGATIVE, self.non_negative))
        if whole:
            checks.append(Check(Code.WHOLE, self.whole))
        return checks

    def within(
        self, label: str, allowed: frozenset[str], read: Callable[[object], str]
    ) -> np.ndarray:
        keys = self.cells.mapped(label, read)
        return self.cells.blank(label) | np.array([k in allowed for k in keys.tolist()], dtype=bool)

    def ranges(self, label: str) -> np.ndarray:
        return self.cells.blank(label) | self.cells.mapped(label, _is_range).astype(bool)

    def yes_no(self, label: str) -> np.ndarray:
        return self.within(label, parse.YES | parse.NO, parse.strip_fold)

    def extra_days(self, label: str) -> np.ndarray:
        return ~(self.cells.numbers(label) > MAX_EXTRA_DAYS)

    def id_column(self) -> ColumnSchema:
        return ColumnSchema(
            (Check(Code.REQUIRED, self.not_blank), Check(Code.UNIQUE_ID, self.unique_ids))
        )

    def required_unique(self) -> ColumnSchema:
        return ColumnSchema(
            (Check(Code.REQUIRED, self.not_blank), Check(Code.UNIQUE, self.unique_text))
        )


def _given(passes: np.ndarray) -> Verdict:
    """A verdict computed beforehand, from a parse shared with a typed table."""
    return lambda _label: passes


def _datetime(invalid: np.ndarray) -> Check:
    """`invalid`: the column's mask from the parse shared with the typed table."""
    return Check(Code.DATETIME, _given(~invalid))


def policy_schema(cells: parse.Columns) -> SheetSchema:
    v = _Verdicts(cells)
    known = Check(Code.SETTING, lambda c: v.within(c, KNOWN_SETTINGS, normalise))
    return SheetSchema(
        "Policy",
        {
            "Setting": ColumnSchema((known, Check(Code.UNIQUE, v.unique_text))),
            "Value": ColumnSchema(),
        },
    )


def categories_schema(cells: parse.Columns) -> SheetSchema:
    v = _Verdicts(cells)
    aggregation = Check(
        Code.AGGREGATION, lambda c: v.within(c, AGGREGATION_NAMES, parse.strip_fold)
    )
    return SheetSchema(
        "Categories",
        {
            "Category": v.required_unique(),
            "Weight": ColumnSchema((Check(Code.REQUIRED, v.not_blank), *v.numbers())),
            "Aggregation": ColumnSchema((aggregation,), required=False),
            "Drop lowest": ColumnSchema(tuple(v.numbers(whole=True)), required=False),
        },
    )


def letters_schema(cells: parse.Columns) -> SheetSchema:
    v = _Verdicts(cells)
    return SheetSchema(
        "Letters",
        {
            "Letter": v.required_unique(),
            "Range": ColumnSchema((Check(Code.REQUIRED, v.not_blank), Check(Code.RANGE, v.ranges))),
            "Registrar code": ColumnSchema(required=False),
        },
    )


def assessments_schema(cells: parse.Columns, due_invalid: np.ndarray | None) -> SheetSchema:
    v = _Verdicts(cells)
    due = (_datetime(due_invalid),) if due_invalid is not None else ()
    return SheetSchema(
        "Assessments",
        {
            "Assessment": v.required_unique(),
            "Category": ColumnSchema((Check(Code.REQUIRED, v.not_blank),)),
            "Max points": ColumnSchema(
                (Check(Code.REQUIRED, v.not_blank), *v.numbers(positive=True))
            ),
            "Due": ColumnSchema(due),
            "Late policy": ColumnSchema((Check(Code.YES_NO, v.yes_no),), required=False),
        },
    )


def roster_schema(cells: parse.Columns) -> SheetSchema:
    return SheetSchema("Roster", {"Student ID": _Verdicts(cells).id_column()})


def scores_schema(
    cells: parse.Columns,
    points: parse.PointsBlock,
    max_points: dict[str, float | None],
    allow_extra_credit: bool,
) -> SheetSchema:
    """Checks over the score columns parsed once beforehand, as one block."""
    columns = {"Student ID": _Verdicts(cells).id_column()}
    at = {label: j for j, label in enumerate(points.labels)}
    invalid, negative = points.invalid, points.points < 0

    def valid(label: str) -> np.ndarray:
        return ~invalid[:, at[label]]

    def not_negative(label: str) -> np.ndarray:
        return ~negative[:, at[label]]

    for label in points.labels:
        checks = [Check(Code.POINTS, valid), Check(Code.POINTS_NEGATIVE, not_negative)]
        maximum = max_points.get(label)
        if maximum is not None and not allow_extra_credit:
            below = ~(points.points[:, at[label]] > maximum)
            checks.append(Check(Code.POINTS_ABOVE_MAX, _given(below)))
        columns[label] = ColumnSchema(tuple(checks), required=False)
    return SheetSchema("Scores", columns)


def submitted_schema(cells: parse.Columns, labels: list[str], invalid: np.ndarray) -> SheetSchema:
    """`invalid`: the Submitted times' block parse, one column per label."""
    columns = {"Student ID": _Verdicts(cells).id_column()}
    for j, label in enumerate(labels):
        columns[label] = ColumnSchema((_datetime(invalid[:, j]),), required=False)
    return SheetSchema("Submitted", columns)


def extensions_schema(cells: parse.Columns, new_due_invalid: np.ndarray | None) -> SheetSchema:
    v = _Verdicts(cells)
    new_due = (_datetime(new_due_invalid),) if new_due_invalid is not None else ()
    return SheetSchema(
        "Extensions",
        {
            "Student ID": ColumnSchema((Check(Code.REQUIRED, v.not_blank),)),
            "Assessment": ColumnSchema((Check(Code.REQUIRED, v.not_blank),)),
            "Extra days": ColumnSchema(
                (*v.numbers(), Check(Code.EXTRA_DAYS_MAX, v.extra_days)), required=False
            ),
            "New due": ColumnSchema(new_due, required=False),
        },
    )


def overrides_schema(cells: parse.Columns) -> SheetSchema:
    v = _Verdicts(cells)
    return SheetSchema(
        "Overrides",
        {
            "Student ID": v.id_column(),
            "Letter": ColumnSchema((Check(Code.REQUIRED, v.not_blank),)),
        },
    )
