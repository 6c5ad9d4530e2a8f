"""One student's grade, step by step: the answer to "how did I get this?" in words and numbers.

`explain_student` is pure: the validated gradebook and the computed grading in, lines out. It
reads every number it shows from the grading (Details, Grades) or recomputes it with the
compute core's own functions, so the explanation cannot disagree with the graded workbook.
"""

from __future__ import annotations

import difflib
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, cast

import numpy as np
import pandas as pd

from gradeproc.api import grade_file
from gradeproc.compute.categories import weighted_total
from gradeproc.compute.lateness import applicable_extensions, effective_due
from gradeproc.compute.letters import NOISE_DECIMALS, round_half_up_units
from gradeproc.errors import GradeprocError
from gradeproc.sentences import (
    assessment_line,
    details_frame,
    grades_frame,
    plural,
    points_text,
)

if TYPE_CHECKING:
    from gradeproc.compute import Facts, Grading
    from gradeproc.policy import Band, Policy
    from gradeproc.read import Workbook
    from gradeproc.validation import Gradebook


INDENT = "  "


# --- formatting --------------------------------------------------------------------------------


def _points(value: float) -> str:
    return str(points_text([value])[0])


def _number(value: float, decimals: int = 2) -> str:
    """At least `decimals` decimals, more (up to 6) where the value has them: 90.40, 33.333333."""
    text = f"{value:.6f}".rstrip("0")
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(decimals, '0')}" if decimals else text.rstrip(".")


def _weight(value: float) -> str:
    return f"{value:g}"


def _given(value: object) -> bool:
    """A filled-in cell: not None, NaN or empty text."""
    return value is not None and not (isinstance(value, float) and np.isnan(value)) and value != ""


def _range_text(letter: str, text: str) -> str:
    """`B+ [87, 90)` for an interval, `A (greater than 93)` for words."""
    return f"{letter} {text}" if text[:1] in "[(" else f"{letter} ({text})"


# --- finding the student -----------------------------------------------------------------------


def find_student(roster_ids: pd.Index, student_id: str, roster: pd.DataFrame | None = None) -> str:
    """The roster ID for what was typed: exact text first, then ignoring surrounding spaces.

    Anything else is refused, suggesting the near matches (`roster` gives their names)."""
    text = str(student_id)
    ids = [str(i) for i in roster_ids]
    if text in ids:
        return roster_ids[ids.index(text)]
    stripped = [i.strip() for i in ids]
    if text.strip() in stripped:
        return roster_ids[stripped.index(text.strip())]
    message = f"student ID {student_id} is not on the Roster"
    near = near_matches(roster_ids, text.strip(), roster)
    if near:
        message += f"; did you mean {_or(near)}?"
    raise GradeprocError(message)


MAX_SUGGESTIONS = 3


def near_matches(roster_ids: pd.Index, typed: str, roster: pd.DataFrame | None = None) -> list[str]:
    """Roster students someone typing `typed` may have meant, as `00123 (Hopper, Grace)`:
    the same ID but for leading zeros or letter case, the surname (or `Last, First`), then
    IDs that differ by a character or two."""
    if not typed:
        return []
    ids = [str(i) for i in roster_ids]
    key = typed.casefold()
    found: list[int] = []

    def add(positions) -> None:
        found.extend(p for p in positions if p not in found)

    add(i for i, x in enumerate(ids) if x.strip().casefold() == key)
    if key.lstrip("0"):
        add(i for i, x in enumerate(ids) if x.strip().casefold().lstrip("0") == key.lstrip("0"))
    names = _names(roster, len(ids))
    if names is not None:
        last, full = names
        add(i for i, x in enumerate(last) if x == key)
        add(i for i, x in enumerate(full) if x == key)
    folded = [x.strip().casefold() for x in ids]
    ratios = [difflib.SequenceMatcher(None, key, x).ratio() for x in folded]
    add(sorted((i for i, r in enumerate(ratios) if r >= 0.75), key=lambda i: (-ratios[i], i)))
    return [_who(ids[i], roster) for i in found[:MAX_SUGGESTIONS]]


def _names(roster: pd.DataFrame | None, n: int) -> tuple[list[str], list[str]] | None:
    """Surnames and `last, first` / `first last` spellings, case-folded, per roster row."""
    if roster is None or len(roster) != n or "Last name" not in roster:
        return None
    last = [str(x).strip().casefold() if _given(x) else "" for x in roster["Last name"]]
    first = [
        str(x).strip().casefold() if _given(x) else ""
        for x in roster.get("First name", pd.Series([None] * n))
    ]
    full = [f"{a}, {b}" if a and b else a or b for a, b in zip(last, first, strict=True)]
    return last, full


def _who(sid: str, roster: pd.DataFrame | None) -> str:
    if roster is None or sid not in roster.index or "Last name" not in roster:
        return sid
    row = roster.loc[sid]
    name = ", ".join(
        str(row[c]) for c in ("Last name", "First name") if c in row and _given(row[c])
    )
    return f"{sid} ({name})" if name else sid


