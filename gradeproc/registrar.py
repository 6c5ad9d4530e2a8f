"""The registrar's file in the profiles registrars load: generic CSV, Banner Faculty Grade Entry.

`registrar_rows` is the one entry point: it returns the frame a profile writes (one row per
roster student, in roster order) or raises `ValidationFailed` with every problem that keeps
the profile from being loaded, so nothing is written. IDs and codes stay text; the CSV writer
(`write.write_csv`) makes every text cell formula-safe.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from gradeproc import parse
from gradeproc.errors import ERROR, WARNING, Finding, ValidationFailed
from gradeproc.read import normalise
from gradeproc.write import registrar_frame

FORMATS = ("generic", "banner")

BANNER_COLUMNS = [
    "Term Code",
    "CRN",
    "Student ID",
    "Final Grade",
    "Last Attended Date",
    "Incomplete Final Grade",
    "Extension Date",
]
FAIL_CODE = "F"
INCOMPLETE_CODE = "I"


def registrar_rows(
    registrar_format: str,
    grading,  # compute.Grading
    gradebook,  # validation.Gradebook
    workbook=None,  # read.Workbook, to name cells in findings
) -> pd.DataFrame:
    """The registrar frame of a profile; raises ValidationFailed when the profile cannot load it."""
    if registrar_format == "generic":
        return registrar_frame(grading.grades)
    if registrar_format == "banner":
        frame, findings = banner_frame(gradebook, grading, workbook)
        if findings:
            raise ValidationFailed(findings)
        return frame
    raise ValueError(f"unknown registrar format {registrar_format!r}; use one of {FORMATS}")


def no_grade_findings(
    grades: pd.DataFrame, workbook=None, severity: str = WARNING
) -> list[Finding]:
    """Students the registrar file would carry with a blank grade, one finding each.

    A student none of whose work counts (all excused, or nothing graded under
    `blank_scores = ignore`) has no total and so no letter; only an override gives one.
    """
    blank = grades["Registrar code"].isna() | (
        grades["Registrar code"].astype(str).str.strip() == ""
    )
    if not blank.any():
        return []
    roster = _Locator(workbook, "Roster")
    consequence = (
        "Banner cannot load a blank Final Grade"
        if severity == ERROR
        else "the registrar file leaves their Grade blank"
    )
    return [
        Finding(
            "no-grade",
            f"student {sid} has no total and no letter (no work counts toward a total); "
            f"{consequence}: set their letter (for example I) in the Overrides sheet",
            "Roster",
            roster.cell(sid, "Student ID"),
            severity,
        )
        for sid in grades.loc[blank, "Student ID"]
    ]


# --- Banner Faculty Grade Entry ----------------------------------------------------------------


class _Locator:
    """Sheet cells by student ID, so a finding names `Roster!F3`; sheet-only without a workbook."""

    def __init__(self, workbook, name: str) -> None:
        self.sheet = workbook.get(name) if workbook is not None else None
        self.name = name
        self.rows: dict[str, int] = {}
        if self.sheet is not None and "Student ID" in self.sheet.frame:
            ids = parse.parse_ids(self.sheet.frame["Student ID"])
            for row, sid in ids.dropna().items():
                self.rows.setdefault(sid, int(row))

    def has(self, column: str) -> bool:
        return self.sheet is not None and column in self.sheet.letters

    def cell(self, sid: str, column: str) -> str | None:
        row = self.rows.get(sid)
        if row is None or not self.has(column):
            return None
        return self.sheet.cell(column, row)

    def finding(self, code: str, message: str, sid: str, *columns: str) -> Finding:
        """Located at the first of `columns` the sheet has, in the student's row."""
        cell = next((c for c in (self.cell(sid, col) for col in columns) if c), None)
        return Finding(code, message, self.name, cell)


def _date(value: object) -> dt.date | None:
    """A date cell or ISO text (a time part is ignored) -> date; None for anything else."""
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                return dt.date.fromisoformat(text)
            return dt.datetime.fromisoformat(text).date()
        except ValueError:
            return None
    return None


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT


