"""`gradeproc export canvas`: final grades as a CSV Canvas's gradebook importer takes.

Canvas reads identity columns first (`Student`, `ID`, `SIS User ID`, `SIS Login ID`, with
`Section` last of them) and takes a final grade only from an `Override Score` column, a
percentage, in courses that allow final grade overrides. So the total goes there. A letter
set by hand (an `I`, a `W`, an integrity `F`) is not a score: Canvas would show the letter of
the total instead, so those students get a blank Override Score and a warning naming them.

Canvas matches each row by `ID` (its own user ID); a gradebook imported from Canvas keeps it
in the Roster's `Canvas ID` column. Without that column the SIS User ID is the Student ID.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from gradeproc import parse
from gradeproc.api import grade_file
from gradeproc.codes import Code
from gradeproc.errors import WARNING, Finding
from gradeproc.read import normalise
from gradeproc.write.csv import write_csv
from gradeproc.write.outputs import Outputs

CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Override Score"]
ROSTER_IDS = {"Canvas ID": "ID", "SIS User ID": "SIS User ID", "SIS Login ID": "SIS Login ID"}


@dataclass
class CanvasGrades:
    """The rows to write and the facts worth a warning (student IDs)."""

    frame: pd.DataFrame
    hand_letters: list[tuple[str, str]] = field(default_factory=list)  # (student ID, letter)
    no_total: list[str] = field(default_factory=list)
    no_canvas_id: bool = False

    def warnings(self, names: dict[str, str]) -> list[Finding]:
        found = []
        if self.hand_letters:
            listed = ", ".join(
                f"{sid} {names.get(sid, '')} ({letter})".replace("  ", " ")
                for sid, letter in self.hand_letters
            )
            found.append(
                Finding(
                    Code.CANVAS_LETTER,
                    f"{len(self.hand_letters)} letter{'s were' if len(self.hand_letters) != 1 else ' was'} "
                    f"set by hand and {'are' if len(self.hand_letters) != 1 else 'is'} not a score "
                    f"Canvas can take as Override Score: {listed}. Their Override Score is left "
                    "blank; enter these letters in Canvas yourself.",
                    severity=WARNING,
                )
            )
        if self.no_total:
            found.append(
                Finding(
                    Code.CANVAS_NO_TOTAL,
                    f"{len(self.no_total)} student{'s have' if len(self.no_total) != 1 else ' has'}"
                    f" no total (nothing gradable): {', '.join(self.no_total)}. Their Override "
                    "Score is left blank.",
                    severity=WARNING,
                )
            )
        if self.no_canvas_id:
            found.append(
                Finding(
                    Code.CANVAS_NO_ID,
                    "the Roster has no Canvas ID column (this gradebook was not imported from "
                    "Canvas): the ID column is blank and Canvas matches students by SIS User ID, "
                    "written from Student ID. Check that they are the IDs Canvas knows.",
                    severity=WARNING,
                )
            )
        return found


def canvas_grades(grades: pd.DataFrame, roster: pd.DataFrame) -> CanvasGrades:
    """Canvas importer rows from the graded frame and the Roster sheet's frame.

    `grades`: the Grades frame (Student ID, names, Section, Total, Letter, Flags).
    `roster`: the Roster sheet as read (extra columns such as Canvas ID kept).
    """
    columns = {normalise(c): c for c in roster.columns}
    ids = parse.parse_ids(roster["Student ID"]).to_numpy(dtype=object)
    extra: dict[str, pd.Series] = {}
    for roster_name, canvas_name in ROSTER_IDS.items():
        if normalise(roster_name) in columns:
            values = parse.parse_ids(roster[columns[normalise(roster_name)]])
            extra[canvas_name] = pd.Series(values.to_numpy(dtype=object), index=ids)
    no_canvas_id = "ID" not in extra
    if no_canvas_id and "SIS User ID" not in extra:
        extra["SIS User ID"] = pd.Series(ids, index=ids)

    sid = grades["Student ID"]
    last = grades["Last name"].fillna("").astype(str)
    first = grades["First name"].fillna("").astype(str)
    student = np.where(first.str.strip().ne(""), last + ", " + first, last)
    overridden = grades["Flags"].fillna("").str.split(", ").map(lambda f: "OVERRIDE" in f)
    total = grades["Total"].astype("float64")
    score = total.where(~overridden & total.notna())
    frame = pd.DataFrame(
        {
            "Student": student,
            "ID": _lookup(extra, "ID", sid),
            "SIS User ID": _lookup(extra, "SIS User ID", sid),
            "SIS Login ID": _lookup(extra, "SIS Login ID", sid),
            "Section": grades["Section"].to_numpy(dtype=object),
            "Override Score": score.to_numpy(),
        },
        columns=CANVAS_COLUMNS,
    )
    if "SIS Login ID" not in extra:
        frame = frame.drop(columns="SIS Login ID")
    hand = grades[overridden]
    return CanvasGrades(
        frame=frame,
        hand_letters=list(zip(hand["Student ID"], hand["Letter"].fillna(""), strict=True)),
        no_total=list(grades.loc[total.isna() & ~overridden, "Student ID"]),
        no_canvas_id=no_canvas_id,
    )


def _lookup(extra: dict[str, pd.Series], column: str, sid: pd.Series) -> np.ndarray:
    if column not in extra:
        return np.full(len(sid), None, dtype=object)
    return extra[column].reindex(sid.to_numpy()).to_numpy(dtype=object)


def _score_text(frame: pd.DataFrame, decimals: int) -> pd.DataFrame:
    """Override Score as the Grades sheet rounds it: `85.00`, not `85.0` or `84.99999`."""
    out = frame.copy()
    out["Override Score"] = frame["Override Score"].map(
        lambda v: f"{v:.{decimals}f}", na_action="ignore"
    )
    return out


def export_canvas(
    path: str | Path, output: str | Path, force: bool = False
) -> tuple[Path, list[Finding]]:
    """Grade the gradebook (or its graded copy) and write Canvas's import CSV at `output`."""

    path = Path(path)
    with Outputs(force) as outputs:
        temp = outputs.claim(Path(output), protect=[path])
        workbook, gradebook, grading = grade_file(path, notes=False, details=False)
        roster = workbook.sheets["Roster"].frame
        roster = roster[parse.parse_ids(roster["Student ID"]).notna()]
        rows = canvas_grades(grading.grades, roster)
        decimals = gradebook.policy.total_decimals
        write_csv(_score_text(rows.frame, decimals), temp)
    names = {
        s: f"{f} {la}".strip()
        for s, la, f in zip(
            grading.grades["Student ID"],
            grading.grades["Last name"].fillna(""),
            grading.grades["First name"].fillna(""),
            strict=True,
        )
    }
    return Path(output), rows.warnings(names)
