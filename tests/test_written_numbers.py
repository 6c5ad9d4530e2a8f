"""Every number gradeproc writes is the decimal a person would compute, without float noise.

Deduction 0.8 (not 0.8000000000000007), a mean of 85.15 (not 85.14999999999999): each written
number, read back from the graded workbook, must equal the float of its own decimal with at
most 9 decimals (compute.letters.snap). Checked on the examples seen in a Gradescope export,
then on hypothesis-generated gradebooks.
"""

from __future__ import annotations

import copy
import datetime as dt
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from gradeproc.api import process
from gradeproc.compute.letters import snap
from gradeproc.template import template_rows
from tests.helpers import due, syllabus_sheets, write_book

OUTPUT_SHEETS = ("Grades", "Details", "Summary")


def set_policy(sheets: dict[str, list[list[object]]], **settings: object) -> None:
    """Set Policy values in place (every setting has its row in the template)."""
    for row in sheets["Policy"][1:]:
        if row[0] in settings:
            row[1] = settings.pop(row[0])
    assert not settings, f"not in the template: {settings}"


def is_decimal(value: float) -> bool:
    """The value is the float of a decimal with at most 9 decimals: no float noise."""
    return value == float(repr(round(value, 9)))


def noisy_numbers(path: Path) -> list[tuple[str, str, float]]:
    """(sheet, cell, value) of every written number on the output sheets that is not."""
    found = []
    with warnings.catch_warnings():  # openpyxl does not keep data bars' x14 extension
        warnings.simplefilter("ignore", UserWarning)
        book = load_workbook(path, read_only=True)
        for title in book.sheetnames:
            if not title.startswith(OUTPUT_SHEETS):
                continue
            for row in book[title].iter_rows():
                for cell in row:
                    value = cell.value
                    if isinstance(value, float) and not is_decimal(value):
                        found.append((title, cell.coordinate, value))
        book.close()
    return found


def test_the_noise_check_tells_noise_from_decimals() -> None:
    assert not is_decimal(8.8 - 8.0)  # 0.8000000000000007
    assert not is_decimal(0.1 + 0.2)
    assert is_decimal(0.8) and is_decimal(33.333333333) and is_decimal(1e-9) and is_decimal(95)
    assert snap(8.8 - 8.0) == 0.8 and snap(0.1 + 0.2) == 0.3
    assert snap(200 / 3) == 66.666666667  # endless decimals keep nine, half-up


# (max points, raw score, days late): deductions a float subtraction gets wrong.
GRADESCOPE_CASES = [
    (16, 8.8, 1, 0.8, 8),  # 8.8 - 8 = 0.8000000000000007 in floats
    (32, 17.6, 1, 1.6, 16),  # 17.6 - 16 = 1.6000000000000014
    (2, 2.1, 1, 0.1, 2),  # 2.1 - 2 = 0.10000000000000009
    (1, 0.9, 1, 0.05, 0.85),  # 0.9 - 0.85 = 0.050000000000000044
]


@pytest.mark.parametrize(("maximum", "raw", "days", "deduction", "final"), GRADESCOPE_CASES)
def test_deduction_and_final_score_are_the_decimals_on_paper(
    tmp_path: Path, maximum: float, raw: float, days: int, deduction: float, final: float
) -> None:
    sheets = syllabus_sheets(
        [("S01", "Lovelace", "Ada")],
        {"S01": [raw, *[maximum] * 4, 100, 100, 100, 100]},
        {"S01": [due("HW1") + dt.timedelta(days=days - 1, hours=1)]},
    )
    for row in sheets["Assessments"][1:6]:
        row[2] = maximum
    set_policy(sheets, allow_extra_credit="Y")  # 2.1 of 2
    result = process(write_book(tmp_path / "course.xlsx", sheets))
    hw1 = result.details.iloc[0]
    assert (hw1["Days late"], hw1["Deduction"], hw1["Final score"]) == (days, deduction, final)
    assert noisy_numbers(result.output) == []
    percent = result.grades.iloc[0]["Homework %"]
    assert percent == snap((final + 4 * maximum) * 100 / (5 * maximum))


