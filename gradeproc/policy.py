"""The grading policy: settings with their defaults, categories, and letter ranges proven to cover.

Everything the syllabus decides lives here as data, so an instructor with another syllabus
changes cells, not code. Parsing is strict and every problem becomes a Finding.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gradeproc.codes import Code
from gradeproc.errors import WARNING, Finding
from gradeproc.parse import is_blank

# Setting name -> (default, kind, allowed values or None, plain meaning).
SETTINGS: dict[str, tuple[object, str, tuple[str, ...] | None, str]] = {
    "course": ("", "text", None, "Course name, shown in outputs."),
    "term": ("", "text", None, "Term, e.g. Fall 2024."),
    "timezone": (
        "America/New_York",
        "timezone",
        None,
        "IANA time zone for due and submission times typed without an offset.",
    ),
    "late_penalty_percent_per_day": (
        5,
        "number",
        None,
        "Percent of the deduction basis taken off per day late (a started day counts).",
    ),
    "late_max_days": (3, "integer", None, "Later than this many days: not accepted, scores 0."),
    "late_deduction_basis": (
        "max_points",
        "choice",
        ("max_points", "earned_score"),
        "What the daily percentage is taken of: the item's max points or the earned score.",
    ),
    "late_grace_minutes": (0, "number", None, "Minutes after the due time still counted on time."),
    "blank_scores": (
        "zero",
        "choice",
        ("zero", "ignore"),
        "A blank score: zero (counts 0, flagged MISSING) or ignore (not graded yet).",
    ),
    "total_decimals": (2, "integer", None, "Decimals the total is rounded to (half-up)."),
    "letter_gap_rule": (
        "higher",
        "choice",
        ("higher", "lower", "error"),
        "A total between two letter ranges gets the higher or lower letter, or is an error.",
    ),
    "borderline_margin": (
        0.5,
        "number",
        None,
        "A total less than this below the next letter up is flagged BORDERLINE.",
    ),
    "allow_extra_credit": ("N", "yesno", None, "Y: a score above the max points is allowed."),
    "term_code": ("", "text", None, "Registrar term code (Banner export), e.g. 202410."),
    "crn": (
        "",
        "text",
        None,
        "Registrar course reference number (CRN) of a one-section course; a CRN column in "
        "Roster or a Sections sheet (Section, CRN) gives one per student.",
    ),
    "last_attended_required_for": (
        "F",
        "text",
        None,
        "Registrar grades that need a Last attended date, comma separated (e.g. F, NP, U).",
    ),
    "registrar_date_format": (
        "MM/DD/YYYY",
        "text",
        None,
        "How dates are written in the registrar file (YYYY, MM, DD; e.g. YYYY-MM-DD).",
    ),
    "term_start": (
        "",
        "text",
        None,
        "First day of the term; earlier Last attended dates are refused.",
    ),
    "term_end": ("", "text", None, "Last day of the term; later Last attended dates are refused."),
    "pass_from_letter": (
        "C-",
        "text",
        None,
        "Lowest letter that passes for a P/NP or S/U student (Roster column Grading basis).",
    ),
    "audit_code": ("AU", "text", None, "Registrar grade sent for an auditing student."),
    "incomplete_codes": (
        "I",
        "text",
        None,
        "Registrar grades that are incompletes, comma separated (e.g. I, IN, I/X).",
    ),
    "incomplete_details_required": (
        "Y",
        "yesno",
        None,
        "Y: an incomplete needs Incomplete final grade and Extension date in Overrides.",
    ),
    "withdrawal_codes": (
        "W",
        "text",
        None,
        "Registrar grades of a withdrawn student, left out of loader files (comma separated).",
    ),
}

AGGREGATIONS = ("points", "equal")


@dataclass(frozen=True)
class Category:
    name: str
    weight: float
    aggregation: str = "points"
    drop_lowest: int = 0


@dataclass(frozen=True)
class LetterRange:
    """One letter's interval of totals; `low`/`high` may be -inf/inf."""

    letter: str
    code: str
    low: float
    low_inclusive: bool
    high: float
    high_inclusive: bool
    text: str = ""


@dataclass(frozen=True)
class Band:
    """A piece of the number line and the letter it gives; `gap` marks a resolved gap."""

    letter: str
    code: str
    low: float
    low_inclusive: bool
    gap: bool = False


def _default(name: str) -> Any:
    """A Settings field's default: the one in SETTINGS, so defaults are written once."""
    return field(default=SETTINGS[name][0])


