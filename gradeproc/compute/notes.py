"""Flags and the Notes sentences: the answer to "why did I get this?" for each student.

Sentences are built per assessment column over the students who had that event, with
vectorised string operations; no loop visits every student.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


def _number_text(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".")


def _days_text(days: int) -> str:
    return f"{days} day" if days == 1 else f"{days} days"


def local_minutes(times: pd.Series, timezone: str) -> np.ndarray:
    """UTC times as the course's wall clock to the minute (`2024-10-15 23:41`), as text."""
    return times.dt.tz_convert(timezone).dt.strftime("%Y-%m-%d %H:%M").to_numpy(dtype=object)


@dataclass(frozen=True)
class Coded:
    """Texts for many cells, each distinct text spelled once: `texts[codes]` is the text."""

    codes: np.ndarray
    texts: np.ndarray

    def spelled(self) -> np.ndarray:
        return self.texts[self.codes]


def _coded(values: np.ndarray, spell) -> Coded:
    codes, unique = pd.factorize(values)  # hashing, not sorting: linear in the cells
    texts = np.array([spell(v) for v in unique.tolist()], dtype=object)
    return Coded(codes.astype(np.int64), texts)


def points_coded(values: np.ndarray | pd.Series) -> Coded:
    """Points as an instructor writes them (95, 87.5, 0.25; never 95.0), coded."""
    return _coded(np.round(np.asarray(values, dtype="float64").ravel(), 4), _number_text)


def days_coded(days: np.ndarray | pd.Series) -> Coded:
    return _coded(np.asarray(days, dtype=np.int64).ravel(), _days_text)


def unit_coded(values: np.ndarray | pd.Series) -> Coded:
    """ " point" for exactly 1, " points" otherwise: "-1 point", "-15 points"."""
    is_one = (np.asarray(values, dtype="float64").ravel() == 1).astype(np.int64)
    return Coded(is_one, np.array([" points", " point"], dtype=object))


def points_text(values: np.ndarray | pd.Series) -> np.ndarray:
    """Points as an instructor writes them: 95, 87.5, 0.25 (never 95.0)."""
    array = np.asarray(values, dtype="float64")
    if array.size == 0:
        return np.empty(array.shape, dtype=object)
    return points_coded(array).spelled().reshape(array.shape)


def points_unit(values: np.ndarray) -> np.ndarray:
    """ " point" for exactly 1, " points" otherwise: "-1 point", "-15 points"."""
    return unit_coded(values).spelled()


def days_text(days: pd.Series | np.ndarray) -> np.ndarray:
    """1 day, 3 days."""
    array = np.asarray(days, dtype=np.int64)
    if array.size == 0:
        return np.empty(array.shape, dtype=object)
    return days_coded(array).spelled().reshape(array.shape)


def compose(*parts: str | Coded) -> Coded:
    """Sentences from fixed text and coded parts, each distinct sentence built once.

    The coded parts' codes combine into one integer per cell (a mixed-radix number), so a
    class of a million students with a few hundred distinct late sentences formats a few
    hundred strings, then picks them by index.
    """
    coded = [p for p in parts if isinstance(p, Coded)]
    combined = np.zeros(len(coded[0].codes), dtype=np.int64)
    for part in coded:
        combined = combined * len(part.texts) + part.codes
    inverse, unique = pd.factorize(combined)
    # Each distinct sentence's parts, read back from its number digit by digit, all
    # sentences at once; then the parts are added column by column (a C loop of str +).
    words = []
    rest = np.asarray(unique, dtype=np.int64)
    for part in reversed(coded):
        rest, digit = np.divmod(rest, len(part.texts))
        words.append(part.texts[digit])
    words.reverse()
    word = iter(words)
    sentences = np.full(len(rest), "", dtype=object)
    for p in parts:
        sentences = sentences + (p if isinstance(p, str) else next(word))
    return Coded(inverse.astype(np.int64), sentences)


def flags_text(flags: pd.DataFrame) -> np.ndarray:
    """Each student's flag codes, each once, sorted, joined by ', '.

    Students share few combinations of flags, so each combination present is spelled once
    (from a bit mask per student) and picked by index.
    """
    codes = sorted(flags.columns)
    bits = np.zeros(len(flags), dtype=np.int64)
    for position, code in enumerate(codes):
        bits |= flags[code].to_numpy(dtype=bool).astype(np.int64) << position
    combinations, inverse = np.unique(bits, return_inverse=True)
    texts = np.array(
        [", ".join(c for i, c in enumerate(codes) if combo >> i & 1) for combo in combinations],
        dtype=object,
    )
    return texts[inverse.ravel()] if len(flags) else np.empty(0, dtype=object)


