"""What changed between two graded workbooks: whose letter or total moved, and why.

Either side may also be a gradebook that was never graded (or was edited since): it is graded
in memory, nothing written, so `diff BOOK.graded.xlsx BOOK.xlsx` answers "what would change if
I graded again now?". Files are read the way gradeproc reads a gradebook (calamine, after the
zip safety checks), and student IDs stay text: `00123` is never the number 123. The `Grades`
sheet gives totals and letters; the `Details` sheets give each score's facts (status, days
late, raw and final score), which are compared as facts, and the words about a score that
changed are rendered from them by `gradeproc.sentences`, as the Notes are. What is said about
a student rather than a score (an extension, a letter set by hand, no letter at all) comes
from the gradebook sheets a graded workbook carries: they are read and graded again, and
their facts compared. The Notes text is never read back.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd
from python_calamine import CalamineWorkbook

from gradeproc import parse, safety
from gradeproc.api import grade_file
from gradeproc.compute import Facts, Status
from gradeproc.errors import FileProblem, GradeprocError
from gradeproc.policy import default_settings
from gradeproc.read import normalise, sheet_from_rows
from gradeproc.sentences import (
    NO_LETTER,
    Cells,
    days_text,
    extension_sentences,
    late_sentences,
    override_sentence,
    points_text,
    status_sentences,
)
from gradeproc.write.csv import write_csv
from gradeproc.write.outputs import Outputs

GRADES_SHEET = "Grades"
DETAILS_SHEET = "Details"
RUN_SHEET = "Run"
RUN_TITLE = "gradeproc run"  # cell A1 of the Run sheet of every workbook gradeproc writes
NEEDED = ("Student ID", "Last name", "First name", "Total", "Letter", "Registrar code")
DIFF_COLUMNS = [
    "Student ID",
    "Last name",
    "First name",
    "Section",
    "Old total",
    "New total",
    "Old letter",
    "New letter",
    "Old code",
    "New code",
    "Change",
    "Reason",
]
CHANGES_CSV_COLUMNS = [
    "Student ID",
    "Last name",
    "First name",
    "Section",
    "Old grade",
    "New grade",
    "Reason",
]

# What Details says about each score, compared between the two sides.
CELL_FACTS = (
    "Student ID",
    "Assessment",
    "Category",
    "Max points",
    "Raw score",
    "Submitted",
    "Days late",
    "Final score",
    "Status",
)


@dataclass(frozen=True)
class Said:
    """One sentence about a student and what it is rendered from.

    About a score: `assessment` names it, and two sentences are the same when they say the
    same (each is rendered from the Details facts of its score). About the student: `fact`
    holds the facts the sentence shows, which are what is compared, and `moves` the
    assessment an extension moves (None for every assessment, or not an extension).
    """

    text: str
    assessment: str | None = None
    status: str = ""
    when: str = ""
    fact: tuple[object, ...] | None = None
    moves: str | None = None

    @property
    def key(self) -> object:
        return self.text if self.fact is None else self.fact


@dataclass
class Side:
    """One side of a diff: its Grades rows, its scores' facts (None without Details), the
    late limit its over-the-limit sentences name, and what is said about each student apart
    from their scores, by student ID (None when the workbook carries no gradebook sheets
    that can be graded)."""

    grades: pd.DataFrame
    cells: pd.DataFrame | None
    max_days: int
    about: dict[str, list[Said]] | None


def _open(path: Path) -> CalamineWorkbook:
    """The workbook, after the checks every workbook gradeproc reads gets."""
    safety.inspect_workbook_file(path)
    return safety.open_workbook(
        path, None, lambda exc: f"{path.name} could not be read as an Excel workbook ({exc})."
    )


def _title(book: CalamineWorkbook, name: str) -> str | None:
    return next((t for t in book.sheet_names if normalise(t) == normalise(name)), None)


def _rows(book: CalamineWorkbook, title: str) -> list[list[object]]:
    """A sheet's cells, row by row, empty cells included."""
    return cast(
        "list[list[object]]", book.get_sheet_by_name(title).to_python(skip_empty_area=False)
    )


