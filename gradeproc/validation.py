"""Validate a read workbook and type it: pandera per sheet, then the checks across sheets.

Every problem is collected (never the first only), each naming its sheet and cell. Only a
workbook without errors becomes a `Gradebook`, the typed frames the compute core takes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from gradeproc import parse, schemas
from gradeproc.codes import Code, Severity
from gradeproc.errors import ERROR, WARNING, Finding, Report
from gradeproc.policy import (
    AGGREGATIONS,
    SETTINGS,
    Band,
    Category,
    LetterRange,
    Policy,
    build_bands,
    default_settings,
    parse_range,
    parse_setting,
)
from gradeproc.read import Sheet, Workbook, normalise
from gradeproc.sentences import wall_minutes

WILDCARD = "*"


@dataclass
class Gradebook:
    """A validated gradebook: typed frames indexed by student ID and assessment name."""

    policy: Policy
    roster: pd.DataFrame
    assessments: pd.DataFrame
    points: pd.DataFrame
    excused: pd.DataFrame
    submitted: pd.DataFrame
    extensions: pd.DataFrame
    overrides: pd.DataFrame
    warnings: list[Finding] = field(default_factory=list)
    # What the instructor settled on purpose (a letter gap under an explicit letter_gap_rule):
    # said once in the Run sheet, not on every run's terminal.
    notes: list[Finding] = field(default_factory=list)
    # Where each student is: sheet name ("Roster", "Scores", "Submitted", "Extensions",
    # "Overrides") -> the Excel row (1-based) of the student's first row, by Student ID.
    # Recorded while validating, so nothing downstream reads the raw sheets to find a row.
    sheet_rows: dict[str, pd.Series] = field(default_factory=dict)


GAP_HOW_TO_SETTLE = (
    "; to settle it, write letter_gap_rule (higher or lower) in the Policy sheet, "
    "or close the gap in the Letters sheet"
)


def _setting_given(sheet: Sheet, name: str) -> bool:
    """Whether the Policy sheet types a value for the setting (not left to its default)."""
    frame = sheet.frame
    if "Setting" not in frame or "Value" not in frame:
        return False
    for setting, value in zip(frame["Setting"], frame["Value"], strict=True):
        if setting is not None and normalise(setting) == normalise(name):
            return value is not None and str(value).strip() != ""
    return False


def _settle_gaps(report: Report, explicit: bool) -> list[Finding]:
    """Letter gaps resolved by letter_gap_rule: a note when the rule was written on purpose,
    else a warning that says how to settle it. Returns the notes (taken out of `report`)."""
    gaps = [
        f
        for f in report.findings
        if f.code == Code.LETTER_RANGE_GAP
        and f.severity != ERROR
        and "letter_gap_rule" in f.message
    ]
    for finding in gaps:
        report.findings.remove(finding)
    if explicit:
        return gaps
    report.extend(replace(f, message=f.message + GAP_HOW_TO_SETTLE) for f in gaps)
    return []


def _words(n: int) -> str:
    return {2: "twice", 3: "three times"}.get(n, f"{n} times")


def _rows_text(rows: list[int]) -> str:
    text = [str(r) for r in rows]
    return text[0] if len(text) == 1 else ", ".join(text[:-1]) + " and " + text[-1]


def run_schema(
    schema: schemas.SheetSchema,
    sheet: Sheet,
    cells: parse.Columns,
    extra: dict[str, dict[str, float]] | None = None,
) -> list[Finding]:
    """A sheet's checks, then (when any cell fails) pandera's located findings.

    The checks' verdicts are one vectorised pass over the columns read once; a sheet where
    every cell passes (nearly every gradebook) is answered by them. Otherwise the same
    verdicts run as the sheet's pandera schema, lazily, and each failure case becomes a
    finding naming its cell.
    """
    verdicts = schema.verdicts(cells)
    if schema.all_pass(cells, verdicts):
        return []
    cases = schema.failure_cases(verdicts, sheet.frame)
    if cases is None:
        return []
    return _failure_findings(cases, sheet, cells, extra or {})


def _failure_findings(
    cases: pd.DataFrame, sheet: Sheet, cells: parse.Columns, extra: dict[str, dict[str, float]]
) -> list[Finding]:
    findings: list[Finding] = []
    repeats_done: set[tuple[str, object]] = set()  # (column, key)
    for check, column, value, row in zip(
        cases["check"].astype(str).tolist(),
        cases["column"].tolist(),
        cases["failure_case"].tolist(),
        cases["index"].tolist(),
        strict=True,
    ):
        if check == "column_in_dataframe":
            findings.append(
                Finding(Code.MISSING_COLUMN, f'the column "{value}" is missing', sheet.name)
            )
            continue
        if row is None or (isinstance(row, float) and np.isnan(row)):
            findings.append(Finding(check, f"{column}: {check}", sheet.name))
            continue
        row = int(row)
        column = str(column)
        cell = sheet.cell(column, row)
        if check in ("unique-id", "unique"):
            keys = cells.ids(column) if check == "unique-id" else cells.mapped(column, normalise)
            key: object = keys[cells.index.get_loc(row)]
            if (column, key) in repeats_done:
                continue
            repeats_done.add((column, key))
            rows = [int(r) for r, k in zip(cells.index, keys.tolist(), strict=True) if k == key]
            what = (
                f"student ID {key}" if check == "unique-id" else f"{column} {schemas.show(value)}"
            )
            findings.append(
                Finding(
                    Code.DUPLICATE,
                    f"{what} appears {_words(len(rows))} (rows {_rows_text(rows)})",
                    sheet.name,
                    cell,
                )
            )
            continue
        message = schemas.MESSAGES[check](value=value, column=column, extra=extra)
        findings.append(Finding(check, message, sheet.name, cell))
    return findings


def _assessment_columns(sheet: Sheet, names: dict[str, str]) -> dict[str, str]:
    """Sheet column label -> canonical assessment name, matched ignoring case and spaces."""
    return {
        label: names[normalise(label)] for label in sheet.frame.columns if normalise(label) in names
    }


def _header_finding(
    sheet: Sheet, label: str, code: str, message: str, severity: Severity = ERROR
) -> Finding:
    return Finding(code, message, sheet.name, sheet.header_cells.get(label), severity)


def _extra_columns(sheet: Sheet, assessment_columns: dict[str, str], use: str) -> list[Finding]:
    """The instructor's own columns beside the assessments: kept, and said so."""
    return [
        _header_finding(
            sheet,
            label,
            Code.EXTRA_COLUMN,
            f'column "{label}" is not an assessment; it is kept but not {use}',
            WARNING,
        )
        for label in sheet.frame.columns
        if label != "Student ID" and label not in assessment_columns
    ]