class _Sentences:
    """Each student's sentences, in the order added, joined by spaces.

    Sentences are recorded, not concatenated: each round of `add` names at most one
    sentence per student, so a student's k-th sentence has a known place in one flat list
    (their start plus k). `joined()` then makes each note with one `str.join`, so a student
    with seven sentences costs one string, not seven ever-longer ones.
    """

    def __init__(self, n: int) -> None:
        self.n = n
        self.count = np.zeros(n, dtype=np.int64)
        self.rounds: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def add(self, rows: np.ndarray, sentences: Coded | list[str] | str) -> None:
        """`sentences`: one for all `rows`, one per row, or coded (a text per distinct one)."""
        positions = np.flatnonzero(rows)
        if not len(positions):
            return
        if isinstance(sentences, str):
            sentences = Coded(np.zeros(len(positions), np.int64), np.array([sentences], object))
        elif not isinstance(sentences, Coded):
            sentences = Coded(np.arange(len(positions)), np.asarray(sentences, dtype=object))
        rank = self.count[positions]
        self.count[positions] += 1
        self.rounds.append((positions, rank, sentences.texts[sentences.codes]))

    def joined(self) -> np.ndarray:
        notes = np.full(self.n, "", dtype=object)
        if not self.rounds:
            return notes
        start = np.cumsum(self.count) - self.count
        flat = np.empty(int(self.count.sum()), dtype=object)
        for positions, rank, texts in self.rounds:
            flat[start[positions] + rank] = texts
        sentences = flat.tolist()
        one = self.count == 1
        notes[one] = flat[start[one]]
        many = np.flatnonzero(self.count > 1)
        join = " ".join
        notes[many] = [
            join(sentences[a:b])
            for a, b in zip(start[many].tolist(), (start + self.count)[many].tolist(), strict=True)
        ]
        return notes


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
        st = status[name]  # categorical: compared by code, not string by string
        days, raw, after = days_all[:, j], raw_all[:, j], final_all[:, j]
        category = assessments.at[name, "category"]
        maximum = assessments.at[name, "max_points"]
        rejected = late_all[:, j] & (days > policy.late_max_days)
        penalised = late_all[:, j] & ~rejected
        if penalised.any():
            removed = deduction_all[penalised, j]
            notes.add(
                penalised,
                compose(
                    f"{name}: ",
                    days_coded(days[penalised]),
                    " late, -",
                    points_coded(removed),
                    unit_coded(removed),
                    " (",
                    points_coded(raw[penalised]),
                    " -> ",
                    points_coded(after[penalised]),
                    ").",
                ),
            )
        if rejected.any():
            notes.add(
                rejected,
                compose(
                    f"{name}: ",
                    days_coded(days[rejected]),
                    f" late, over the {policy.late_max_days}-day limit: not accepted, "
                    "0 points (was ",
                    points_coded(raw[rejected]),
                    ").",
                ),
            )
        notes.add((st == "MISSING").to_numpy(), f"{name}: no score, counted as 0.")
        handed_in = (st == "UNGRADED").to_numpy() & gradebook.submitted[name].notna().to_numpy()
        if handed_in.any():
            when = local_minutes(gradebook.submitted[name][handed_in], policy.timezone)
            notes.add(
                handed_in,
                (
                    f"{name}: handed in " + when + ", not graded yet; left out of the total."
                ).tolist(),
            )
        notes.add((st == "EXCUSED").to_numpy(), f"{name}: excused, left out of {category}.")
        dropped = (st == "DROPPED").to_numpy()
        if dropped.any():
            notes.add(
                dropped,
                compose(
                    f"{name}: dropped by the {category} drop rule (",
                    points_coded(after[dropped]),
                    f"/{_number_text(maximum)}).",
                ),
            )

    _extension_notes(gradebook, notes)
    no_letter = letters["letter"].isna().to_numpy()
    notes.add(
        no_letter,
        "No work counts toward a total (all excused or ungraded): no total and no letter; "
        "set the letter in the Overrides sheet.",
    )
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
    return notes.joined()


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
