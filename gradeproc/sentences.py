"""Words for people, rendered from the compute core's facts: the one place that says what
happened to a score.

The Notes sentences, the Scores cells' comments, the Details rows, `explain`'s lines and
`diff`'s reasons all come from here, from the same facts (`gradeproc.compute.Facts`).
Sentences are built per assessment column over the students who had that event, with
vectorised string operations; no loop visits every student.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from gradeproc.compute import DETAIL_COLUMNS, STATUSES, Facts, Status, status_names
from gradeproc.compute.lateness import column_ns, utc_ns
from gradeproc.compute.letters import snap
from gradeproc.parse import NOT_A_TIME

if TYPE_CHECKING:
    from gradeproc.policy import Policy
    from gradeproc.validation import Gradebook


def _number_text(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".")


def _days_text(days: int) -> str:
    return f"{days} day" if days == 1 else f"{days} days"


def wall_minutes(stamps: np.ndarray, timezone: str) -> np.ndarray:
    """UTC nanoseconds as the course's wall clock to the minute (`2024-10-15 23:41`), as
    text; NaN where there is no time (`parse.NOT_A_TIME`)."""
    utc = pd.DatetimeIndex(stamps.view("datetime64[ns]")).tz_localize("UTC")
    wall = utc.tz_convert(timezone).tz_localize(None).to_numpy(dtype="datetime64[m]")
    if not len(wall):
        return np.empty(0, dtype=object)
    # numpy spells ISO minutes in C (`2024-10-15T23:41`), far faster than strftime per time.
    text = np.strings.replace(np.datetime_as_string(wall, unit="m"), "T", " ").astype(object)
    text[np.isnat(wall)] = np.nan
    return text


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


def points_text(values: np.ndarray | pd.Series | Sequence[float]) -> np.ndarray:
    """Points as an instructor writes them: 95, 87.5, 0.25 (never 95.0)."""
    array = np.asarray(values, dtype="float64")
    if array.size == 0:
        return np.empty(array.shape, dtype=object)
    return points_coded(array).spelled().reshape(array.shape)


def points_unit(values: np.ndarray) -> np.ndarray:
    """ " point" for exactly 1, " points" otherwise: "-1 point", "-15 points"."""
    return unit_coded(values).spelled()


def days_text(days: pd.Series | np.ndarray | Sequence[int]) -> np.ndarray:
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

    def add(self, rows: np.ndarray, sentences: Coded | np.ndarray | list[str] | str) -> None:
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

    def add_each(self, students: np.ndarray, sentences: np.ndarray) -> None:
        """Several sentences per student at once: `students` (ascending) names the student
        of each sentence, in the order said."""
        if not len(students):
            return
        counts = np.bincount(students, minlength=self.n)
        first = np.cumsum(counts) - counts  # each student's first sentence in `sentences`
        rank = self.count[students] + (np.arange(len(students)) - first[students])
        self.count += counts
        self.rounds.append((students, rank, sentences))

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


def cell_deduction(
    raw: np.ndarray,
    final: np.ndarray,
    days: np.ndarray,
    excused: np.ndarray,
    handed_in: np.ndarray,
    blank_scores: str,
    max_days: int,
) -> np.ndarray:
    """What the late rule removed from each cell (Details' `Deduction`), from the facts.

    0 for work on time, missing or excused; blank for work not graded yet (nothing to
    deduct from); for late work the raw score less the final one (the raw score when
    rejected). Works on whole matrices or on picked cells alike.
    """
    late = late_or_rejected(raw, days, excused, max_days)
    blank = np.isnan(raw) & ~excused
    missing = blank & ~handed_in & (blank_scores == "zero")
    with np.errstate(invalid="ignore"):
        removed = snap(raw - final)
    return np.where(late, removed, np.where(blank & ~missing, np.nan, 0.0))


def late_or_rejected(
    raw: np.ndarray, days: np.ndarray, excused: np.ndarray, max_days: int
) -> np.ndarray:
    """Cells with a score that came in late (penalised or over the limit), dropped or not."""
    return ((days > 0) | (days > max_days)) & ~np.isnan(raw) & ~excused


def text_coded(values: np.ndarray | pd.Series | str, n: int | None = None) -> Coded:
    """Text per cell (an assessment's name, a category), each distinct text kept once."""
    if isinstance(values, str):
        return Coded(np.zeros(n or 0, dtype=np.int64), np.array([values], dtype=object))
    return _coded(np.asarray(values, dtype=object).ravel(), str)


@dataclass(frozen=True)
class Cells:
    """The facts of some students' scores, one entry per cell, for the words about them.

    `name`, `category` and `maximum` are the assessment's (one for all, or one per cell,
    the texts possibly coded);
    `status` the status names or codes; `handed_in` whether a submission time was given and
    `when` that time as the course's wall clock (`2024-10-15 23:41`; read only where work
    was handed in and not graded); `max_days` the policy's late limit.
    """

    name: np.ndarray | str | Coded
    category: np.ndarray | str | Coded
    maximum: np.ndarray
    status: np.ndarray
    days: np.ndarray
    raw: np.ndarray
    final: np.ndarray
    excused: np.ndarray
    handed_in: np.ndarray
    when: np.ndarray
    max_days: int


def _status_codes(status: np.ndarray) -> np.ndarray:
    values = np.asarray(status)
    if values.dtype.kind in "iu":
        return values
    return pd.Categorical(values.astype(object).astype(str), categories=list(STATUSES)).codes


def _selected(values: np.ndarray | str | Coded, rows: np.ndarray) -> Coded:
    """The text of the picked cells, coded: one text for all, or each cell's own."""
    if isinstance(values, str):
        return text_coded(values, int(np.count_nonzero(rows)))
    if isinstance(values, Coded):
        return Coded(values.codes[rows], values.texts)
    return text_coded(np.asarray(values, dtype=object)[rows])


Spoken = list[tuple[np.ndarray, np.ndarray]]  # (cells, their sentences), in the order said


def _late_said(cells: Cells) -> Spoken:
    late = late_or_rejected(cells.raw, cells.days, cells.excused, cells.max_days)
    rejected = late & (cells.days > cells.max_days)
    penalised = late & ~rejected
    said = []
    if penalised.any():
        raw, after = cells.raw[penalised], cells.final[penalised]
        removed = snap(raw - after)
        sentences = compose(
            _selected(cells.name, penalised),
            ": ",
            days_coded(cells.days[penalised]),
            " late, -",
            points_coded(removed),
            unit_coded(removed),
            " (",
            points_coded(raw),
            " -> ",
            points_coded(after),
            ").",
        )
        said.append((penalised, sentences.spelled()))
    if rejected.any():
        sentences = compose(
            _selected(cells.name, rejected),
            ": ",
            days_coded(cells.days[rejected]),
            f" late, over the {cells.max_days}-day limit: not accepted, 0 points (was ",
            points_coded(cells.raw[rejected]),
            ").",
        )
        said.append((rejected, sentences.spelled()))
    return said


def _status_said(cells: Cells) -> Spoken:
    codes = _status_codes(cells.status)
    missing = codes == _code(Status.MISSING)
    handed_in = (codes == _code(Status.UNGRADED)) & cells.handed_in
    excused = codes == _code(Status.EXCUSED)
    dropped = codes == _code(Status.DROPPED)
    said = []
    if missing.any():
        sentences = compose(_selected(cells.name, missing), ": no score, counted as 0.")
        said.append((missing, sentences.spelled()))
    if handed_in.any():
        sentences = compose(
            _selected(cells.name, handed_in),
            ": handed in ",
            text_coded(cells.when[handed_in]),
            ", not graded yet; left out of the total.",
        )
        said.append((handed_in, sentences.spelled()))
    if excused.any():
        sentences = compose(
            _selected(cells.name, excused),
            ": excused, left out of ",
            _selected(cells.category, excused),
            ".",
        )
        said.append((excused, sentences.spelled()))
    if dropped.any():
        maximum = np.broadcast_to(cells.maximum, (len(codes),))
        sentences = compose(
            _selected(cells.name, dropped),
            ": dropped by the ",
            _selected(cells.category, dropped),
            " drop rule (",
            points_coded(cells.final[dropped]),
            "/",
            points_coded(maximum[dropped]),
            ").",
        )
        said.append((dropped, sentences.spelled()))
    return said


def _spread(n: int, said: Spoken) -> np.ndarray:
    out = np.full(n, "", dtype=object)
    for rows, sentences in said:
        out[rows] = sentences
    return out


def late_sentences(cells: Cells) -> np.ndarray:
    """The Notes sentence about late work (penalised or over the limit), "" for the rest.

    `HW3: 3 days late, -15 points (95 -> 80).`; a late item that was then dropped gets it
    too, before the drop's sentence."""
    return _spread(len(cells.days), _late_said(cells))


def status_sentences(cells: Cells) -> np.ndarray:
    """The Notes sentence about a missing, handed-in, excused or dropped item; "" else."""
    return _spread(len(cells.days), _status_said(cells))


# Students whose scores' sentences are rendered at once: enough cells to leave numpy's
# per-call cost behind, few enough that a million-student class stays in bounded memory.
NOTE_BLOCK_CELLS = 1 << 20


@dataclass(frozen=True)
class _Scores:
    """A class's score facts as student × assessment arrays, read from the gradebook once,
    and the wall-clock time of each handed-in score not graded yet, by assessment
    (student positions, ascending, and their times as text)."""

    raw: np.ndarray
    excused: np.ndarray
    handed_in: np.ndarray
    waiting: dict[int, tuple[np.ndarray, np.ndarray]]

    @classmethod
    def of(cls, facts: Facts) -> _Scores:
        gradebook = facts.gradebook
        submitted = utc_ns(gradebook.submitted)
        handed_in = submitted != NOT_A_TIME
        waiting = (facts.status == _code(Status.UNGRADED)) & handed_in
        items, students = np.nonzero(waiting.T)  # assessment by assessment, students ascending
        texts = wall_minutes(submitted[students, items], str(gradebook.policy.timezone))
        waited_on, firsts = np.unique(items, return_index=True)
        bounds = [*firsts.tolist(), len(items)]
        when = {
            j: (students[lo:hi], texts[lo:hi])
            for j, (lo, hi) in zip(waited_on.tolist(), itertools.pairwise(bounds), strict=True)
        }
        return cls(  # the gradebook's frames are in assessment order, as the core reads them
            raw=gradebook.points.to_numpy(dtype="float64"),
            excused=gradebook.excused.to_numpy(dtype=bool),
            handed_in=handed_in,
            waiting=when,
        )


def block_cells(facts: Facts, scores: _Scores, rows: slice) -> Cells:
    """The facts of every score of the students in `rows`, student by student (each
    student's assessments in column order), the texts coded per assessment."""
    assessments = facts.gradebook.assessments
    n_items = len(assessments)
    status = facts.status[rows].ravel()
    n_cells = len(status)
    item = np.tile(np.arange(n_items, dtype=np.int64), n_cells // max(n_items, 1))
    when = np.empty(n_cells, dtype=object)
    grid = when.reshape(-1, n_items)
    for j, (students, times) in scores.waiting.items():
        lo, hi = np.searchsorted(students, [rows.start, rows.stop])
        grid[students[lo:hi] - rows.start, j] = times[lo:hi]
    return Cells(
        name=Coded(item, assessments.index.to_numpy(dtype=object).astype(str)),
        category=Coded(item, assessments["category"].to_numpy(dtype=object).astype(str)),
        maximum=assessments["max_points"].to_numpy(dtype="float64")[item],
        status=status,
        days=facts.days[rows].ravel(),
        raw=scores.raw[rows].ravel(),
        final=facts.final[rows].ravel(),
        excused=scores.excused[rows].ravel(),
        handed_in=scores.handed_in[rows].ravel(),
        when=when,
        max_days=int(facts.gradebook.policy.late_max_days),
    )


def _code(status: Status) -> int:
    return STATUSES.index(status.value)


def student_notes(facts: Facts) -> np.ndarray:
    """Each student's Notes: what happened to their scores, extensions, and their letter."""
    gradebook = facts.gradebook
    policy: Any = gradebook.policy  # settings are read by name
    letters, flags = facts.letters, facts.flags
    n_students, n_items = facts.status.shape
    notes = _Sentences(n_students)
    step = max(1, NOTE_BLOCK_CELLS // max(n_items, 1))
    scores = _Scores.of(facts)
    for start in range(0, n_students, step):
        rows = slice(start, min(start + step, n_students))
        cells = block_cells(facts, scores, rows)
        # Each score's late sentence, then its status sentence, item by item: the order
        # a student's Notes read in, kept by a stable sort on the cell.
        said = _late_said(cells) + _status_said(cells)
        if not said:
            continue
        at = np.concatenate([np.flatnonzero(picked) for picked, _ in said])
        texts = np.concatenate([sentences for _, sentences in said])
        order = np.argsort(at, kind="stable")
        notes.add_each(start + at[order] // n_items, texts[order])

    _extension_notes(gradebook, notes)
    no_letter = letters["letter"].isna().to_numpy()
    notes.add(no_letter, NO_LETTER)
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
        notes.add(
            override,
            [
                override_sentence(letter, computed, reason)
                for letter, computed, reason in zip(
                    letters["letter"][override],
                    letters["computed_letter"][override],
                    letters["override_reason"][override],
                    strict=True,
                )
            ],
        )
    return notes.joined()


NO_LETTER = (
    "No work counts toward a total (all excused or ungraded): no total and no letter; "
    "set the letter in the Overrides sheet."
)


def override_sentence(letter: object, computed: object, reason: object) -> str:
    """A letter the Overrides sheet set, the letter computed, and the reason given."""
    was = f" (computed: {computed})" if isinstance(computed, str) and computed else ""
    why = f": {reason}" if isinstance(reason, str) and reason else ""
    return f"Letter {letter} set by the instructor{was}{why}."


def extension_sentences(gradebook: Gradebook) -> tuple[np.ndarray, np.ndarray]:
    """Each row of the Extensions table, in its order: the student's position on the roster
    (-1 if not on it) and the row's sentence, built for all rows at once."""
    ext = gradebook.extensions
    positions = gradebook.roster.index.get_indexer(pd.Index(ext["student_id"]))
    if ext.empty:
        return positions, np.empty(0, dtype=object)
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
    return positions, sentences.astype(object)


def _extension_notes(gradebook: Gradebook, notes: _Sentences) -> None:
    """One sentence per extension row; a student's rows in the sheet's order."""
    positions, sentences = extension_sentences(gradebook)
    on_roster = np.flatnonzero(positions >= 0)
    order = on_roster[np.argsort(positions[on_roster], kind="stable")]  # by student, in order
    notes.add_each(positions[order], sentences[order])


# --- the sheets' rows, rendered when written ------------------------------------------------


def grades_frame(facts: Facts, notes: bool = True) -> pd.DataFrame:
    """The Grades sheet: one row per student, its Notes rendered from the facts."""
    n_students = len(facts.status)
    sentences = student_notes(facts) if notes else np.full(n_students, "", dtype=object)
    return pd.DataFrame({**facts.columns, "Notes": sentences}, copy=False)


def _code_type(n_categories: int) -> type:
    """The signed integer type pandas keeps the codes of `n_categories` categories in."""
    for kind in (np.int8, np.int16, np.int32):
        if n_categories < np.iinfo(kind).max:
            return kind
    return np.int64


def details_frame(facts: Facts) -> pd.DataFrame:
    """The Details sheet: one row per student and assessment, students in roster order.

    Repeated text (IDs, assessments, categories, statuses) is categorical and times keep
    their instant with the course time zone attached, so building this costs no Python
    object per cell; the writer renders wall-clock times.
    """
    gradebook = facts.gradebook
    policy: Any = gradebook.policy  # settings are read by name
    students = gradebook.roster.index
    assessments = gradebook.assessments
    n_students, n_items = len(students), len(assessments)
    if not n_students or not n_items:
        return pd.DataFrame(columns=DETAIL_COLUMNS)
    raw = gradebook.points.to_numpy(dtype="float64")
    excused = gradebook.excused.to_numpy(dtype=bool)
    submitted_ns = utc_ns(gradebook.submitted)
    due_ns = np.broadcast_to(column_ns(assessments["due"]), (n_students, n_items)).copy()
    extended_r, extended_c, extended_due = facts.extended_due
    due_ns[extended_r, extended_c] = extended_due
    deduction = cell_deduction(
        raw,
        facts.final,
        facts.days,
        excused,
        submitted_ns != NOT_A_TIME,
        policy.blank_scores,
        policy.late_max_days,
    )
    in_zone = pd.DatetimeTZDtype(unit="ns", tz=policy.timezone)

    def local(ns: np.ndarray) -> pd.api.extensions.ExtensionArray:
        # Integers are read as UTC instants and shown in the course zone: no copy is made
        # (tz_localize("UTC") would copy 160 MB per column at a million students).
        return pd.DatetimeIndex(np.ascontiguousarray(ns).ravel(), dtype=in_zone, copy=False).array

    def tile(values: pd.Series | pd.Index) -> pd.Categorical:
        codes, uniques = pd.factorize(pd.Index(values))
        # Tiled in the code type pandas would convert them to anyway: one full-size array.
        small = codes.astype(_code_type(len(uniques)))
        return pd.Categorical.from_codes(np.tile(small, n_students), categories=uniques)

    student_codes: np.ndarray = np.arange(n_students, dtype=_code_type(n_students))
    return pd.DataFrame(
        {
            "Student ID": pd.Categorical.from_codes(
                np.repeat(student_codes, n_items), categories=students
            ),
            "Assessment": tile(assessments.index),
            "Category": tile(assessments["category"]),
            "Max points": np.tile(assessments["max_points"].to_numpy(), n_students),
            "Raw score": np.ascontiguousarray(raw).ravel(),
            "Submitted": local(submitted_ns),
            "Effective due": local(due_ns),
            "Days late": facts.days.astype(np.int64).ravel(),
            "Deduction": deduction.ravel(),
            "Final score": facts.final.ravel(),
            "Status": status_names(facts.status),
        },
        copy=False,
    )


# --- a Scores cell's comment -----------------------------------------------------------------


def score_comments(facts: Facts, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """What happened to each score (student i, assessment j), as a cell's comment:
    `3 days late: -15 points (95 -> 80).`"""
    gradebook = facts.gradebook
    policy: Any = gradebook.policy  # settings are read by name
    assessments = gradebook.assessments
    max_days = policy.late_max_days
    kinds = np.asarray(STATUSES, dtype=object)[facts.status[i, j]]
    days = facts.days[i, j].astype(np.int64)
    raw = gradebook.points.to_numpy(dtype="float64")[i, j]
    final = facts.final[i, j]
    submitted = utc_ns(gradebook.submitted)[i, j]
    deduction = cell_deduction(
        raw,
        final,
        days,
        gradebook.excused.to_numpy(dtype=bool)[i, j],
        submitted != NOT_A_TIME,
        policy.blank_scores,
        max_days,
    )
    maximum = assessments["max_points"].to_numpy(dtype="float64")[j]
    category = assessments["category"].to_numpy(dtype=object)[j]
    ungraded = kinds == Status.UNGRADED
    when = np.full(len(i), "", dtype=object)
    if ungraded.any():
        when[ungraded] = wall_minutes(submitted[ungraded], policy.timezone)
        when[ungraded & (submitted == NOT_A_TIME)] = ""
    raw_t, final_t = points_text(np.nan_to_num(raw)), points_text(np.nan_to_num(final))
    deduction_t, max_t = points_text(np.nan_to_num(deduction)), points_text(maximum)
    days_t = days_text(days)
    late_t = (
        days_t
        + " late: -"
        + deduction_t
        + points_unit(deduction)
        + " ("
        + raw_t
        + " -> "
        + final_t
        + ")."
    )
    rejected_t = (
        days_t
        + f" late, over the {max_days}-day limit: not accepted, 0 points (was "
        + raw_t
        + ")."
    )
    blank = np.isnan(raw)
    dropped_t = np.where(
        blank,
        "No score (0/" + max_t + "): dropped by the " + category + " drop rule.",
        "Dropped by the " + category + " drop rule (" + final_t + "/" + max_t + ").",
    )
    dropped_t = np.where(
        ~blank & (days > 0),
        dropped_t + " It was " + np.where(deduction > 0, late_t, rejected_t),
        dropped_t,
    )
    ungraded_t = "Handed in " + when + ", not graded yet: left out of the total."
    text = np.select(
        [
            kinds == Status.LATE,
            kinds == Status.LATE_REJECTED,
            kinds == Status.MISSING,
            kinds == Status.EXCUSED,
            ungraded,
        ],
        [
            late_t,
            rejected_t,
            "No score: counted as 0.",
            "Excused: left out of " + category + ".",
            ungraded_t,
        ],
        default=dropped_t,
    )
    # "3 days late: ..." reads as a sentence; capitalise the first letter where needed.
    return np.array([t[:1].upper() + t[1:] for t in text.tolist()], dtype=object)


# --- `explain`'s line per assessment: the long form, with the arithmetic --------------------


def _point(value: float) -> str:
    return str(points_text([value])[0])


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def when_text(stamp: pd.Timestamp, timezone: str) -> str:
    local = stamp.tz_convert(timezone)
    pattern = "%Y-%m-%d %H:%M:%S %Z" if local.second or local.microsecond else "%Y-%m-%d %H:%M %Z"
    return local.strftime(pattern)


def duration_text(ns: int) -> str:
    """Elapsed time as people say it: `2 days 0 h 1 min`, `5 h 30 min`, `0 h 0 min 1 s`."""
    seconds_total = ns / 1e9
    days, rest = divmod(int(seconds_total), 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, seconds = divmod(rest, 60)
    fraction = seconds_total - int(seconds_total)
    text = f"{hours} h {minutes} min"
    if days:
        text = f"{plural(days, 'day')} {text}"
    if seconds or fraction:
        text += f" {seconds + fraction:g} s"
    return text


def assessment_line(
    name: str,
    category: str,
    detail: pd.Series,
    assessment: pd.Series,
    gradebook: Gradebook,
    submitted: pd.Timestamp,
    due: pd.Timestamp,
    extension: pd.Series | None,
) -> str:
    policy: Any = gradebook.policy  # settings are read by name
    timezone = policy.timezone
    status = detail["Status"]
    maximum = _point(detail["Max points"])
    raw = detail["Raw score"]
    sid = detail["Student ID"]
    dropped = status == "DROPPED"

    if bool(gradebook.excused.at[sid, name]):
        return f"{name}: excused (EX): left out of {category}."
    if pd.isna(raw) and status == "UNGRADED" and pd.notna(submitted):
        days = int(detail["Days late"])
        late = (
            f" ({plural(days, 'day')} late: the late penalty applies once it is scored)"
            if days
            else ""
        )
        return (
            f"{name}: handed in {when_text(submitted, timezone)}{late}, no score yet: left out of "
            f"{category} until it is graded, not counted as 0 (flag UNGRADED)."
        )
    if pd.isna(raw):
        if policy.blank_scores == "zero":
            text = f"{name}: no score: counted as 0 / {maximum} (missing)."
        else:
            return f"{name}: no score yet: left out of {category} (blank_scores is ignore)."
        return text + (_dropped_text(category, detail) if dropped else "")

    text = f"{name}: {_point(raw)} / {maximum}"
    due_text = _due_text(due, assessment, extension, timezone)
    if not bool(assessment["late_policy"]):
        when = f", submitted {when_text(submitted, timezone)}" if pd.notna(submitted) else ""
        text += f"{when}: late policy N, no late penalty."
    elif pd.isna(submitted):
        text += f", {due_text}, no submission time recorded: no late penalty."
    elif pd.isna(due):
        text += f", submitted {when_text(submitted, timezone)}, no due date: no late penalty."
    else:
        text += f", submitted {when_text(submitted, timezone)}, {due_text}: "
        text += _lateness_text(detail, submitted, due, policy)
    return text + (_dropped_text(category, detail) if dropped else "")


def _due_text(
    due: pd.Timestamp, assessment: pd.Series, extension: pd.Series | None, timezone: str
) -> str:
    if pd.isna(due):
        return "no due date"
    text = f"due {when_text(due, timezone)}"
    if extension is None:
        return text
    original = assessment["due"]
    if pd.notna(extension["new_due"]):
        how = "new due date"
    else:
        days = float(extension["extra_days"])
        how = f"+{_point(days)} day{'' if days == 1 else 's'}"
    reason = extension["reason"]
    why = f", {reason}" if isinstance(reason, str) and reason else ""
    was = f"extended from {when_text(original, timezone)}: " if pd.notna(original) else "extended: "
    return f"{text} ({was}{how}{why})"


def _lateness_text(
    detail: pd.Series, submitted: pd.Timestamp, due: pd.Timestamp, policy: Policy
) -> str:
    elapsed = int(submitted.value - due.value)
    grace_ns = round(policy.late_grace_minutes * 60 * 10**9)
    days = int(detail["Days late"])
    raw = float(detail["Raw score"])
    final = float(detail["Final score"])
    if days == 0:
        if elapsed > 0:
            return (
                f"on time ({duration_text(elapsed)} after the due time, within the "
                f"{_point(policy.late_grace_minutes)} min grace)."
            )
        return "on time."
    after = f"{duration_text(elapsed)} after the due time"
    if grace_ns:
        # The grace only decides whether it is late; the days count from the due time.
        after += f", more than the {_point(policy.late_grace_minutes)} min grace"
    lateness = f"{plural(days, 'day')} late ({after})"
    if days > policy.late_max_days:
        return (
            f"{lateness}, more than the {policy.late_max_days}-day limit: "
            f"not accepted, {_point(raw)} -> 0."
        )
    rate = _point(policy.late_penalty_percent_per_day)
    if policy.late_deduction_basis == "earned_score":
        basis = f"the earned {_point(raw)}"
        base = raw
    else:
        basis = f"the {_point(detail['Max points'])} max points"
        base = float(detail["Max points"])
    penalty = days * policy.late_penalty_percent_per_day * base / 100
    deduction = float(detail["Deduction"])
    how = f"{plural(days, 'day')} × {rate} % of {basis}"
    if penalty > raw:
        how += f" = {_point(penalty)}, but a score never goes below 0"
    return (
        f"{lateness}: -{_point(detail['Deduction'])} point{'' if deduction == 1 else 's'}, "
        f"{_point(raw)} -> {_point(final)} ({how})."
    )


def _dropped_text(category: str, detail: pd.Series) -> str:
    return (
        f" Dropped by the {category} drop rule: its "
        f"{_point(detail['Final score'])} / {_point(detail['Max points'])} does not count."
    )