# --- the policy sheets -----------------------------------------------------------------------


def read_settings(sheet: Sheet, report: Report) -> dict[str, object]:
    cells = parse.Columns(sheet.frame)
    report.extend(run_schema(schemas.policy_schema(cells), sheet, cells))
    settings = default_settings()
    if "Setting" not in cells or "Value" not in cells:
        return settings
    known = {schemas.normalise(s): s for s in SETTINGS}
    for row, name, value in zip(
        cells.index, cells.mapped("Setting", normalise), cells.values("Value"), strict=True
    ):
        key = known.get(name) if name is not None else None
        if key is None:
            continue
        parsed, problem = parse_setting(key, value)
        if problem:
            report.add(
                Finding(
                    Code.SETTING_VALUE, f"{key}: {problem}", sheet.name, sheet.cell("Value", row)
                )
            )
        settings[key] = parsed
    if settings["total_decimals"] > 6:  # type: ignore[operator]  # parse_setting gives an int
        report.add(
            Finding(Code.SETTING_VALUE, "total_decimals: use 6 or fewer decimals", sheet.name)
        )
    return settings


def read_categories(sheet: Sheet, report: Report) -> list[Category]:
    cells = parse.Columns(sheet.frame)
    findings = run_schema(schemas.categories_schema(cells), sheet, cells)
    report.extend(findings)
    if "Category" not in cells or "Weight" not in cells:
        return []
    weights = cells.numbers("Weight")
    aggregation = (
        cells.mapped("Aggregation", parse.strip_fold).tolist()
        if "Aggregation" in cells
        else [None] * len(weights)
    )
    drops = cells.numbers("Drop lowest") if "Drop lowest" in cells else weights * np.nan
    categories = []
    for name, weight, agg, drop in zip(
        cells.values("Category"), weights.tolist(), aggregation, drops.tolist(), strict=True
    ):
        if name is None:
            continue
        categories.append(
            Category(
                str(name).strip(),
                0.0 if np.isnan(weight) else weight,
                agg if agg in AGGREGATIONS else "points",
                int(drop) if not np.isnan(drop) and drop == int(drop) and drop >= 0 else 0,
            )
        )
    if len(weights) and not np.isnan(weights).any():  # a bad weight is reported on its own cell
        total = float(np.round(weights.sum(), 9))
        if total != 100:
            hint = (
                " (cells formatted as percentages hold fractions: type 50 for 50 %)"
                if total == 1
                else ""
            )
            report.add(
                Finding(
                    Code.WEIGHTS_TOTAL, f"weights add up to {total:g}, not 100{hint}", sheet.name
                )
            )
    if not categories and not findings:
        report.add(Finding(Code.NO_CATEGORIES, "there are no categories", sheet.name))
    return categories


