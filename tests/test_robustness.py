"""Bad input never crashes gradeproc and never costs an instructor data (issue: hardening)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from gradeproc.api import validate
from gradeproc.cli import app
from tests.helpers import syllabus_sheets, write_book
from tests.test_explain_diff import base_sheets

runner = CliRunner()
STUDENTS = [("S01", "Lovelace", "Ada"), ("S02", "Hopper", "Grace")]
ROOT = Path(__file__).resolve().parents[1]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_missing_required_sheet_is_one_sentence(tmp_path: Path) -> None:
    sheets = syllabus_sheets(STUDENTS)
    del sheets["Scores"]
    book = write_book(tmp_path / "book.xlsx", sheets)
    result = runner.invoke(app, ["process", str(book)])
    assert result.exit_code == 1
    assert result.stderr == (
        'Error: book.xlsx has no "Scores" sheet. A gradebook needs the sheets Policy, '
        "Categories, Letters, Assessments, Roster, Scores; `gradeproc init NEW.xlsx` writes one "
        "to start from.\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]


def test_a_formula_without_a_saved_value_is_reported_not_zeroed(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    book = write_book(tmp_path / "book.xlsx", syllabus_sheets(STUDENTS))
    wb = load_workbook(book)
    wb["Scores"]["C2"] = "=B2*0.9"  # openpyxl never stores a formula's value
    wb.save(book)
    assert [str(f) for f in validate(book).errors] == [
        "Scores!C2: holds the formula =B2*0.9 with no saved value; open the workbook in Excel "
        "or LibreOffice and save it, so its result is stored"
    ]


def test_features_a_values_only_copy_loses_are_warned_about(tmp_path: Path) -> None:
    from openpyxl import load_workbook
    from openpyxl.comments import Comment

    book = write_book(tmp_path / "book.xlsx", syllabus_sheets(STUDENTS))
    wb = load_workbook(book)
    wb["Scores"]["B2"].comment = Comment("late because of flu", "TA")
    wb.save(book)
    result = runner.invoke(app, ["process", str(book)])
    assert result.exit_code == 0
    assert (
        "warning: the workbook has comments; the graded copy keeps values only, without them"
        in result.stderr
    )


cell_values = st.one_of(
    st.none(),
    st.integers(-1000, 1000),
    st.floats(allow_nan=True, allow_infinity=True, width=32),
    st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=12),
    st.sampled_from(["EX", "ex", " 95 ", "9O", "=1+2", "-5", "1e3", "NaN", "inf", "", "   "]),
    st.datetimes(min_value=dt.datetime(1950, 1, 1), max_value=dt.datetime(2100, 1, 1)),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    scores=st.lists(cell_values, min_size=9, max_size=9),
    times=st.lists(cell_values, min_size=7, max_size=7),
    student_id=cell_values,
)
def test_any_cells_either_grade_or_fail_with_exit_1(
    tmp_path_factory, scores: list, times: list, student_id: object
) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    sheets = syllabus_sheets(STUDENTS)
    sheets["Scores"][1] = ["S01", *scores]
    sheets["Submitted"].append(["S01", *times])
    sheets["Roster"][2][0] = student_id
    sheets["Scores"][2][0] = student_id
    book = write_book(folder / "book.xlsx", sheets)
    before = sha(book)
    result = runner.invoke(app, ["process", str(book), "--registrar", str(folder / "g.csv")])
    assert result.exit_code in (0, 1), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    written = sorted(p.name for p in folder.iterdir())
    if result.exit_code == 0:
        assert written == ["book.graded.xlsx", "book.xlsx", "g.csv"]
    else:
        assert written == ["book.xlsx"]
    assert sha(book) == before


def start_run_and_wait_for_writing(folder: Path, seed: int) -> tuple[Path, subprocess.Popen]:
    """Start `gradeproc process` on a 3,000-student book; return once its temp file exists."""
    sys.path.insert(0, str(ROOT / "bench"))
    from generate import generate_gradebook

    book = generate_gradebook(folder / "big.xlsx", 3000, 25, seed=seed)
    process = subprocess.Popen(
        [sys.executable, "-m", "gradeproc", "process", str(book)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    deadline = time.monotonic() + 120
    while not list(folder.glob(".*.part")) and time.monotonic() < deadline:
        if process.poll() is not None:
            break
        time.sleep(0.05)
    return book, process


def assert_whole_or_nothing(folder: Path) -> None:
    """No temporary file left, and an output only if it is a complete graded workbook."""
    from python_calamine import CalamineWorkbook

    assert not list(folder.glob("*.part")) and not list(folder.glob(".*.part"))
    out = folder / "big.graded.xlsx"
    if out.exists():  # the signal came after the output was renamed into place
        assert CalamineWorkbook.from_path(str(out)).sheet_names[:4] == [
            "Grades",
            "Details",
            "Summary",
            "Run",
        ]


def test_a_run_interrupted_midway_leaves_no_partial_output(tmp_path: Path) -> None:
    book, process = start_run_and_wait_for_writing(tmp_path, seed=1)
    before = sha(book)
    time.sleep(0.5)  # let it get well into its work
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert_whole_or_nothing(tmp_path)
    assert sha(book) == before
    if process.returncode == 0:  # finished before the signal
        return
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    if not (tmp_path / "big.graded.xlsx").exists():
        assert "Interrupted; nothing was written." in stderr


def test_sigterm_also_cleans_up(tmp_path: Path) -> None:
    _, process = start_run_and_wait_for_writing(tmp_path, seed=2)
    process.terminate()
    _, stderr = process.communicate(timeout=60)
    assert_whole_or_nothing(tmp_path)
    assert process.returncode in (0, 130), (process.returncode, stderr)


def test_a_signal_inside_a_validation_check_is_an_interruption_not_a_finding(
    tmp_path: Path, monkeypatch
) -> None:
    """pandera reports any Exception a check raises as a failed check; a signal must pass."""
    import pytest

    from gradeproc import parse
    from gradeproc.__main__ import _interrupt
    from gradeproc.api import process
    from gradeproc.errors import Interrupted

    numbers = parse.Columns.numbers
    signals = [signal.SIGINT]  # one Ctrl-C, landing in the first check of Categories!Weight

    def signal_arrives(self, label, *args, **kwargs):
        if label == "Weight" and signals:
            _interrupt(signals.pop(), None)  # what the CLI's handler does
        return numbers(self, label, *args, **kwargs)

    book = write_book(tmp_path / "book.xlsx", syllabus_sheets(STUDENTS))
    before = sha(book)
    monkeypatch.setattr(parse.Columns, "numbers", signal_arrives)
    with pytest.raises(Interrupted, match=r"^Interrupted; nothing was written\.$"):
        process(book, registrar=tmp_path / "g.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]
    assert sha(book) == before


def test_a_killed_run_s_temporary_file_is_cleared_by_the_next_run(tmp_path: Path) -> None:
    """SIGKILL (or the OOM killer) cannot be caught: the next run in the folder clears what
    dead runs left, but never the file of a run still writing, nor one from another machine."""
    from gradeproc.write.outputs import _host

    book = write_book(tmp_path / "book.xlsx", syllabus_sheets(STUDENTS))
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead_pid = int(gone.stdout)  # its process has exited
    killed = tmp_path / f".book.graded.xlsx.{_host()}.{dead_pid}.k1ll3d00.part"
    writing = tmp_path / f".book.graded.xlsx.{_host()}.{os.getppid()}.st1llup0.part"
    elsewhere = tmp_path / f".book.graded.xlsx.other-host.{dead_pid}.abcdefgh.part"
    unrelated = tmp_path / f".grades.csv.{_host()}.{dead_pid}.abcdefgh.part"
    for part in (killed, writing, elsewhere, unrelated):
        part.write_bytes(b"half a workbook")
    result = runner.invoke(app, ["process", str(book)])
    assert result.exit_code == 0, result.output
    assert not killed.exists() and not unrelated.exists()  # a dead run's file is garbage
    assert writing.exists() and elsewhere.exists()
    assert (tmp_path / "book.graded.xlsx").exists()


def test_after_sigkill_no_output_and_the_next_run_tidies_up(tmp_path: Path) -> None:
    book, process = start_run_and_wait_for_writing(tmp_path, seed=3)
    process.kill()
    process.communicate(timeout=60)
    assert not (tmp_path / "big.graded.xlsx").exists()  # never a partial output
    assert list(tmp_path.glob(".big.graded.xlsx.*.part"))  # what SIGKILL leaves
    again = subprocess.run(
        [sys.executable, "-m", "gradeproc", "process", str(book)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=300,
    )
    assert again.returncode == 0, again.stderr
    assert not list(tmp_path.glob(".*.part"))
    assert_whole_or_nothing(tmp_path)


def _command(*args: str, stdout: object = subprocess.PIPE) -> subprocess.CompletedProcess[str]:
    """`python -m gradeproc ...` as a person runs it, in a process of its own."""
    return subprocess.run(
        [sys.executable, "-m", "gradeproc", *args],
        stdout=stdout,  # type: ignore[arg-type]
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )


def test_a_finished_command_keeps_its_output_and_exit_code(tmp_path: Path) -> None:
    """The command ends without Python's teardown; its lines and exit code are all there."""
    book = write_book(tmp_path / "book.xlsx", base_sheets())
    done = _command("process", str(book))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == f"Wrote {tmp_path / 'book.graded.xlsx'}"
    again = _command("process", str(book))
    assert again.returncode == 2
    assert again.stderr == (
        f"Error: {tmp_path / 'book.graded.xlsx'} already exists; add --force to replace it\n"
    )
    sheets = base_sheets()
    sheets["Scores"][1][1] = "9O"
    broken = _command("validate", str(write_book(tmp_path / "broken.xlsx", sheets)))
    assert broken.returncode == 1
    assert 'Scores!B2: "9O" is not a number of points' in broken.stdout + broken.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
def test_output_to_a_full_disk_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    book = write_book(tmp_path / "book.xlsx", base_sheets())
    with open("/dev/full", "w") as full:
        done = _command("process", str(book), stdout=full)
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == (
        "Error: gradeproc's output could not be written (No space left on device)."
    )
    assert "Traceback" not in done.stderr
    assert (tmp_path / "book.graded.xlsx").exists()  # written before the report was printed