def is_graded(book: CalamineWorkbook) -> bool:
    """A workbook `gradeproc process` wrote: Grades and Details sheets, and its Run sheet."""
    run = _title(book, RUN_SHEET)
    if run is None or _title(book, GRADES_SHEET) is None:
        return False
    rows = _rows(book, run)
    return bool(rows and rows[0] and rows[0][0] == RUN_TITLE)


def read_side(path: str | Path) -> Side:
    """The grades and scores' facts of a graded workbook, or of a gradebook graded in memory."""
    path = Path(path)
    book = _open(path)
    if is_graded(book) or _title(book, "Roster") is None:
        grades, cells, max_days = read_grades(path, book), read_cells(book), _max_days(book)
        return Side(grades, cells, max_days, _carried_about(path, book))
    _, gradebook, grading = grade_file(path)
    grades = grading.grades.copy()
    grades["Student ID"] = grades["Student ID"].astype(str)
    grades = grades.set_index("Student ID", drop=False)
    return Side(
        grades,
        _cells_frame(grading.details),
        gradebook.policy.late_max_days,
        about_students(grading.facts),
    )


def _carried_about(path: Path, book: CalamineWorkbook) -> dict[str, list[Said]] | None:
    """What a graded workbook's own copy of its gradebook sheets says about each student,
    graded again in memory; None if it carries none, or they no longer validate."""
    if _title(book, "Roster") is None:
        return None
    try:
        _, _, grading = grade_file(path, notes=False, details=False)
    except GradeprocError:
        return None
    return about_students(grading.facts)


def _plain(value: object) -> object:
    """A cell's value fit for comparing: NaN, NaT and NA are None."""
    return None if value is None or pd.isna(value) else value  # type: ignore[call-overload]


def about_students(facts: Facts) -> dict[str, list[Said]]:
    """What is said about each student apart from their scores, by student ID: each of
    their extensions, a letter set by hand, no letter. Sentences as the Notes render them."""
    gradebook = facts.gradebook
    ids = gradebook.roster.index.astype(str).tolist()
    about: dict[str, list[Said]] = {}
    positions, sentences = extension_sentences(gradebook)
    ext = gradebook.extensions
    for at, text, row in zip(
        positions.tolist(), sentences.tolist(), ext.itertuples(index=False), strict=True
    ):
        if at < 0:
            continue
        target = None if row.assessment == "*" else str(row.assessment)
        fact = (
            "extension",
            row.assessment,
            _plain(row.extra_days),
            _plain(row.new_due),
            _plain(row.reason),
        )
        about.setdefault(ids[at], []).append(Said(text, fact=fact, moves=target))
    letters = facts.letters
    override = facts.flags["OVERRIDE"].to_numpy()
    no_letter = letters["letter"].isna().to_numpy()
    for at in np.flatnonzero(no_letter).tolist():
        about.setdefault(ids[at], []).append(Said(NO_LETTER, fact=("no letter",)))
    for at in np.flatnonzero(override).tolist():
        letter, computed, reason = (
            _plain(letters[column].iat[at])
            for column in ("letter", "computed_letter", "override_reason")
        )
        text = override_sentence(letter, computed, reason)
        about.setdefault(ids[at], []).append(
            Said(text, fact=("override", letter, computed, reason))
        )
    return about


def _max_days(book: CalamineWorkbook) -> int:
    """`late_max_days` as the Run sheet of a graded workbook lists it (the default if not)."""
    default = default_settings()["late_max_days"]
    assert isinstance(default, int)
    run = _title(book, RUN_SHEET)
    rows = _rows(book, run) if run else []
    for row in rows:
        if len(row) > 1 and row[0] == "late_max_days":
            number = parse.parse_numbers(pd.Series([row[1]], dtype=object)).iloc[0]
            return default if pd.isna(number) else int(number)
    return default


