"""The input is read once: the SHA-256 on the Run sheet names the very bytes that were graded,
even when the gradebook is replaced while a run is under way."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

import gradeproc.safety
from gradeproc.api import process
from gradeproc.batch import run_batch
from gradeproc.read import read_workbook
from tests.helpers import syllabus_sheets, write_book


@pytest.fixture
def swap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """(book, the bytes first read, the replacement): the file is replaced right after it is read."""
    (tmp_path / "in").mkdir()
    book = write_book(
        tmp_path / "in" / "course.xlsx", syllabus_sheets([("S01", "Lovelace", "Ada")])
    )
    later = write_book(
        tmp_path / "later.xlsx",
        syllabus_sheets([("S02", "Hopper", "Grace"), ("S03", "Turing", "Alan")]),
    )
    first = book.read_bytes()
    real = gradeproc.safety.read_gradebook_bytes

    def read_then_replace(path):
        data = real(path)
        if Path(path) == book and later.exists():
            os.replace(later, book)  # another program saves over it mid-run
        return data

    monkeypatch.setattr(gradeproc.safety, "read_gradebook_bytes", read_then_replace)
    return book, first


def test_the_hash_and_the_grades_come_from_the_same_bytes(swap) -> None:
    book, first = swap
    workbook = read_workbook(book)
    assert workbook.sha256 == hashlib.sha256(first).hexdigest()
    assert workbook.sheets["Roster"].frame["Student ID"].tolist() == ["S01"]
    assert book.read_bytes() != first  # the file on disk did change


def test_process_reports_the_hash_of_what_it_graded(swap, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    book, first = swap
    result = process(book, output=tmp_path / "graded.xlsx")
    assert result.grades["Student ID"].tolist() == ["S01"]
    assert result.input_sha256 == hashlib.sha256(first).hexdigest()
    run = dict(
        load_workbook(tmp_path / "graded.xlsx", read_only=True)["Run"].iter_rows(values_only=True)
    )
    assert run["Input SHA-256"] == hashlib.sha256(first).hexdigest()


def test_batch_regrades_a_book_replaced_during_its_run(swap, tmp_path: Path) -> None:
    """The manifest keeps the hash of the graded bytes, so the next run sees the change."""
    book, _ = swap
    out = tmp_path / "out"
    run = run_batch(book.parent, out, jobs=1)
    assert [(c.status, c.students) for c in run.courses] == [("ok", 1)]
    again = run_batch(book.parent, out, jobs=1)  # the file now holds the two-student book
    assert [(c.status, c.students) for c in again.courses] == [("ok", 2)]
    assert [c.status for c in run_batch(book.parent, out, jobs=1).courses] == ["unchanged"]
