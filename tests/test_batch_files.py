"""What a batch folder may hold besides gradebooks: pipes, links to devices, huge files, and
folders it may not read. None of them hangs the batch; each is named, and the exit code is 1."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from gradeproc.batch import REPORT, find_gradebooks, run_batch
from gradeproc.cli import app
from tests.helpers import syllabus_sheets, write_book

runner = CliRunner()
STUDENTS = [("S01", "Lovelace", "Ada")]
posix_only = pytest.mark.skipif(os.name != "posix", reason="pipes and /dev/zero")


@pytest.fixture
def books(tmp_path: Path) -> Path:
    folder = tmp_path / "books"
    (folder / "dept").mkdir(parents=True)
    write_book(folder / "alpha.xlsx", syllabus_sheets(STUDENTS))
    write_book(folder / "dept" / "gamma.xlsx", syllabus_sheets(STUDENTS))
    return folder


NOT_A_FILE = (
    "{} was skipped: it is not a regular file (a pipe, a device, or a link to one), "
    "so it cannot be a gradebook"
)


@posix_only
def test_a_pipe_and_a_link_to_dev_zero_are_skipped_and_named(books: Path, tmp_path: Path) -> None:
    os.mkfifo(books / "pipe.xlsx")
    (books / "dept" / "zero.xlsx").symlink_to("/dev/zero")
    out = tmp_path / "out"
    result = runner.invoke(app, ["batch", str(books), "-o", str(out), "--jobs", "1"])
    assert result.exit_code == 1
    assert result.stderr == (
        f"warning: {NOT_A_FILE.format('dept/zero.xlsx')}\n"
        f"warning: {NOT_A_FILE.format('pipe.xlsx')}\n"
    )
    assert "2 gradebooks: 2 graded, 0 unchanged, 0 failed." in result.stdout
    report = load_workbook(out / REPORT, read_only=True)
    assert [r[0] for r in report["Skipped"].iter_rows(values_only=True)] == [
        "Not graded",
        NOT_A_FILE.format("dept/zero.xlsx"),
        NOT_A_FILE.format("pipe.xlsx"),
    ]


def test_a_link_to_a_gradebook_is_graded(books: Path, tmp_path: Path) -> None:
    (books / "linked.xlsx").symlink_to(books / "alpha.xlsx")
    skipped: list[str] = []
    found = find_gradebooks(books, tmp_path / "out", skipped)
    assert [p.as_posix() for p in found] == ["alpha.xlsx", "dept/gamma.xlsx", "linked.xlsx"]
    assert skipped == []


def test_a_file_over_the_size_limit_is_skipped(
    books: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRADEPROC_MAX_UNCOMPRESSED_MB", "1")
    with open(books / "huge.xlsx", "wb") as fh:
        fh.truncate(3 * 1024 * 1024 + 1)  # sparse: costs no disk
    result = run_batch(books, tmp_path / "out", jobs=1)
    assert [c.path for c in result.courses] == ["alpha.xlsx", "dept/gamma.xlsx"]
    assert result.skipped == [
        "huge.xlsx was skipped: it is 4 MB, more than the 1 MB limit "
        "(GRADEPROC_MAX_UNCOMPRESSED_MB raises it)"
    ]
    assert result.notes == result.skipped
    assert not result.ok


def test_an_unreadable_folder_is_reported(
    books: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Simulated: the tests run as root, whom chmod 000 does not stop."""
    locked = books / "dept"
    real_scandir = os.scandir

    def scandir(path=".", *args, **kwargs):
        if Path(os.fsdecode(path)) == locked.resolve():
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fsdecode(path))
        return real_scandir(path, *args, **kwargs)

    monkeypatch.setattr(os, "scandir", scandir)
    result = runner.invoke(app, ["batch", str(books), "-o", str(tmp_path / "out"), "--jobs", "1"])
    assert result.exit_code == 1
    reason = os.strerror(errno.EACCES).lower()
    assert result.stderr == (
        f"warning: the folder dept was skipped: it could not be read ({reason}), so its "
        "gradebooks were not graded\n"
    )
    assert "1 gradebooks: 1 graded, 0 unchanged, 0 failed." in result.stdout


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any folder")
def test_an_unreadable_folder_by_its_mode(books: Path, tmp_path: Path) -> None:
    (books / "dept").chmod(0)
    try:
        result = run_batch(books, tmp_path / "out", jobs=1)
    finally:
        (books / "dept").chmod(0o755)
    assert result.skipped == [
        "the folder dept was skipped: it could not be read (permission denied), so its "
        "gradebooks were not graded"
    ]


@posix_only
def test_process_refuses_a_pipe_without_reading_it(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.xlsx")
    result = runner.invoke(app, ["process", str(tmp_path / "pipe.xlsx")])
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: pipe.xlsx is not an Excel workbook; give gradeproc an .xlsx file saved from "
        "Excel, LibreOffice or Google Sheets.\n"
    )


@posix_only
def test_a_book_replaced_by_a_pipe_after_the_scan_fails_alone(
    books: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gradeproc.batch

    real = gradeproc.batch.find_gradebooks

    def scan_then_swap(in_dir, out_dir, skipped=None):
        found = real(in_dir, out_dir, skipped)
        (books / "alpha.xlsx").unlink()
        os.mkfifo(books / "alpha.xlsx")  # swapped for a pipe between the scan and the read
        return found

    monkeypatch.setattr(gradeproc.batch, "find_gradebooks", scan_then_swap)
    result = run_batch(books, tmp_path / "out", jobs=1)
    assert [(c.path, c.status) for c in result.courses] == [
        ("alpha.xlsx", "failed"),
        ("dept/gamma.xlsx", "ok"),
    ]
    assert result.courses[0].error == (
        "alpha.xlsx is not an Excel workbook; give gradeproc an .xlsx file saved from "
        "Excel, LibreOffice or Google Sheets."
    )