def read_cells(book: CalamineWorkbook) -> pd.DataFrame | None:
    """Each score's facts, from the Details sheet(s); None without them."""
    titles = [
        t
        for t in book.sheet_names
        if normalise(t) == normalise(DETAILS_SHEET) or re.fullmatch(r"Details \(\d+\)", t.strip())
    ]
    frames = []
    for title in titles:
        frame = sheet_from_rows(DETAILS_SHEET, title, _rows(book, title)).frame
        if not set(CELL_FACTS) <= set(frame.columns):
            return None
        frames.append(
            pd.DataFrame(
                {
                    "Student ID": parse.parse_ids(frame["Student ID"]).to_numpy(dtype=object),
                    "Assessment": frame["Assessment"].map(str, na_action="ignore"),
                    "Category": frame["Category"].map(str, na_action="ignore"),
                    "Max points": parse.parse_numbers(frame["Max points"]).to_numpy(),
                    "Raw score": parse.parse_numbers(frame["Raw score"]).to_numpy(),
                    "Submitted": pd.to_datetime(frame["Submitted"], errors="coerce"),
                    "Days late": parse.parse_numbers(frame["Days late"]).to_numpy(),
                    "Final score": parse.parse_numbers(frame["Final score"]).to_numpy(),
                    "Status": frame["Status"].map(str, na_action="ignore"),
                }
            )
        )
    if not frames:
        return None
    return _cells_frame(pd.concat(frames, ignore_index=True))


def _cells_frame(details: pd.DataFrame) -> pd.DataFrame:
    """Details' facts indexed by student ID, one row per score, wall-clock times as text."""
    submitted = details["Submitted"]
    if isinstance(submitted.dtype, pd.DatetimeTZDtype):
        submitted = submitted.dt.tz_localize(None)  # the course's wall clock, as written
    frame = pd.DataFrame(
        {
            "Student ID": details["Student ID"].astype(str).to_numpy(dtype=object),
            "Assessment": details["Assessment"].astype(str).to_numpy(dtype=object),
            "Category": details["Category"].astype(str).to_numpy(dtype=object),
            "Max points": details["Max points"].to_numpy(dtype="float64"),
            "Raw score": details["Raw score"].to_numpy(dtype="float64"),
            "Submitted": submitted.dt.strftime("%Y-%m-%d %H:%M").fillna("").to_numpy(dtype=object),
            "Days late": np.nan_to_num(details["Days late"].to_numpy(dtype="float64")),
            "Final score": details["Final score"].to_numpy(dtype="float64"),
            "Status": details["Status"].astype(str).to_numpy(dtype=object),
        }
    )
    frame = frame[frame["Student ID"].notna() & frame["Assessment"].notna()]
    frame = frame.drop_duplicates(["Student ID", "Assessment"])
    return frame.set_index("Student ID")


def read_grades(path: str | Path, book: CalamineWorkbook | None = None) -> pd.DataFrame:
    """The `Grades` sheet of a graded workbook: IDs and names as text, Total as numbers."""
    path = Path(path)
    if book is None:
        book = _open(path)
    title = _title(book, GRADES_SHEET)
    if title is None:
        raise FileProblem(
            f"{path.name} is neither a graded workbook nor a gradebook: it has no Grades "
            "sheet and no Roster sheet. diff compares the BOOK.graded.xlsx files that "
            "`gradeproc process` writes, or a gradebook it grades in memory."
        )
    frame = sheet_from_rows(GRADES_SHEET, title, _rows(book, title)).frame
    header = {normalise(c): c for c in frame.columns}
    missing = [c for c in NEEDED if normalise(c) not in header]
    if missing:
        raise FileProblem(
            f"{path.name}: the Grades sheet has no {', '.join(missing)} column"
            f"{'s' if len(missing) > 1 else ''}; is it a workbook `gradeproc process` wrote?"
        )
    frame = frame.rename(
        columns={header[normalise(c)]: c for c in (*NEEDED, "Section") if normalise(c) in header}
    )
    ids = parse.parse_ids(frame["Student ID"])
    result = pd.DataFrame(
        {
            "Student ID": ids.to_numpy(dtype=object),
            "Last name": parse.parse_text(frame["Last name"]).to_numpy(dtype=object),
            "First name": parse.parse_text(frame["First name"]).to_numpy(dtype=object),
            "Section": (
                parse.parse_text(frame["Section"]).to_numpy(dtype=object)
                if "Section" in frame
                else None
            ),
            "Total": parse.parse_numbers(frame["Total"]).to_numpy(),
            "Letter": parse.parse_text(frame["Letter"]).to_numpy(dtype=object),
            "Registrar code": parse.parse_text(frame["Registrar code"]).to_numpy(dtype=object),
        }
    )
    for column in frame.columns:  # category percentages, for a reason when no facts give one
        if column.endswith(" %"):
            result[column] = parse.parse_numbers(frame[column]).to_numpy()
    result = result[result["Student ID"].notna()]
    repeated = result["Student ID"][result["Student ID"].duplicated()]
    if len(repeated):
        raise FileProblem(
            f"{path.name}: student ID {repeated.iloc[0]} appears more than once in the Grades sheet"
        )
    return result.set_index("Student ID", drop=False)


