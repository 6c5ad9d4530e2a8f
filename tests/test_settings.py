"""The Policy settings as typed attributes: one field per setting, defaults from one table."""

from __future__ import annotations

import typing
from pathlib import Path

import pandas as pd
import pytest

from gradeproc.parse import is_blank
from gradeproc.policy import SETTINGS, Policy, Settings, default_settings
from gradeproc.read import read_workbook
from gradeproc.validation import validate_workbook
from tests.helpers import syllabus_sheets, write_book

KIND_TYPES = {
    "text": str,
    "timezone": str,
    "choice": str,
    "yesno": str,
    "number": float,
    "integer": int,
}


def test_every_setting_is_a_typed_field_with_its_default() -> None:
    hints = typing.get_type_hints(Settings)
    assert list(hints) == list(SETTINGS)
    settings = Settings()
    for name, (default, kind, _, _) in SETTINGS.items():
        assert hints[name] is KIND_TYPES[kind], name
        assert getattr(settings, name) == default


def test_policy_attributes_are_the_parsed_settings(tmp_path: Path) -> None:
    sheets = syllabus_sheets([("S01", "Lovelace", "Ada")])
    for row in sheets["Policy"][1:]:
        if row[0] == "late_max_days":
            row[1] = 7
    book = write_book(tmp_path / "course.xlsx", sheets)
    gradebook, report = validate_workbook(read_workbook(book))
    assert report.ok and gradebook is not None
    policy = gradebook.policy
    assert policy.late_max_days == policy.settings["late_max_days"] == 7
    assert policy.timezone == policy.settings["timezone"]


def test_a_setting_left_out_has_its_default() -> None:
    policy = Policy({"late_max_days": 1}, [], [])
    assert policy.late_max_days == 1
    assert policy.total_decimals == default_settings()["total_decimals"] == 2


@pytest.mark.parametrize(
    ("value", "blank"),
    [
        (None, True),
        ("", True),
        ("  \t", True),
        (float("nan"), True),
        (pd.NaT, True),
        (0, False),
        (0.0, False),
        ("0", False),
        (" x ", False),
        (False, False),
    ],
)
def test_one_test_of_a_blank_cell(value: object, blank: bool) -> None:
    assert is_blank(value) is blank
