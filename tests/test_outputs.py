"""Where outputs go: checked before anything is written, whole or not at all, modes as the umask.

Disk faults are simulated deterministically (a monkeypatched write raising ENOSPC, an
os.open refusing a folder), since the tests run as root, whom a read-only folder does not stop.
"""

from __future__ import annotations

import errno
import os
import stat
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

import gradeproc.registrar
import gradeproc.write.outputs
from gradeproc.api import init, process
from gradeproc.cli import app
from gradeproc.errors import OutputExists, OutputFailed, OutputPathWrong
from gradeproc.write.outputs import Outputs
from tests.helpers import syllabus_sheets, write_book

runner = CliRunner()
STUDENTS = [("S01", "Lovelace", "Ada"), ("S02", "Hopper", "Grace")]
NO_SPACE = os.strerror(errno.ENOSPC).lower()


@pytest.fixture
def book(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    return write_book(folder / "course.xlsx", syllabus_sheets(STUDENTS))


def files(folder: Path) -> list[str]:
    """Every file and folder under `folder`, relative, sorted (temporary files included)."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask():
    """Set the process umask for one test, and put the old one back."""
    old = os.umask(0o022)
    try:
        yield os.umask
    finally:
        os.umask(old)


# --- the command line is wrong: exit 2, nothing written --------------------------------------


def test_output_naming_a_folder_is_refused(book: Path, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    result = runner.invoke(app, ["process", str(book), "-o", str(folder)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {folder} is a folder; give the name of the file to write, not a folder\n"
    )
    assert files(tmp_path) == ["in", "in/course.xlsx", "out"]


def test_output_under_a_file_is_refused(book: Path, tmp_path: Path) -> None:
    (tmp_path / "a").write_text("not a folder")
    target = tmp_path / "a" / "sub" / "b.xlsx"
    result = runner.invoke(app, ["process", str(book), "-o", str(target)])
    assert result.exit_code == 2
    assert (
        result.stderr == f"Error: cannot write {target}: {tmp_path / 'a'} is a file, not a folder\n"
    )
    assert files(tmp_path) == ["a", "in", "in/course.xlsx"]


def test_registrar_naming_a_folder_writes_no_workbook(book: Path, tmp_path: Path) -> None:
    """Before, the workbook was already in place when the CSV failed (with --force)."""
    folder = tmp_path / "registrar"
    folder.mkdir()
    result = runner.invoke(app, ["process", str(book), "--registrar", str(folder), "--force"])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {folder} is a folder; give the name of the file to write, not a folder\n"
    )
    assert files(tmp_path) == ["in", "in/course.xlsx", "registrar"]


def test_one_name_for_two_outputs_is_refused(book: Path, tmp_path: Path) -> None:
    out = tmp_path / "both.xlsx"
    result = runner.invoke(app, ["process", str(book), "-o", str(out), "--registrar", str(out)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {out} is named for two outputs of this run; give each its own name\n"
    )
    assert files(tmp_path) == ["in", "in/course.xlsx"]
    with Outputs() as outputs:
        outputs.claim(tmp_path / "x.csv")
        with pytest.raises(OutputPathWrong):
            outputs.claim(tmp_path / "x.csv")


def test_batch_output_folder_that_is_a_file(book: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.write_text("a file")
    result = runner.invoke(app, ["batch", str(book.parent), "-o", str(out)])
    assert result.exit_code == 2
    assert result.stderr == f"Error: {out} is a file; give the folder to write the outputs in\n"


def test_batch_registrar_naming_a_folder(book: Path, tmp_path: Path) -> None:
    folder = tmp_path / "reg"
    folder.mkdir()
    args = ["batch", str(book.parent), "-o", str(tmp_path / "out"), "--registrar", str(folder)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {folder} is a folder; give the name of the file to write, not a folder\n"
    )
    assert not (tmp_path / "out").exists()


# --- the system refuses: exit 1, one line, nothing written, no folders left ------------------


def _no_space_csv(frame, profile, path: Path, target: Path) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("Student ID,Last name\n")  # part of it got out before the disk filled up
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_disk_full_while_writing_the_csv(
    book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gradeproc.registrar, "write_registrar", _no_space_csv)
    csv = tmp_path / "new" / "deeper" / "grades.csv"
    out = tmp_path / "graded" / "course.graded.xlsx"
    result = runner.invoke(app, ["process", str(book), "-o", str(out), "--registrar", str(csv)])
    assert result.exit_code == 1
    assert result.stderr == f"Error: cannot write {csv}: {NO_SPACE}; nothing was written\n"
    assert files(tmp_path) == ["in", "in/course.xlsx"]  # no workbook, no .part, no folders


def test_disk_full_while_writing_the_workbook(
    book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_space(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    # how xlsxwriter fills its zip: files from disk (constant memory) or strings (in memory)
    monkeypatch.setattr(zipfile.ZipFile, "write", no_space)
    monkeypatch.setattr(zipfile.ZipFile, "writestr", no_space)
    out = tmp_path / "out" / "course.graded.xlsx"
    result = runner.invoke(app, ["process", str(book), "-o", str(out)])
    assert result.exit_code == 1
    assert result.stderr == f"Error: cannot write {out}: {NO_SPACE}; nothing was written\n"
    assert files(tmp_path) == ["in", "in/course.xlsx"]


def test_read_only_folder_simulated(
    book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    real_open = os.open

    def refuse(path, flags, *args, **kwargs):
        if Path(path).parent == locked and flags & os.O_CREAT:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)
    out = locked / "course.graded.xlsx"
    result = runner.invoke(app, ["process", str(book), "-o", str(out)])
    assert result.exit_code == 1
    reason = os.strerror(errno.EACCES).lower()
    assert result.stderr == f"Error: cannot write {out}: {reason}; nothing was written\n"
    assert files(locked) == []


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes anywhere")
def test_read_only_folder(book: Path, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        with pytest.raises(OutputFailed) as caught:
            process(book, output=locked / "course.graded.xlsx")
    finally:
        locked.chmod(0o755)
    assert caught.value.message.endswith("permission denied; nothing was written")
    assert files(locked) == []


def test_a_failed_run_leaves_no_folders(tmp_path: Path) -> None:
    bad = write_book(tmp_path / "bad.xlsx", syllabus_sheets(STUDENTS, {"S01": [-5] + [90] * 8}))
    out = tmp_path / "a" / "b" / "out.xlsx"
    result = runner.invoke(app, ["process", str(bad), "-o", str(out)])
    assert result.exit_code == 1
    assert files(tmp_path) == ["bad.xlsx"]


def test_a_folder_another_run_made_is_kept(tmp_path: Path) -> None:
    keep = tmp_path / "shared"
    outputs = Outputs()
    outputs.claim(keep / "mine" / "x.csv")
    (keep / "theirs.csv").write_text("someone else's")  # not empty: never removed
    outputs.discard()
    assert files(tmp_path) == ["shared", "shared/theirs.csv"]


# --- two runs, one name ------------------------------------------------------------------------


def test_two_runs_claiming_one_name_the_second_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "grades.csv"
    first, second = Outputs(), Outputs()
    temp1 = first.claim(target)
    temp2 = second.claim(target)  # both checked while the name was free
    temp1.write_text("first")
    temp2.write_text("second")
    first.commit()
    with pytest.raises(OutputExists) as caught:
        second.commit()
    assert caught.value.message == f"{target} already exists; add --force to replace it"
    assert caught.value.exit_code == 2
    assert target.read_text() == "first"
    assert files(tmp_path) == ["grades.csv"]


def test_without_hard_links_the_claim_is_still_exclusive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(src, dst, *args, **kwargs):
        raise OSError(errno.EPERM, os.strerror(errno.EPERM))

    monkeypatch.setattr(os, "link", no_links)  # a file system such as FAT or some shares
    target = tmp_path / "grades.csv"
    first, second = Outputs(), Outputs()
    first.claim(target).write_text("first")
    second.claim(target).write_text("second")
    first.commit()
    with pytest.raises(OutputExists):
        second.commit()
    assert target.read_text() == "first"
    assert files(tmp_path) == ["grades.csv"]


def test_a_commit_that_fails_midway_takes_back_what_it_placed(tmp_path: Path) -> None:
    old = tmp_path / "old.csv"
    old.write_text("before")
    outputs = Outputs(force=True)
    temps = [
        outputs.claim(tmp_path / "new.csv"),
        outputs.claim(old),
        outputs.claim(tmp_path / "z.csv"),
    ]
    for temp in temps:
        temp.write_text("after")
    (tmp_path / "z.csv").mkdir()  # the last rename fails
    with pytest.raises(OutputFailed):
        outputs.commit()
    assert files(tmp_path) == ["old.csv", "z.csv"]
    assert old.read_text() == "before"


# --- modes -----------------------------------------------------------------------------------


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
@pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_new_outputs_get_the_umask_mode(
    book: Path, tmp_path: Path, umask, mask: int, expected: int
) -> None:
    umask(mask)
    result = process(book, output=tmp_path / "g.xlsx", registrar=tmp_path / "r.csv")
    made = init(tmp_path / "new.xlsx")
    assert {p.name: mode(p) for p in (result.output, result.registrar, made)} == {
        "g.xlsx": expected,
        "r.csv": expected,
        "new.xlsx": expected,
    }


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
@pytest.mark.parametrize("kept", [0o644, 0o600, 0o664])
def test_a_replaced_output_keeps_its_mode(book: Path, tmp_path: Path, umask, kept: int) -> None:
    umask(0o077)
    out, csv = tmp_path / "g.xlsx", tmp_path / "r.csv"
    for path in (out, csv):
        path.write_text("old")
        path.chmod(kept)
    process(book, output=out, registrar=csv, force=True)
    assert (mode(out), mode(csv)) == (kept, kept)
    assert out.read_bytes()[:2] == b"PK"


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
def test_batch_outputs_get_the_umask_mode(book: Path, tmp_path: Path, umask) -> None:
    from gradeproc.batch import MANIFEST, REPORT, run_batch

    umask(0o022)
    out = tmp_path / "out"
    run_batch(book.parent, out, jobs=1, registrar=tmp_path / "all.csv")
    written = [out / "course.graded.xlsx", out / REPORT, out / MANIFEST, tmp_path / "all.csv"]
    assert [mode(p) for p in written] == [0o644] * 4
    (out / REPORT).chmod(0o664)
    run_batch(book.parent, out, jobs=1, force=True)
    assert mode(out / REPORT) == 0o664


# --- A signal at the worst moment: the temporary file just made, or half a commit done -------


def test_a_signal_right_after_the_temporary_file_is_made_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The temp file is listed before it exists, so a signal landing the instant after its
    creation (when a watcher first sees it) still finds it and removes it."""
    from gradeproc.errors import Interrupted, Signalled

    real_close = os.close

    def close_then_signal(fd):  # the first thing after the file exists
        real_close(fd)
        raise Signalled()

    monkeypatch.setattr(gradeproc.write.outputs.os, "close", close_then_signal)
    with pytest.raises(Interrupted), Outputs() as outputs:
        outputs.claim(tmp_path / "out.xlsx")
    assert files(tmp_path) == []


def test_a_signal_between_two_replacements_puts_the_first_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With --force, the first output is replaced, then a signal lands before the second:
    the first file is restored, the second never changed, and no temporary file is left."""
    from gradeproc.errors import Signalled

    first, second = tmp_path / "a.xlsx", tmp_path / "b.csv"
    first.write_text("old a")
    second.write_text("old b")
    real_replace = os.replace
    calls: list[str] = []

    def replace_then_signal(src, dst):
        real_replace(src, dst)
        calls.append(str(dst))
        if calls == [str(first)]:  # once: the rollback's own replace goes through
            raise Signalled()

    outputs = Outputs(force=True)
    temp_a, temp_b = outputs.claim(first), outputs.claim(second)
    temp_a.write_text("new a")
    temp_b.write_text("new b")
    monkeypatch.setattr(gradeproc.write.outputs.os, "replace", replace_then_signal)
    with pytest.raises(Signalled):
        outputs.commit()
    assert (first.read_text(), second.read_text()) == ("old a", "old b")
    assert files(tmp_path) == ["a.xlsx", "b.csv"]