def _cell_sentences(cells: pd.DataFrame, max_days: int) -> list[Said]:
    """What the Notes say about each of one student's scores, rendered from their facts."""
    if not len(cells):
        return []
    status = cells["Status"].to_numpy(dtype=object)
    names = cells["Assessment"].to_numpy(dtype=object)
    when = cells["Submitted"].to_numpy(dtype=object)
    facts = Cells(
        name=names,
        category=cells["Category"].to_numpy(dtype=object),
        maximum=cells["Max points"].to_numpy(dtype="float64"),
        status=status,
        days=cells["Days late"].to_numpy(dtype="float64").astype(np.int64),
        raw=cells["Raw score"].to_numpy(dtype="float64"),
        final=cells["Final score"].to_numpy(dtype="float64"),
        excused=status == Status.EXCUSED,
        handed_in=when != "",
        when=when,
        max_days=max_days,
    )
    late, other = late_sentences(facts), status_sentences(facts)
    said = []
    for k, name in enumerate(names.tolist()):
        for text in (late[k], other[k]):
            if text:
                said.append(Said(text, name, str(status[k]), str(facts.when[k])))
    return said


def _student_sentences(side: Side, sid: str, cells: pd.DataFrame | None) -> list[Said]:
    """Everything the Notes say about a student but the total, rendered from facts: each
    score's sentences (with Details), then the sentences about the student."""
    about_scores = [] if cells is None else _cell_sentences(cells, side.max_days)
    about_student = [] if side.about is None else side.about.get(sid, [])
    return about_scores + about_student


def _student_cells(side: Side, sid: str) -> pd.DataFrame | None:
    if side.cells is None:
        return None
    if sid not in side.cells.index:
        return side.cells.iloc[:0]
    found = side.cells.loc[[sid]]
    return found


def _student_row(grades: pd.DataFrame, sid: str) -> pd.Series:
    row = grades.loc[sid]
    assert isinstance(row, pd.Series)  # the IDs are unique: read_grades refuses a repeat
    return row


def _reason(old: Side, new: Side, sid: str) -> str:
    """The sentences that differ, rendered from the scores' facts, and each assessment
    whose final score (or lateness) moved that they do not name; with no facts to compare,
    the category percentages that moved."""
    old_row, new_row = _student_row(old.grades, sid), _student_row(new.grades, sid)
    old_cells, new_cells = _student_cells(old, sid), _student_cells(new, sid)
    before = _student_sentences(old, sid, old_cells)
    after = _student_sentences(new, sid, new_cells)
    before_keys, after_keys = {s.key for s in before}, {s.key for s in after}
    added = [s for s in after if s.key not in before_keys]
    gone = [s for s in before if s.key not in after_keys]
    new_status = (
        dict(zip(new_cells["Assessment"], new_cells["Status"], strict=True))
        if new_cells is not None
        else {}
    )
    parts = [s.text for s in added] + [_no_longer(s, new_status) for s in gone]
    if old_cells is not None and new_cells is not None:
        named = {s.assessment or s.moves for s in [*added, *gone]}
        was = _score_facts(old_cells)
        for name, (b, late) in _score_facts(new_cells).items():
            if name not in was or name in named:
                continue
            a, was_late = was[name]
            if not _same_number(a, b):
                parts.append(f"{name}: {_points(a)} -> {_points(b)} points.")
            elif was_late != late:
                parts.append(f"{name}: {_lateness(was_late)} -> {_lateness(late)}.")
        return " ".join(parts)
    if parts:
        return " ".join(parts)
    moved = []
    for column in new_row.index:
        if not column.endswith(" %") or column not in old_row.index:
            continue
        a, b = old_row[column], new_row[column]
        if _same_number(a, b):
            continue
        moved.append(f"{column}: {_total_text(a)} -> {_total_text(b)}.")
    return " ".join(moved)