def _show(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return f'"{str(value).strip()}"'


def _add_column(locator: _Locator, column: str) -> str:
    """The hint a finding ends with when the sheet lacks the column (or the workbook is unknown)."""
    if locator.sheet is None or locator.has(column):  # no workbook: no hint
        return ""
    article = "an" if column[0].lower() in "aeiou" else "a"
    return f' (add {article} "{column}" column to the {locator.name} sheet)'


def _setting_findings(settings: dict[str, object], workbook) -> list[Finding]:
    needs = {
        "term_code": "the registrar term code (for example 202410)",
        "crn": "the course reference number (CRN)",
    }
    policy = workbook.get("Policy") if workbook is not None else None
    rows: dict[str, int] = {}
    if policy is not None and "Setting" in policy.frame:
        for row, name in policy.frame["Setting"].dropna().items():
            rows.setdefault(normalise(name), int(row))
    findings = []
    for name, meaning in needs.items():
        if str(settings.get(name) or "").strip():
            continue
        row = rows.get(name)
        cell = policy.cell("Value", row) if row is not None and "Value" in policy.letters else None
        findings.append(
            Finding(
                f"banner-{name.replace('_', '-')}",
                f"{name} is blank; the Banner export needs {meaning}",
                "Policy",
                cell,
            )
        )
    return findings


def banner_frame(
    gradebook,  # validation.Gradebook
    grading,  # compute.Grading
    workbook=None,  # read.Workbook: with it, findings name their cells
) -> tuple[pd.DataFrame, list[Finding]]:
    """Banner Faculty Grade Entry rows, and every problem that keeps Banner from loading them.

    An F needs the Roster's `Last attended` date; an incomplete I needs the Overrides sheet's
    `Incomplete final grade` (a letter of the Letters sheet) and `Extension date`. Dates are
    written YYYY-MM-DD; term code and CRN come from the Policy settings `term_code` and `crn`.
    """
    settings = gradebook.policy.settings
    findings = _setting_findings(settings, workbook)
    findings += no_grade_findings(grading.grades, workbook, ERROR)
    roster_cells = _Locator(workbook, "Roster")
    override_cells = _Locator(workbook, "Overrides")
    roster = gradebook.roster
    overrides = gradebook.overrides
    attended = roster.get("Last attended")
    codes = {}
    for r in gradebook.policy.letters:
        codes.setdefault(normalise(r.letter), r.code)
        codes.setdefault(normalise(r.code), r.code)

    def date_text(value: object, locator: _Locator, sid: str, column: str) -> str | None:
        day = _date(value)
        if day is None:
            findings.append(
                locator.finding(
                    "banner-date",
                    f"{_show(value)} is not a date; use a date cell or text like 2024-12-13",
                    sid,
                    column,
                )
            )
            return None
        return day.isoformat()

    grades = grading.grades
    codes_column = grades["Registrar code"]
    finals = codes_column.where(codes_column.notna(), "").astype(str).str.strip()
    frame = pd.DataFrame(
        {
            "Term Code": str(settings.get("term_code") or "").strip(),
            "CRN": str(settings.get("crn") or "").strip(),
            "Student ID": grades["Student ID"].to_numpy(dtype=object),
            "Final Grade": finals.to_numpy(dtype=object),
            "Last Attended Date": "",
            "Incomplete Final Grade": "",
            "Extension Date": "",
        },
        columns=BANNER_COLUMNS,
        dtype=object,
    )
    # Only an F or an I needs more than its code: look at those students, in roster order.
    upper = finals.str.upper().to_numpy()
    for position in np.flatnonzero((upper == FAIL_CODE) | (upper == INCOMPLETE_CODE)):
        sid, final = frame.at[position, "Student ID"], frame.at[position, "Final Grade"]
        last_attended = incomplete = extension = ""
        if final.upper() == FAIL_CODE:
            value = attended.get(sid) if attended is not None else None
            if _blank(value):
                findings.append(
                    roster_cells.finding(
                        "banner-last-attended",
                        f"student {sid} has the registrar grade F but no Last attended date; "
                        "Banner needs the last day an F student attended"
                        + _add_column(roster_cells, "Last attended"),
                        sid,
                        "Last attended",
                        "Student ID",
                    )
                )
            else:
                last_attended = date_text(value, roster_cells, sid, "Last attended") or ""
        elif final.upper() == INCOMPLETE_CODE:
            entry = overrides.loc[sid] if sid in overrides.index else None
            locator = override_cells if entry is not None else roster_cells
            value = entry.get("Incomplete final grade") if entry is not None else None
            if _blank(value):
                findings.append(
                    locator.finding(
                        "banner-incomplete-grade",
                        f"student {sid} has the registrar grade I but no Incomplete final grade; "
                        "Banner needs the letter the incomplete becomes if the work is not done"
                        + _add_column(override_cells, "Incomplete final grade"),
                        sid,
                        "Incomplete final grade",
                        "Letter",
                        "Student ID",
                    )
                )
            elif normalise(value) not in codes or codes[normalise(value)] == final:
                findings.append(
                    locator.finding(
                        "banner-incomplete-grade",
                        f"Incomplete final grade {_show(value)} of student {sid} is not a letter "
                        "of the Letters sheet",
                        sid,
                        "Incomplete final grade",
                    )
                )
            else:
                incomplete = codes[normalise(value)]
            value = entry.get("Extension date") if entry is not None else None
            if _blank(value):
                findings.append(
                    locator.finding(
                        "banner-extension-date",
                        f"student {sid} has the registrar grade I but no Extension date; "
                        "Banner needs the date the incomplete work is due"
                        + _add_column(override_cells, "Extension date"),
                        sid,
                        "Extension date",
                        "Letter",
                        "Student ID",
                    )
                )
            else:
                extension = date_text(value, locator, sid, "Extension date") or ""
        frame.loc[position, BANNER_COLUMNS[4:]] = [last_attended, incomplete, extension]
    return frame, findings
