"""Start a gradebook from the grades an instructor already has: a Canvas or Gradescope export.

`read_canvas` and `read_gradescope` turn an export CSV into an `ImportedCourse` (roster,
assessments with their max points, scores, submission times); `write_imported` writes it as
a gradeproc gradebook. Category and Due are left blank on purpose: the export does not know
them, and `gradeproc validate` then names each cell the instructor still has to fill in.

Everything is read as text, so `00123` stays `00123`; the workbook is written with
xlsxwriter told never to turn text into a formula, a number or a link.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gradeproc.errors import FileProblem
from gradeproc.read import normalise

Score = float | str | None
"""A score cell: points, `EX` (excused), other text kept as typed (validate names it), or blank."""

EXCUSED = "EX"


@dataclass
class RosterRow:
    student_id: str
    last_name: str
    first_name: str
    email: str
    section: str


@dataclass
class ImportedAssessment:
    name: str
    max_points: float | None


@dataclass
class ImportedCourse:
    """One export, read. `scores[i][j]` is roster row i on assessment j; `submitted` likewise.

    `submitted` is empty when the export has no submission times (Canvas); its datetimes keep
    the export's UTC offset, and `write_imported` turns them into the course's wall time.
    """

    source: str
    path: Path
    roster: list[RosterRow]
    assessments: list[ImportedAssessment]
    scores: list[list[Score]]
    submitted: list[list[dt.datetime | None]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def has_submissions(self) -> bool:
        return any(stamp is not None for row in self.submitted for stamp in row)


# --- reading the CSV -------------------------------------------------------------------------


def _read_rows(path: Path, kind: str) -> tuple[list[list[str]], str]:
    """The file's rows as text (UTF-8, with or without BOM; `,` or `;`), and the separator."""
    if not path.exists():
        raise FileProblem(f"{path} does not exist.")
    if not path.is_file():
        raise FileProblem(f"{path} is not a file; give the {kind} export CSV.")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileProblem(
            f"{path.name} is not UTF-8 text; export it again from {kind}, or save it from "
            'your spreadsheet program as "CSV UTF-8".'
        ) from exc
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    if not first_line:
        raise FileProblem(f"{path.name} is empty; it is not a {kind} export.")
    separator = max((",", ";"), key=lambda sep: len(next(csv.reader([first_line], delimiter=sep))))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    rows = [row for row in reader if any(cell.strip() for cell in row)]
    return rows, separator


