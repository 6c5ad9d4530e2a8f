"""Vectorised readers for what instructors type in cells: points, `EX`, IDs, datetimes.

Both the pandera checks and the typed frames use these, so "what counts as a number" is
decided in one place. Each reader returns values plus masks; nothing here raises on bad cells.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import NamedTuple

import numpy as np
import pandas as pd

EXCUSED_MARK = "ex"


def is_blank(value: object) -> bool:
    """An empty cell: None, NaN, NaT, or text that is only spaces. The one test of blankness
    for single values; a column's blanks are `column.isna()` once read."""
    if value is None or value is pd.NaT:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, float) and math.isnan(value)


def _types(column: pd.Series) -> pd.Series:
    return column.map(type, na_action="ignore")


def _numbers(values: list[object]) -> np.ndarray:
    """Cells' Python values -> float64, NaN where not a finite number (numbers read once)."""
    out = [math.nan] * len(values)
    text_at: list[int] = []
    text: list[str] = []
    for i, v in enumerate(values):
        kind = type(v)
        if kind is float or kind is int:
            out[i] = v
        elif kind is str:
            text_at.append(i)
            text.append(v.strip())
    numbers = np.array(out, dtype="float64")
    if text:  # text goes through pandas' number reader, as one call for the column
        numbers[text_at] = pd.to_numeric(pd.Series(text, dtype=object), errors="coerce").astype(
            "float64"
        )
    numbers[~np.isfinite(numbers)] = np.nan
    return numbers


def parse_numbers(column: pd.Series) -> pd.Series:
    """Numbers and numbers typed as text -> float; anything else (and blanks) -> NaN."""
    return pd.Series(_numbers(column.tolist()), index=column.index, dtype="float64")


def _excused(values: list[object]) -> np.ndarray:
    return np.array(
        [type(v) is str and v.strip().casefold() == EXCUSED_MARK for v in values], dtype=bool
    )


def is_excused(column: pd.Series) -> pd.Series:
    return pd.Series(_excused(column.tolist()), index=column.index, dtype=bool)


class Points(NamedTuple):
    """A score column read: points (NaN where none), and which cells are EX, blank or bad."""

    points: pd.Series
    excused: pd.Series
    blank: pd.Series
    invalid: pd.Series


def parse_points(column: pd.Series) -> Points:
    """A score cell: invalid means neither blank, `EX` nor a number."""
    values = column.tolist()
    blank = pd.isna(column.to_numpy(dtype=object))
    excused = _excused(values)
    points = _numbers(values)
    invalid = ~blank & ~excused & np.isnan(points)
    index = column.index
    return Points(
        pd.Series(points, index=index, dtype="float64"),
        pd.Series(excused, index=index, dtype=bool),
        pd.Series(blank, index=index, dtype=bool),
        pd.Series(invalid, index=index, dtype=bool),
    )


def _id_text(value: object) -> object:
    kind = type(value)
    if kind is str:
        return value.strip()
    if kind is float:
        if value != value:  # NaN: a blank, left as it is
            return value
        if math.isfinite(value) and value == math.floor(value):
            return str(int(value))
        return str(value)
    if kind is int:
        return str(value)
    return value


def parse_ids(column: pd.Series) -> pd.Series:
    """Student IDs as text: `00123` stays, a number 123.0 becomes `123`, spaces trimmed.

    One pass over the cells' Python values: cheaper than masks per type on a sheet's column
    of 40 cells (each mask is a pandas call), and as cheap on 50,000.
    """
    return pd.Series(
        [_id_text(v) for v in column.tolist()], index=column.index, name=column.name, dtype=object
    )


def parse_text(column: pd.Series) -> pd.Series:
    """Free text cells (names, sections): numbers shown without a trailing `.0`."""
    return parse_ids(column)


def localize(naive: pd.Series, timezone: str) -> pd.Series:
    """Naive wall-clock times in `timezone` -> UTC, as policy.md §2 reads them.

    A repeated hour (clocks back) is its first occurrence; a skipped hour (clocks forward)
    is read with the offset in force before the change, so 02:30 becomes 03:30.
    """
    naive = pd.to_datetime(naive).astype("datetime64[ns]")
    if naive.empty:
        return naive.dt.tz_localize("UTC")
    first = np.ones(len(naive), dtype=bool)
    local = naive.dt.tz_localize(timezone, ambiguous=first, nonexistent="NaT")
    utc = local.dt.tz_convert("UTC")
    skipped = utc.isna() & naive.notna()
    if skipped.any():
        before = naive[skipped] - pd.Timedelta(days=1)
        before_local = before.dt.tz_localize(
            timezone, ambiguous=np.ones(len(before), dtype=bool), nonexistent="shift_forward"
        )
        offset = before_local.dt.tz_localize(None) - before_local.dt.tz_convert(
            "UTC"
        ).dt.tz_localize(None)
        utc[skipped] = (naive[skipped] - offset).dt.tz_localize("UTC")
    return utc


