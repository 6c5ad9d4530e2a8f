"""Property: whatever spreadsheet programs inject into a sound gradebook (error cells,
percentage formats, invisible characters), gradeproc either grades it exactly as the clean
book or names the injected cell in a finding. Never a silent difference."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gradeproc.api import check
from gradeproc.compute import grade
from tests.helpers import worked_sheets, write_book

ERRORS = ["#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!"]
INVISIBLE = ["\u200b", "\ufeff", "\u2060", "\u200d", "\u00ad"]
SCORE_COLUMNS = "BCDEFGHIJ"  # Scores: HW1..Participation, each out of 100 points

error_cell = st.tuples(
    st.just("error"),
    st.sampled_from(["Scores", "Submitted", "Roster"]),
    st.integers(2, 8),
    st.sampled_from("ABCD"),
    st.sampled_from(ERRORS),
)
percent_cell = st.tuples(
    st.just("percent"),
    st.just("Scores"),
    st.integers(2, 8),
    st.sampled_from(SCORE_COLUMNS),
    st.sampled_from(["0%", "0.0%", "0.00%", "0%;[Red]-0%"]),
)
invisible_cell = st.tuples(
    st.just("invisible"),
    st.sampled_from(["Scores", "Roster", "Assessments", "Scores header"]),
    st.integers(2, 8),
    st.sampled_from(SCORE_COLUMNS),
    st.tuples(st.sampled_from(INVISIBLE), st.sampled_from(["start", "middle", "end"])),
)


def _insert(text: str, how: tuple[str, str]) -> str:
    char, where = how
    if where == "start":
        return char + text
    if where == "end":
        return text + char
    return text[:1] + char + text[1:]


def _grades(path: Path):
    _, gradebook, report = check(path)
    return report, (grade(gradebook).grades if gradebook is not None else None)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(st.one_of(error_cell, percent_cell, invisible_cell), min_size=1, max_size=4))
# One cell drawn twice with two percent formats is made a percentage once (hypothesis found it).
@example([("percent", "Scores", 2, "B", "0%"), ("percent", "Scores", 2, "B", "0.0%")])
def test_injected_cells_grade_the_same_or_are_named(tmp_path: Path, injections) -> None:
    from openpyxl import load_workbook

    clean = write_book(tmp_path / "clean.xlsx", worked_sheets())
    _, expected = _grades(clean)
    assert expected is not None

    wb = load_workbook(clean)
    errors: set[str] = set()
    percents: set[str] = set()
    for kind, sheet, row, col, how in injections:
        if kind == "error":
            ws = wb[sheet]
            if ws.max_row < row:
                continue
            ws[f"{col}{row}"] = how  # openpyxl saves an error code as an error cell
            errors.add(f"{sheet}!{col}{row}")
        elif kind == "percent":
            cell = wb[sheet][f"{col}{row}"]
            if f"{sheet}!{col}{row}" in errors or type(cell.value) not in (int, float):
                continue
            if f"{sheet}!{col}{row}" in percents:  # the same cell drawn twice: already one
                continue
            percents.add(f"{sheet}!{col}{row}")
            cell.value = cell.value / 100
            cell.number_format = how
        elif sheet == "Scores header":
            cell = wb["Scores"][f"{col}1"]
            cell.value = _insert(cell.value, how)
        else:
            address = f"A{min(row, wb[sheet].max_row)}"
            cell = wb[sheet][address]
            if f"{sheet}!{address}" in errors or not isinstance(cell.value, str):
                continue
            cell.value = _insert(cell.value, how)
    dirty = tmp_path / "dirty.xlsx"
    wb.save(dirty)

    report, graded = _grades(dirty)
    named = {f.location for f in report.errors}
    if errors:
        assert graded is None
        assert errors <= named, (errors, [str(f) for f in report.errors])
    else:
        assert report.errors == [], [str(f) for f in report.errors]
        assert graded is not None
        assert graded.equals(expected)
