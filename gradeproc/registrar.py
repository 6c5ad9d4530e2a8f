"""The registrar's file, in the shape a registrar's loader wants: profiles as data.

A profile (`registrar_profiles/*.toml`, or a department's own TOML file) says which columns
the file has, in which order and where each comes from, whether it is an Excel workbook or a
CSV, with a header or not, its line ends and encoding, and whether it is read by a loader
(values verbatim; a value that could start a formula is refused) or by a person (such a
value gets a leading apostrophe). `registrar_rows` builds one profile's rows, or raises
`ValidationFailed` with every problem that would keep the file from loading; `write_registrar`
writes them. IDs and codes stay text.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, cast

import pandas as pd

from gradeproc import parse
from gradeproc.codes import Code, Severity
from gradeproc.errors import ERROR, WARNING, Finding, ProfileProblem, ValidationFailed
from gradeproc.read import normalise
from gradeproc.write.csv import FORMULA_TRIGGERS, formula_safe

if TYPE_CHECKING:
    from gradeproc.compute import Grading
    from gradeproc.read import Workbook
    from gradeproc.validation import Gradebook

# Where a column's values come from (the `source` of a profile's column).
SOURCES: dict[str, str] = {
    "student_id": "Roster Student ID",
    "last_name": "Roster Last name",
    "first_name": "Roster First name",
    "name": "Roster Last name, First name",
    "section": "Roster Section",
    "grade": "the registrar grade (Letters' Registrar code, after the grading basis)",
    "term_code": "Policy term_code",
    "term": "Policy term",
    "course": "Policy course",
    "crn": "Roster CRN, else the Sections sheet, else Policy crn",
    "last_attended": "Roster Last attended, as a date",
    "incomplete_grade": "Overrides Incomplete final grade, for an incomplete",
    "extension_date": "Overrides Extension date, for an incomplete",
    "grading_basis": "Roster Grading basis (Letter when blank)",
    "comment": "Roster Registrar comment",
}
# Where a source's value sits in the gradebook: (sheet, column), to name cells in findings.
_PLACES: dict[str, tuple[str, str]] = {
    "student_id": ("Roster", "Student ID"),
    "last_name": ("Roster", "Last name"),
    "first_name": ("Roster", "First name"),
    "name": ("Roster", "Last name"),
    "section": ("Roster", "Section"),
    "grade": ("Roster", "Student ID"),
    "crn": ("Roster", "CRN"),
    "last_attended": ("Roster", "Last attended"),
    "incomplete_grade": ("Overrides", "Incomplete final grade"),
    "extension_date": ("Overrides", "Extension date"),
    "grading_basis": ("Roster", "Grading basis"),
    "comment": ("Roster", "Registrar comment"),
}
_SETTING_SOURCES = {"term_code": "term_code", "term": "term", "course": "course"}

PROFILE_KEYS = {
    "description",
    "title",
    "file",
    "header",
    "line_end",
    "bom",
    "audience",
    "date_format",
    "skip_withdrawn",
    "last_attended_required_for",
    "incomplete_details_required",
    "columns",
}
LINE_ENDS = {"crlf": "\r\n", "lf": "\n"}
BASES = {"letter": "Letter", "p/np": "P/NP", "s/u": "S/U", "audit": "Audit"}
BASIS_CODES = {"P/NP": ("P", "NP"), "S/U": ("S", "U")}


@dataclass(frozen=True)
class Column:
    header: str
    source: str


@dataclass(frozen=True)
class Profile:
    """One registrar file shape, as read from its TOML file."""

    name: str
    description: str
    title: str
    file: str  # "csv" or "xlsx"
    header: bool
    columns: tuple[Column, ...]
    line_end: str
    bom: bool
    audience: str  # "loader" (verbatim, formulas refused) or "person" (formula-escaped)
    date_format: str | None = None
    skip_withdrawn: bool = True
    last_attended_required_for: tuple[str, ...] | None = None
    incomplete_details_required: bool | None = None

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    @property
    def sources(self) -> set[str]:
        return {c.source for c in self.columns}

    @property
    def loader(self) -> bool:
        return self.audience == "loader"


def _profile_dir():
    return resources.files("gradeproc").joinpath("registrar_profiles")


def builtin_names() -> list[str]:
    """The built-in profiles' names, generic and banner first, then alphabetically."""
    names = sorted(p.name[:-5] for p in _profile_dir().iterdir() if p.name.endswith(".toml"))
    first = [n for n in ("generic", "banner") if n in names]
    return first + [n for n in names if n not in first]