def read_letters(
    sheet: Sheet, gap_rule: str, report: Report
) -> tuple[list[LetterRange], list[Band]]:
    cells = parse.Columns(sheet.frame)
    findings = run_schema(schemas.letters_schema(cells), sheet, cells)
    report.extend(findings)
    if findings or "Letter" not in cells or "Range" not in cells:
        return [], []
    letter_texts = cells.ids("Letter").tolist()
    # Without a Registrar code column (or with the cell blank) the code is the letter.
    has_codes = "Registrar code" in cells
    codes = cells.ids("Registrar code").tolist() if has_codes else letter_texts
    blank_codes = cells.blank("Registrar code").tolist() if has_codes else [True] * len(codes)
    letters = []
    for letter, value, code, no_code in zip(
        letter_texts, cells.values("Range"), codes, blank_codes, strict=True
    ):
        text = str(value).strip()
        letters.append(LetterRange(letter, letter if no_code else code, *_range(text), text=text))
    if not letters:
        report.add(Finding(Code.NO_LETTERS, "there are no letters", sheet.name))
        return [], []
    bands, _gaps, band_findings = build_bands(letters, gap_rule, sheet.name)
    report.extend(band_findings)
    return letters, bands


def _range(text: str) -> tuple[float, bool, float, bool]:
    """A range the Letters schema has passed."""
    parsed = parse_range(text)
    assert parsed is not None  # the schema's "range" check refused the sheet otherwise
    return parsed


def read_assessments(
    sheet: Sheet, settings: dict[str, object], categories: list[Category], report: Report
) -> pd.DataFrame | None:
    timezone = str(settings["timezone"])
    cells = parse.Columns(sheet.frame)
    # The Due column is read once; the schema's check and the typed table share it.
    due, due_invalid = (
        parse.parse_datetimes(sheet.frame["Due"], timezone) if "Due" in cells else (None, None)
    )
    schema = schemas.assessments_schema(
        cells, None if due_invalid is None else due_invalid.to_numpy()
    )
    report.extend(run_schema(schema, sheet, cells))
    needed = ("Assessment", "Category", "Max points", "Due")
    if due is None or any(c not in cells for c in needed):
        return None
    names = cells.ids("Assessment")
    category_names = {normalise(c.name): c.name for c in categories}
    category = np.array(
        [
            None if key is None else category_names.get(key)
            for key in cells.mapped("Category", normalise).tolist()
        ],
        dtype=object,
    )
    unknown = ~cells.blank("Category") & pd.isna(category)
    for row, value in zip(cells.index[unknown], cells.cells("Category")[unknown], strict=True):
        report.add(
            Finding(
                Code.UNKNOWN_CATEGORY,
                f"category {schemas.show(value)} is not in the Categories sheet",
                sheet.name,
                sheet.cell("Category", row),
            )
        )
    if "Late policy" in cells:
        typed = cells.mapped("Late policy", parse.strip_fold).tolist()
        late = np.array([t in parse.YES for t in typed], dtype=bool) | cells.blank("Late policy")
    else:
        late = np.ones(len(cells.index), dtype=bool)
    due_required = late & cells.blank("Due") & ~cells.blank("Assessment")
    for row, name in zip(cells.index[due_required], names[due_required], strict=True):
        report.add(
            Finding(
                Code.DUE_REQUIRED,
                f"{name} has no due date but its late policy is Y; "
                "give a due date or set Late policy to N",
                sheet.name,
                sheet.cell("Due", row),
            )
        )
    used = {c for c in category.tolist() if c is not None}
    for c in categories:
        if c.name not in used:
            report.add(
                Finding(
                    Code.EMPTY_CATEGORY,
                    f"category {c.name} has no assessments; it leaves the total",
                    "Categories",
                    severity=WARNING,
                )
            )
    table = pd.DataFrame(
        {
            "category": category,
            "max_points": cells.numbers("Max points"),
            "due": due.to_numpy(),
            "late_policy": late,
            "row": cells.index.to_numpy(),
        },
        index=pd.Index(names, name="Assessment"),
    )
    return table[table.index.notna()]


