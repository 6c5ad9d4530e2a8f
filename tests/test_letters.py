"""policy.md §3: exact half-up rounding, letter ranges, the uncovered 93, borderline, overrides."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from gradeproc.compute.categories import weighted_total
from gradeproc.compute.letters import apply_overrides, assign_letters, round_half_up
from gradeproc.policy import Category, LetterRange, build_bands, parse_range
from gradeproc.template import LETTERS

SYLLABUS = [
    LetterRange(letter, code, *parse_range(text), text=text) for letter, text, code in LETTERS
]


def letters_for(totals: list[float], rule: str = "higher", margin: float = 0.5) -> pd.DataFrame:
    bands, _, findings = build_bands(SYLLABUS, rule)
    assert not [f for f in findings if f.severity == "error"]
    return assign_letters(pd.Series(totals, dtype="float64"), bands, 2, margin)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("> 93", (93, False, math.inf, False)),
        (">= 93", (93, True, math.inf, False)),
        ("< 60", (-math.inf, False, 60, False)),
        ("<= 60", (-math.inf, False, 60, True)),
        ("[90, 93)", (90, True, 93, False)),
        ("[90, 93]", (90, True, 93, True)),
        ("(90, 93)", (90, False, 93, False)),
        ("(90, 93]", (90, False, 93, True)),
        ("greater than 93", (93, False, math.inf, False)),
        ("at least 93", (93, True, math.inf, False)),
        ("below 60", (-math.inf, False, 60, False)),
        ("less than 60", (-math.inf, False, 60, False)),
        ("  [ 87.5 , 90 )  ", (87.5, True, 90, False)),
    ],
)
def test_ranges_as_a_syllabus_writes_them(text: str, expected: tuple) -> None:
    assert parse_range(text) == expected


@pytest.mark.parametrize("text", ["90-93", "A range", "[90, 93", "> ninety"])
def test_unreadable_ranges(text: str) -> None:
    assert parse_range(text) is None


def test_the_syllabus_leaves_exactly_93_uncovered() -> None:
    _, gaps, findings = build_bands(SYLLABUS, "higher")
    assert gaps == ["of exactly 93"]
    assert [str(f) for f in findings] == [
        "Letters: no letter covers totals of exactly 93 (between A- and A); letter_gap_rule "
        '"higher" gives them A and flags them POLICY_GAP'
    ]


@pytest.mark.parametrize(("rule", "letter"), [("higher", "A"), ("lower", "A-")])
def test_93_under_each_gap_rule(rule: str, letter: str) -> None:
    result = letters_for([93.0, 93.01, 92.99], rule)
    assert result["letter"].tolist() == [letter, "A", "A-"]
    assert result["gap"].tolist() == [True, False, False]


def test_93_gap_rule_error_is_a_policy_error() -> None:
    _, _, findings = build_bands(SYLLABUS, "error")
    assert [(f.severity, str(f)) for f in findings] == [
        (
            "error",
            "Letters: no letter covers totals of exactly 93 (between A- and A); fix the ranges "
            'or set letter_gap_rule to "higher" or "lower"',
        )
    ]


def test_overlapping_ranges_are_reported() -> None:
    ranges = [*SYLLABUS[:2], LetterRange("B+", "B+", *parse_range("[85, 91)"), text="[85, 91)")]
    ranges += SYLLABUS[3:]
    _, _, findings = build_bands(ranges, "higher")
    assert [f.message for f in findings if f.severity == "error"] == [
        'the ranges of B ("[83, 87)") and B+ ("[85, 91)") overlap',
        'the ranges of B+ ("[85, 91)") and A- ("[90, 93)") overlap',
    ]


def test_92_995_rounds_half_up_to_93() -> None:
    assert round_half_up(np.array([92.995]), 2)[0] == 93.0
    assert letters_for([92.995])["letter"].tolist() == ["A"]  # 93.00 -> the gap -> A


def test_half_up_works_where_bare_round_does_not() -> None:
    assert round(0.285, 2) == 0.28  # the binary float 0.28499999999999998...
    assert round(1.005, 2) == 1.0
    assert round_half_up(np.array([0.285, 1.005]), 2).tolist() == [0.29, 1.01]


@pytest.mark.parametrize(
    ("total", "rounded"),
    [(89.994999, 89.99), (89.995, 90.0), (0.005, 0.01), (100.0, 100.0), (59.999999, 60.0)],
)
def test_half_up_boundaries(total: float, rounded: float) -> None:
    assert round_half_up(np.array([total]), 2)[0] == rounded


def test_a_total_that_is_exactly_90_on_paper_is_a_minus() -> None:
    # 50 % x 91.36 + 15 % x 98.61 + 30 % x 97.41 + 5 % x 6.11 = 90 exactly, but the float
    # sum is 89.99999999999999, which a naive lookup puts in B+.
    categories = [Category("H", 50), Category("P", 15), Category("R", 30), Category("C", 5)]
    percents = pd.DataFrame([[91.36, 98.61, 97.41, 6.11]], columns=list("HPRC"))
    total = weighted_total(percents, categories)
    assert total.iloc[0] == 89.99999999999999
    result = letters_for(total.tolist())
    assert result["total"].tolist() == [90.0]
    assert result["letter"].tolist() == ["A-"]
    assert not result["borderline"].iloc[0]


def test_totals_above_100_fall_into_the_top_letter_and_below_0_into_the_bottom() -> None:
    assert letters_for([104.5, 0.0])["letter"].tolist() == ["A", "Fail"]


@pytest.mark.parametrize(
    ("total", "borderline", "distance"),
    [
        (89.6, True, 0.4),
        (89.5, False, np.nan),
        (89.51, True, 0.49),
        (92.6, True, 0.4),
        (93.5, False, np.nan),
    ],
)
def test_borderline_is_less_than_the_margin_below_the_next_letter(
    total: float, borderline: bool, distance: float
) -> None:
    result = letters_for([total])
    assert bool(result["borderline"].iloc[0]) is borderline
    assert result["distance"].iloc[0] == pytest.approx(distance, nan_ok=True)


def test_override_replaces_the_letter_and_uses_its_registrar_code() -> None:
    letters = letters_for([55.0, 88.0], "higher")
    letters.index = pd.Index(["s1", "s2"])
    overrides = pd.DataFrame(
        {"Letter": ["I", "Fail"], "Reason": ["medical", "integrity"]}, index=["s2", "s1"]
    )
    result = apply_overrides(letters, overrides, {r.letter: r.code for r in SYLLABUS})
    assert result["letter"].tolist() == ["Fail", "I"]
    assert result["code"].tolist() == ["F", "I"]
    assert result["computed_letter"].tolist() == ["Fail", "B+"]
    assert result["override"].tolist() == [True, True]