@dataclass(kw_only=True)
class Settings:
    """Every Policy setting, typed; a missing or blank setting has its default."""

    course: str = _default("course")
    term: str = _default("term")
    timezone: str = _default("timezone")
    late_penalty_percent_per_day: float = _default("late_penalty_percent_per_day")
    late_max_days: int = _default("late_max_days")
    late_deduction_basis: str = _default("late_deduction_basis")
    late_grace_minutes: float = _default("late_grace_minutes")
    blank_scores: str = _default("blank_scores")
    total_decimals: int = _default("total_decimals")
    letter_gap_rule: str = _default("letter_gap_rule")
    borderline_margin: float = _default("borderline_margin")
    allow_extra_credit: str = _default("allow_extra_credit")  # "Y" or "N"
    term_code: str = _default("term_code")
    crn: str = _default("crn")
    last_attended_required_for: str = _default("last_attended_required_for")
    registrar_date_format: str = _default("registrar_date_format")
    term_start: str = _default("term_start")
    term_end: str = _default("term_end")
    pass_from_letter: str = _default("pass_from_letter")
    audit_code: str = _default("audit_code")
    incomplete_codes: str = _default("incomplete_codes")
    incomplete_details_required: str = _default("incomplete_details_required")  # "Y" or "N"
    withdrawal_codes: str = _default("withdrawal_codes")


SETTING_NAMES = tuple(f.name for f in fields(Settings))


@dataclass
class Policy(Settings):
    """The parsed policy: the typed settings (as attributes), categories and letter ranges.

    `settings` keeps the values by name, for the Run sheet and registrar profiles that name a
    setting; the attributes are the same values, typed.
    """

    settings: dict[str, object]
    categories: list[Category]
    letters: list[LetterRange]
    bands: list[Band] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        for name in SETTING_NAMES:
            if name in self.settings:
                setattr(self, name, self.settings[name])

    @property
    def letter_order(self) -> list[str]:
        """The letters in the Letters sheet's order: the order every count of letters uses."""
        return [r.letter for r in self.letters]

    @property
    def letter_codes(self) -> dict[str, str]:
        return {r.letter: r.code for r in self.letters}


def default_settings() -> dict[str, object]:
    return {name: spec[0] for name, spec in SETTINGS.items()}


# --- letter ranges ---------------------------------------------------------------------------

_NUM = r"([-+]?\d+(?:\.\d+)?)"
_RANGE_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"^\s*([\[(])\s*{_NUM}\s*,\s*{_NUM}\s*([\])])\s*$"), "interval"),
    (re.compile(rf"^\s*(>=|≥|=>)\s*{_NUM}\s*$"), "ge"),
    (re.compile(rf"^\s*>\s*{_NUM}\s*$"), "gt"),
    (re.compile(rf"^\s*(<=|≤|=<)\s*{_NUM}\s*$"), "le"),
    (re.compile(rf"^\s*<\s*{_NUM}\s*$"), "lt"),
    (re.compile(rf"^\s*(?:greater than|more than|above)\s+{_NUM}\s*$", re.I), "gt"),
    (re.compile(rf"^\s*{_NUM}\s+or\s+(?:more|above|higher)\s*$", re.I), "ge"),
    (re.compile(rf"^\s*{_NUM}\s+or\s+(?:less|below|lower)\s*$", re.I), "le"),
    (re.compile(rf"^\s*(?:at least|greater than or equal to)\s+{_NUM}\s*$", re.I), "ge"),
    (re.compile(rf"^\s*(?:below|less than|under)\s+{_NUM}\s*$", re.I), "lt"),
    (re.compile(rf"^\s*(?:at most|less than or equal to)\s+{_NUM}\s*$", re.I), "le"),
]


def parse_range(text: str) -> tuple[float, bool, float, bool] | None:
    """`[90, 93)`, `> 93`, `at least 93`, `below 60` ... -> (low, low_incl, high, high_incl)."""
    for pattern, kind in _RANGE_PATTERNS:
        m = pattern.match(text)
        if not m:
            continue
        if kind == "interval":
            lo_b, lo, hi, hi_b = m.groups()
            return float(lo), lo_b == "[", float(hi), hi_b == "]"
        value = float(m.groups()[-1])
        if kind == "gt":
            return value, False, math.inf, False
        if kind == "ge":
            return value, True, math.inf, False
        if kind == "lt":
            return -math.inf, False, value, False
        return -math.inf, False, value, True
    return None


def _fmt(x: float) -> str:
    return f"{x:g}"


