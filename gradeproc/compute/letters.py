"""Exact half-up rounding, the letter lookup with the gap rule, borderline and overrides.

Totals sit on letter boundaries, so rounding works on the decimal value: float noise from the
weighted sum (89.99999999999999 for a total that is 90 on paper) is snapped away at 1e-8 of a
point before rounding half-up, and letters are looked up in whole units of the last decimal.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from pandas.api.extensions import ExtensionArray

from gradeproc.policy import Band

NOISE_DECIMALS = 6  # in units of the rounding step: 1e-6 of 0.01 points


# Every number gradeproc computes and writes (a deduction, a final score, a percentage, a
# mean) is snapped to this many decimals: a result a person works out from scores with a few
# decimals has fewer than this, so snapping restores it exactly (8.8 - 8 is 0.8, not
# 0.8000000000000007), and a result with endless decimals (200/3) keeps nine.
SNAP_DECIMALS = 9
_SNAP_LIMIT = 2.0**53 / 10**SNAP_DECIMALS  # above this a float has no 9th decimal to snap


def snap(values: np.ndarray | pd.Series | float) -> np.ndarray:
    """Values as the nearest decimal of SNAP_DECIMALS places, half-up; NaN stays NaN."""
    array = np.asarray(values, dtype="float64")
    scale = 10.0**SNAP_DECIMALS
    with np.errstate(invalid="ignore"):
        snapped = np.multiply(array, scale, out=np.empty_like(array))
        snapped += 0.5
        np.floor(snapped, out=snapped)
        snapped /= scale
        return np.where(np.abs(array) < _SNAP_LIMIT, snapped, array)


def round_half_up_units(total: np.ndarray | pd.Series, decimals: int) -> np.ndarray:
    """Totals in whole units of 10**-decimals, rounded half-up on the decimal value."""
    scaled = np.asarray(total, dtype="float64") * 10**decimals
    return np.floor(np.round(scaled, NOISE_DECIMALS) + 0.5)


def round_half_up(total: np.ndarray | pd.Series, decimals: int) -> np.ndarray:
    """92.995 -> 93.0 and 89.99999999999999 -> 90.0, where bare round() gives 92.99 and 90.0."""
    return round_half_up_units(total, decimals) / 10**decimals


def lookup(units: np.ndarray, bands: list[Band], decimals: int) -> np.ndarray:
    """Index of the band each rounded total falls in (bands partition the number line)."""
    lows = np.array([b.low for b in bands], dtype="float64") * 10**decimals
    lows = np.round(lows, NOISE_DECIMALS)
    inclusive = np.array([b.low_inclusive for b in bands], dtype=bool)
    # np.searchsorted(lows, units, side="right") - 1, by counting the lows above each total
    # (NaN above every low), in bytes: a few passes, where a binary search per total is slower.
    above = np.zeros(np.shape(units), dtype=np.min_scalar_type(len(lows)))
    for low in lows:
        above += units < low
    position = np.clip(len(lows) - 1 - above.astype(np.intp), 0, len(bands) - 1)
    on_open_edge = (units == lows[position]) & ~inclusive[position]
    return np.where(on_open_edge, position - 1, position).clip(0)


def next_letter_low(bands: list[Band]) -> tuple[np.ndarray, list[str]]:
    """For each band, where the next higher letter starts, and which letter that is."""
    lows = np.full(len(bands), np.inf)
    names = [""] * len(bands)
    for i, band in enumerate(bands):
        for later in bands[i + 1 :]:
            if later.letter != band.letter:
                lows[i], names[i] = later.low, later.letter
                break
    return lows, names


def assign_letters(
    total: pd.Series, bands: list[Band], decimals: int, margin: float
) -> pd.DataFrame:
    """Each student's letter lookup: the rounded total, the band it falls in (-1 without a
    total), letter, registrar code, gap, borderline, the next higher letter and where it
    starts (inf where there is none), how far below it the total is (`below_next`), and that
    distance again where it makes the total borderline (`distance`, NaN elsewhere)."""
    units = round_half_up_units(total.to_numpy(), decimals)
    has_total = ~np.isnan(units)
    position = lookup(np.nan_to_num(units, nan=-np.inf), bands, decimals)
    # No total, no letter: one more choice past the bands, None.
    chosen = np.where(has_total, position, len(bands))
    gap = np.array([b.gap for b in bands], dtype=bool)[position] & has_total
    next_low, next_name = next_letter_low(bands)
    distance_units = np.round(next_low[position] * 10**decimals, NOISE_DECIMALS) - units
    borderline = (
        has_total
        & (distance_units > 0)
        & (distance_units < np.round(margin * 10**decimals, NOISE_DECIMALS))
    )
    return pd.DataFrame(
        {
            "total": np.where(has_total, units / 10**decimals, np.nan),
            "band": np.where(has_total, position, -1),
            "letter": text_column([b.letter for b in bands] + [None], chosen),
            "code": text_column([b.code for b in bands] + [None], chosen),
            "gap": gap,
            "borderline": borderline,
            "next_letter": text_column(next_name, position),
            "next_low": next_low[position],
            "distance": np.where(borderline, distance_units / 10**decimals, np.nan),
            "below_next": np.where(has_total, distance_units / 10**decimals, np.nan),
        },
        index=total.index,
    )


def text_column(values: Sequence[str | None], chosen: np.ndarray) -> ExtensionArray:
    """`values[chosen]` as the column pandas makes of it (its text type where the values
    used are text), built from the values used: pandas checks each value of a text column
    it is given, and a course's letters are a few values for every student."""
    used = np.flatnonzero(np.bincount(chosen, minlength=len(values)))
    at = np.zeros(len(values), dtype=np.intp)
    at[used] = np.arange(len(used))
    return pd.Series(np.array(values, dtype=object)[used]).array.take(at[chosen])


def apply_overrides(
    letters: pd.DataFrame, overrides: pd.DataFrame, codes: dict[str, str]
) -> pd.DataFrame:
    """The instructor's letter replaces the computed one; a letter not in Letters is its own code."""
    result = letters.assign(computed_letter=letters["letter"], override=False, override_reason=None)
    at = result.index.get_indexer(overrides.index)
    letter_given = (at >= 0) & overrides["Letter"].notna().to_numpy()
    chosen = overrides[letter_given].iloc[np.argsort(at[letter_given])]  # in roster order
    hits = np.zeros(len(result), dtype=bool)
    hits[at[letter_given]] = True
    if not hits.any():
        return result
    given = chosen["Letter"].to_numpy(dtype=object)
    letter = result["letter"].to_numpy(dtype=object, copy=True)
    letter[hits] = given
    code = result["code"].to_numpy(dtype=object, copy=True)
    code[hits] = [codes.get(x, x) for x in given]
    reason = np.full(len(result), None, dtype=object)
    reason[hits] = chosen["Reason"].to_numpy(dtype=object)
    return result.assign(
        letter=letter,
        code=code,
        override=hits,
        override_reason=pd.Series(reason, index=result.index, dtype=object),  # None kept
    )
