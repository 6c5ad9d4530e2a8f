"""Start a gradebook from the grades an instructor already has: a Canvas or Gradescope export.

`read_canvas` and `read_gradescope` turn an export CSV into an `ImportedCourse` (roster,
assessments with their max points, scores, submission times, Gradescope's lateness);
`plan_import` lays it out as a gradebook's sheets and `import_course` writes them. Category
is left blank on purpose: no export knows it, and `gradeproc validate` names each cell. Due
comes from Gradescope's lateness where it can (`gradescope_due_dates`); Canvas has no times,
so its items get Late policy N. Times are written with their UTC offset, so no later change
of the Policy timezone moves them. An `Import` sheet records what the import found; `process`
shows it in the Run sheet (`import_notes`).

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
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gradeproc import safety
from gradeproc.codes import Code
from gradeproc.errors import WARNING, FileProblem, Finding, GradeprocError
from gradeproc.parse import is_blank
from gradeproc.policy import SETTINGS
from gradeproc.read import normalise
from gradeproc.template import HEADERS, template_rows
from gradeproc.write.cells import new_workbook
from gradeproc.write.outputs import Outputs

if TYPE_CHECKING:
    from gradeproc.read import Workbook


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
    # Canvas's own identifiers, kept so final grades can go back (`gradeproc export canvas`).
    canvas_id: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""


@dataclass
class ImportedAssessment:
    name: str
    max_points: float | None
    # Hidden from students in Canvas ("Manual Posting" or "Muted"), as the export marks it.
    hidden: str = ""


@dataclass
class ImportedCourse:
    """One export, read. `scores[i][j]` is roster row i on assessment j; `submitted` likewise.

    `submitted` is empty when the export has no submission times (Canvas); every datetime in
    it is aware (the export's UTC offset, or the `--timezone` for times written without one).
    """

    source: str
    path: Path
    roster: list[RosterRow]
    assessments: list[ImportedAssessment]
    scores: list[list[Score]]
    submitted: list[list[dt.datetime | None]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Gradescope's `Lateness (H:M:S)` per submission, None where the export gives none.
    lateness: list[list[dt.timedelta | None]] = field(default_factory=list)
    # Times written to the minute (a spreadsheet dropped the seconds on saving again).
    minute_times: bool = False

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


def _column(header: Sequence[str], index: int | None) -> str:
    """The name of a column found in the header (blank for one that was not)."""
    return "" if index is None else header[index]


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


class NeedsTimezone(GradeprocError):
    """The export has times without a UTC offset and no `--timezone` says where they are."""

    exit_code = 2


def split_full_name(name: str) -> tuple[str, str]:
    """A full name as (last, first): the last word, and the words before it."""
    first, _, last = " ".join(name.split()).rpartition(" ")
    return last, first


def _split_warning(where: str, names: list[str]) -> list[str]:
    if not names:
        return []
    shown = ", ".join(f'"{n}"' for n in names[:5]) + (", ..." if len(names) > 5 else "")
    return [
        f"{where} gives {len(names)} name{'s' if len(names) != 1 else ''} as one full name "
        f"({shown}); each was split at its last space (last word = Last name, the rest = "
        "First name). Check Roster for two-word last names."
    ]


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
# The marker row under Canvas's header: scores not yet shown to students.
CANVAS_HIDDEN = {"manual posting": "Manual Posting", "muted": "Muted"}
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

    markers = [
        row
        for row in body
        if not _cell(row, index["student"]) and any(normalise(c) in CANVAS_HIDDEN for c in row)
    ]

    columns: list[int] = []
    names: list[str] = []
    originals: list[str] = []
    maxima: list[float | None] = []
    hidden: list[str] = []
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
        hidden.append(
            next(
                (
                    CANVAS_HIDDEN[normalise(_cell(m, i))]
                    for m in markers
                    if normalise(_cell(m, i)) in CANVAS_HIDDEN
                ),
                "",
            )
        )
    names, name_warnings = _unique_names(names, originals)
    warnings += name_warnings

    roster: list[RosterRow] = []
    scores: list[list[Score]] = []
    whole_names: list[str] = []
    odd_cells = 0
    for row in body:
        student = _cell(row, index["student"])
        if normalise(student) in CANVAS_SKIP_STUDENTS:
            continue
        if "," in student:
            last, _, first = (part.strip() for part in student.partition(","))
        else:
            last, first = split_full_name(student)
            whole_names.append(student)
        login = _cell(row, index.get("sis login id"))
        sis_id = _cell(row, index["sis user id"])
        roster.append(
            RosterRow(
                student_id=sis_id,
                last_name=last,
                first_name=first,
                email=login if "@" in login else "",
                section=_cell(row, index.get("section")),
                canvas_id=_cell(row, index.get("id")),
                sis_user_id=sis_id,
                sis_login_id=login,
            )
        )
        marks = [_score(_cell(row, i), separator) for i in columns]
        odd_cells += sum(isinstance(m, str) and m != EXCUSED for m in marks)
        scores.append(marks)
    warnings += _split_warning("Canvas", whole_names)
    warnings += _missing_id_warnings(roster, "SIS User ID")
    warnings += [
        f"{name}: its scores are still hidden from students in Canvas ({how}); "
        "the Import sheet and each graded workbook's Run sheet say so."
        for name, how in zip(names, hidden, strict=True)
        if how
    ]
    if odd_cells:
        warnings.append(
            f"{odd_cells} score{'s are' if odd_cells != 1 else ' is'} neither points nor EX; "
            "kept as text, and `gradeproc validate` names each cell."
        )
    assessments = [
        ImportedAssessment(n, m, h) for n, m, h in zip(names, maxima, hidden, strict=True)
    ]
    return ImportedCourse("Canvas", path, roster, assessments, scores, [], warnings)


# --- Gradescope ------------------------------------------------------------------------------

_LATENESS = re.compile(r"^(?P<h>\d+):(?P<m>[0-5]\d):(?P<s>[0-5]\d)$")
_GS_SECTION = ("section_name", "sections", "section")
_GS_NAME = ("name", "names")
# Times as a spreadsheet writes them when the export is saved again: US order, no offset.
_NO_SECONDS = re.compile(r"^\d{1,2}/\d{1,2}/\d{2,4} \d{1,2}:\d{2}$")
_US_FORMS = ("%m/%d/%y %H:%M", "%m/%d/%Y %H:%M", "%m/%d/%y %H:%M:%S", "%m/%d/%Y %H:%M:%S")


def _submission_time(text: str) -> dt.datetime | None:
    """`2024-10-01 23:41:05 -0400`, ISO 8601, or `1/19/23 22:20` -> datetime; None if unreadable.

    The last form (and ISO text without an offset) comes back naive: the caller decides its zone.
    """
    for form in ("%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M:%S.%f %z", *_US_FORMS):
        try:
            return dt.datetime.strptime(text, form)
        except ValueError:
            pass
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return None


def _lateness(text: str) -> dt.timedelta | None:
    match = _LATENESS.match(text)
    if match is None:
        return None
    return dt.timedelta(hours=int(match["h"]), minutes=int(match["m"]), seconds=int(match["s"]))


def read_gradescope(path: str | Path, timezone: str | None = None) -> ImportedCourse:
    """A Gradescope course export (Course > Assignments > Download Grades) as an ImportedCourse.

    Submission times keep their UTC offset. Times written without one (`1/19/23 22:20`, as a
    spreadsheet saves them again) are read in `timezone`, and need it: NeedsTimezone otherwise.
    The `Lateness (H:M:S)` columns are kept: `write_imported` derives due dates from them.
    """
    path = Path(path)
    rows, separator = _read_rows(path, "Gradescope")
    header = [h.strip() for h in rows[0]]
    index = {normalise(h): i for i, h in reversed(list(enumerate(header)))}
    if "sid" not in index:
        raise _not_an_export(path, "Gradescope", "SID", "Canvas", "SIS User ID", header)
    name_at = next((index[n] for n in _GS_NAME if n in index), None)
    if "first name" not in index and name_at is None:
        raise FileProblem(
            f'{path.name} is not a Gradescope export: its header has no "First Name" '
            'column and no "Name" column.'
        )
    section_at = next((index[s] for s in _GS_SECTION if s in index), None)
    zone = ZoneInfo(timezone) if timezone else None

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
    lateness: list[list[dt.timedelta | None]] = []
    maxima: list[Counter] = [Counter() for _ in parts]
    whole_names: list[str] = []
    odd_cells = 0
    minute_times = False
    for line, row in enumerate(body, start=2):
        if "first name" in index:
            first, last = _cell(row, index["first name"]), _cell(row, index.get("last name"))
        else:
            whole = _cell(row, name_at)
            last, first = split_full_name(whole)
            whole_names.append(whole)
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
        lates: list[dt.timedelta | None] = []
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
                    _column(header, time_at),
                    stamp_text,
                    "a submission time like 2024-10-01 23:41:05 -0400",
                )
            if stamp is not None and stamp.tzinfo is None:
                if zone is None:
                    raise NeedsTimezone(
                        f'{path.name} line {line}, column "{_column(header, time_at)}": '
                        f'"{stamp_text}" '
                        "has no UTC offset (a spreadsheet wrote it on saving the export "
                        "again), so gradeproc cannot tell when it was. Say which time zone "
                        "the times are in with --timezone, e.g. --timezone America/New_York."
                    )
                stamp = stamp.replace(tzinfo=zone)
                minute_times |= bool(_NO_SECONDS.match(stamp_text))
            times.append(stamp)
            late_text = _cell(row, late_at)
            late = _lateness(late_text) if late_text else None
            if late_text and late is None:
                raise _bad_cell(
                    path, line, _column(header, late_at), late_text, "a lateness like 225:07:02"
                )
            lates.append(late)
        scores.append(marks)
        submitted.append(times)
        lateness.append(lates)

    warnings = _split_warning("Gradescope", whole_names)
    warnings += _missing_id_warnings(roster, "SID")
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
        submitted, lateness = [], []
    if minute_times:
        warnings.append(
            f"{path.name} gives submission times to the minute, without seconds (a spreadsheet "
            "dropped them on saving the export again). Due times are taken to the minute; a "
            "submission less than a minute past a whole number of days late can count a day "
            "less than in Gradescope."
        )
    return ImportedCourse(
        "Gradescope", path, roster, assessments, scores, submitted, warnings, lateness, minute_times
    )


def _bad_cell(path: Path, line: int, column: str, value: str, expected: str) -> FileProblem:
    return FileProblem(
        f'{path.name} line {line}, column "{column}": "{value}" is not {expected}; '
        "is this an unedited Gradescope export?"
    )


# --- writing the gradebook -------------------------------------------------------------------

POLICY_SHEETS = ("Policy", "Categories", "Letters")


def _trim(rows: Sequence[Sequence[object]]) -> list[list[object]]:
    """Drop trailing blank rows and trailing blank cells (calamine pads the used area)."""

    out = [list(r) for r in rows]
    for r in out:
        while r and is_blank(r[-1]):
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

    path = Path(path)
    if not path.is_file():
        raise FileProblem(f"{path} does not exist; --policy takes a gradebook (.xlsx) to copy.")
    safety.inspect_workbook_file(path)

    def unreadable(exc: Exception) -> str:
        return (
            f"{path.name} could not be read as an Excel workbook ({exc}); --policy takes a "
            "gradebook such as the one `gradeproc init` writes."
        )

    book = safety.open_workbook(path, None, unreadable)
    try:
        titles = {normalise(t): t for t in book.sheet_names}
        sheets = {
            name: _trim(book.get_sheet_by_name(titles[normalise(name)]).to_python())
            for name in POLICY_SHEETS
            if normalise(name) in titles
        }
    except Exception as exc:  # calamine raises its own types for a broken sheet
        raise FileProblem(unreadable(exc)) from exc
    missing = [n for n in POLICY_SHEETS if n not in sheets]
    if missing:
        raise FileProblem(
            f"{path.name} has no {', '.join(missing)} sheet{'s' if len(missing) > 1 else ''} "
            "to copy; --policy takes a gradebook such as the one `gradeproc init` writes."
        )
    return sheets


def policy_zone(policy: list[list[object]]) -> str:
    """The Policy sheet's timezone setting (or the default), as written."""

    for row in policy[1:]:
        if row and normalise(row[0]) == "timezone" and len(row) > 1 and str(row[1]).strip():
            return str(row[1]).strip()
    return str(SETTINGS["timezone"][0])


def zone_or_none(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def time_text(stamp: dt.datetime, zone: ZoneInfo) -> str:
    """An instant as the gradebook holds it: wall time in `zone` with its UTC offset.

    `2024-10-01 21:30:00-04:00`: the reader honours the offset, so the instant stays put
    whatever the Policy timezone says later, and the repeated hour in autumn stays exact.
    """
    return stamp.astimezone(zone).isoformat(sep=" ")


@dataclass
class DueDates:
    """What Gradescope's lateness says about due times: facts, no words.

    `due[j]`: the due time most late submissions of assessment j share (None: none was late,
    or the export has no lateness for it). `extensions`: (student, assessment, own due) where
    a student's due differs. `after_due`: (student, assessment) on time in Gradescope yet
    after the common due: an extension whose exact end the export does not give (their own
    due is taken as their submission time). `no_late`: assessments with lateness data but no
    late submission.
    """

    due: list[dt.datetime | None]
    extensions: list[tuple[int, int, dt.datetime]]
    after_due: list[tuple[int, int]]
    no_late: list[int]
    has_lateness: list[bool]


def gradescope_due_dates(course: ImportedCourse) -> DueDates:
    """Each due time as submission time - lateness, the value most students share."""
    n = len(course.assessments)
    due: list[dt.datetime | None] = [None] * n
    extensions: list[tuple[int, int, dt.datetime]] = []
    after_due: list[tuple[int, int]] = []
    no_late: list[int] = []
    has_lateness = [False] * n
    if not course.lateness:
        return DueDates(due, extensions, after_due, no_late, has_lateness)
    for j in range(n):
        own: dict[int, dt.datetime] = {}
        on_time: list[int] = []
        for i, (times, lates) in enumerate(zip(course.submitted, course.lateness, strict=True)):
            stamp, late = times[j], lates[j]
            if late is not None:
                has_lateness[j] = True
            if stamp is None or late is None:
                continue
            if late > dt.timedelta(0):
                own[i] = _to_minute((stamp - late).astimezone(dt.UTC), course.minute_times)
            else:
                on_time.append(i)
        if not has_lateness[j]:
            continue
        if not own:
            no_late.append(j)
            continue
        counts = Counter(own.values())
        common = max(counts, key=lambda d: (counts[d], -d.timestamp()))
        due[j] = common
        extensions += [(i, j, d) for i, d in own.items() if d != common]
        for i in on_time:
            stamp = course.submitted[i][j]
            if stamp is not None and stamp > common:
                after_due.append((i, j))
                extensions.append((i, j, stamp.astimezone(dt.UTC)))
    extensions.sort(key=lambda e: (e[0], e[1]))
    return DueDates(due, extensions, after_due, no_late, has_lateness)


def _to_minute(stamp: dt.datetime, coarse: bool) -> dt.datetime:
    """With times to the minute, submission - lateness falls up to a minute before the due
    time (seconds were cut off); Gradescope's due times are whole minutes, so round up."""
    if not coarse or (stamp.second == 0 and stamp.microsecond == 0):
        return stamp
    return stamp.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)


GRADESCOPE_EXTENSION = "extension in Gradescope"
GRADESCOPE_EARLIER = "earlier due date in Gradescope"
IMPORT_SHEET = "Import"
IMPORT_WARNING = "Warning"


def _plain(value: float | None) -> object:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


@dataclass
class ImportPlan:
    """The new gradebook's sheets, the zone its times are in, and what to tell the instructor."""

    sheets: dict[str, list[list[object]]]
    zone: str
    warnings: list[str]
    due_to_fill: list[str]


def plan_import(
    course: ImportedCourse,
    policy: dict[str, list[list[object]]],
    timezone: str | None = None,
) -> ImportPlan:
    """Every sheet of the new gradebook as rows of values, header first, and the notes.

    Times are written in `timezone` (else the Policy's) with their UTC offset. A `timezone`
    given also becomes the new gradebook's Policy timezone, so dates typed later agree.
    """

    zone_name = timezone or policy_zone(policy["Policy"])
    zone = zone_or_none(zone_name) or ZoneInfo("UTC")
    zone_name = str(zone)
    names = [a.name for a in course.assessments]
    warnings: list[str] = []
    notes: list[list[object]] = []
    sheets = {name: [list(r) for r in policy[name]] for name in POLICY_SHEETS}
    if timezone:
        _set_setting(sheets["Policy"], "timezone", zone_name)

    dues = gradescope_due_dates(course)
    submitted_any = [
        any(times[j] is not None for times in course.submitted) for j in range(len(names))
    ]
    assessments = []
    due_to_fill = []
    for j, a in enumerate(course.assessments):
        due_at = dues.due[j]
        if due_at is not None:
            due, late = time_text(due_at, zone), "Y"
        elif submitted_any[j] and not dues.has_lateness[j]:
            due, late = None, "Y"  # times but no lateness: the instructor types the due date
            due_to_fill.append(a.name)
        else:
            due, late = None, "N"
        assessments.append([a.name, None, _plain(a.max_points), due, late])
    for j in dues.no_late:
        text = (
            f"{names[j]}: no submission was late in Gradescope, so the export does not give "
            "its due time; Due is left blank with Late policy N (no late penalty). Type the "
            "due date and set Late policy to Y to have gradeproc check it."
        )
        warnings.append(text)
        notes.append(["Note", text])
    if dues.after_due:
        listed = ", ".join(
            f"{course.roster[i].student_id} {names[j]}" for i, j in dues.after_due[:10]
        ) + (", ..." if len(dues.after_due) > 10 else "")
        text = (
            f"{len(dues.after_due)} submission{'s were' if len(dues.after_due) != 1 else ' was'} "
            "on time in Gradescope but after the common due time (an extension there whose "
            f"end the export does not give): {listed}. Their Extensions row uses the "
            "submission time as New due."
        )
        warnings.append(text)
        notes.append(["Note", text])
    if course.source == "Canvas":
        notes.append(
            [
                "Note",
                "Canvas exports carry no submission times: every item has Late policy N.",
            ]
        )
    for a in course.assessments:
        if a.hidden:
            notes.append(
                [
                    IMPORT_WARNING,
                    f"{a.name}: scores were still hidden from students in Canvas ({a.hidden}) "
                    "when this gradebook was imported.",
                ]
            )

    canvas = course.source == "Canvas"
    sheets["Assessments"] = _sheet(HEADERS["Assessments"], assessments)
    sheets["Roster"] = _sheet(
        HEADERS["Roster"] + (CANVAS_ROSTER_COLUMNS if canvas else []),
        [
            [r.student_id, r.last_name, r.first_name, r.email, r.section]
            + ([r.canvas_id, r.sis_user_id, r.sis_login_id] if canvas else [])
            for r in course.roster
        ],
    )
    sheets["Scores"] = _sheet(
        ["Student ID", *names],
        [
            [r.student_id, *[_plain(s) if isinstance(s, float) else s for s in marks]]
            for r, marks in zip(course.roster, course.scores, strict=True)
        ],
    )
    if course.has_submissions:
        sheets["Submitted"] = _sheet(
            ["Student ID", *names],
            [
                [r.student_id, *[None if t is None else time_text(t, zone) for t in times]]
                for r, times in zip(course.roster, course.submitted, strict=True)
            ],
        )
    sheets["Extensions"] = _sheet(
        HEADERS["Extensions"],
        [
            [
                course.roster[i].student_id,
                names[j],
                None,
                time_text(d, zone),
                GRADESCOPE_EXTENSION if d > (dues.due[j] or d) else GRADESCOPE_EARLIER,
            ]
            for i, j, d in dues.extensions
        ],
    )
    sheets["Overrides"] = _sheet(HEADERS["Overrides"], [])
    source = [["Source", f"{course.source} export {course.path.name}"]]
    if course.has_submissions:
        source.append(
            [
                "Times are in",
                f"{zone_name}, each written with its UTC offset: changing the Policy "
                "timezone does not move them.",
            ]
        )
    if dues.has_lateness and any(d is not None for d in dues.due):
        source.append(
            [
                "Due dates",
                "derived from Gradescope's lateness (submission time minus lateness, the "
                f"value most students share); {len(dues.extensions)} student due "
                f"time{'s' if len(dues.extensions) != 1 else ''} that differ are in Extensions.",
            ]
        )
    sheets[IMPORT_SHEET] = _sheet(["Item", "Value"], [*source, *notes])
    return ImportPlan(sheets, zone_name, warnings, due_to_fill)


def _sheet(header: Sequence[object], body: Sequence[Sequence[object]]) -> list[list[object]]:
    """A sheet as the plan holds it: the header row, then the body's rows."""
    return [list(header), *(list(row) for row in body)]


CANVAS_ROSTER_COLUMNS = ["Canvas ID", "SIS User ID", "SIS Login ID"]


def _set_setting(rows: list[list[object]], name: str, value: object) -> None:
    for row in rows[1:]:
        if row and normalise(row[0]) == normalise(name):
            while len(row) < 2:
                row.append(None)
            row[1] = value
            return
    rows.append([name, value])


def imported_sheets(
    course: ImportedCourse, policy: dict[str, list[list[object]]], timezone: str | None = None
) -> dict[str, list[list[object]]]:
    """Every sheet of the new gradebook as rows of values, header first."""
    return plan_import(course, policy, timezone).sheets


def import_course(
    course: ImportedCourse,
    out_path: str | Path,
    policy_path: str | Path | None = None,
    timezone: str | None = None,
    force: bool = False,
) -> ImportPlan:
    """Write `course` as a gradebook at `out_path`, whole or not at all; returns the plan.

    Policy, Categories and Letters are copied (values) from `policy_path`, a gradebook, or
    come from the syllabus template. Category stays blank for the instructor.
    """

    out_path = Path(out_path)
    if timezone is not None and zone_or_none(timezone) is None:
        raise NeedsTimezone(
            f'"{timezone}" is not a time zone gradeproc knows; give an IANA name such as '
            "America/New_York."
        )
    policy = read_policy_sheets(policy_path) if policy_path else template_rows()
    plan = plan_import(course, policy, timezone)
    protect = [course.path] + ([Path(policy_path)] if policy_path else [])
    with Outputs(force) as outputs:
        temp = outputs.claim(out_path, protect=protect)
        with outputs.writing(temp):
            _write_xlsx(temp, plan.sheets)
    return plan


def write_imported(
    course: ImportedCourse,
    out_path: str | Path,
    policy_path: str | Path | None = None,
    force: bool = False,
    timezone: str | None = None,
) -> Path:
    """`import_course`, returning only the path written."""
    import_course(course, out_path, policy_path, timezone, force)
    return Path(out_path)


def import_notes(workbook: Workbook) -> tuple[list[tuple[str, object]], list[Finding]]:
    """An imported gradebook's Import sheet, for the Run sheet: (rows, warnings).

    Every row is shown in the Run sheet; a row whose Item is `Warning` is also a warning of
    the run (on the terminal too), naming its cell.
    """
    sheet = workbook.get(IMPORT_SHEET)
    if sheet is None or sheet.frame.empty or len(sheet.frame.columns) < 2:
        return [], []
    item, value = sheet.frame.columns[:2]
    rows: list[tuple[str, object]] = [("Imported", None)]
    findings: list[Finding] = []
    # The frame's index is the sheet's Excel row numbers.
    for number, label, text in zip(
        sheet.frame.index.tolist(), sheet.frame[item], sheet.frame[value], strict=True
    ):
        if label is None and text is None:
            continue
        rows.append((str(label or ""), "" if text is None else str(text)))
        if normalise(label or "") == normalise(IMPORT_WARNING) and text is not None:
            findings.append(
                Finding(
                    Code.IMPORT_NOTE,
                    str(text),
                    sheet=sheet.title,
                    cell=sheet.cell(str(value), int(number)),
                    severity=WARNING,
                )
            )
    return rows, findings


_TEXT_COLUMNS = ("student id", "section", "canvas id", "sis user id", "sis login id")


def _write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> None:
    book = new_workbook(path)
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
            if key in _TEXT_COLUMNS:
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
                elif normalise(header[c] if c < len(header) else "") in _TEXT_COLUMNS:
                    sheet.write_string(r, c, str(value), text)
                else:
                    sheet.write_string(r, c, str(value))
        if rows:
            sheet.freeze_panes(1, 1 if name in ("Scores", "Submitted", "Roster") else 0)
    book.close()