def build_bands(
    letters: list[LetterRange], gap_rule: str, sheet: str = "Letters"
) -> tuple[list[Band], list[str], list[Finding]]:
    """Sort the ranges, prove they neither overlap nor leave an unresolved gap over [0, 100].

    Returns the bands that partition the number line (resolved gaps included), a plain
    description of each gap, and the findings.
    """
    findings: list[Finding] = []
    gaps: list[str] = []
    ordered = sorted(letters, key=lambda r: (r.low, not r.low_inclusive))
    for r in ordered:
        empty = r.low > r.high or (r.low == r.high and not (r.low_inclusive and r.high_inclusive))
        if empty:
            findings.append(
                Finding(
                    Code.LETTER_RANGE_EMPTY, f'the range "{r.text}" of {r.letter} is empty', sheet
                )
            )
    if findings:
        return [], gaps, findings

    bands: list[Band] = []
    # Walk from -inf; `cursor` is where the next band must start.
    cursor, cursor_inclusive = -math.inf, False
    previous: LetterRange | None = None
    for r in ordered:
        starts_before = r.low < cursor or (
            r.low == cursor and r.low_inclusive and not cursor_inclusive
        )
        if previous is not None and starts_before:
            findings.append(
                Finding(
                    Code.LETTER_RANGE_OVERLAP,
                    f'the ranges of {previous.letter} ("{previous.text}") and {r.letter} '
                    f'("{r.text}") overlap',
                    sheet,
                )
            )
            if r.high > cursor or (r.high == cursor and r.high_inclusive):
                cursor, cursor_inclusive, previous = r.high, not r.high_inclusive, r
            continue
        starts_after = r.low > cursor or (
            r.low == cursor and not r.low_inclusive and cursor_inclusive
        )
        if starts_after:
            gap_low, gap_low_incl = cursor, cursor_inclusive
            gap_desc = _describe_gap(gap_low, gap_low_incl, r.low, not r.low_inclusive)
            relevant = r.low > 0 or (r.low == 0 and not r.low_inclusive)
            if previous is None:
                if relevant:
                    findings.append(
                        Finding(
                            Code.LETTER_RANGE_GAP,
                            f"no letter covers totals {gap_desc}; the lowest range must reach 0",
                            sheet,
                        )
                    )
            else:
                gaps.append(gap_desc)
                if gap_rule == "error":
                    findings.append(
                        Finding(
                            Code.LETTER_RANGE_GAP,
                            f"no letter covers totals {gap_desc} "
                            f"(between {previous.letter} and {r.letter}); "
                            'fix the ranges or set letter_gap_rule to "higher" or "lower"',
                            sheet,
                        )
                    )
                else:
                    chosen = r if gap_rule == "higher" else previous
                    bands.append(Band(chosen.letter, chosen.code, gap_low, gap_low_incl, gap=True))
                    findings.append(
                        Finding(
                            Code.LETTER_RANGE_GAP,
                            f"no letter covers totals {gap_desc} (between {previous.letter} and "
                            f'{r.letter}); letter_gap_rule "{gap_rule}" gives them {chosen.letter}'
                            " and flags them POLICY_GAP",
                            sheet,
                            severity=WARNING,
                        )
                    )
        bands.append(Band(r.letter, r.code, r.low, r.low_inclusive))
        cursor, cursor_inclusive = r.high, not r.high_inclusive
        previous = r
    if previous is not None and cursor < 100:
        findings.append(
            Finding(
                Code.LETTER_RANGE_GAP,
                f"no letter covers totals {_describe_gap(cursor, cursor_inclusive, math.inf, False)}"
                "; the top range must reach 100",
                sheet,
            )
        )
    return bands, gaps, findings


def _describe_gap(low: float, low_incl: bool, high: float, high_incl: bool) -> str:
    if low == high:
        return f"of exactly {_fmt(low)}"
    if math.isinf(high):
        return f"{'from' if low_incl else 'above'} {_fmt(low)}"
    lo = "[" if low_incl else "("
    hi = "]" if high_incl else ")"
    return f"in {lo}{_fmt(low)}, {_fmt(high)}{hi}"


# --- settings --------------------------------------------------------------------------------


def parse_setting(name: str, value: object) -> tuple[object, str | None]:
    """Value typed in the Policy sheet -> (parsed value, problem sentence or None)."""
    default, kind, allowed, _ = SETTINGS[name]
    if is_blank(value):
        return default, None
    text = str(value).strip()
    if kind == "text":
        if isinstance(value, float) and value.is_integer():
            return str(int(value)), None
        return text, None
    if kind == "timezone":
        try:
            ZoneInfo(text)
        except (ZoneInfoNotFoundError, ValueError):
            return default, f'"{text}" is not a time zone name (for example America/New_York)'
        return text, None
    if kind == "choice":
        assert allowed is not None  # every choice setting lists its values
        low = text.lower()
        if low not in allowed:
            options = ", ".join(allowed)
            return default, f'"{text}" is not one of: {options}'
        return low, None
    if kind == "yesno":
        low = text.lower()
        if low in ("y", "yes", "true", "1"):
            return "Y", None
        if low in ("n", "no", "false", "0"):
            return "N", None
        return default, f'"{text}" is not Y or N'
    if kind == "number" and text.endswith("%"):  # "5%" for late_penalty_percent_per_day
        text = text[:-1].strip()
    try:
        number = Decimal(text)
    except InvalidOperation:
        return default, f'"{text}" is not a number'
    if not number.is_finite() or number < 0:
        return default, f'"{text}" must be a number of 0 or more'
    if kind == "integer":
        if number != number.to_integral_value():
            return default, f'"{text}" must be a whole number'
        return int(number), None
    return float(number), None