def _or(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


# --- the explanation ---------------------------------------------------------------------------


def explain_student(
    workbook: Workbook, gradebook: Gradebook, grading: Grading, student_id: str
) -> list[str]:
    """Every step of one student's grade, as lines of plain text."""
    policy = gradebook.policy
    sid = find_student(gradebook.roster.index, student_id, gradebook.roster)
    student = pd.Index([sid], dtype=object)
    # Only this student's rows are rendered from the facts, however large the class.
    facts = grading.facts.of_students([int(gradebook.roster.index.get_indexer(pd.Index([sid]))[0])])
    grades_row = grades_frame(facts, notes=False).iloc[0]
    details = details_frame(facts).set_index("Assessment")
    assessments = gradebook.assessments
    due, _extended = effective_due(
        assessments["due"], gradebook.extensions, student, gradebook.policy.timezone
    )
    due_of_student = due.loc[sid]  # the student's due time per assessment, extensions applied
    extensions = applicable_extensions(gradebook.extensions, assessments.index, student)
    extensions = extensions.set_index("assessment")

    lines = _header(workbook, gradebook, grades_row, sid)
    percents: dict[str, float] = {}
    for category in policy.categories:
        lines.append("")
        names = [a for a in assessments.index if assessments.at[a, "category"] == category.name]
        how = (
            "earned points / max points"
            if category.aggregation == "points"
            else "mean of the assessments' percentages"
        )
        drop = f", drop lowest {category.drop_lowest}" if category.drop_lowest else ""
        lines.append(f"{category.name} (weight {_weight(category.weight)}, {how}{drop}):")
        if not names:
            lines.append(f"{INDENT}No assessments in this category.")
        for name in names:
            lines.append(
                INDENT
                + assessment_line(
                    name,
                    category.name,
                    details.loc[name],
                    assessments.loc[name],
                    gradebook,
                    cast(
                        pd.Timestamp, gradebook.submitted.at[sid, name]
                    ),  # a validated time or NaT
                    due_of_student[name],
                    extensions.loc[name] if name in extensions.index else None,
                )
            )
        percent = grades_row[f"{category.name} %"]
        percents[category.name] = percent
        lines += [INDENT + line for line in _category_lines(category, details.loc[names], percent)]

    lines.append("")
    lines += _total_lines(policy, percents)
    lines.append("")
    lines += _letter_lines(gradebook, facts, grades_row)
    return lines


def _header(workbook: Workbook, gradebook: Gradebook, grades_row: pd.Series, sid: str) -> list[str]:
    policy = gradebook.policy
    roster = gradebook.roster.loc[sid]
    name = ", ".join(str(n) for n in (roster["Last name"], roster["First name"]) if _given(n))
    section = roster["Section"] if _given(roster["Section"]) else None
    who = f"{name or 'Student'} (student ID {sid}"
    who += f", section {section})" if section else ")"
    course = ", ".join(str(x) for x in (policy.course, policy.term) if x)
    lines = [f"Grade explanation for {who}"]
    source = getattr(getattr(workbook, "path", None), "name", None)
    if course or source:
        where = f"Course: {course}" if course else "Course: (not named in the Policy sheet)"
        lines.append(f"{where}; gradebook {source}" if source else where)
    lines.append(f"Times are shown in {policy.timezone}.")
    flags = grades_row["Flags"]
    lines.append(f"Flags: {flags}" if flags else "Flags: none")
    return lines


def _category_lines(category, details: pd.DataFrame, percent: float) -> list[str]:
    kept = details[details["Status"].isin(["ON_TIME", "LATE", "LATE_REJECTED", "MISSING"])]
    dropped = details[details["Status"] == "DROPPED"]
    lines = []
    if len(dropped):
        names = ", ".join(dropped.index)
        lines.append(
            f"Drop lowest {category.drop_lowest}: {names} dropped, the choice that gives the "
            f"highest {category.name} percentage."
        )
    if pd.isna(percent) or kept.empty:
        lines.append(
            f"{category.name}: no gradable work (excused or not graded yet): "
            "the category leaves the total."
        )
        return lines
    finals = kept["Final score"].fillna(0.0).astype("float64")
    maxima = kept["Max points"].astype("float64")
    if category.aggregation == "equal":
        shares = [f * 100 / m for f, m in zip(finals, maxima, strict=True)]
        terms = " + ".join(_number(s) for s in shares)
        lines.append(
            f"{category.name}: mean of {plural(len(shares), 'percentage')} "
            f"({terms}) / {len(shares)} = {_number(percent)} %"
        )
    else:
        lines.append(
            f"{category.name}: {_points(finals.sum())} / {_points(maxima.sum())} points "
            f"= {_number(percent)} %"
        )
    return lines


def _total_lines(policy: Policy, percents: dict[str, float]) -> list[str]:
    categories = policy.categories
    present = [c for c in categories if pd.notna(percents[c.name])]
    absent = [c for c in categories if pd.isna(percents[c.name])]
    decimals = policy.total_decimals
    if not present:
        return ["Total: no category has gradable work, so there is no total and no letter."]
    weight_all = sum(c.weight for c in categories)
    weight_present = sum(c.weight for c in present)
    lines = ["Total (weighted mean of the category percentages):"]
    if absent:
        names = ", ".join(f"{c.name} ({_weight(c.weight)})" for c in absent)
        lines.append(
            f"{INDENT}Left out, no gradable work: {names}. The remaining weights add up to "
            f"{_weight(weight_present)}, so each category counts weight / "
            f"{_weight(weight_present)} instead of weight / {_weight(weight_all)}."
        )
    for c in present:
        share = percents[c.name] * c.weight / weight_present
        lines.append(
            f"{INDENT}{c.name}: {_number(percents[c.name])} % × {_weight(c.weight)} / "
            f"{_weight(weight_present)} = {_number(share, 0)}"
        )
    frame = pd.DataFrame(
        [[percents[c.name] for c in categories]], columns=[c.name for c in categories]
    )
    total = float(weighted_total(frame, categories).iloc[0])
    units = round_half_up_units(np.array([total]), decimals)[0]
    snapped = Decimal(repr(float(np.round(total * 10**decimals, NOISE_DECIMALS)))).scaleb(-decimals)
    shown = repr(total)
    exact = format(snapped.normalize(), "f")
    noise = "" if Decimal(shown) == snapped else f" ({exact} once floating-point noise is removed)"
    lines.append(f"{INDENT}Total before rounding: {shown}{noise}")
    rounded = f"{units / 10**decimals:.{decimals}f}"
    lines.append(f"{INDENT}Rounded half-up to {plural(decimals, 'decimal')}: {rounded}")
    return lines


def _letter_lines(gradebook: Gradebook, facts: Facts, grades_row: pd.Series) -> list[str]:
    """The letter lookup of one student (`facts` holds that student alone), as the core did it."""
    policy = gradebook.policy
    decimals = policy.total_decimals
    bands = policy.bands
    lookup = facts.letters.iloc[0]
    final_letter, code = grades_row["Letter"], grades_row["Registrar code"]
    ranges = {r.letter: r for r in policy.letters}
    lines: list[str] = []
    position = int(lookup["band"])
    if position >= 0:
        band = bands[position]
        shown = f"{lookup['total']:.{decimals}f}"
        if lookup["gap"]:
            below = bands[position - 1].letter if position > 0 else None
            above = bands[position + 1].letter if position + 1 < len(bands) else None
            between = " and ".join(
                _range_text(x, ranges[x].text)
                for x in (below, above)
                if x is not None and x in ranges
            )
            lines.append(
                f"Letter: {shown} is in no letter's range (it falls between {between}); "
                f'letter_gap_rule "{policy.letter_gap_rule}" gives {band.letter}. '
                "Flag POLICY_GAP."
            )
        else:
            lines.append(
                f"Letter: {shown} is in {_range_text(band.letter, ranges[band.letter].text)}."
            )
        lines += _distance_lines(policy, band, lookup, bool(facts.flags["BORDERLINE"].iat[0]))
    if lookup["override"]:
        reason = lookup["override_reason"]
        why = f": {reason}" if isinstance(reason, str) and reason else ""
        computed = lookup["computed_letter"]
        was = f"computed letter {computed}" if isinstance(computed, str) else "no computed letter"
        lines.append(f"Override: the instructor set the letter to {final_letter} ({was}){why}.")
    if final_letter is None or pd.isna(final_letter):
        lines.append("Final letter: none.")
    else:
        lines.append(f"Final letter: {final_letter} (registrar code {code}).")
    return lines


def _distance_lines(policy: Policy, band: Band, lookup: pd.Series, borderline: bool) -> list[str]:
    decimals = policy.total_decimals
    lines = []
    if np.isfinite(lookup["next_low"]):
        text = f"{INDENT}{lookup['below_next']:.{decimals}f} below {lookup['next_letter']} "
        text += f"({lookup['next_low']:g})"
        if borderline:
            text += (
                f": less than the borderline margin {_points(policy.borderline_margin)}, "
                "flag BORDERLINE"
            )
        lines.append(text + ".")
    else:
        lines.append(f"{INDENT}{band.letter} is the top letter.")
    if not band.gap and np.isfinite(band.low):
        scale = 10**decimals
        units = round_half_up_units(np.array([lookup["total"]]), decimals)[0]
        above = (units - np.round(band.low * scale, NOISE_DECIMALS)) / scale
        bound = "" if band.low_inclusive else f", which is itself not {band.letter}"
        lines.append(
            f"{INDENT}{above:.{decimals}f} above the bottom of {band.letter} ({band.low:g}{bound})."
        )
    return lines


def explain(path: str | Path, student_id: str) -> str:
    """Grade a gradebook without writing anything and explain one student's grade."""
    workbook, gradebook, grading = grade_file(path)
    return "\n".join(explain_student(workbook, gradebook, grading, student_id))