def builtin_profiles() -> list[Profile]:
    return [load_profile(name) for name in builtin_names()]


def load_profile(spec: str | Path | Profile) -> Profile:
    """A built-in profile by name, or a TOML file by path; ProfileProblem when unusable."""
    if isinstance(spec, Profile):
        return spec
    text = str(spec)
    if text in builtin_names():
        data = _profile_dir().joinpath(f"{text}.toml").read_text(encoding="utf-8")
        return parse_profile(tomllib.loads(data), text, text)
    path = Path(text)
    if path.suffix.lower() != ".toml":
        raise ProfileProblem(
            f'"{text}" is not a built-in registrar format ({", ".join(builtin_names())}) '
            "nor a .toml profile file; `gradeproc registrar-formats` lists the built-ins"
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileProblem(f"registrar profile {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileProblem(f"registrar profile {path} could not be read ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileProblem(f"registrar profile {path} is not valid TOML ({exc})") from None
    return parse_profile(data, path.stem, str(path))


def _codes(value: object) -> tuple[str, ...]:
    """ "F, NP" or ["F", "NP"] -> ("F", "NP"), upper case; blanks dropped."""
    items = value if isinstance(value, list) else str(value or "").split(",")
    return tuple(str(x).strip().upper() for x in items if str(x).strip())


def parse_profile(data: dict[str, object], name: str, where: str) -> Profile:
    """Check a profile's keys and values; every problem is a ProfileProblem naming the file."""

    def problem(text: str) -> ProfileProblem:
        return ProfileProblem(f"registrar profile {where}: {text}")

    unknown = sorted(set(data) - PROFILE_KEYS)
    if unknown:
        raise problem(f"unknown key {unknown[0]!r}; the keys are {', '.join(sorted(PROFILE_KEYS))}")

    def choice(key: str, default: str, allowed) -> str:
        value = data.get(key, default)
        if value not in allowed:
            raise problem(f"{key} must be one of {', '.join(allowed)}, not {value!r}")
        return str(value)

    def flag(key: str, default: bool | None) -> bool | None:
        value = data.get(key, default)
        if value is not None and not isinstance(value, bool):
            raise problem(f"{key} must be true or false, not {value!r}")
        return value

    raw_columns = data.get("columns")
    if not isinstance(raw_columns, list) or not raw_columns:
        raise problem('columns must be a list like [{ header = "ID", source = "student_id" }]')
    columns = []
    for number, item in enumerate(raw_columns, 1):
        if not isinstance(item, dict) or set(item) - {"header", "source"} or "source" not in item:
            raise problem(f"column {number} must have a source and a header, and nothing else")
        source = item["source"]
        if source not in SOURCES:
            raise problem(
                f"column {number} has the unknown source {source!r}; "
                f"the sources are {', '.join(SOURCES)}"
            )
        columns.append(Column(str(item.get("header", source)), str(source)))
    headers = [c.header for c in columns]
    twice = sorted({h for h in headers if headers.count(h) > 1})
    if twice:
        raise problem(f"the header {twice[0]!r} is used twice")
    date_format = data.get("date_format")
    if date_format is not None and date_format_problem(str(date_format)):
        raise problem(date_format_problem(str(date_format)) or "")
    audience = choice("audience", "loader", ("loader", "person"))
    required_for = data.get("last_attended_required_for")
    return Profile(
        name=name,
        description=str(data.get("description", "")).strip() or f"profile {name}",
        title=str(data.get("title", name)),
        file=choice("file", "csv", ("csv", "xlsx")),
        header=bool(flag("header", True)),
        columns=tuple(columns),
        line_end=LINE_ENDS[choice("line_end", "crlf", tuple(LINE_ENDS))],
        bom=bool(flag("bom", False)),
        audience=audience,
        date_format=str(date_format) if date_format is not None else None,
        skip_withdrawn=bool(flag("skip_withdrawn", audience == "loader")),
        last_attended_required_for=None if required_for is None else _codes(required_for),
        incomplete_details_required=flag("incomplete_details_required", None),
    )


# --- dates -----------------------------------------------------------------------------------

_TOKENS = re.compile(r"YYYY|MM|DD")


def date_format_problem(fmt: str) -> str | None:
    rest = _TOKENS.sub("", fmt)
    if not all(t in fmt for t in ("YYYY", "MM", "DD")) or rest.strip(" /-.") != "":
        return (
            f'"{fmt}" is not a date format; use YYYY, MM and DD with / - . or spaces '
            "between (for example MM/DD/YYYY)"
        )
    return None


def format_date(day: dt.date, fmt: str) -> str:
    parts = {"YYYY": f"{day.year:04d}", "MM": f"{day.month:02d}", "DD": f"{day.day:02d}"}
    return _TOKENS.sub(lambda m: parts[m.group(0)], fmt)


def no_grade_findings(
    grades: pd.DataFrame,
    workbook: Workbook | None = None,
    severity: Severity = WARNING,
    title: str = "Banner",
    sheet_rows: dict[str, pd.Series] | None = None,  # Gradebook.sheet_rows, to name cells
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
    roster = _Locator(workbook, sheet_rows, "Roster")
    consequence = (
        f"{title} cannot load a blank grade"
        if severity == ERROR
        else "the registrar file leaves their Grade blank"
    )
    return [
        Finding(
            Code.NO_GRADE,
            f"student {sid} has no total and no letter (no work counts toward a total); "
            f"{consequence}: set their letter (for example I) in the Overrides sheet",
            "Roster",
            roster.cell(sid, "Student ID"),
            severity,
        )
        for sid in grades.loc[blank, "Student ID"]
    ]


# --- cells named in findings ------------------------------------------------------------------


class _Locator:
    """Sheet cells by student ID, so a finding names `Roster!F3`; sheet-only without a workbook.

    The rows are the ones validation recorded (`Gradebook.sheet_rows`): nothing is re-read.
    """

    def __init__(
        self, workbook: Workbook | None, sheet_rows: dict[str, pd.Series] | None, name: str
    ) -> None:
        self.sheet = workbook.get(name) if workbook is not None else None
        self.name = name
        rows = (sheet_rows or {}).get(name)
        self.rows: dict[str, int] = (
            {} if rows is None else dict(zip(rows.index, rows.tolist(), strict=True))
        )

    def has(self, column: str) -> bool:
        return self.sheet is not None and column in self.sheet.letters

    def cell(self, sid: str, column: str) -> str | None:
        row, sheet = self.rows.get(sid), self.sheet
        if row is None or sheet is None or column not in sheet.letters:
            return None
        return sheet.cell(column, row)

    def finding(
        self, code: str, message: str, sid: str, *columns: str, severity: Severity = ERROR
    ) -> Finding:
        """Located at the first of `columns` the sheet has, in the student's row."""
        cell = next((c for c in (self.cell(sid, col) for col in columns) if c), None)
        return Finding(code, message, self.name, cell, severity)


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


# --- the rows --------------------------------------------------------------------------------


def registrar_rows(
    registrar_format: str | Path | Profile,
    grading: Grading,
    gradebook: Gradebook,
    workbook: Workbook | None = None,  # to name cells in findings
) -> pd.DataFrame:
    """A profile's rows; raises ValidationFailed when the file could not be loaded as is.

    The notes (who was converted by their grading basis, who was left out as withdrawn) are
    added to `gradebook.warnings`, so the terminal and the Run sheet list them.
    """
    profile = load_profile(registrar_format)
    frame, findings = profile_frame(profile, gradebook, grading, workbook)
    if any(f.severity == ERROR for f in findings):
        raise ValidationFailed(findings)
    gradebook.warnings.extend(findings)
    return frame


def _text(value: object) -> str:
    if parse.is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _quoted(value: str) -> str:
    shown = value.replace("\t", "\\t").replace("\r", "\\r").replace("\n", "\\n")
    return f'"{shown}"'


class _PolicyCells:
    """The Value cell of each setting in the Policy sheet, when the workbook is known."""

    def __init__(self, workbook: Workbook | None) -> None:
        self.sheet = workbook.get("Policy") if workbook is not None else None
        self.rows: dict[str, int] = {}
        if self.sheet is not None and "Setting" in self.sheet.frame:
            for row, name in self.sheet.frame["Setting"].dropna().items():
                self.rows.setdefault(normalise(name), int(cast(int, row)))

    def finding(self, code: str, message: str, name: str, severity: Severity = ERROR) -> Finding:
        row, sheet = self.rows.get(name), self.sheet
        cell = None
        if row is not None and sheet is not None and "Value" in sheet.letters:
            cell = sheet.cell("Value", row)
        return Finding(code, message, "Policy", cell, severity)


def _sections(
    workbook: Workbook | None, findings: list[Finding]
) -> tuple[dict[str, str], dict[str, str]]:
    """Section -> CRN from the optional Sections sheet, and Section -> its CRN cell.

    A section given two CRNs is a finding."""
    sheet = workbook.get("Sections") if workbook is not None else None
    if sheet is None or sheet.frame.empty:
        return {}, {}
    if "Section" not in sheet.frame or "CRN" not in sheet.frame:
        findings.append(
            Finding(
                Code.SECTIONS_COLUMNS,
                "the Sections sheet needs the columns Section and CRN",
                "Sections",
                f"A{sheet.header_row}",
            )
        )
        return {}, {}
    mapping: dict[str, str] = {}
    where: dict[str, str] = {}
    for row, section, crn in zip(
        sheet.frame.index, sheet.frame["Section"], sheet.frame["CRN"], strict=True
    ):
        section, crn = _text(section), _text(crn)
        if not section or not crn:
            continue
        if mapping.get(section, crn) != crn:
            findings.append(
                Finding(
                    Code.SECTIONS_CRN,
                    f"section {section} is given two CRNs, {mapping[section]} and {crn}",
                    "Sections",
                    sheet.cell("CRN", int(row)),
                )
            )
            continue
        mapping[section] = crn
        where[section] = sheet.cell("CRN", int(row))
    return mapping, where


def profile_frame(
    profile: Profile,
    gradebook: Gradebook,
    grading: Grading,
    workbook: Workbook | None = None,  # with it, findings name their cells
) -> tuple[pd.DataFrame, list[Finding]]:
    """The profile's rows (roster order, text), and every finding: errors keep it from loading,
    warnings are the notes a person should read (conversions, withdrawals left out)."""
    build = _Rows(profile, gradebook, grading, workbook)
    build.grading_bases()
    written = build.withdrawals()
    build.required_settings(written)
    sources = profile.sources
    if "crn" in sources:
        build.crns_per_student(written)
    build.date_settings()
    if "last_attended" in sources:
        build.last_attended(written)
    if sources & {"incomplete_grade", "extension_date"}:
        build.incompletes(written)
    rows = [[build.value(c.source, sid) for c in profile.columns] for sid in written]
    if profile.loader:
        build.refuse_formulas(written, rows)
    return pd.DataFrame(rows, columns=profile.headers, dtype=object), build.findings


class _Rows:
    """One profile's values per student, and the findings met on the way (see profile_frame)."""

    def __init__(
        self,
        profile: Profile,
        gradebook: Gradebook,
        grading: Grading,
        workbook: Workbook | None,
    ) -> None:
        self.profile, self.title, self.sources = profile, profile.title, profile.sources
        self.settings = gradebook.policy.settings
        self.letter_ranges = list(gradebook.policy.letters)
        self.workbook = workbook
        self.policy_cells = _PolicyCells(workbook)
        self.roster_cells = _Locator(workbook, gradebook.sheet_rows, "Roster")
        self.override_cells = _Locator(workbook, gradebook.sheet_rows, "Overrides")
        self.sheet_rows = gradebook.sheet_rows
        self.roster, self.overrides = gradebook.roster, gradebook.overrides
        self._roster_columns: dict[str, dict[object, object]] = {}
        self.findings: list[Finding] = []
        self.grades = grading.grades
        self.ids = self.grades["Student ID"].astype(str).tolist()
        codes = self.grades["Registrar code"]
        finals = codes.where(codes.notna(), "").astype(str).str.strip()
        self.finals = dict(zip(self.ids, finals, strict=True))
        self.letters = dict(zip(self.ids, self.grades["Letter"], strict=True))
        self.bases: dict[str, str] = {}
        self.crns: dict[str, str] = {}
        self.crn_cells: dict[str, tuple[str, str | None]] = {}  # a CRN not typed in the Roster
        self.attended: dict[str, str] = {}
        self.incomplete_grade: dict[str, str] = {}
        self.extension: dict[str, str] = {}
        self.fmt = "MM/DD/YYYY"
        self.dated = False
        self.term: dict[str, dt.date | None] = {}

    def roster_value(self, sid: str, column: str) -> object:
        """The student's cell in a Roster column (None without the column or the student);
        each column is read once, into a dict by student ID."""
        values = self._roster_columns.get(column)
        if values is None:
            if column not in self.roster.columns:
                return None
            values = dict(
                zip(self.roster.index.tolist(), self.roster[column].tolist(), strict=True)
            )
            self._roster_columns[column] = values
        return values.get(sid)

    def override_value(self, sid: str, column: str) -> object:
        if column not in self.overrides.columns or sid not in self.overrides.index:
            return None
        return self.overrides.at[sid, column]

    # The registrar grade: the letter's code, then the student's grading basis.
    def grading_bases(self) -> None:
        for sid in self.ids:
            value = self.roster_value(sid, "Grading basis")
            if _text(value) == "":
                continue
            basis = BASES.get(normalise(value).replace(" ", ""))
            if basis is None:
                self.findings.append(
                    self.roster_cells.finding(
                        Code.GRADING_BASIS,
                        f"Grading basis {_show(value)} of student {sid} is not one of "
                        "Letter, P/NP, S/U, Audit",
                        sid,
                        "Grading basis",
                    )
                )
                continue
            self.bases[sid] = basis
        lowest = None
        if any(b in BASIS_CODES for b in self.bases.values()):
            wanted = normalise(self.settings.get("pass_from_letter") or "")
            lowest = next(
                (
                    r
                    for r in self.letter_ranges
                    if wanted in (normalise(r.letter), normalise(r.code))
                ),
                None,
            )
            if lowest is None:
                self.findings.append(
                    self.policy_cells.finding(
                        Code.PASS_FROM_LETTER,
                        f"pass_from_letter {_show(self.settings.get('pass_from_letter'))} is "
                        "not a letter of the Letters sheet; P/NP and S/U students need it",
                        "pass_from_letter",
                    )
                )
        ranges = {r.letter: r for r in self.letter_ranges}
        for sid, basis in self.bases.items():
            band = ranges.get(self.letters[sid])
            if basis == "Letter" or band is None or not self.finals[sid]:
                continue  # an override outside the Letters sheet (I, W) stays as it is
            if basis == "Audit":
                new = _text(self.settings.get("audit_code")) or "AU"
            elif lowest is None:
                continue
            else:
                passing, failing = BASIS_CODES[basis]
                new = passing if band.low >= lowest.low else failing
            self.findings.append(
                self.roster_cells.finding(
                    Code.GRADING_BASIS,
                    f"student {sid} takes the course {basis}: the letter {self.letters[sid]} "
                    f"goes to the registrar as {new}",
                    sid,
                    "Grading basis",
                    severity=WARNING,
                )
            )
            self.finals[sid] = new

    # Who is written: a withdrawal is the registrar's own, and a loader file leaves it out.
    def withdrawals(self) -> list[str]:
        withdrawn = set(_codes(self.settings.get("withdrawal_codes")))
        written = []
        for sid in self.ids:
            if self.profile.skip_withdrawn and self.finals[sid].upper() in withdrawn:
                where = self.override_cells if sid in self.overrides.index else self.roster_cells
                self.findings.append(
                    where.finding(
                        Code.WITHDRAWN,
                        f"student {sid} has the registrar grade {self.finals[sid]} (a "
                        f"withdrawal) and is left out of the {self.title} file: the registrar "
                        "records withdrawals itself",
                        sid,
                        "Letter",
                        "Student ID",
                        severity=WARNING,
                    )
                )
                continue
            written.append(sid)
        return written

    def required_settings(self, written: list[str]) -> None:
        """A loader takes no blank grade; a term code column needs the term code."""
        if self.profile.loader and "grade" in self.sources:
            ids = self.grades["Student ID"].astype(str)
            carried = self.grades[ids.isin(written)]
            carried = carried.assign(
                **{"Registrar code": [self.finals[s] for s in ids[ids.isin(written)]]}
            )
            self.findings += no_grade_findings(
                carried, self.workbook, ERROR, self.title, self.sheet_rows
            )
        if "term_code" in self.sources and not _text(self.settings.get("term_code")):
            self.findings.append(
                self.policy_cells.finding(
                    Code.REGISTRAR_TERM_CODE,
                    f"term_code is blank; the {self.title} export needs the registrar term code "
                    "(for example 202410)",
                    "term_code",
                )
            )

    # CRN per student: the Roster's CRN column, else the Sections sheet, else the setting.
    def crns_per_student(self, written: list[str]) -> None:
        by_section, section_cells = _sections(self.workbook, self.findings)
        fallback = _text(self.settings.get("crn"))
        sections = {sid: _text(self.roster_value(sid, "Section")) for sid in written}
        used_fallback = False
        for sid in written:
            own, mapped = _text(self.roster_value(sid, "CRN")), by_section.get(sections[sid], "")
            if own and mapped and own != mapped:
                self.findings.append(
                    self.roster_cells.finding(
                        Code.REGISTRAR_CRN,
                        f"student {sid} has the CRN {own} but section {sections[sid]} has the "
                        f"CRN {mapped} in the Sections sheet; make them agree",
                        sid,
                        "CRN",
                    )
                )
            self.crns[sid] = own or mapped or fallback
            if not own and mapped:
                self.crn_cells[sid] = ("Sections", section_cells.get(sections[sid]))
            elif not own and fallback:
                self.crn_cells[sid] = ("Policy", "crn")
            used_fallback |= not (own or mapped) and bool(fallback)
            if not self.crns[sid]:
                self.findings.append(
                    self.roster_cells.finding(
                        Code.REGISTRAR_CRN,
                        f"student {sid} has no CRN; the {self.title} export needs each "
                        "student's course reference number (give it in a CRN column of the "
                        "Roster, in a Sections sheet of Section and CRN, or in the crn setting "
                        "for a one-section course)",
                        sid,
                        "CRN",
                        "Section",
                        "Student ID",
                    )
                )
        several = sorted({s for s in sections.values() if s})
        if used_fallback and len(several) > 1:
            self.findings.append(
                self.policy_cells.finding(
                    Code.REGISTRAR_CRN,
                    f"the crn setting gives one CRN for the sections {', '.join(several)}; "
                    "the registrar drops the students of any other section: give each section "
                    "its CRN in a Sections sheet (Section, CRN) or a CRN column of the Roster",
                    "crn",
                )
            )

    # Dates: the profile's format, else the Policy's; checked against the term.
    def date_settings(self) -> None:
        profile, settings = self.profile, self.settings
        self.fmt = (
            profile.date_format or _text(settings.get("registrar_date_format")) or "MM/DD/YYYY"
        )
        self.dated = bool(self.sources & {"last_attended", "extension_date"})
        problem = date_format_problem(self.fmt)
        if self.dated and not profile.date_format and problem:
            self.findings.append(
                self.policy_cells.finding(
                    Code.REGISTRAR_DATE_FORMAT, problem, "registrar_date_format"
                )
            )
            self.dated = False
        for name in ("term_start", "term_end"):
            value = settings.get(name)
            self.term[name] = _date(value)
            if "last_attended" in self.sources and _text(value) and self.term[name] is None:
                self.findings.append(
                    self.policy_cells.finding(
                        Code.REGISTRAR_DATE,
                        f"{name} {_show(value)} is not a date; use a date cell or text like "
                        "2024-08-26",
                        name,
                    )
                )

    def date_text(self, value: object, locator: _Locator, sid: str, column: str) -> str:
        day = _date(value)
        if day is None:
            self.findings.append(
                locator.finding(
                    Code.REGISTRAR_DATE,
                    f"{_show(value)} is not a date; use a date cell or text like 2024-12-13",
                    sid,
                    column,
                )
            )
            return ""
        return format_date(day, self.fmt) if self.dated else ""

    def last_attended(self, written: list[str]) -> None:
        required = self.profile.last_attended_required_for
        if required is None:
            required = _codes(self.settings.get("last_attended_required_for"))
        today = dt.date.today()
        start, end = self.term["term_start"], self.term["term_end"]
        for sid in written:
            final = self.finals[sid]
            value = self.roster_value(sid, "Last attended")
            if _text(value) == "":
                if final.upper() in required:
                    self.findings.append(
                        self.roster_cells.finding(
                            Code.REGISTRAR_LAST_ATTENDED,
                            f"student {sid} has the registrar grade {final} but no Last "
                            f"attended date; {self.title} needs the last day a student graded "
                            f"{final} attended" + _add_column(self.roster_cells, "Last attended"),
                            sid,
                            "Last attended",
                            "Student ID",
                        )
                    )
                continue
            day = _date(value)
            problem = None
            if day is not None and day > today:
                problem = "is in the future"
            elif day is not None and start and day < start:
                problem = f"is before the term starts ({start.isoformat()})"
            elif day is not None and end and day > end:
                problem = f"is after the term ends ({end.isoformat()})"
            if problem and day is not None:
                self.findings.append(
                    self.roster_cells.finding(
                        Code.REGISTRAR_LAST_ATTENDED,
                        f"the Last attended date {day.isoformat()} of student {sid} {problem}",
                        sid,
                        "Last attended",
                    )
                )
            self.attended[sid] = self.date_text(value, self.roster_cells, sid, "Last attended")

    # Incompletes: the grade it becomes and the extension date, required where the school says.
    def incompletes(self, written: list[str]) -> None:
        incompletes = set(_codes(self.settings.get("incomplete_codes")))
        required = self.profile.incomplete_details_required
        if required is None:
            required = self.settings.get("incomplete_details_required", "Y") == "Y"
        letter_codes: dict[str, str] = {}
        for r in self.letter_ranges:
            letter_codes.setdefault(normalise(r.letter), r.code)
            letter_codes.setdefault(normalise(r.code), r.code)
        title, hint = self.title, self.override_cells
        for sid in written:
            final = self.finals[sid]
            if final.upper() not in incompletes:
                continue
            locator = self.override_cells if sid in self.overrides.index else self.roster_cells
            if "incomplete_grade" in self.sources:
                value = self.override_value(sid, "Incomplete final grade")
                if _text(value) == "":
                    if required:
                        self.findings.append(
                            locator.finding(
                                Code.REGISTRAR_INCOMPLETE_GRADE,
                                f"student {sid} has the registrar grade {final} but no Incomplete "
                                f"final grade; {title} needs the letter the incomplete becomes if "
                                "the work is not done"
                                + _add_column(hint, "Incomplete final grade"),
                                sid,
                                "Incomplete final grade",
                                "Letter",
                                "Student ID",
                            )
                        )
                elif letter_codes.get(normalise(value)) in (None, final):
                    self.findings.append(
                        locator.finding(
                            Code.REGISTRAR_INCOMPLETE_GRADE,
                            f"Incomplete final grade {_show(value)} of student {sid} is not a "
                            "letter of the Letters sheet",
                            sid,
                            "Incomplete final grade",
                        )
                    )
                else:
                    self.incomplete_grade[sid] = letter_codes[normalise(value)]
            if "extension_date" in self.sources:
                value = self.override_value(sid, "Extension date")
                if _text(value) == "":
                    if required:
                        self.findings.append(
                            locator.finding(
                                Code.REGISTRAR_EXTENSION_DATE,
                                f"student {sid} has the registrar grade {final} but no Extension "
                                f"date; {title} needs the date the incomplete work is due"
                                + _add_column(hint, "Extension date"),
                                sid,
                                "Extension date",
                                "Letter",
                                "Student ID",
                            )
                        )
                else:
                    self.extension[sid] = self.date_text(value, locator, sid, "Extension date")

    def value(self, source: str, sid: str) -> str:
        """One cell of the file: the text `source` gives for student `sid`."""
        if source in _SETTING_SOURCES:
            return _text(self.settings.get(_SETTING_SOURCES[source]))
        computed = {
            "student_id": lambda: sid,
            "grade": lambda: self.finals[sid],
            "crn": lambda: self.crns.get(sid, ""),
            "last_attended": lambda: self.attended.get(sid, ""),
            "incomplete_grade": lambda: self.incomplete_grade.get(sid, ""),
            "extension_date": lambda: self.extension.get(sid, ""),
            "grading_basis": lambda: self.bases.get(sid, "Letter"),
        }
        if source in computed:
            return computed[source]()
        if source == "name":
            names = [_text(self.roster_value(sid, c)) for c in ("Last name", "First name")]
            return ", ".join(n for n in names if n)
        return _text(self.roster_value(sid, _PLACES[source][1]))

    # A loader takes values as written: one that a spreadsheet would run is refused, not altered.
    def refuse_formulas(self, written: list[str], rows: list[list[str]]) -> None:
        seen: set[tuple[str, str | None]] = set()
        for sid, row in zip(written, rows, strict=True):
            for col, value in zip(self.profile.columns, row, strict=True):
                if not value.startswith(FORMULA_TRIGGERS):
                    continue
                setting = _SETTING_SOURCES.get(col.source)
                origin = self.crn_cells.get(sid) if col.source == "crn" else None
                if setting or origin:  # one place for many students: named once
                    sheet_name, cell = origin or ("Policy", setting)
                    if (sheet_name, cell) in seen:
                        continue
                    seen.add((sheet_name, cell))
                    message = (
                        f"{col.header} {_quoted(value)} starts like a spreadsheet formula; the "
                        f"{self.title} loader takes values as written, so gradeproc will not "
                        "alter it: change the value"
                    )
                    self.findings.append(
                        self.policy_cells.finding(Code.REGISTRAR_FORMULA, message, cell or "")
                        if sheet_name == "Policy"
                        else Finding(Code.REGISTRAR_FORMULA, message, sheet_name, cell)
                    )
                    continue
                sheet, column_name = _PLACES.get(col.source, ("Roster", "Student ID"))
                locator = self.override_cells if sheet == "Overrides" else self.roster_cells
                self.findings.append(
                    locator.finding(
                        Code.REGISTRAR_FORMULA,
                        f"{col.header} {_quoted(value)} of student {sid} starts like a "
                        f"spreadsheet formula; the {self.title} loader takes values as written, "
                        "so gradeproc will not alter it: change the cell",
                        sid,
                        column_name,
                        "Student ID",
                    )
                )


# --- writing ---------------------------------------------------------------------------------


def file_kind(profile: Profile, target: Path) -> str:
    """csv or xlsx: an Excel profile writes a CSV only when the file's name ends in .csv."""
    if profile.file == "xlsx" and Path(target).suffix.lower() != ".csv":
        return "xlsx"
    return "csv"


def write_registrar(frame: pd.DataFrame, profile: Profile, path: Path, target: Path) -> None:
    """Write `frame` to `path` (a temporary file) as the profile says; `target` names its kind."""
    rows = frame.astype(object).where(frame.notna(), "").to_numpy().tolist()
    header = [str(c) for c in frame.columns]
    table = ([header] if profile.header else []) + [[str(v) for v in row] for row in rows]
    if not profile.loader:  # a person's file: text a spreadsheet would run gets an apostrophe
        table = [[str(formula_safe(v)) for v in row] for row in table]
    if file_kind(profile, target) == "csv":
        encoding = "utf-8-sig" if profile.bom else "utf-8"
        with open(path, "w", newline="", encoding=encoding) as fh:
            csv.writer(fh, lineterminator=profile.line_end).writerows(table)
        return
    from openpyxl import Workbook  # slow to load; only an .xlsx registrar file needs it

    book = Workbook()
    sheet = book.active
    sheet.title = "Grades"
    for r, row in enumerate(table, 1):
        for c, value in enumerate(row, 1):
            cell = sheet.cell(row=r, column=c)
            cell.number_format = "@"
            if value != "":
                cell.value = value
                cell.data_type = "s"  # text, never a number or a formula
    book.save(path)