# --- the student sheets ----------------------------------------------------------------------


def _check_ids_against_roster(
    sheet: Sheet, cells: parse.Columns, roster_ids: frozenset[object], report: Report
) -> None:
    ids = cells.ids("Student ID")
    unknown = ~cells.blank("Student ID") & np.array(
        [sid not in roster_ids for sid in ids.tolist()], dtype=bool
    )
    for row, sid in zip(cells.index[unknown], ids[unknown].tolist(), strict=True):
        report.add(
            Finding(
                Code.UNKNOWN_STUDENT,
                f"student ID {sid} is not on the Roster",
                sheet.name,
                sheet.cell("Student ID", row),
            )
        )


def _student_rows(cells: parse.Columns) -> pd.Series:
    """Each student's first Excel row in the sheet, by Student ID (see Gradebook.sheet_rows)."""
    first: dict[object, int] = {}
    for sid, row, blank in zip(
        cells.ids("Student ID").tolist(),
        cells.index.tolist(),
        cells.blank("Student ID").tolist(),
        strict=True,
    ):
        if not blank:
            first.setdefault(sid, row)
    return pd.Series(
        np.fromiter(first.values(), dtype=np.int64, count=len(first)),
        index=pd.Index(list(first), dtype=object, name="Student ID"),
    )


PERCENT_CODE = Code.PERCENT_SCORE


def _read_percent_scores(
    sheet: Sheet,
    scores: parse.PointsBlock,
    columns: dict[str, str],
    max_points: dict[str, float],
    report: Report,
) -> None:
    """A score formatted as a percentage (0.95 shown as 95%) is that share of max points.

    An instructor who types 95% means 95% of the assessment, never 0.95 points. The scores
    are converted in `scores` and each column says so in one warning naming its cells.
    """
    if not sheet.percent_cells:
        return
    rows_by_letter: dict[str, list[int]] = {}
    for ref in sheet.percent_cells:
        letters = ref.rstrip("0123456789")
        if letters and ref[len(letters) :].isdigit():
            rows_by_letter.setdefault(letters, []).append(int(ref[len(letters) :]))
    index = sheet.frame.index
    for j, label in enumerate(scores.labels):
        name = columns[label]
        letter = sheet.letters.get(label, "")
        rows = rows_by_letter.get(letter)
        maximum = max_points.get(name)
        if not rows or maximum is None or not np.isfinite(maximum):
            continue
        points = scores.points[:, j]
        mask = index.isin(rows) & ~np.isnan(points)
        if not mask.any():
            continue
        fractions = points[mask]
        points[mask] = np.round(fractions * maximum, 9)  # the block is converted in place
        cells = [f"{letter}{r}" for r in index[mask]]
        first = float(fractions[0])
        shown = ", ".join(cells) if len(cells) <= 3 else f"{cells[0]} and {len(cells) - 1} more"
        report.add(
            Finding(
                PERCENT_CODE,
                f"{len(cells)} score{'s' if len(cells) != 1 else ''} of {name} "
                f"({shown}) {'are' if len(cells) != 1 else 'is'} formatted as a percentage "
                f"and read as that share of its {maximum:g} points "
                f"({first * 100:g}% = {round(first * maximum, 9):g} points)",
                sheet.name,
                cells[0],
                WARNING,
            )
        )


