"""Vectorised readers for what instructors type in cells: points, `EX`, IDs, datetimes.

Both the pandera checks and the typed frames use these, so "what counts as a number" is
decided in one place. Each reader returns values plus masks; nothing here raises on bad cells.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

EXCUSED_MARK = "ex"
# Where int64 nanosecond times hold no time (NaT).
NOT_A_TIME = np.iinfo(np.int64).min


def is_blank(value: object) -> bool:
    """An empty cell: None, NaN, NaT, or text that is only spaces. The one test of blankness
    for single values; a column's blanks are `column.isna()` once read."""
    if value is None or value is pd.NaT:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, float) and math.isnan(value)


def _numbers(values: list[object]) -> np.ndarray:
    """Cells' Python values -> float64, NaN where not a finite number (numbers read once)."""
    out: list[float] = [math.nan] * len(values)
    text_at: list[int] = []
    text: list[str] = []
    for i, v in enumerate(values):
        if type(v) is float or type(v) is int:  # exact types: a bool is not a number here
            out[i] = v
        elif type(v) is str:
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


@dataclass
class PointsBlock:
    """Score columns read as one block: points (NaN where none), and which cells are EX,
    blank or bad (neither blank, `EX` nor a number); rows × `labels`."""

    labels: list[str]
    points: np.ndarray  # float64, NaN where no points
    excused: np.ndarray
    blank: np.ndarray
    invalid: np.ndarray


def parse_points_block(block: pd.DataFrame) -> PointsBlock:
    """Every score cell of `block` in one pass."""
    cells = block.to_numpy(dtype=object)
    values = cells.ravel().tolist()
    blank = pd.isna(cells)
    excused = _excused(values).reshape(cells.shape)
    points = _numbers(values).reshape(cells.shape)
    invalid = ~blank & ~excused & np.isnan(points)
    return PointsBlock([str(c) for c in block.columns], points, excused, blank, invalid)


def _id_text(value: object) -> object:
    if type(value) is str:
        return value.strip()
    if type(value) is float:
        if value != value:  # NaN: a blank, left as it is
            return value
        if math.isfinite(value) and value == math.floor(value):
            return str(int(value))
        return str(value)
    if type(value) is int:  # exact type: a bool stays a bool
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


class Columns:
    """A sheet's columns, each read at most once however many checks and tables ask.

    The frame's cells are taken out of pandas once, as one object array; every reading of
    a column (blanks, IDs, numbers, text keys) is one pass over its values, kept for the
    next check or typed table that wants it.
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self.index = frame.index
        self._at = {label: j for j, label in enumerate(frame.columns)}
        self._cells = frame.to_numpy(dtype=object)
        self._blank = pd.isna(self._cells)
        self._values: dict[str, list[object]] = {}
        self._ids: dict[str, np.ndarray] = {}
        self._numbers: dict[str, np.ndarray] = {}
        self._mapped: dict[tuple[str, Callable[[Any], object]], np.ndarray] = {}

    def __contains__(self, label: str) -> bool:
        return label in self._at

    def values(self, label: str) -> list[object]:
        """The column's cells as Python values."""
        if label not in self._values:
            self._values[label] = self._cells[:, self._at[label]].tolist()
        return self._values[label]

    def cells(self, label: str) -> np.ndarray:
        """The column's cells (object array)."""
        return self._cells[:, self._at[label]]

    def blank(self, label: str) -> np.ndarray:
        """Which cells are blank (None, NaN, NaT), as `column.isna()`."""
        return self._blank[:, self._at[label]]

    def ids(self, label: str) -> np.ndarray:
        """The column as parse_ids reads it (object array)."""
        if label not in self._ids:
            ids = np.empty(len(self.index), dtype=object)
            ids[:] = [_id_text(v) for v in self.values(label)]
            self._ids[label] = ids
        return self._ids[label]

    def numbers(self, label: str) -> np.ndarray:
        """The column as parse_numbers reads it (float64, NaN where not a number)."""
        if label not in self._numbers:
            self._numbers[label] = _numbers(self.values(label))
        return self._numbers[label]

    def mapped(self, label: str, read: Callable[[Any], object]) -> np.ndarray:
        """`read` of each non-blank cell, None for a blank (object array)."""
        key = (label, read)
        if key not in self._mapped:
            blank = self.blank(label)
            out = np.empty(len(self.index), dtype=object)
            out[:] = [
                None if b else read(v)
                for v, b in zip(self.values(label), blank.tolist(), strict=True)
            ]
            self._mapped[key] = out
        return self._mapped[key]


def localize(naive: pd.Series, timezone: str) -> pd.Series:
    """Naive wall-clock times in `timezone` -> UTC, as policy.md §2 reads them.

    A repeated hour (clocks back) is its first occurrence; a skipped hour (clocks forward)
    is read with the offset in force before the change, so 02:30 becomes 03:30.
    """
    times = pd.DatetimeIndex(pd.to_datetime(naive)).as_unit("ns")
    return pd.Series(_localize(times, timezone), index=naive.index, name=naive.name)