def parse_datetimes(column: pd.Series, timezone: str) -> tuple[pd.Series, pd.Series]:
    """Excel datetimes or ISO 8601 text -> (UTC timestamps, invalid mask).

    A bare date is midnight at the start of that day: calamine hands back any datetime cell
    that falls on midnight as a date, so a date cell cannot mean anything else.
    """
    result = pd.Series(pd.NaT, index=column.index, dtype="datetime64[ns, UTC]")
    invalid = pd.Series(False, index=column.index)
    types = _types(column)
    naive_parts: list[pd.Series] = []

    stamps = types.isin((dt.datetime, pd.Timestamp))
    dates = types.eq(dt.date)
    plausible = column.map(_plausible, na_action="ignore")
    implausible = (stamps | dates) & plausible.eq(False)
    if implausible.any():  # a typo'd year: a finding, and never an out-of-bounds timestamp
        invalid |= implausible
        stamps &= ~implausible
        dates &= ~implausible
    if stamps.any():
        values = column[stamps]
        aware = values.map(lambda v: v.tzinfo is not None)
        if aware.any():
            result[aware[aware].index] = pd.to_datetime(list(values[aware]), utc=True)
        naive_parts.append(values[~aware])

    if dates.any():
        naive_parts.append(column[dates].map(lambda d: dt.datetime.combine(d, dt.time())))

    text = types.eq(str)
    if text.any():
        parsed = column[text].map(_parse_iso)
        plausible_text = [_plausible(v) for v in parsed]
        bad = parsed.isna() | ~pd.Series(plausible_text, index=parsed.index, dtype=bool)
        invalid[bad[bad].index] = True
        parsed = parsed[~bad]
        if len(parsed):
            aware = parsed.map(lambda v: v.tzinfo is not None).astype(bool)
            if aware.any():
                result[aware[aware].index] = pd.to_datetime(list(parsed[aware]), utc=True)
            naive_parts.append(parsed[~aware])

    other = column.notna() & ~stamps & ~dates & ~text & ~implausible
    invalid |= other

    naive_parts = [p for p in naive_parts if len(p)]
    if naive_parts:
        naive = pd.concat(naive_parts)
        naive = pd.Series(pd.to_datetime(list(naive)), index=naive.index)
        result[naive.index] = localize(naive, timezone)
    return result, invalid


NOT_A_TIME = np.iinfo(np.int64).min


def parse_datetime_block(block: pd.DataFrame, timezone: str) -> tuple[np.ndarray, np.ndarray]:
    """A whole sheet area of times at once -> (UTC int64 ns, NOT_A_TIME where blank; invalid).

    One flat pass, so the time zone work runs once for every timestamp of the sheet.
    """
    cells = block.to_numpy(dtype=object).ravel()
    present = pd.notna(cells)
    stamps = np.full(cells.shape, NOT_A_TIME, dtype=np.int64)
    invalid = np.zeros(cells.shape, dtype=bool)
    if present.any():
        values, bad = parse_datetimes(pd.Series(cells[present], dtype=object), timezone)
        stamps[present] = values.array.as_unit("ns").asi8
        invalid[present] = bad.to_numpy()
    return stamps.reshape(block.shape), invalid.reshape(block.shape)


# Years a gradebook's dates can have; any other is a typo (2924 for 2024), and would not fit
# the nanosecond timestamps the computation uses (years 1677-2262).
FIRST_YEAR = 1900
LAST_YEAR = 2200


def _plausible(value: object) -> bool:
    year = getattr(value, "year", None)
    return year is None or FIRST_YEAR <= year <= LAST_YEAR


def implausible_year(value: object) -> int | None:
    """The year of a date cell or ISO text outside FIRST_YEAR..LAST_YEAR, else None."""
    if isinstance(value, str):
        value = _parse_iso(value)
    year = getattr(value, "year", None)
    if isinstance(year, int) and not FIRST_YEAR <= year <= LAST_YEAR:
        return year
    return None


def _parse_iso(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None


def parse_yes_no(column: pd.Series) -> tuple[pd.Series, pd.Series]:
    """`Y`/`N` (yes/no, true/false, any case) -> (bool, invalid mask)."""
    text = column.map(lambda v: str(v).strip().casefold(), na_action="ignore")
    yes = text.isin(("y", "yes", "true", "1", "1.0"))
    no = text.isin(("n", "no", "false", "0", "0.0"))
    invalid = column.notna() & ~yes & ~no
    return yes, invalid