def validate_workbook(workbook: Workbook) -> tuple[Gradebook | None, Report]:
    """Every problem of the workbook, and the typed gradebook when there are no errors."""
    report = Report()
    report.extend(workbook.inspection_findings)
    sheets = workbook.sheets

    settings = read_settings(sheets["Policy"], report)
    categories = read_categories(sheets["Categories"], report)
    letters, bands = read_letters(sheets["Letters"], str(settings["letter_gap_rule"]), report)
    notes = _settle_gaps(report, _setting_given(sheets["Policy"], "letter_gap_rule"))
    assessments = read_assessments(sheets["Assessments"], settings, categories, report)
    timezone = str(settings["timezone"])
    extra_credit = settings["allow_extra_credit"] == "Y"

    roster_sheet = sheets["Roster"]
    roster_cells = parse.Columns(roster_sheet.frame)
    report.extend(run_schema(schemas.roster_schema(roster_cells), roster_sheet, roster_cells))
    has_roster_ids = "Student ID" in roster_cells
    roster_ids = roster_cells.ids("Student ID") if has_roster_ids else np.empty(0, dtype=object)
    roster_known = roster_ids[~roster_cells.blank("Student ID")] if has_roster_ids else roster_ids
    roster_set = frozenset(roster_known.tolist())

    assessment_names: dict[str, str] = {}
    max_points: dict[str, float] = {}
    if assessments is not None:
        assessment_names = {normalise(a): a for a in assessments.index}
        max_points = dict(zip(assessments.index, assessments["max_points"].tolist(), strict=True))

    # Scores: one column per assessment, every roster student exactly once.
    scores_sheet = sheets["Scores"]
    scores_cells = parse.Columns(scores_sheet.frame)
    score_columns = _assessment_columns(scores_sheet, assessment_names)
    schema_max = {label: max_points.get(name) for label, name in score_columns.items()}
    # The score columns are parsed once, as one block; the checks and the typed frame share it.
    scores = parse.parse_points_block(scores_sheet.frame[list(score_columns)])
    _read_percent_scores(scores_sheet, scores, score_columns, max_points, report)
    report.extend(
        run_schema(
            schemas.scores_schema(scores_cells, scores, schema_max, extra_credit),
            scores_sheet,
            scores_cells,
            extra={"max": {k: v for k, v in schema_max.items() if v is not None}},
        )
    )
    report.extend(_extra_columns(scores_sheet, score_columns, "graded"))
    if assessments is not None:
        assessment_rows = dict(zip(assessments.index, assessments["row"].tolist(), strict=True))
        present = set(score_columns.values())
        for name in assessments.index:
            if name not in present:
                report.add(
                    Finding(
                        Code.NO_SCORE_COLUMN,
                        f"{name} has no column in the Scores sheet",
                        "Assessments",
                        sheets["Assessments"].cell("Assessment", assessment_rows[name]),
                    )
                )
    has_score_ids = "Student ID" in scores_cells
    score_ids = scores_cells.ids("Student ID") if has_score_ids else np.empty(0, dtype=object)
    if has_score_ids:
        _check_ids_against_roster(scores_sheet, scores_cells, roster_set, report)
        with_scores = frozenset(score_ids[~scores_cells.blank("Student ID")].tolist())
        on_roster: list[int] = (
            roster_cells.index[~roster_cells.blank("Student ID")].tolist() if has_roster_ids else []
        )
        for row, sid in zip(on_roster, roster_known.tolist(), strict=True):
            if sid not in with_scores:
                report.add(
                    Finding(
                        Code.NO_SCORES_ROW,
                        f"student ID {sid} has no row in the Scores sheet",
                        roster_sheet.name,
                        roster_sheet.cell("Student ID", row),
                    )
                )

    submitted_sheet = sheets.get("Submitted")
    submitted_cells: parse.Columns | None = None
    submitted_columns: dict[str, str] = {}
    submitted_ns = np.empty((0, 0), dtype=np.int64)
    if submitted_sheet is not None and len(submitted_sheet.frame.columns):
        submitted_cells = parse.Columns(submitted_sheet.frame)
        submitted_columns = _assessment_columns(submitted_sheet, assessment_names)
        labels = list(submitted_columns)
        submitted_ns, invalid = parse.parse_datetime_block(submitted_sheet.frame[labels], timezone)
        report.extend(
            run_schema(
                schemas.submitted_schema(submitted_cells, labels, invalid),
                submitted_sheet,
                submitted_cells,
            )
        )
        report.extend(_extra_columns(submitted_sheet, submitted_columns, "used"))
        if "Student ID" in submitted_cells:
            _check_ids_against_roster(submitted_sheet, submitted_cells, roster_set, report)

    extensions_sheet, overrides_sheet = sheets.get("Extensions"), sheets.get("Overrides")
    extension_cells = _cells_of(extensions_sheet)
    override_cells = _cells_of(overrides_sheet)
    extensions = _read_extensions(
        extensions_sheet, extension_cells, roster_set, assessment_names, timezone, report
    )
    overrides = _read_overrides(overrides_sheet, override_cells, roster_set, report)

    if not report.ok or assessments is None:
        return None, report

    policy = Policy(settings, categories, letters, bands)
    roster = _roster_frame(roster_cells, roster_ids)
    order = list(assessments.index)
    label_of = {name: label for label, name in score_columns.items()}
    rows = roster.index.get_indexer(pd.Index(score_ids))
    keep = rows >= 0  # validated: every roster student has exactly one scores row
    at = [scores.labels.index(label_of[name]) for name in order]
    points_matrix = np.full((len(roster), len(order)), np.nan)
    excused_matrix = np.zeros((len(roster), len(order)), dtype=bool)
    points_matrix[rows[keep]] = scores.points[keep][:, at]
    excused_matrix[rows[keep]] = scores.excused[keep][:, at]
    points = pd.DataFrame(points_matrix, index=roster.index, columns=order)
    excused = pd.DataFrame(excused_matrix, index=roster.index, columns=order)
    submitted_matrix = _submitted_matrix(
        submitted_cells, submitted_columns, submitted_ns, order, roster.index
    )
    submitted = _submitted_frame(submitted_matrix, order, roster.index)
    score_rows = np.zeros(len(roster), dtype=np.int64)
    score_rows[rows[keep]] = scores_sheet.frame.index.to_numpy()[keep]
    report.extend(
        ungraded_findings(
            scores_sheet,
            [label_of[name] for name in order],
            score_rows,
            roster,
            np.isnan(points_matrix) & ~excused_matrix,
            submitted_matrix,
            order,
            timezone,
        )
    )
    keyed = {
        "Roster": roster_cells,
        "Scores": scores_cells,
        "Submitted": submitted_cells,
        "Extensions": extension_cells,
        "Overrides": override_cells,
    }
    sheet_rows = {
        name: _student_rows(cells)
        for name, cells in keyed.items()
        if cells is not None and "Student ID" in cells
    }

    gradebook = Gradebook(
        policy=policy,
        roster=roster,
        assessments=assessments.drop(columns="row"),
        points=points,
        excused=excused,
        submitted=submitted,
        extensions=extensions,
        overrides=overrides,
        warnings=report.warnings,
        notes=notes,
        sheet_rows=sheet_rows,
    )
    return gradebook, report


