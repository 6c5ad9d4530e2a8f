"""What the page shows, rendered from the library's results: findings, warnings, chart, table.

Words come from the same places the command line takes them (`errors.finding_line`), the
letter counts and bar colours from the Summary sheet's own helpers, so the page and the
graded workbook cannot disagree.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from xml.sax.saxutils import escape, quoteattr

import pandas as pd

from gradeproc.errors import ERROR, Finding, GradeprocError, finding_line
from gradeproc.write import style
from gradeproc.write.summary import letter_counts

OTHER = "Whole file"


def finding_item(finding: Finding) -> dict[str, object]:
    """A finding for the page: the command line's whole line, and its parts to lay it out.

    `prefix + location + ": " + message` (or `prefix + message` without a location) is the line.
    """
    line = finding_line(finding)
    prefix = line[: len(line) - len(str(finding))]
    return {
        "line": line,
        "prefix": prefix,
        "location": finding.location or None,
        "message": finding.message,
        "severity": finding.severity,
        "code": finding.code,
    }


def findings_by_sheet(findings: Iterable[Finding]) -> list[dict[str, object]]:
    """Findings grouped per sheet, errors first, in the order the command line prints them."""
    findings = list(findings)
    ordered = [f for f in findings if f.severity == ERROR] + [
        f for f in findings if f.severity != ERROR
    ]
    groups: dict[str, list[dict[str, object]]] = {}
    for finding in ordered:
        groups.setdefault(finding.sheet or OTHER, []).append(finding_item(finding))
    return [{"sheet": sheet, "findings": items} for sheet, items in groups.items()]


def problems(error: GradeprocError) -> dict[str, object]:
    """The page's answer for a gradebook that cannot be graded: the headline and every finding."""
    return {
        "ok": False,
        "error": f"Error: {error.message}",
        "groups": findings_by_sheet(error.findings),
    }


def _json_value(value: object) -> object:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def grades_table(grades: pd.DataFrame) -> dict[str, object]:
    """The Grades sheet as columns and rows of plain JSON values (blank for a missing number)."""
    columns = [str(c) for c in grades.columns]
    rows = [[_json_value(v) for v in row] for row in grades.itertuples(index=False, name=None)]
    return {"columns": columns, "rows": rows}


def letter_chart(grades: pd.DataFrame, letter_order: list[str]) -> str:
    """The Summary sheet's letter chart as inline SVG: one bar per letter, its count above it."""
    counts = letter_counts(grades, letter_order)
    n = len(counts)
    top = max(int(counts["Students"].max()) if n else 0, 1)
    step = 5 if top > 10 else (2 if top > 4 else 1)
    axis_top = math.ceil(top / step) * step
    left, right, head, foot = 44, 12, 28, 34
    bar_slot = 48
    width = left + right + bar_slot * max(n, 1)
    height = 260
    plot = height - head - foot
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="chart-title chart-desc" class="chart">',
        '<title id="chart-title">Letters</title>',
        '<desc id="chart-desc">'
        + escape(
            "Students per letter: "
            + ", ".join(f"{r.Letter} {r.Students}" for r in counts.itertuples())
        )
        + "</desc>",
    ]
    for value in range(0, axis_top + 1, step):
        y = head + plot - plot * value / axis_top
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">{value}</text>'
        )
    parts.append(
        f'<text x="12" y="{head + plot / 2:.1f}" text-anchor="middle" class="axis" '
        f'transform="rotate(-90 12 {head + plot / 2:.1f})">Students</text>'
    )
    students: list[int] = [int(k) for k in counts["Students"].tolist()]
    letters: list[str] = [str(x) for x in counts["Letter"].tolist()]
    for i, (letter, count) in enumerate(zip(letters, students, strict=True)):
        x = left + bar_slot * i + bar_slot * 0.18
        w = bar_slot * 0.64
        h = plot * count / axis_top
        y = head + plot - h
        colour = style.BAR_COLOURS[style.letter_band(letter)]
        label = escape(letter)
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" '
            f'fill={quoteattr(colour)} class="bar"><title>{label}: {count}</title></rect>'
        )
        parts.append(
            f'<text x="{x + w / 2:.1f}" y="{y - 5:.1f}" text-anchor="middle" class="count">'
            f"{count}</text>"
        )
        parts.append(
            f'<text x="{x + w / 2:.1f}" y="{height - foot + 18}" text-anchor="middle" '
            f'class="letter">{label}</text>'
        )
    parts.append(
        f'<line x1="{left}" x2="{width - right}" y1="{head + plot}" y2="{head + plot}" class="base"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


def graded(result, downloads: list[dict[str, object]], job_id: str) -> dict[str, object]:
    """The page's answer for a graded gradebook: warnings, chart, table and downloads."""
    warnings = [finding_item(w) for w in result.warnings]
    return {
        "ok": True,
        "job": job_id,
        "summary": result.graded_line(),
        "warnings": warnings,
        "chart": letter_chart(result.grades, result.letter_order),
        "table": grades_table(result.grades),
        "action_flags": list(style.ACTION_FLAGS),
        "bands": {str(x): style.letter_band(x) for x in result.grades["Letter"].dropna().unique()},
        "downloads": downloads,
    }