def _localize(naive: pd.DatetimeIndex, timezone: str) -> pd.DatetimeIndex:
    """localize over an index of times (no Series around each step)."""
    if naive.empty:
        return naive.tz_localize("UTC")
    first = np.ones(len(naive), dtype=bool)
    utc = naive.tz_localize(timezone, ambiguous=first, nonexistent="NaT").tz_convert("UTC")
    skipped: np.ndarray = np.asarray(utc.isna()) & np.asarray(naive.notna())
    if skipped.any():
        before = naive[skipped] - pd.Timedelta(days=1)
        before_local = before.tz_localize(
            timezone, ambiguous=np.ones(len(before), dtype=bool), nonexistent="shift_forward"
        )
        offset = before_local.tz_localize(None) - before_local.tz_convert("UTC").tz_localize(None)
        stamps = utc.asi8.copy()
        stamps[skipped] = (naive[skipped] - offset).asi8
        utc = pd.DatetimeIndex(stamps.view("datetime64[ns]")).tz_localize("UTC")
    return utc


def _stamp(value: object) -> dt.datetime | None:
    """A datetime cell, a date cell (its midnight) or ISO text -> datetime; None if not a time.

    A year outside FIRST_YEAR..LAST_YEAR is not a time either (a typo, see implausible_year).
    """
    kind = type(value)
    stamp: dt.datetime | None
    if kind is dt.datetime or kind is pd.Timestamp:
        stamp = value  # type: ignore[assignment]  # the exact types just tested
    elif kind is dt.date:
        stamp = dt.datetime.combine(value, dt.time())  # type: ignore[arg-type]  # tested above
    elif kind is str:
        stamp = _parse_iso(value)  # type: ignore[arg-type]  # tested above
    else:
        return None
    if stamp is None or not FIRST_YEAR <= stamp.year <= LAST_YEAR:
        return None
    return stamp


def _datetimes_ns(values: list[object], timezone: str) -> tuple[np.ndarray, np.ndarray]:
    """Cells' Python values -> (UTC int64 ns, NOT_A_TIME where none; invalid mask), one pass."""
    stamps = np.full(len(values), NOT_A_TIME, dtype=np.int64)
    invalid = np.zeros(len(values), dtype=bool)
    naive_at: list[int] = []
    naive: list[dt.datetime] = []
    aware_at: list[int] = []
    aware: list[dt.datetime] = []
    for i, value in enumerate(values):
        if value is None:
            continue
        stamp = _stamp(value)
        if stamp is None:
            invalid[i] = not pd.isna([value])[0]  # a cell that is not blank (NaN, NaT)
        elif stamp.tzinfo is None:
            naive_at.append(i)
            naive.append(stamp)
        else:
            aware_at.append(i)
            aware.append(stamp)
    if aware:
        stamps[aware_at] = pd.to_datetime(aware, utc=True).as_unit("ns").asi8
    if naive:
        stamps[naive_at] = _localize(pd.DatetimeIndex(naive).as_unit("ns"), timezone).asi8
    return stamps, invalid


def parse_datetimes(column: pd.Series, timezone: str) -> tuple[pd.Series, pd.Series]:
    """Excel datetimes or ISO 8601 text -> (UTC timestamps, invalid mask).

    A bare date is midnight at the start of that day: calamine hands back any datetime cell
    that falls on midnight as a date, so a date cell cannot mean anything else.
    """
    stamps, invalid = _datetimes_ns(column.tolist(), timezone)
    utc = pd.DatetimeIndex(stamps.view("datetime64[ns]")).tz_localize("UTC")
    return pd.Series(utc, index=column.index), pd.Series(invalid, index=column.index)


def parse_datetime_block(block: pd.DataFrame, timezone: str) -> tuple[np.ndarray, np.ndarray]:
    """A whole sheet area of times at once -> (UTC int64 ns, NOT_A_TIME where blank; invalid).

    One flat pass, so the time zone work runs once for every timestamp of the sheet.
    """
    stamps, invalid = _datetimes_ns(block.to_numpy(dtype=object).ravel().tolist(), timezone)
    return stamps.reshape(block.shape), invalid.reshape(block.shape)


# Years a gradebook's dates can have; any other is a typo (2924 for 2024), and would not fit
# the nanosecond timestamps the computation uses (years 1677-2262).
FIRST_YEAR = 1900
LAST_YEAR = 2200


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


# How Y and N may be typed (any case, spaces around).
YES = frozenset(("y", "yes", "true", "1", "1.0"))
NO = frozenset(("n", "no", "false", "0", "0.0"))


def strip_fold(value: object) -> str:
    """A Y/N or aggregation cell as it is compared: spaces around and case ignored."""
    return str(value).strip().casefold()