def _cells_of(sheet: Sheet | None) -> parse.Columns | None:
    """An optional sheet's columns, when it has any rows."""
    return None if sheet is None or sheet.frame.empty else parse.Columns(sheet.frame)


def ungraded_findings(
    sheet: Sheet,
    labels: list[str],
    sheet_rows: np.ndarray,
    roster: pd.DataFrame,
    blank: np.ndarray,
    submitted_ns: np.ndarray,
    names: list[str],
    timezone: str,
) -> list[Finding]:
    """A warning per blank score beside a submission time: handed in, not graded yet.

    Such work is left out of the total (never a 0), whatever `blank_scores` says; the
    warning names the student and the Scores cell, so it is graded before the letters go out.
    `blank` and `submitted_ns` (UTC nanoseconds, `parse.NOT_A_TIME` for none) are roster
    students × the assessments `names`, whose Scores columns are `labels`; `sheet_rows` is
    each roster student's Scores row.
    """
    i, j = np.nonzero(blank & (submitted_ns != parse.NOT_A_TIME))  # student by student
    if not len(i):
        return []
    when_text = wall_minutes(submitted_ns[i, j], timezone)
    first = roster["First name"].to_numpy(dtype=object)[i]
    last = roster["Last name"].to_numpy(dtype=object)[i]
    ids = roster.index.to_numpy(dtype=object)[i]
    findings = []
    for sid, a, b, name, label, row, stamp in zip(
        ids.tolist(),
        first.tolist(),
        last.tolist(),
        np.asarray(names, dtype=object)[j].tolist(),
        np.asarray(labels, dtype=object)[j].tolist(),
        sheet_rows[i].tolist(),
        when_text.tolist(),
        strict=True,
    ):
        who = " ".join(str(x) for x in (sid, a, b) if pd.notna(x) and str(x).strip())
        findings.append(
            Finding(
                Code.UNGRADED,
                f"{who} handed in {name} on {stamp} but it has no score yet; "
                "it is left out of the total until it is graded",
                sheet.name,
                sheet.cell(label, int(row)),
                WARNING,
            )
        )
    return findings