def test_summary_statistics_are_decimals(tmp_path: Path) -> None:
    # Totals 90.1 and 80.2: the mean and median are 85.15 (85.14999999999999 in floats).
    students = [("S01", "A", "Ann"), ("S02", "B", "Bob")]
    scores = {"S01": [90.1] * 9, "S02": [80.2] * 9}
    result = process(write_book(tmp_path / "c.xlsx", syllabus_sheets(students, scores)))
    assert result.grades["Total"].tolist() == [90.1, 80.2]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        summary = load_workbook(result.output, read_only=True)["Summary"]
        values = {row[0]: row[1] for row in summary.iter_rows(values_only=True) if row[0]}
    assert (values["Mean"], values["Median"]) == (85.15, 85.15)
    assert values["Standard deviation"] == 4.95
    assert noisy_numbers(result.output) == []


# --- generated gradebooks ----------------------------------------------------------------------

SCORE_COLUMNS = template_rows()["Scores"][0][1:]
SUBMITTED_COLUMNS = template_rows()["Submitted"][0][1:]


@st.composite
def gradebooks(draw: st.DrawFn) -> dict[str, list[list[object]]]:
    """A template gradebook with drawn max points, scores with up to 2 decimals, blanks, EX,
    submission times around the due times, and drawn late, blank and category settings."""
    n_students = draw(st.integers(1, 5))
    maxima = [draw(st.sampled_from([1, 2, 7.5, 10, 16, 25, 32, 100])) for _ in SCORE_COLUMNS]
    students = [(f"S{i:02d}", f"Last{i}", f"First{i}") for i in range(n_students)]
    scores, submitted = {}, {}
    for sid, _, _ in students:
        row = []
        for maximum in maxima:
            kind = draw(st.sampled_from("sssssbx"))
            if kind == "b":
                row.append(None)
            elif kind == "x":
                row.append("EX")
            else:
                cents = draw(st.integers(0, round(maximum * 100)))
                row.append(cents / 100 if draw(st.booleans()) else round(cents / 100, 1))
        scores[sid] = row
        times = []
        for name in SUBMITTED_COLUMNS:
            minutes = draw(st.one_of(st.none(), st.integers(-600, 5 * 24 * 60)))
            times.append(None if minutes is None else due(name) + dt.timedelta(minutes=minutes))
        submitted[sid] = times
    sheets = syllabus_sheets(students, scores, submitted)
    for row, maximum in zip(sheets["Assessments"][1:], maxima, strict=True):
        row[2] = maximum
    homework = sheets["Categories"][1]
    homework[2] = draw(st.sampled_from(["points", "equal"]))
    homework[3] = draw(st.integers(0, 2))
    policy = {
        "late_penalty_percent_per_day": draw(st.sampled_from([5, 2.5, 7, 10, 12.5])),
        "late_deduction_basis": draw(st.sampled_from(["max_points", "earned_score"])),
        "late_grace_minutes": draw(st.sampled_from([0, 15, 90])),
        "blank_scores": draw(st.sampled_from(["zero", "ignore"])),
        "total_decimals": draw(st.sampled_from([0, 1, 2, 3])),
    }
    set_policy(sheets, **policy)
    return copy.deepcopy(sheets)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(gradebooks())
def test_no_written_number_carries_float_noise(
    tmp_path_factory: pytest.TempPathFactory, sheets: dict[str, list[list[object]]]
) -> None:
    folder = tmp_path_factory.mktemp("generated")
    result = process(write_book(folder / "course.xlsx", sheets))
    assert noisy_numbers(result.output) == []
    # What was deducted and what is left add up to the raw score, as decimals.
    details = result.details.dropna(subset=["Raw score", "Final score"])
    rebuilt = snap(details["Final score"] + details["Deduction"])
    assert (rebuilt == details["Raw score"].to_numpy()).all()