def _cell(row: Sequence[str], index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    return row[index].strip()


def _number(text: str, separator: str) -> float | None:
    """`9.5` (or `9,5` in a `;` file, as European spreadsheets write it) -> 9.5; else None."""
    text = text.strip()
    if separator == ";" and re.fullmatch(r"[+-]?\d+,\d+", text):
        text = text.replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def _score(text: str, separator: str) -> Score:
    text = text.strip()
    if not text:
        return None
    if text.casefold() == EXCUSED.casefold():
        return EXCUSED
    number = _number(text, separator)
    return text if number is None else number


def _not_an_export(
    path: Path, kind: str, column: str, other: str, other_column: str, header: Sequence[str]
) -> FileProblem:
    names = {normalise(h) for h in header}
    hint = (
        f"; it looks like a {other} export, so use `gradeproc import {other.lower()}`"
        if normalise(other_column) in names
        else ""
    )
    return FileProblem(
        f'{path.name} is not a {kind} gradebook export: its header has no "{column}" column{hint}.'
    )


def _unique_names(names: list[str], originals: list[str]) -> tuple[list[str], list[str]]:
    """Names that collide once shortened keep their original header. Returns (names, warnings)."""
    counts = Counter(normalise(n) for n in names)
    result, warnings = [], []
    for name, original in zip(names, originals, strict=True):
        if counts[normalise(name)] > 1:
            warnings.append(f'two assessments are named "{name}"; kept as "{original}".')
            result.append(original)
        else:
            result.append(name)
    return result, warnings


def _missing_id_warnings(roster: list[RosterRow], column: str) -> list[str]:
    return [
        f"{r.first_name} {r.last_name}".strip() + f" has no {column}; the Student ID is left "
        "blank for you to fill in (Roster and Scores)."
        for r in roster
        if not r.student_id
    ]


# --- Canvas ----------------------------------------------------------------------------------

CANVAS_META = {
    "student",
    "id",
    "sis user id",
    "sis login id",
    "integration id",
    "root account",
    "section",
}
CANVAS_SKIP_STUDENTS = {"", "points possible", "student, test", "test student"}
_CANVAS_TOTAL_SUFFIXES = (
    "current score",
    "final score",
    "current grade",
    "final grade",
    "current points",
    "final points",
    "override score",
    "override grade",
)
_CANVAS_ID = re.compile(r"^(?P<name>.*\S)\s+\((?P<id>\d+)\)$")


def _canvas_total(name: str) -> bool:
    """Canvas's read-only totals: `Final Score`, `Unposted Current Score`, `Quiz Final Points`."""
    key = normalise(name)
    return key.startswith("unposted ") or key.endswith(_CANVAS_TOTAL_SUFFIXES)


def read_canvas(path: str | Path) -> ImportedCourse:
    """A Canvas gradebook export (Grades > Export > CSV) as an ImportedCourse."""
    path = Path(path)
    rows, separator = _read_rows(path, "Canvas")
    header = [h.strip() for h in rows[0]]
    index = {normalise(h): i for i, h in reversed(list(enumerate(header)))}
    if "sis user id" not in index or "student" not in index:
        missing = "Student" if "sis user id" in index else "SIS User ID"
        raise _not_an_export(path, "Canvas", missing, "Gradescope", "SID", header)
    body = rows[1:]
    points_row = next(
        (row for row in body if normalise(_cell(row, index["student"])) == "points possible"), None
    )
    warnings: list[str] = []
    if points_row is None:
        warnings.append(
            f'{path.name} has no "Points Possible" row; '
            "Max points are left blank for you to fill in."
        )

    columns: list[int] = []
    names: list[str] = []
    originals: list[str] = []
    maxima: list[float | None] = []
    for i, title in enumerate(header):
        if not title or normalise(title) in CANVAS_META:
            continue
        possible = _cell(points_row, i) if points_row is not None else ""
        if normalise(possible) == "(read only)":
            continue
        match = _CANVAS_ID.match(title)
        if match is None and _canvas_total(title):
            continue
        max_points = _number(possible, separator)
        if match is None and points_row is not None and max_points is None:
            warnings.append(f'column "{title}" is not an assignment (no points possible); ignored.')
            continue
        columns.append(i)
        names.append(match.group("name") if match else title)
        originals.append(title)
        maxima.append(max_points)
    names, name_warnings = _unique_names(names, originals)
    warnings += name_warnings

    roster: list[RosterRow] = []
    scores: list[list[Score]] = []
    odd_cells = 0
    for row in body:
        student = _cell(row, index["student"])
        if normalise(student) in CANVAS_SKIP_STUDENTS:
            continue
        last, _, first = student.partition(",")
        login = _cell(row, index.get("sis login id"))
        roster.append(
            RosterRow(
                student_id=_cell(row, index["sis user id"]),
                last_name=last.strip(),
                first_name=first.strip(),
                email=login if "@" in login else "",
                section=_cell(row, index.get("section")),
            )
        )
        marks = [_score(_cell(row, i), separator) for i in columns]
        odd_cells += sum(isinstance(m, str) and m != EXCUSED for m in marks)
        scores.append(marks)
    warnings += _missing_id_warnings(roster, "SIS User ID")
    if odd_cells:
        warnings.append(
            f"{odd_cells} score{'s are' if odd_cells != 1 else ' is'} neither points nor EX; "
            "kept as text, and `gradeproc validate` names each cell."
        )
    assessments = [ImportedAssessment(n, m) for n, m in zip(names, maxima, strict=True)]
    return ImportedCourse("Canvas", path, roster, assessments, scores, [], warnings)


# --- Gradescope ------------------------------------------------------------------------------

_LATENESS = re.compile(r"^\d+:[0-5]\d:[0-5]\d$")
_GS_SECTION = ("section_name", "sections", "section")


def _submission_time(text: str) -> dt.datetime | None:
    """Gradescope's `2024-10-01 23:41:05 -0400` (or ISO 8601) -> datetime; None if unreadable."""
    for form in ("%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M:%S.%f %z"):
        try:
            return dt.datetime.strptime(text, form)
        except ValueError:
            pass
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return None


def read_gradescope(path: str | Path) -> ImportedCourse:
    """A Gradescope course export (Course > Assignments > Download Grades) as an ImportedCourse.

    The `Lateness (H:M:S)` columns must parse but are otherwise ignored: gradeproc works out
    lateness itself from the submission times and the due dates the instructor sets.
    """
    path = Path(path)
    rows, separator = _read_rows(path, "Gradescope")
    header = [h.strip() for h in rows[0]]
    index = {normalise(h): i for i, h in reversed(list(enumerate(header)))}
    if "sid" not in index:
        raise _not_an_export(path, "Gradescope", "SID", "Canvas", "SIS User ID", header)
    if "first name" not in index and "name" not in index:
        raise FileProblem(
            f'{path.name} is not a Gradescope export: its header has no "First Name" column.'
        )
    section_at = next((index[s] for s in _GS_SECTION if s in index), None)

    parts: list[tuple[str, int, int, int | None, int | None]] = []
    for i, title in enumerate(header):
        key = normalise(title)
        if not title or key.endswith(
            (" - max points", " - submission time", " - lateness (h:m:s)")
        ):
            continue
        if f"{key} - max points" in index:
            parts.append(
                (
                    title,
                    i,
                    index[f"{key} - max points"],
                    index.get(f"{key} - submission time"),
                    index.get(f"{key} - lateness (h:m:s)"),
                )
            )

    body = rows[1:]
    roster: list[RosterRow] = []
    scores: list[list[Score]] = []
    submitted: list[list[dt.datetime | None]] = []
    maxima: list[Counter] = [Counter() for _ in parts]
    odd_cells = 0
    for line, row in enumerate(body, start=2):
        if "first name" in index:
            first, last = _cell(row, index["first name"]), _cell(row, index.get("last name"))
        else:
            first, _, last = _cell(row, index["name"]).rpartition(" ")
        roster.append(
            RosterRow(
                student_id=_cell(row, index["sid"]),
                last_name=last,
                first_name=first,
                email=_cell(row, index.get("email")),
                section=_cell(row, section_at),
            )
        )
        marks: list[Score] = []
        times: list[dt.datetime | None] = []
        for j, (_title, at, max_at, time_at, late_at) in enumerate(parts):
            mark = _score(_cell(row, at), separator)
            odd_cells += isinstance(mark, str) and mark != EXCUSED
            marks.append(mark)
            maximum = _number(_cell(row, max_at), separator)
            if maximum is not None:
                maxima[j][maximum] += 1
            stamp_text = _cell(row, time_at)
            stamp = _submission_time(stamp_text) if stamp_text else None
            if stamp_text and stamp is None:
                raise _bad_cell(
                    path,
                    line,
                    header[time_at],
                    stamp_text,
                    "a submission time like 2024-10-01 23:41:05 -0400",
                )
            times.append(stamp)
            lateness = _cell(row, late_at)
            if lateness and not _LATENESS.match(lateness):
                raise _bad_cell(path, line, header[late_at], lateness, "a lateness like 225:07:02")
        scores.append(marks)
        submitted.append(times)

    warnings = _missing_id_warnings(roster, "SID")
    assessments = []
    for (title, *_), counts in zip(parts, maxima, strict=True):
        maximum = counts.most_common(1)[0][0] if counts else None
        if len(counts) > 1:
            seen = ", ".join(f"{v:g}" for v in sorted(counts))
            warnings.append(f"{title} has different max points ({seen}); used {maximum:g}.")
        assessments.append(ImportedAssessment(title, maximum))
    if odd_cells:
        warnings.append(
            f"{odd_cells} score{'s are' if odd_cells != 1 else ' is'} neither points nor EX; "
            "kept as text, and `gradeproc validate` names each cell."
        )
    if not any(any(t is not None for t in row) for row in submitted):
        submitted = []
    return ImportedCourse("Gradescope", path, roster, assessments, scores, submitted, warnings)


def _bad_cell(path: Path, line: int, column: str, value: str, expected: str) -> FileProblem:
    return FileProblem(
        f'{path.name} line {line}, column "{column}": "{value}" is not {expected}; '
        "is this an unedited Gradescope export?"
    )


# --- writing the gradebook -------------------------------------------------------------------

POLICY_SHEETS = ("Policy", "Categories", "Letters")


def _trim(rows: list[list[object]]) -> list[list[object]]:
    """Drop trailing blank rows and trailing blank cells (calamine pads the used area)."""

    def blank(v: object) -> bool:
        return v is None or (isinstance(v, str) and not v.strip())

    out = [list(r) for r in rows]
    for r in out:
        while r and blank(r[-1]):
            r.pop()
    while out and not out[-1]:
        out.pop()
    return out


def read_policy_sheets(path: str | Path) -> dict[str, list[list[object]]]:
    """The Policy, Categories and Letters sheets of a gradebook, as rows of cell values.

    The file gets the same zip-level checks as a gradebook to grade (bombs, entities,
    renamed files) before calamine parses it: a policy template is a workbook from
    somewhere too.
    """
    from python_calamine import CalamineWorkbook

    from gradeproc.safety import inspect_workbook_file

    path = Path(path)
    if not path.is_file():
        raise FileProblem(f"{path} does not exist; --policy takes a gradebook (.xlsx) to copy.")
    inspect_workbook_file(path)
    try:
        book = CalamineWorkbook.from_path(str(path))
        titles = {normalise(t): t for t in book.sheet_names}
        sheets = {
            name: _trim(book.get_sheet_by_name(titles[normalise(name)]).to_python())
            for name in POLICY_SHEETS
            if normalise(name) in titles
        }
    except Exception as exc:  # calamine raises its own types for a broken file
        raise FileProblem(
            f"{path.name} could not be read as an Excel workbook ({exc}); --policy takes a "
            "gradebook such as the one `gradeproc init` writes."
        ) from exc
    missing = [n for n in POLICY_SHEETS if n not in sheets]
    if missing:
        raise FileProblem(
            f"{path.name} has no {', '.join(missing)} sheet{'s' if len(missing) > 1 else ''} "
            "to copy; --policy takes a gradebook such as the one `gradeproc init` writes."
        )
    return sheets


def _course_zone(policy: list[list[object]]) -> ZoneInfo | None:
    """The Policy sheet's timezone (or the default); None if it names no real zone."""
    from gradeproc.policy import SETTINGS

    name = str(SETTINGS["timezone"][0])
    for row in policy[1:]:
        if row and normalise(row[0]) == "timezone" and len(row) > 1 and str(row[1]).strip():
            name = str(row[1]).strip()
            break
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def wall_time(stamp: dt.datetime, zone: ZoneInfo | None) -> dt.datetime | str:
    """A submission time as the gradebook holds it: the course's naive wall time.

    Where wall time cannot say which instant it was (the repeated hour when clocks go back;
    the reader takes its first occurrence) or the zone is unknown, ISO text with the offset.
    """
    if stamp.tzinfo is None:
        return stamp
    if zone is None:
        return stamp.isoformat()
    local = stamp.astimezone(zone)
    naive = local.replace(tzinfo=None)
    if naive.replace(tzinfo=zone, fold=0).utcoffset() != local.utcoffset():
        return local.isoformat()
    return naive


def _plain(value: float | None) -> object:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def imported_sheets(
    course: ImportedCourse, policy: dict[str, list[list[object]]]
) -> dict[str, list[list[object]]]:
    """Every sheet of the new gradebook as rows of values, header first."""
    from gradeproc.template import HEADERS

    names = [a.name for a in course.assessments]
    sheets = {name: policy[name] for name in POLICY_SHEETS}
    sheets["Assessments"] = [
        HEADERS["Assessments"],
        *[[a.name, None, _plain(a.max_points), None, "Y"] for a in course.assessments],
    ]
    sheets["Roster"] = [
        HEADERS["Roster"],
        *[[r.student_id, r.last_name, r.first_name, r.email, r.section] for r in course.roster],
    ]
    sheets["Scores"] = [
        ["Student ID", *names],
        *[
            [r.student_id, *[_plain(s) if isinstance(s, float) else s for s in marks]]
            for r, marks in zip(course.roster, course.scores, strict=True)
        ],
    ]
    if course.has_submissions:
        zone = _course_zone(policy["Policy"])
        sheets["Submitted"] = [
            ["Student ID", *names],
            *[
                [r.student_id, *[None if t is None else wall_time(t, zone) for t in times]]
                for r, times in zip(course.roster, course.submitted, strict=True)
            ],
        ]
    sheets["Extensions"] = [HEADERS["Extensions"]]
    sheets["Overrides"] = [HEADERS["Overrides"]]
    return sheets


def write_imported(
    course: ImportedCourse,
    out_path: str | Path,
    policy_path: str | Path | None = None,
    force: bool = False,
) -> Path:
    """Write `course` as a gradebook at `out_path`, whole or not at all.

    Policy, Categories and Letters are copied (values) from `policy_path`, a gradebook, or
    come from the syllabus template. Category and Due stay blank for the instructor.
    """
    from gradeproc.template import template_rows
    from gradeproc.write import Outputs

    out_path = Path(out_path)
    policy = read_policy_sheets(policy_path) if policy_path else template_rows()
    sheets = imported_sheets(course, policy)
    protect = [course.path] + ([Path(policy_path)] if policy_path else [])
    with Outputs(force) as outputs:
        temp = outputs.claim(out_path, protect=protect)
        with outputs.writing(temp):
            _write_xlsx(temp, sheets)
    return out_path


def _write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(
        str(path),
        {
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "remove_timezone": True,
        },
    )
    header_format = book.add_format({"bold": True, "bg_color": "#DDEBF7"})
    text = book.add_format({"num_format": "@"})
    due = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        header = [str(h) if h is not None else "" for h in rows[0]] if rows else []
        for c, title in enumerate(header):
            values = [r[c] for r in rows[1:] if c < len(r) and r[c] not in (None, "")]
            width = min(max([len(title), *(len(str(v)) for v in values[:500])]) + 2, 60)
            key = normalise(title)
            if key in ("student id", "section"):
                column_format = text
            elif name == "Assessments" and key == "due":
                column_format, width = due, max(width, 18)
            elif name == "Submitted" and key != "student id":
                column_format, width = stamp, max(width, 20)
            else:
                column_format = None
            sheet.set_column(c, c, width, column_format)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None or value == "":
                    continue
                if r == 0:
                    sheet.write_string(r, c, str(value), header_format)
                elif isinstance(value, dt.date | dt.time):
                    sheet.write_datetime(r, c, value, due if name != "Submitted" else stamp)
                elif isinstance(value, bool):
                    sheet.write_boolean(r, c, value)
                elif isinstance(value, int | float):
                    sheet.write_number(r, c, value)
                elif normalise(header[c] if c < len(header) else "") in ("student id", "section"):
                    sheet.write_string(r, c, str(value), text)
                else:
                    sheet.write_string(r, c, str(value))
        if rows:
            sheet.freeze_panes(1, 1 if name in ("Scores", "Submitted", "Roster") else 0)
    book.close()