ROSTER_TEXT = ("Last name", "First name", "Email", "Section")


def _roster_frame(cells: parse.Columns, ids: np.ndarray) -> pd.DataFrame:
    """The Roster by Student ID: its columns as typed, the name and section columns as text
    (blank columns when absent)."""
    keep = ~cells.blank("Student ID")
    columns = {
        label: (cells.ids(label) if label in ROSTER_TEXT else cells.cells(label))[keep]
        for label in cells.frame.columns
        if label != "Student ID"
    }
    for label in ROSTER_TEXT:
        columns.setdefault(label, np.full(int(keep.sum()), None, dtype=object))
    return pd.DataFrame(columns, index=pd.Index(ids[keep], name="Student ID"), dtype=object)


def _submitted_matrix(
    cells: parse.Columns | None,
    columns: dict[str, str],
    stamps_ns: np.ndarray,
    order: list[str],
    students: pd.Index,
) -> np.ndarray:
    """Students × assessments of UTC nanoseconds (`parse.NOT_A_TIME` where none), from the
    sheet parsed once."""
    matrix = np.full((len(students), len(order)), parse.NOT_A_TIME, dtype=np.int64)
    if cells is not None and columns:
        rows = students.get_indexer(pd.Index(cells.ids("Student ID")))
        keep = rows >= 0
        for j, name in enumerate(columns.values()):
            matrix[rows[keep], order.index(name)] = stamps_ns[keep, j]
    return matrix


def _submitted_frame(matrix: np.ndarray, order: list[str], students: pd.Index) -> pd.DataFrame:
    """`_submitted_matrix` as a frame of UTC times (NaT where none), a column per assessment."""
    n = len(students)  # one conversion for every time, then a column per assessment
    times = pd.DatetimeIndex(matrix.T.ravel().view("datetime64[ns]")).tz_localize("UTC").array
    return pd.DataFrame(
        {name: times[j * n : (j + 1) * n] for j, name in enumerate(order)}, index=students
    )


def no_extensions() -> pd.DataFrame:
    """The typed Extensions table with no rows: what a gradebook without extensions has."""
    return pd.DataFrame(
        {
            "student_id": pd.Series(dtype=object),
            "assessment": pd.Series(dtype=object),
            "extra_days": pd.Series(dtype="float64"),
            "new_due": pd.Series(dtype="datetime64[ns, UTC]"),
            "reason": pd.Series(dtype=object),
        }
    )