def _score_facts(cells: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """Each assessment's (final score, days late) in one student's cells."""
    names = cells["Assessment"].to_numpy(dtype=object).tolist()
    final = cells["Final score"].to_numpy(dtype="float64").tolist()
    late = cells["Days late"].to_numpy(dtype="float64").tolist()
    return {str(n): (f, d) for n, f, d in zip(names, final, late, strict=True)}


def _lateness(days: float) -> str:
    return "on time" if days <= 0 else f"{days_text([int(days)])[0]} late"


def _no_longer(said: Said, new_status: dict[str, str]) -> str:
    """A sentence that went away; work that was not graded yet and now counts is said
    plainly (unless it became a missing score, which the added sentences say)."""
    if (
        said.status == Status.UNGRADED
        and said.when
        and new_status.get(str(said.assessment)) != Status.MISSING
    ):
        return (
            f"{said.assessment}: graded now (handed in {said.when}, it was left out of the total)."
        )
    return f"No longer: {said.text}"


def _points(value: float) -> str:
    if np.isnan(value):
        return "no score"
    return str(points_text([value])[0])


def _number(value: object) -> float | None:
    """A number from a cell or a frame (None for a blank, NaN or NA)."""
    if value is None or pd.isna(value):  # type: ignore[call-overload]  # pandas-stubs: scalars
        return None
    return float(cast(float, value))


def _same_number(a: object, b: object) -> bool:
    x, y = _number(a), _number(b)
    if x is None or y is None:
        return x is None and y is None
    return round(x, 9) == round(y, 9)


def _same_text(a: object, b: object) -> bool:
    a = None if a is None or (isinstance(a, float) and np.isnan(a)) else a
    b = None if b is None or (isinstance(b, float) and np.isnan(b)) else b
    return a == b


def _total_text(value: object) -> str:
    """A total as the Grades sheet shows it: at least 2 decimals, more if it has them."""
    number = _number(value)
    if number is None:
        return "no total"
    text = f"{number:.6f}".rstrip("0")
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(2, '0')}"


def diff_graded(old_path: str | Path, new_path: str | Path) -> pd.DataFrame:
    """Students whose letter (or registrar code) or total changed, and those added or removed.

    Rows follow the new workbook's order, then the removed students in the old order.
    """
    old_side, new_side = read_side(old_path), read_side(new_path)
    old, new = old_side.grades, new_side.grades
    # Compare whole columns first; only the students who changed are visited one by one.
    both = new.index[new.index.isin(old.index)]
    before_all, after_all = old.loc[both], new.loc[both]

    def text(frame: pd.DataFrame, column: str) -> pd.Series:
        # Blank cells compare equal to each other (None != None in pandas comparisons).
        return frame[column].astype(object).where(frame[column].notna(), "\0")

    letter_moved = (text(before_all, "Letter") != text(after_all, "Letter")) | (
        text(before_all, "Registrar code") != text(after_all, "Registrar code")
    )
    old_total = pd.to_numeric(before_all["Total"], errors="coerce").round(9)
    new_total = pd.to_numeric(after_all["Total"], errors="coerce").round(9)
    total_moved = (old_total != new_total) & ~(old_total.isna() & new_total.isna())
    moved = both[(letter_moved | total_moved).to_numpy()]
    added = ~new.index.isin(old.index)
    rows = []
    for sid in new.index[added | new.index.isin(moved)]:
        after = new.loc[sid]
        if sid not in old.index:
            rows.append(_row(after, None, after, "added", "new on the roster"))
        else:
            before = old.loc[sid]
            change = "letter" if letter_moved[sid] else "total"
            reason = _reason(old_side, new_side, sid)
            rows.append(_row(after, before, after, change, reason))
    for sid in old.index[~old.index.isin(new.index)]:
        before = old.loc[sid]
        rows.append(_row(before, before, None, "removed", "no longer on the roster"))
    return pd.DataFrame(rows, columns=DIFF_COLUMNS)


