"""Kept for the modules that import number wording from here: the words themselves are
rendered in `gradeproc.sentences`, from the facts the core returns."""

from __future__ import annotations

from gradeproc.compute import flags_text
from gradeproc.sentences import (
    days_text,
    local_minutes,
    points_text,
    points_unit,
    student_notes,
)

__all__ = [
    "days_text",
    "flags_text",
    "local_minutes",
    "points_text",
    "points_unit",
    "student_notes",
]
