"""The sample gradebook's graded output against golden files reviewed by hand.

sample_data/README.md works every edge case out by hand; the golden CSVs hold the cells
gradeproc writes for it. After a deliberate change, rerun scripts/make_golden.py and review
the diff as carefully as code.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("make_golden", ROOT / "scripts" / "make_golden.py")
make_golden = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_golden)


@pytest.fixture(scope="module")
def produced() -> dict[str, str]:
    return make_golden.graded_sheets(make_golden.SAMPLE)


@pytest.mark.parametrize("name", ["Grades", "Details", "registrar"])
def test_sample_output_matches_golden(produced: dict[str, str], name: str) -> None:
    expected = make_golden.golden_path(name).read_text(encoding="utf-8")
    got_lines, expected_lines = produced[name].splitlines(), expected.splitlines()
    assert got_lines[0] == expected_lines[0]
    for number, (got, want) in enumerate(zip(got_lines, expected_lines, strict=False), start=1):
        assert got == want, f"{name} line {number} differs"
    assert len(got_lines) == len(expected_lines)


def test_edge_cases_from_the_hand_calculation(produced: dict[str, str]) -> None:
    import io

    import pandas as pd

    grades = pd.read_csv(io.StringIO(produced["Grades"]), dtype=str).set_index("Student ID")
    expected = {  # sample_data/README.md: ID -> (total, letter, flags)
        "G00420157": ("78.4", "C+", "LATE"),  # HW3 2 days 1 minute late: 95 -> 80
        "G00409936": ("79.1", "C+", "LATE_REJECTED"),  # 72 h + 1 s late
        "G00431210": ("82", "B-", "LATE"),  # the DST weekend: 2 days, not 1
        "G00426093": ("93", "A", "POLICY_GAP"),  # the uncovered 93
        "G00419470": ("90", "A-", None),  # 90 on paper, 89.99999999999999 in floats
        "G00430688": ("87", "B+", None),  # 86.995 rounds half-up
        "G00433529": ("89.7", "B+", "BORDERLINE"),
        "G00411864": ("45.75", "I", "MISSING, OVERRIDE"),
        "00398127": ("84.6", "B", None),  # an all-digit ID keeps its leading zeros
    }
    for sid, (total, letter, flags) in expected.items():
        row = grades.loc[sid]
        assert (row["Total"], row["Letter"]) == (total, letter), sid
        assert (row["Flags"] if isinstance(row["Flags"], str) else None) == flags, sid


@pytest.mark.parametrize("students_per_block", [1, 7])
def test_grading_in_blocks_of_students_changes_nothing(
    monkeypatch: pytest.MonkeyPatch, students_per_block: int
) -> None:
    """Big courses are graded a block of students at a time; every frame must come out
    exactly as from one block, extensions and overrides included."""
    import pandas as pd

    from gradeproc import compute
    from gradeproc.api import check

    _, gradebook, _ = check(make_golden.SAMPLE)
    whole = compute.grade(gradebook)
    monkeypatch.setattr(compute, "BLOCK_CELLS", students_per_block * len(gradebook.assessments))
    blocks = compute.grade(gradebook)
    pd.testing.assert_frame_equal(blocks.grades, whole.grades)
    pd.testing.assert_frame_equal(blocks.details, whole.details)
    pd.testing.assert_frame_equal(blocks.status, whole.status)
    pd.testing.assert_frame_equal(blocks.flags, whole.flags)
    assert (whole.grades["Notes"] != "").sum() > 10  # the sample exercises the sentences