def _row(
    person: pd.Series, old: pd.Series | None, new: pd.Series | None, change: str, reason: str
) -> dict[str, object]:
    return {
        "Student ID": person["Student ID"],
        "Last name": person["Last name"],
        "First name": person["First name"],
        "Section": person["Section"],
        "Old total": old["Total"] if old is not None else np.nan,
        "New total": new["Total"] if new is not None else np.nan,
        "Old letter": old["Letter"] if old is not None else None,
        "New letter": new["Letter"] if new is not None else None,
        "Old code": old["Registrar code"] if old is not None else None,
        "New code": new["Registrar code"] if new is not None else None,
        "Change": change,
        "Reason": reason,
    }


def change_lines(frame: pd.DataFrame) -> list[str]:
    """One line per changed student, then a count: what `gradeproc diff` prints."""
    lines = []
    for row in frame.to_dict("records"):
        lines.append(_change_line(row))
    if not lines:
        return ["No grade changes."]
    counts = frame["Change"].value_counts()
    parts = [
        f"{int(counts[k])} {label}"
        for k, label in (
            ("letter", "letter"),
            ("total", "total only"),
            ("added", "added"),
            ("removed", "removed"),
        )
        if k in counts
    ]
    n = len(frame)
    lines.append(f"{n} student{'s' if n != 1 else ''} changed: {', '.join(parts)}.")
    return lines


def _change_line(row: Mapping[Hashable, object]) -> str:
    name = ", ".join(str(x) for x in (row["Last name"], row["First name"]) if _present(x))
    who = f"{row['Student ID']} {name}" if name else str(row["Student ID"])
    change = row["Change"]
    if change == "added":
        text = f"{who}: added, {_letter(row['New letter'])} ({_total_text(row['New total'])})."
    elif change == "removed":
        text = (
            f"{who}: removed (was {_letter(row['Old letter'])}, {_total_text(row['Old total'])})."
        )
    else:
        old_letter, new_letter = _letter(row["Old letter"]), _letter(row["New letter"])
        if old_letter == new_letter and row["Old code"] != row["New code"]:
            old_letter += f" [{row['Old code']}]"
            new_letter += f" [{row['New code']}]"
        letters = f"{old_letter} -> {new_letter}" if change == "letter" else new_letter
        totals = f"{_total_text(row['Old total'])} -> {_total_text(row['New total'])}"
        text = f"{who}: {letters} ({totals})."
    reason = row["Reason"]
    return f"{text} {reason}" if _present(reason) and change in ("letter", "total") else text


def _present(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and np.isnan(value)) and value != ""


def _letter(value: object) -> str:
    return str(value) if _present(value) else "no letter"


def grade_changes_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The registrar's view: students whose registrar code changed (added and removed included)."""
    moved = [
        not _same_text(a, b) for a, b in zip(frame["Old code"], frame["New code"], strict=True)
    ]
    chosen = frame[np.array(moved, dtype=bool)] if len(frame) else frame
    return pd.DataFrame(
        {
            "Student ID": chosen["Student ID"].to_numpy(dtype=object),
            "Last name": chosen["Last name"].to_numpy(dtype=object),
            "First name": chosen["First name"].to_numpy(dtype=object),
            "Section": chosen["Section"].to_numpy(dtype=object),
            "Old grade": chosen["Old code"].to_numpy(dtype=object),
            "New grade": chosen["New code"].to_numpy(dtype=object),
            "Reason": chosen["Reason"].to_numpy(dtype=object),
        },
        columns=CHANGES_CSV_COLUMNS,
    )


def write_grade_changes(
    frame: pd.DataFrame, path: str | Path, force: bool = False, protect: Sequence[Path] = ()
) -> Path:
    """Write the grade-change CSV (UTF-8, formula-safe) whole or not at all."""
    path = Path(path)
    with Outputs(force) as outputs:
        temp = outputs.claim(path, protect=[Path(p) for p in protect])
        with outputs.writing(temp):
            write_csv(grade_changes_frame(frame), temp)
    return path
