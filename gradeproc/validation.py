"""Validate a read workbook and type it: pandera per sheet, then the checks across sheets.

Every problem is collected (never the first only), each naming its sheet and cell. Only a
workbook without errors becomes a `Gradebook`, the typed frames the compute core takes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from gradeproc import parse, schemas
from gradeproc._pandera import pa
from gradeproc.codes import Code, Severity
from gradeproc.errors import ERROR, WARNING, Finding, Report
from gradeproc.policy import (
    SETTINGS,
    Category,
    LetterRange,
    Policy,
    build_bands,
    default_settings,
    parse_range,
    parse_setting,
)
from gradeproc.read import Sheet, Workbook, normalise
from gradeproc.sentences import local_minutes

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


def _plain_column_checks(schema: pa.DataFrameSchema) -> bool:
    """Whether every check of `schema` is a column check returning a mask, and nothing else.

    Such a schema (all of gradeproc's) can be answered "no failure" by calling the checks'
    own functions on the columns; anything more (frame-level checks, dtypes, uniqueness
    options, element-wise or NA-ignoring checks, warnings) is left to pandera entirely.
    """
    if schema.checks or schema.dtype is not None or schema.strict or schema.coerce:
        return False
    if schema.unique or schema.index is not None:
        return False
    for column in schema.columns.values():
        if column.dtype is not None or not column.nullable or column.unique or column.regex:
            return False
        for check in column.checks:
            if check.element_wise or check.ignore_na or check.groupby or check.raise_warning:
                return False
            if check._check_fn is None:
                return False
    return True


def _all_pass(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> bool:
    """The schema's checks, run on their columns directly: True when no cell fails any.

    A gradebook without problems (nearly every one) is then answered with one numpy
    reduction per check instead of pandera's bookkeeping around it; any failure, or a
    required column missing, goes to pandera, which reports every failure case.
    """
    if not _plain_column_checks(schema):
        return False
    for name, column in schema.columns.items():
        if name not in frame.columns:
            if column.required:
                return False
            continue
        series = frame[name]
        for check in column.checks:
            try:
                passed = np.asarray(check._check_fn(series, **check._check_kwargs), dtype=bool)
            except Exception:  # pandera reports a check that raises, naming it
                return False
            if not passed.all():
                return False
    return True


def run_schema(
    schema: pa.DataFrameSchema, sheet: Sheet, extra: dict | None = None
) -> list[Finding]:
    """Run one pandera schema lazily and turn its failure cases into located findings."""
    if _all_pass(schema, sheet.frame):
        return []
    try:
        schema.validate(sheet.frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    else:
        return []
    findings: list[Finding] = []
    repeats_done: set[tuple[str, str]] = set()
    for case in cases.itertuples(index=False):
        check, column, value, row = str(case.check), case.column, case.failure_case, case.index
        if check == "column_in_dataframe":
            findings.append(
                Finding(Code.MISSING_COLUMN, f'the column "{value}" is missing', sheet.name)
            )
            continue
        if row is None or (isinstance(row, float) and np.isnan(row)):
            findings.append(Finding(check, f"{column}: {check}", sheet.name))
            continue
        row = int(row)
        cell = sheet.cell(column, row)
        if check in ("unique-id", "unique"):
            key = normalise(value) if check == "unique" else parse.parse_ids(pd.Series([value]))[0]
            if (column, key) in repeats_done:
                continue
            repeats_done.add((column, key))
            col = sheet.frame[column]
            keys = (
                parse.parse_ids(col)
                if check == "unique-id"
                else col.map(normalise, na_action="ignore")
            )
            rows = [int(r) for r in keys.index[keys == key]]
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
        message = schemas.MESSAGES[check](value=value, column=column, extra=extra or {})
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
    report.extend(run_schema(schemas.policy_schema(), sheet))
    settings = default_settings()
    frame = sheet.frame
    if "Setting" not in frame or "Value" not in frame:
        return settings
    known = {schemas.normalise(s): s for s in SETTINGS}
    for row, name, value in zip(frame.index, frame["Setting"], frame["Value"], strict=True):
        key = known.get(normalise(name)) if name is not None else None
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
    if settings["total_decimals"] > 6:
        report.add(
            Finding(Code.SETTING_VALUE, "total_decimals: use 6 or fewer decimals", sheet.name)
        )
    return settings


def read_categories(sheet: Sheet, report: Report) -> list[Category]:
    findings = run_schema(schemas.categories_schema(), sheet)
    report.extend(findings)
    frame = sheet.frame
    if "Category" not in frame or "Weight" not in frame:
        return []
    weights = parse.parse_numbers(frame["Weight"])
    aggregation = (
        frame["Aggregation"].map(lambda v: str(v).strip().casefold(), na_action="ignore")
        if "Aggregation" in frame
        else pd.Series(None, index=frame.index, dtype=object)
    )
    drops = (
        parse.parse_numbers(frame["Drop lowest"]) if "Drop lowest" in frame else weights * np.nan
    )
    categories = []
    for row in frame.index:
        name = frame.at[row, "Category"]
        if name is None:
            continue
        agg = aggregation[row] if aggregation[row] in ("points", "equal") else "points"
        drop = drops[row]
        categories.append(
            Category(
                str(name).strip(),
                float(weights[row]) if pd.notna(weights[row]) else 0.0,
                agg,
                int(drop) if pd.notna(drop) and drop == int(drop) and drop >= 0 else 0,
            )
        )
    if weights.notna().all() and len(weights):  # a bad weight is reported on its own cell
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


def read_letters(sheet: Sheet, gap_rule: str, report: Report) -> tuple[list[LetterRange], list]:
    findings = run_schema(schemas.letters_schema(), sheet)
    report.extend(findings)
    frame = sheet.frame
    if findings or "Letter" not in frame or "Range" not in frame:
        return [], []
    codes = frame["Registrar code"] if "Registrar code" in frame else frame["Letter"] * None
    letter_texts = parse.parse_text(frame["Letter"])  # each column read once, not per row
    code_texts = parse.parse_text(codes)
    letters = []
    for row in frame.index:
        letter = letter_texts[row]
        text = str(frame.at[row, "Range"]).strip()
        code = letter if codes[row] is None else code_texts[row]
        letters.append(LetterRange(letter, code, *parse_range(text), text=text))
    if not letters:
        report.add(Finding(Code.NO_LETTERS, "there are no letters", sheet.name))
        return [], []
    bands, _gaps, band_findings = build_bands(letters, gap_rule, sheet.name)
    report.extend(band_findings)
    return letters, bands


def read_assessments(
    sheet: Sheet, settings: dict, categories: list[Category], report: Report
) -> pd.DataFrame | None:
    timezone = settings["timezone"]
    frame = sheet.frame
    # The Due column is read once; the schema's check and the typed table share it.
    due, due_invalid = (
        parse.parse_datetimes(frame["Due"], timezone) if "Due" in frame else (None, None)
    )
    findings = run_schema(schemas.assessments_schema(timezone, due_invalid), sheet)
    report.extend(findings)
    needed = ("Assessment", "Category", "Max points", "Due")
    if any(c not in frame for c in needed):
        return None
    names = parse.parse_text(frame["Assessment"])
    category_names = {normalise(c.name): c.name for c in categories}
    category = frame["Category"].map(lambda v: category_names.get(normalise(v)), na_action="ignore")
    for row in frame.index[frame["Category"].notna() & category.isna()]:
        report.add(
            Finding(
                Code.UNKNOWN_CATEGORY,
                f"category {schemas.show(frame.at[row, 'Category'])} is not in the Categories sheet",
                sheet.name,
                sheet.cell("Category", row),
            )
        )
    if "Late policy" in frame:
        late, _ = parse.parse_yes_no(frame["Late policy"])
        late = late | frame["Late policy"].isna()
    else:
        late = pd.Series(True, index=frame.index)
    for row in frame.index[late & frame["Due"].isna() & frame["Assessment"].notna()]:
        report.add(
            Finding(
                Code.DUE_REQUIRED,
                f"{names[row]} has no due date but its late policy is Y; "
                "give a due date or set Late policy to N",
                sheet.name,
                sheet.cell("Due", row),
            )
        )
    used = set(category.dropna())
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
            "category": category.to_numpy(),
            "max_points": parse.parse_numbers(frame["Max points"]).to_numpy(),
            "due": due.to_numpy(),
            "late_policy": late.to_numpy(dtype=bool),
            "row": frame.index.to_numpy(),
        },
        index=pd.Index(names.to_numpy(dtype=object), name="Assessment"),
    )
    return table[table.index.notna()]


# --- the student sheets ----------------------------------------------------------------------


def _check_ids_against_roster(
    sheet: Sheet, ids: pd.Series, roster_ids: pd.Index, report: Report
) -> None:
    unknown = ids.notna() & ~ids.isin(roster_ids)
    for row in ids.index[unknown]:
        report.add(
            Finding(
                Code.UNKNOWN_STUDENT,
                f"student ID {ids[row]} is not on the Roster",
                sheet.name,
                sheet.cell("Student ID", row),
            )
        )


PERCENT_CODE = Code.PERCENT_SCORE


def _read_percent_scores(
    sheet: Sheet,
    parsed: dict[str, parse.Points],
    columns: dict[str, str],
    max_points: dict[str, float],
    report: Report,
) -> None:
    """A score formatted as a percentage (0.95 shown as 95%) is that share of max points.

    An instructor who types 95% means 95% of the assessment, never 0.95 points. The scores
    are converted in `parsed` and each column says so in one warning naming its cells.
    """
    if not sheet.percent_cells:
        return
    rows_by_letter: dict[str, list[int]] = {}
    for ref in sheet.percent_cells:
        letters = ref.rstrip("0123456789")
        if letters and ref[len(letters) :].isdigit():
            rows_by_letter.setdefault(letters, []).append(int(ref[len(letters) :]))
    for label, name in columns.items():
        letter = sheet.letters.get(label, "")
        rows = rows_by_letter.get(letter)
        maximum = max_points.get(name)
        if not rows or maximum is None or not np.isfinite(maximum):
            continue
        points = parsed[label].points
        mask = points.index.isin(rows) & points.notna().to_numpy()
        if not mask.any():
            continue
        fractions = points[mask]
        converted = points.copy()
        converted[mask] = (fractions * maximum).round(9)
        parsed[label] = parsed[label]._replace(points=converted)
        cells = [f"{letter}{r}" for r in fractions.index]
        first = float(fractions.iloc[0])
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
    letters, bands = read_letters(sheets["Letters"], settings["letter_gap_rule"], report)
    notes = _settle_gaps(report, _setting_given(sheets["Policy"], "letter_gap_rule"))
    assessments = read_assessments(sheets["Assessments"], settings, categories, report)
    timezone = settings["timezone"]
    extra_credit = settings["allow_extra_credit"] == "Y"

    roster_sheet = sheets["Roster"]
    report.extend(run_schema(schemas.roster_schema(), roster_sheet))
    roster_ids = parse.parse_ids(roster_sheet.frame.get("Student ID", pd.Series(dtype=object)))

    assessment_names: dict[str, str] = {}
    max_points: dict[str, float] = {}
    if assessments is not None:
        assessment_names = {normalise(a): a for a in assessments.index}
        max_points = assessments["max_points"].to_dict()

    # Scores: one column per assessment, every roster student exactly once.
    scores_sheet = sheets["Scores"]
    score_columns = _assessment_columns(scores_sheet, assessment_names)
    schema_max = {label: max_points.get(name) for label, name in score_columns.items()}
    # Each score column is parsed once; the schema's checks and the typed frame share it.
    parsed_scores = {
        label: parse.parse_points(scores_sheet.frame[label]) for label in score_columns
    }
    _read_percent_scores(scores_sheet, parsed_scores, score_columns, max_points, report)
    report.extend(
        run_schema(
            schemas.scores_schema(parsed_scores, schema_max, extra_credit),
            scores_sheet,
            extra={"max": {k: v for k, v in schema_max.items() if v is not None}},
        )
    )
    report.extend(_extra_columns(scores_sheet, score_columns, "graded"))
    if assessments is not None:
        present = set(score_columns.values())
        for name in assessments.index:
            if name not in present:
                report.add(
                    Finding(
                        Code.NO_SCORE_COLUMN,
                        f"{name} has no column in the Scores sheet",
                        "Assessments",
                        sheets["Assessments"].cell("Assessment", int(assessments.at[name, "row"])),
                    )
                )
    score_ids = parse.parse_ids(scores_sheet.frame.get("Student ID", pd.Series(dtype=object)))
    roster_index = pd.Index(roster_ids.dropna())
    _check_ids_against_roster(scores_sheet, score_ids, roster_index, report)
    if "Student ID" in scores_sheet.frame:
        missing_rows = roster_ids.notna() & ~roster_ids.isin(pd.Index(score_ids.dropna()))
        for row in roster_ids.index[missing_rows]:
            report.add(
                Finding(
                    Code.NO_SCORES_ROW,
                    f"student ID {roster_ids[row]} has no row in the Scores sheet",
                    roster_sheet.name,
                    roster_sheet.cell("Student ID", row),
                )
            )

    submitted_sheet = sheets.get("Submitted")
    submitted_columns: dict[str, str] = {}
    submitted_ns = np.empty((0, 0), dtype=np.int64)
    if submitted_sheet is not None and len(submitted_sheet.frame.columns):
        submitted_columns = _assessment_columns(submitted_sheet, assessment_names)
        labels = list(submitted_columns)
        submitted_ns, invalid = parse.parse_datetime_block(submitted_sheet.frame[labels], timezone)
        masks = {
            label: pd.Series(invalid[:, j], index=submitted_sheet.frame.index)
            for j, label in enumerate(labels)
        }
        report.extend(run_schema(schemas.submitted_schema(masks, timezone), submitted_sheet))
        report.extend(_extra_columns(submitted_sheet, submitted_columns, "used"))
        if "Student ID" in submitted_sheet.frame:
            sub_ids = parse.parse_ids(submitted_sheet.frame["Student ID"])
            _check_ids_against_roster(submitted_sheet, sub_ids, roster_index, report)

    extensions = _read_extensions(
        sheets.get("Extensions"), roster_index, assessment_names, timezone, report
    )
    overrides = _read_overrides(sheets.get("Overrides"), roster_index, report)

    if not report.ok or assessments is None:
        return None, report

    policy = Policy(settings, categories, letters, bands)
    roster = _roster_frame(roster_sheet, roster_ids)
    order = list(assessments.index)
    label_of = {name: label for label, name in score_columns.items()}
    rows = roster.index.get_indexer(score_ids)
    keep = rows >= 0  # validated: every roster student has exactly one scores row
    points_matrix = np.full((len(roster), len(order)), np.nan)
    excused_matrix = np.zeros((len(roster), len(order)), dtype=bool)
    for j, name in enumerate(order):
        parsed = parsed_scores[label_of[name]]
        points_matrix[rows[keep], j] = parsed.points.to_numpy()[keep]
        excused_matrix[rows[keep], j] = parsed.excused.to_numpy()[keep]
    points = pd.DataFrame(points_matrix, index=roster.index, columns=order)
    excused = pd.DataFrame(excused_matrix, index=roster.index, columns=order)
    submitted = _submitted_frame(
        submitted_sheet, submitted_columns, submitted_ns, order, roster.index
    )
    score_rows = np.zeros(len(roster), dtype=np.int64)
    score_rows[rows[keep]] = scores_sheet.frame.index.to_numpy()[keep]
    report.extend(
        ungraded_findings(
            scores_sheet,
            [label_of[name] for name in order],
            score_rows,
            roster,
            np.isnan(points_matrix) & ~excused_matrix,
            submitted,
            str(timezone),
        )
    )

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
    )
    return gradebook, report


def ungraded_findings(
    sheet: Sheet,
    labels: list[str],
    sheet_rows: np.ndarray,
    roster: pd.DataFrame,
    blank: np.ndarray,
    submitted: pd.DataFrame,
    timezone: str,
) -> list[Finding]:
    """A warning per blank score beside a submission time: handed in, not graded yet.

    Such work is left out of the total (never a 0), whatever `blank_scores` says; the
    warning names the student and the Scores cell, so it is graded before the letters go out.
    `labels` are the Scores columns of `submitted`'s assessments, `sheet_rows` each roster
    student's Scores row.
    """

    # Column by column, over the blank cells only: no students × assessments copy of times.
    hits = []
    for col in np.flatnonzero(blank.any(axis=0)):
        times = submitted.iloc[:, col]
        rows = np.flatnonzero(blank[:, col] & times.notna().to_numpy())
        if len(rows):
            hits.append((rows, np.full(len(rows), col), local_minutes(times.iloc[rows], timezone)))
    if not hits:
        return []
    i_all = np.concatenate([h[0] for h in hits])
    j_all = np.concatenate([h[1] for h in hits])
    order = np.lexsort((j_all, i_all))  # student by student, as the Scores sheet reads
    i, j = i_all[order], j_all[order]
    when_text = np.concatenate([h[2] for h in hits])[order]
    first = roster["First name"].to_numpy(dtype=object)[i]
    last = roster["Last name"].to_numpy(dtype=object)[i]
    ids = roster.index.to_numpy(dtype=object)[i]
    names = submitted.columns.to_numpy(dtype=object)[j]
    findings = []
    for sid, a, b, name, label, row, stamp in zip(
        ids.tolist(),
        first.tolist(),
        last.tolist(),
        names.tolist(),
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


def _roster_frame(sheet: Sheet, ids: pd.Series) -> pd.DataFrame:
    frame = sheet.frame.copy()
    for column in ("Last name", "First name", "Email", "Section"):
        frame[column] = parse.parse_text(frame[column]) if column in frame else None
    frame.index = pd.Index(ids.to_numpy(dtype=object), name="Student ID")
    frame = frame.drop(columns="Student ID")
    return frame[frame.index.notna()]


def _submitted_frame(
    sheet: Sheet | None,
    columns: dict[str, str],
    stamps_ns: np.ndarray,
    order: list[str],
    students: pd.Index,
) -> pd.DataFrame:
    """Students × assessments of UTC times (NaT where none), from the sheet parsed once."""
    matrix = np.full((len(students), len(order)), parse.NOT_A_TIME, dtype=np.int64)
    if sheet is not None and columns:
        rows = students.get_indexer(parse.parse_ids(sheet.frame["Student ID"]))
        keep = rows >= 0
        for j, name in enumerate(columns.values()):
            matrix[rows[keep], order.index(name)] = stamps_ns[keep, j]
    return pd.DataFrame(
        {
            name: pd.Series(matrix[:, j].view("datetime64[ns]"), index=students).dt.tz_localize(
                "UTC"
            )
            for j, name in enumerate(order)
        },
        index=students,
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
    roster_ids: pd.Index,
    assessment_names: dict[str, str],
    timezone: str,
    report: Report,
) -> pd.DataFrame:
    empty = no_extensions()
    if sheet is None or sheet.frame.empty:
        return empty
    frame = sheet.frame
    # The New due column is read once; the schema's check and the typed table share it.
    new_due, new_due_invalid = (
        parse.parse_datetimes(frame["New due"], timezone) if "New due" in frame else (None, None)
    )
    findings = run_schema(schemas.extensions_schema(timezone, new_due_invalid), sheet)
    report.extend(findings)
    if "Student ID" not in frame or "Assessment" not in frame:
        return empty
    ids = parse.parse_ids(frame["Student ID"])
    _check_ids_against_roster(sheet, ids, roster_ids, report)
    targets = frame["Assessment"].map(
        lambda v: WILDCARD if str(v).strip() == WILDCARD else assessment_names.get(normalise(v)),
        na_action="ignore",
    )
    for row in frame.index[frame["Assessment"].notna() & targets.isna()]:
        report.add(
            Finding(
                Code.UNKNOWN_ASSESSMENT,
                f"assessment {schemas.show(frame.at[row, 'Assessment'])} is not in the "
                "Assessments sheet (use * for every assessment)",
                sheet.name,
                sheet.cell("Assessment", row),
            )
        )
    extra = (
        parse.parse_numbers(frame["Extra days"])
        if "Extra days" in frame
        else pd.Series(np.nan, index=frame.index)
    )
    if new_due is None:
        new_due = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns, UTC]")
    given_extra = frame["Extra days"].notna() if "Extra days" in frame else extra.notna()
    given_due = frame["New due"].notna() if "New due" in frame else new_due.notna()
    for row in frame.index[(given_extra == given_due) & ids.notna()]:
        what = (
            "both Extra days and New due" if given_extra[row] else "neither Extra days nor New due"
        )
        report.add(
            Finding(
                Code.EXTENSION_AMOUNT,
                f"the extension for {ids[row]} gives {what}; give exactly one",
                sheet.name,
                sheet.cell("Extra days" if "Extra days" in frame else "Student ID", row),
            )
        )
    pairs = pd.Series(list(zip(ids, targets, strict=True)), index=frame.index)
    repeated = pairs.duplicated() & ids.notna() & targets.notna()
    for row in frame.index[repeated]:
        first = int(frame.index[pairs == pairs[row]][0])
        report.add(
            Finding(
                Code.DUPLICATE,
                f"a second extension for {ids[row]} on {targets[row]} (the first is in row {first})",
                sheet.name,
                sheet.cell("Student ID", row),
            )
        )
    reason = (
        parse.parse_text(frame["Reason"])
        if "Reason" in frame
        else pd.Series(None, index=frame.index, dtype=object)
    )
    table = pd.DataFrame(
        {
            "student_id": ids.to_numpy(dtype=object),
            "assessment": targets.to_numpy(dtype=object),
            "extra_days": extra.to_numpy(),
            "new_due": new_due.array,
            "reason": reason.to_numpy(dtype=object),
        }
    )
    return table.dropna(subset=["student_id", "assessment"]).reset_index(drop=True)


def _read_overrides(sheet: Sheet | None, roster_ids: pd.Index, report: Report) -> pd.DataFrame:
    columns = ["Letter", "Reason", "Incomplete final grade", "Extension date"]
    empty = pd.DataFrame(
        columns=columns, index=pd.Index([], name="Student ID", dtype=object), dtype=object
    )
    if sheet is None or sheet.frame.empty:
        return empty
    report.extend(run_schema(schemas.overrides_schema(), sheet))
    frame = sheet.frame
    if "Student ID" not in frame or "Letter" not in frame:
        return empty
    ids = parse.parse_ids(frame["Student ID"])
    _check_ids_against_roster(sheet, ids, roster_ids, report)
    table = pd.DataFrame(index=pd.Index(ids.to_numpy(dtype=object), name="Student ID"))
    for column in columns:
        values = (
            parse.parse_text(frame[column])
            if column in frame
            else pd.Series(None, index=frame.index, dtype=object)
        )
        table[column] = values.to_numpy(dtype=object)
    table = table[table.index.notna() & table["Letter"].notna()]
    return table[~table.index.duplicated()]
