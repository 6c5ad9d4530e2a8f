"""Flags and the Notes sentences: the answer to "why did I get this?" for each student.

Sentences are built per assessment column over the students who had that event, with
vectorised string operations; no loop visits every student.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _number_text(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".")


def points_text(values: np.ndarray | pd.Series) -> np.ndarray:
    """Points as an instructor writes them: 95, 87.5, 0.25 (never 95.0).

    Gradebooks repeat a few hundred distinct values, so each is formatted once and the
    texts are picked by index: no Python call per cell.
    """
    array = np.round(np.asarray(values, dtype="float64"), 4)
    if array.size == 0:
        return np.empty(0, dtype=object)
    unique, inverse = np.unique(array, return_inverse=True)
    texts = np.array([_number_text(v) for v in unique], dtype=object)
    return texts[inverse.reshape(array.shape)]


def points_unit(values: np.ndarray) -> np.ndarray:
    """ " point" for exactly 1, " points" otherwise: "-1 point", "-15 points"."""
    return np.where(np.asarray(values, dtype="float64") == 1, " point", " points")


def days_text(days: pd.Series | np.ndarray) -> np.ndarray:
    """1 day, 3 days."""
    array = np.asarray(days, dtype=np.int64)
    unique, inverse = np.unique(array, return_inverse=True)
    texts = np.array([f"{d} day" if d == 1 else f"{d} days" for d in unique], dtype=object)
    return texts[inverse.reshape(array.shape)]


def flags_text(flags: pd.DataFrame) -> np.ndarray:
    """Each student's flag codes, each once, sorted, joined by ', '."""
    out = np.full(len(flags), "", dtype=object)
    for code in sorted(flags.columns):
        mask = flags[code].to_numpy(dtype=bool)
        if mask.any():
            out[mask] = np.where(out[mask] == "", code, out[mask] + ", " + code)
    return out


class _Sentences:
    """Each student's sentences, appended as " sentence" (one string operation per event);
    the leading space is cut once at the end."""

    def __init__(self, n: int) -> None:
        self._text = np.full(n, "", dtype=object)

    def add(self, rows: np.ndarray, sentences: pd.Series | np.ndarray | str) -> None:
        if not rows.any():
            return
        if isinstance(sentences, str):
            self._text[rows] += " " + sentences
        else:
            self._text[rows] += " " + np.asarray(sentences, dtype=object)

    @property
    def text(self) -> np.ndarray:
        return pd.Series(self._text, dtype=object).str.slice(1).to_numpy(dtype=object)


def student_notes(
    gradebook,
    status: pd.DataFrame,
    late: pd.DataFrame,
    late_days: pd.DataFrame,
    deduction: pd.DataFrame,
    final: pd.DataFrame,
    letters: pd.DataFrame,
    flags: pd.DataFrame,
) -> np.ndarray:
    policy = gradebook.policy
    assessments = gradebook.assessments
    notes = _Sentences(len(status))
    raw_all = gradebook.points.to_numpy(dtype="float64")
    final_all = final.to_numpy(dtype="float64")
    deduction_all = deduction.to_numpy(dtype="float64")
    days_all = late_days.to_numpy()
    late_all = late.to_numpy(dtype=bool)
    for j, name in enumerate(assessments.index):
        st = status[name].to_numpy()
        days, raw, after = days_all[:, j], raw_all[:, j], final_all[:, j]
        category = assessments.at[name, "category"]
        maximum = assessments.at[name, "max_points"]
        rejected = late_all[:, j] & (days > policy.late_max_days)
        penalised = late_all[:, j] & ~rejected
        if penalised.any():
            notes.add(
                penalised,
                f"{name}: "
                + days_text(days[penalised])
                + " late, -"
                + points_text(deduction_all[penalised, j])
                + points_unit(deduction_all[penalised, j])
                + " ("
                + points_text(raw[penalised])
                + " -> "
                + points_text(after[penalised])
                + ").",
            )
        if rejected.any():
            notes.add(
                rejected,
                f"{name}: "
                + days_text(days[rejected])
                + f" late, over the {policy.late_max_days}-day limit: not accepted, 0 points (was "
                + points_text(raw[rejected])
                + ").",
            )
        notes.add(st == "MISSING", f"{name}: no score, counted as 0.")
        notes.add(st == "EXCUSED", f"{name}: excused, left out of {category}.")
        dropped = st == "DROPPED"
        if dropped.any():
            notes.add(
                dropped,
                f"{name}: dropped by the {category} drop rule ("
                + points_text(after[dropped])
                + f"/{_number_text(maximum)}).",
            )

    _extension_notes(gradebook, notes)
    decimals = policy.total_decimals
    gap = flags["POLICY_GAP"].to_numpy()
    if gap.any():
        sentence = [
            f"Total {t:.{decimals}f} is in no letter's range; letter_gap_rule "
            f'"{policy.letter_gap_rule}" gives {c}.'
            for t, c in zip(letters["total"][gap], letters["computed_letter"][gap], strict=True)
        ]
        notes.add(gap, sentence)
    border = flags["BORDERLINE"].to_numpy()
    if border.any():
        sentence = [
            f"Total {t:.{decimals}f} is {d:.{decimals}f} below {n} ({low:g}): borderline."
            for t, d, n, low in zip(
                letters["total"][border],
                letters["distance"][border],
                letters["next_letter"][border],
                letters["next_low"][border],
                strict=True,
            )
        ]
        notes.add(border, sentence)
    override = flags["OVERRIDE"].to_numpy()
    if override.any():
        sentence = []
        for letter, computed, reason in zip(
            letters["letter"][override],
            letters["computed_letter"][override],
            letters["override_reason"][override],
            strict=True,
        ):
            was = f" (computed: {computed})" if computed else ""
            why = f": {reason}" if reason else ""
            sentence.append(f"Letter {letter} set by the instructor{was}{why}.")
        notes.add(override, sentence)
    return notes.text


def _extension_notes(gradebook, notes: _Sentences) -> None:
    """One sentence per extension row, built for all rows at once."""
    ext = gradebook.extensions
    students = gradebook.roster.index
    if ext.empty:
        return
    positions = students.get_indexer(ext["student_id"])
    ext = ext[positions >= 0]
    positions = positions[positions >= 0]
    target = np.where(ext["assessment"].to_numpy() == "*", "every assessment", ext["assessment"])
    new_due = ext["new_due"].dt.tz_convert(gradebook.policy.timezone).dt.strftime("%Y-%m-%d %H:%M")
    days = ext["extra_days"].to_numpy(dtype="float64")
    moved = np.where(
        np.isnan(days),
        "",
        "+" + points_text(np.nan_to_num(days)) + np.where(days == 1, " day", " days"),
    )
    what = np.where(
        ext["new_due"].notna().to_numpy(), "due " + new_due.fillna("").to_numpy(dtype=object), moved
    )
    reason = ext["reason"].to_numpy(dtype=object)
    why = np.where(pd.notna(reason), " (" + reason.astype(str) + ")", "")
    sentences = "Extension on " + target.astype(object) + ": " + what.astype(object) + why + "."
    # A student may have several rows: add them in order, one round per repeat.
    order = pd.Series(positions).groupby(positions).cumcount().to_numpy()
    for round_ in range(order.max() + 1 if len(order) else 0):
        take = order == round_
        mask = np.zeros(len(students), dtype=bool)
        mask[positions[take]] = True
        sentence_at = np.empty(len(students), dtype=object)
        sentence_at[positions[take]] = sentences[take]
        notes.add(mask, sentence_at[mask])