def _read_extensions(
    sheet: Sheet | None,
    cells: parse.Columns | None,
    roster_ids: frozenset[object],
    assessment_names: dict[str, str],
    timezone: str,
    report: Report,
) -> pd.DataFrame:
    if sheet is None or cells is None:
        return no_extensions()
    # The New due column is read once; the schema's check and the typed table share it.
    new_due, new_due_invalid = (
        parse.parse_datetimes(sheet.frame["New due"], timezone)
        if "New due" in cells
        else (None, None)
    )
    schema = schemas.extensions_schema(
        cells, None if new_due_invalid is None else new_due_invalid.to_numpy()
    )
    report.extend(run_schema(schema, sheet, cells))
    if "Student ID" not in cells or "Assessment" not in cells:
        return no_extensions()
    ids = cells.ids("Student ID")
    _check_ids_against_roster(sheet, cells, roster_ids, report)

    def target(value: object) -> str | None:
        return (
            WILDCARD if str(value).strip() == WILDCARD else assessment_names.get(normalise(value))
        )

    targets = cells.mapped("Assessment", target)
    given_assessment = ~cells.blank("Assessment")
    for row, value in zip(
        cells.index[given_assessment & pd.isna(targets)],
        cells.cells("Assessment")[given_assessment & pd.isna(targets)].tolist(),
        strict=True,
    ):
        report.add(
            Finding(
                Code.UNKNOWN_ASSESSMENT,
                f"assessment {schemas.show(value)} is not in the "
                "Assessments sheet (use * for every assessment)",
                sheet.name,
                sheet.cell("Assessment", row),
            )
        )
    has_extra = "Extra days" in cells
    no_rows = np.zeros(len(cells.index), dtype=bool)
    extra = cells.numbers("Extra days") if has_extra else np.full(len(cells.index), np.nan)
    if new_due is None:
        new_due = pd.Series(pd.NaT, index=cells.index, dtype="datetime64[ns, UTC]")
    given_extra = ~cells.blank("Extra days") if has_extra else no_rows
    given_due = ~cells.blank("New due") if "New due" in cells else no_rows
    has_id = ~cells.blank("Student ID")
    for row, sid, both in zip(
        cells.index[(given_extra == given_due) & has_id],
        ids[(given_extra == given_due) & has_id].tolist(),
        given_extra[(given_extra == given_due) & has_id].tolist(),
        strict=True,
    ):
        what = "both Extra days and New due" if both else "neither Extra days nor New due"
        report.add(
            Finding(
                Code.EXTENSION_AMOUNT,
                f"the extension for {sid} gives {what}; give exactly one",
                sheet.name,
                sheet.cell("Extra days" if has_extra else "Student ID", row),
            )
        )
    first_row: dict[tuple[object, object], int] = {}
    for row, sid, name, complete in zip(
        cells.index.tolist(),
        ids.tolist(),
        targets.tolist(),
        (has_id & ~pd.isna(targets)).tolist(),
        strict=True,
    ):
        first = first_row.setdefault((sid, name), row)
        if complete and first != row:
            report.add(
                Finding(
                    Code.DUPLICATE,
                    f"a second extension for {sid} on {name} (the first is in row {first})",
                    sheet.name,
                    sheet.cell("Student ID", row),
                )
            )
    reason = (
        cells.ids("Reason") if "Reason" in cells else np.full(len(cells.index), None, dtype=object)
    )
    table = pd.DataFrame(
        {
            "student_id": ids,
            "assessment": targets,
            "extra_days": extra,
            "new_due": new_due.array,
            "reason": reason,
        }
    )
    return table.dropna(subset=["student_id", "assessment"]).reset_index(drop=True)


def _read_overrides(
    sheet: Sheet | None, cells: parse.Columns | None, roster_ids: frozenset[object], report: Report
) -> pd.DataFrame:
    columns = ["Letter", "Reason", "Incomplete final grade", "Extension date"]
    empty = pd.DataFrame(
        columns=columns, index=pd.Index([], name="Student ID", dtype=object), dtype=object
    )
    if sheet is None or cells is None:
        return empty
    report.extend(run_schema(schemas.overrides_schema(cells), sheet, cells))
    if "Student ID" not in cells or "Letter" not in cells:
        return empty
    _check_ids_against_roster(sheet, cells, roster_ids, report)
    keep = ~cells.blank("Student ID") & ~pd.isna(cells.ids("Letter"))
    nothing = np.full(len(cells.index), None, dtype=object)
    table = pd.DataFrame(
        {column: (cells.ids(column) if column in cells else nothing)[keep] for column in columns},
        index=pd.Index(cells.ids("Student ID")[keep], name="Student ID"),
    )
    return table[~table.index.duplicated()]
