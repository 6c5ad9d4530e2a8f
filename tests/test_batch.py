"""`gradeproc batch`: a folder of gradebooks, failures isolated, change detection, reports."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from gradeproc.batch import MANIFEST, REPORT, find_gradebooks, grade_one
from gradeproc.cli import app
from tests.helpers import syllabus_sheets, write_book

runner = CliRunner()

STUDENTS = [("00123", "Hopper", "Grace"), ("S02", "=Turing", "Alan")]
# Grace earns an A with one excused homework; Alan fails.
SCORES = {"00123": ["EX"] + [100] * 8, "S02": [10] * 9}


def course(path: Path, name: str, scores: dict | None = None, **settings: object) -> Path:
    sheets = syllabus_sheets(STUDENTS, scores=scores or SCORES)
    for row in sheets["Policy"]:
        if row[0] == "course":
            row[1] = name
        if row[0] in settings:
            row[1] = settings[row[0]]
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_book(path, sheets)


def folder(tmp_path: Path) -> Path:
    """Three good gradebooks, one in a sub-folder."""
    books = tmp_path / "in"
    course(books / "alpha.xlsx", "ALPHA 101")
    course(books / "beta.xlsx", "BETA 202", term="Spring 2025")
    course(books / "dept" / "gamma.xlsx", "GAMMA 303")
    return books


def batch(*args: object):
    return runner.invoke(app, ["batch", *[str(a) for a in args]])


def statuses(result) -> dict[str, str]:
    return {c["path"]: c["status"] for c in json.loads(result.stdout)["courses"]}


def report_rows(out: Path) -> list[tuple]:
    sheet = load_workbook(out / REPORT, read_only=True)["Batch"]
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def test_all_ok_exits_0_and_keeps_sub_folders(tmp_path: Path) -> None:
    books, out = folder(tmp_path), tmp_path / "out"
    result = batch(books, "-o", out, "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == [
        ".gradeproc-batch.json",
        "alpha.graded.xlsx",
        "batch_report.xlsx",
        "beta.graded.xlsx",
        "dept",
        "dept/gamma.graded.xlsx",
    ]
    assert "3 gradebooks: 3 graded, 0 unchanged, 0 failed." in result.stdout
    assert "ALPHA 101" in result.stdout


def test_a_broken_gradebook_does_not_stop_the_others(tmp_path: Path) -> None:
    books, out = folder(tmp_path), tmp_path / "out"
    (books / "broken.xlsx").write_bytes(b"not a workbook at all")
    course(books / "typo.xlsx", "TYPO 404", scores={"00123": ["9O"] + [100] * 8, "S02": [1] * 9})
    result = batch(books, "-o", out, "--jobs", "2", "--json")
    assert result.exit_code == 1
    assert statuses(result) == {
        "alpha.xlsx": "ok",
        "beta.xlsx": "ok",
        "broken.xlsx": "failed",
        "dept/gamma.xlsx": "ok",
        "typo.xlsx": "failed",
    }
    assert (out / "dept" / "gamma.graded.xlsx").exists()
    assert not (out / "typo.graded.xlsx").exists()
    rows = {row[0]: row for row in report_rows(out)[1:]}
    header = report_rows(out)[0]
    error, problems = header.index("Error"), header.index("Problems")
    assert "broken.xlsx is not an Excel workbook" in rows["broken.xlsx"][error]
    assert rows["typo.xlsx"][error] == "1 problem found; nothing was written."
    assert rows["typo.xlsx"][problems] == 'Scores!B2: "9O" is not a number of points'
    assert rows["alpha.xlsx"][error] is None


def test_an_unexpected_error_is_reported_as_a_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gradeproc.api

    books, out = folder(tmp_path), tmp_path / "out"
    real = gradeproc.api.process

    def flaky(path, *args, **kwargs):
        if Path(path).name == "beta.xlsx":
            raise RuntimeError("disk on fire")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(gradeproc.api, "process", flaky)
    result = batch(books, "-o", out, "--jobs", "1", "--json")
    assert result.exit_code == 1
    beta = next(c for c in json.loads(result.stdout)["courses"] if c["path"] == "beta.xlsx")
    assert beta["error"] == "unexpected error: RuntimeError: disk on fire"
    assert statuses(result)["alpha.xlsx"] == "ok"


def _dies_on_beta(job):
    """grade_one, except that the worker process grading beta.xlsx dies."""
    if job.relative == "beta.xlsx":
        os._exit(9)  # as the kernel's OOM killer ends it: no exception, no cleanup
    return grade_one(job)


def test_a_worker_that_dies_fails_only_its_own_gradebook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A dead worker breaks its pool; the gradebooks it stranded are graded again."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    import gradeproc.batch

    fork = multiprocessing.get_context("fork")
    monkeypatch.setattr(
        gradeproc.batch, "_executor", lambda n: ProcessPoolExecutor(n, mp_context=fork)
    )
    monkeypatch.setattr(gradeproc.batch, "grade_one", _dies_on_beta)
    books, out = folder(tmp_path), tmp_path / "out"
    course(books / "delta.xlsx", "DELTA 404")
    result = batch(books, "-o", out, "--jobs", "2", "--json")
    assert result.exit_code == 1
    assert statuses(result) == {
        "alpha.xlsx": "ok",
        "beta.xlsx": "failed",
        "delta.xlsx": "ok",
        "dept/gamma.xlsx": "ok",
    }
    beta = next(c for c in json.loads(result.stdout)["courses"] if c["path"] == "beta.xlsx")
    assert beta["error"] == gradeproc.batch.WORKER_STOPPED


def test_lock_files_hidden_files_and_outputs_are_skipped(tmp_path: Path) -> None:
    books = folder(tmp_path)
    out = books / "graded"  # the output folder inside the input folder
    (books / "~$alpha.xlsx").write_bytes(b"lock")
    (books / ".hidden.xlsx").write_bytes(b"hidden")
    (books / ".git").mkdir()
    (books / ".git" / "x.xlsx").write_bytes(b"hidden folder")
    (books / "old.graded.xlsx").write_bytes(b"an output")
    (books / "notes.txt").write_text("not a gradebook")
    result = batch(books, "-o", out, "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert [p.as_posix() for p in find_gradebooks(books, out)] == [
        "alpha.xlsx",
        "beta.xlsx",
        "dept/gamma.xlsx",
    ]
    again = batch(books, "-o", out, "--jobs", "1", "--json")  # its own outputs are not inputs
    assert sorted(statuses(again)) == ["alpha.xlsx", "beta.xlsx", "dept/gamma.xlsx"]
    # Grading in place: the folder is its own output folder.
    in_place = batch(books / "dept", "-o", books / "dept", "--jobs", "1", "--json")
    assert in_place.exit_code == 0, in_place.output
    assert statuses(in_place) == {"gamma.xlsx": "ok"}
    assert statuses(batch(books / "dept", "-o", books / "dept", "--json")) == {
        "gamma.xlsx": "unchanged"
    }


def test_change_detection_regrades_only_what_changed(tmp_path: Path) -> None:
    books, out = folder(tmp_path), tmp_path / "out"
    first = batch(books, "-o", out, "--jobs", "1", "--json")
    assert set(statuses(first).values()) == {"ok"}
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*.graded.xlsx")}

    second = batch(books, "-o", out, "--jobs", "1", "--json")
    assert second.exit_code == 0
    assert set(statuses(second).values()) == {"unchanged"}
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps
    assert json.loads(second.stdout)["courses"] == [
        {**c, "status": "unchanged"} for c in json.loads(first.stdout)["courses"]
    ]

    course(books / "beta.xlsx", "BETA 202", scores={"00123": [90] * 9, "S02": [95] * 9})
    third = batch(books, "-o", out, "--jobs", "1", "--json")
    assert third.exit_code == 0, third.output
    assert statuses(third) == {
        "alpha.xlsx": "unchanged",
        "beta.xlsx": "ok",
        "dept/gamma.xlsx": "unchanged",
    }
    beta = next(c for c in json.loads(third.stdout)["courses"] if c["path"] == "beta.xlsx")
    assert beta["letters"] == {"A": 1, "A-": 1}

    (out / "alpha.graded.xlsx").unlink()  # a missing output is regraded
    assert statuses(batch(books, "-o", out, "--jobs", "1", "--json"))["alpha.xlsx"] == "ok"

    forced = batch(books, "-o", out, "--jobs", "1", "--force", "--json")
    assert set(statuses(forced).values()) == {"ok"}


def test_a_re_run_with_nothing_to_change_writes_nothing(tmp_path: Path) -> None:
    """Every output stays as written; one that is gone or edited is written again."""
    books, out = folder(tmp_path), tmp_path / "out"
    csv = tmp_path / "all.csv"
    assert batch(books, "-o", out, "--jobs", "1", "--registrar", csv).exit_code == 0
    outputs = [out / REPORT, out / MANIFEST, csv]
    stamps = {p: p.stat().st_mtime_ns for p in outputs}
    again = batch(books, "-o", out, "--jobs", "1", "--registrar", csv, "--json")
    assert again.exit_code == 0, again.output
    assert set(statuses(again).values()) == {"unchanged"}
    assert {p: p.stat().st_mtime_ns for p in outputs} == stamps

    (out / REPORT).unlink()
    csv.write_text("edited by hand\n", encoding="utf-8")
    assert batch(books, "-o", out, "--jobs", "1").exit_code == 0  # the report comes back
    assert report_rows(out)[1][:4] == ("alpha.xlsx", "ALPHA 101", "Fall 2024", "unchanged")
    assert csv.read_text(encoding="utf-8") == "edited by hand\n"  # not asked for: left alone
    assert batch(books, "-o", out, "--jobs", "1", "--registrar", csv).exit_code == 2
    assert csv.read_text(encoding="utf-8") == "edited by hand\n"  # not the batch's own now

    (books / "beta.xlsx").unlink()  # a gradebook gone: the report and manifest leave it out
    assert batch(books, "-o", out, "--jobs", "1").exit_code == 0
    assert [row[0] for row in report_rows(out)[1:]] == ["alpha.xlsx", "dept/gamma.xlsx"]
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert sorted(manifest["files"]) == ["alpha.xlsx", "dept/gamma.xlsx"]


def test_a_new_gradeproc_version_regrades_everything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A release may change a rule; grades it did not compute are not carried over."""
    import gradeproc.batch

    books, out = folder(tmp_path), tmp_path / "out"
    assert batch(books, "-o", out, "--jobs", "1").exit_code == 0
    files = json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"]
    assert {entry["gradeproc"] for entry in files.values()} == {gradeproc.batch.__version__}

    monkeypatch.setattr(gradeproc.batch, "__version__", "99.0.0")
    upgraded = batch(books, "-o", out, "--jobs", "1", "--json")
    assert set(statuses(upgraded).values()) == {"ok"}
    again = batch(books, "-o", out, "--jobs", "1", "--json")
    assert set(statuses(again).values()) == {"unchanged"}
    files = json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"]
    assert {entry["gradeproc"] for entry in files.values()} == {"99.0.0"}


def test_an_output_the_batch_did_not_write_needs_force(tmp_path: Path) -> None:
    books, out = folder(tmp_path), tmp_path / "out"
    out.mkdir()
    (out / "alpha.graded.xlsx").write_bytes(b"the instructor's own file")
    result = batch(books, "-o", out, "--jobs", "1", "--json")
    assert result.exit_code == 1
    alpha = json.loads(result.stdout)["courses"][0]
    assert (
        alpha["error"] == f"{out / 'alpha.graded.xlsx'} already exists; add --force to replace it"
    )
    assert (out / "alpha.graded.xlsx").read_bytes() == b"the instructor's own file"
    assert statuses(result)["beta.xlsx"] == "ok"
    assert batch(books, "-o", out, "--jobs", "1", "--force").exit_code == 0
    assert (out / "alpha.graded.xlsx").read_bytes()[:2] == b"PK"


def test_the_combined_registrar_csv(tmp_path: Path) -> None:
    books, out, csv = folder(tmp_path), tmp_path / "out", tmp_path / "all.csv"
    (books / "broken.xlsx").write_bytes(b"nope")
    result = batch(books, "-o", out, "--jobs", "1", "--registrar", csv)
    assert result.exit_code == 1
    assert csv.read_text(encoding="utf-8").splitlines() == [
        "Term,Course,Section,Student ID,Last name,First name,Grade",
        "Fall 2024,ALPHA 101,001,00123,Hopper,Grace,A",
        "Fall 2024,ALPHA 101,001,S02,'=Turing,Alan,F",
        "Spring 2025,BETA 202,001,00123,Hopper,Grace,A",
        "Spring 2025,BETA 202,001,S02,'=Turing,Alan,F",
        "Fall 2024,GAMMA 303,001,00123,Hopper,Grace,A",
        "Fall 2024,GAMMA 303,001,S02,'=Turing,Alan,F",
    ]
    assert "all.csv leaves out the 1 gradebook that failed" in result.stderr
    # The batch wrote it, so the next run may replace it (unchanged courses included).
    (books / "broken.xlsx").unlink()
    again = batch(books, "-o", out, "--registrar", csv, "--json")
    assert again.exit_code == 0, again.output
    assert len(csv.read_text(encoding="utf-8").splitlines()) == 7
    # A file the batch did not write is replaced only with --force: exit 2, nothing graded.
    csv.write_text("someone else's", encoding="utf-8")
    refused = batch(books, "-o", out, "--registrar", csv)
    assert refused.exit_code == 2
    assert refused.stderr.splitlines() == [
        f"Error: {csv} already exists; add --force to replace it"
    ]


def test_the_combined_banner_file(tmp_path: Path) -> None:
    books, out, csv = tmp_path / "in", tmp_path / "out", tmp_path / "banner.csv"
    passing = {"00123": [100] * 9, "S02": [90] * 9}
    course(books / "a.xlsx", "A 1", scores=passing, term_code=202410, crn="40001")
    course(books / "b.xlsx", "B 2", scores=passing, term_code=202410, crn="40002")
    course(books / "c.xlsx", "C 3", term_code=202410, crn="40003")  # an F, no Last attended
    result = batch(books, "-o", out, "--registrar", csv, "--registrar-format", "banner", "--json")
    assert result.exit_code == 1
    assert statuses(result) == {"a.xlsx": "ok", "b.xlsx": "ok", "c.xlsx": "failed"}
    c = json.loads(result.stdout)["courses"][2]
    assert c["problems"] == [
        "Roster!A3: student S02 has the registrar grade F but no Last attended date; Banner "
        'needs the last day a student graded F attended (add a "Last attended" column to the '
        "Roster sheet)"
    ]
    assert not (out / "c.graded.xlsx").exists()
    assert csv.read_text(encoding="utf-8").splitlines() == [
        "Term Code,CRN,Student ID,Final Grade,Last Attended Date,Incomplete Final Grade,"
        "Extension Date",
        "202410,40001,00123,A,,,",
        "202410,40001,S02,A-,,,",
        "202410,40002,00123,A,,,",
        "202410,40002,S02,A-,,,",
    ]
    # Without .csv the Banner file is a workbook of text cells, one profile for every course.
    xlsx = tmp_path / "banner.xlsx"
    again = batch(books, "-o", out, "--registrar", xlsx, "--registrar-format", "banner")
    assert again.exit_code == 1
    sheet = load_workbook(xlsx).worksheets[0]
    assert [[c.value for c in row] for row in sheet.iter_rows()][1:] == [
        ["202410", "40001", "00123", "A", None, None, None],
        ["202410", "40001", "S02", "A-", None, None, None],
        ["202410", "40002", "00123", "A", None, None, None],
        ["202410", "40002", "S02", "A-", None, None, None],
    ]
    assert {c.data_type for row in sheet.iter_rows() for c in row if c.value} == {"s"}


def test_batch_refuses_an_unknown_profile_before_grading(tmp_path: Path) -> None:
    books, out = folder(tmp_path), tmp_path / "out"
    result = batch(books, "-o", out, "--registrar", tmp_path / "r.csv", "--registrar-format", "x")
    assert result.exit_code == 2
    assert result.stderr.startswith('Error: "x" is not a built-in registrar format (generic, ')
    assert not out.exists()


def test_the_batch_report_workbook(tmp_path: Path) -> None:
    books, out = folder(tmp_path), tmp_path / "out"
    (books / "broken.xlsx").write_bytes(b"nope")
    batch(books, "-o", out, "--jobs", "1")
    rows = report_rows(out)
    assert rows[0] == (
        "File", "Course", "Term", "Status", "Students", "Ungraded", "Mean total",
        "A", "Fail", "EXCUSED", "Error", "Problems",
    )  # fmt: skip
    mean = rows[1][6]
    assert rows[1][:6] == ("alpha.xlsx", "ALPHA 101", "Fall 2024", "ok", 2, 0)
    assert rows[1][7:] == (1, 1, 1, None, None)
    assert rows[2][:4] == ("beta.xlsx", "BETA 202", "Spring 2025", "ok")
    assert rows[3][:8] == ("broken.xlsx", None, None, "failed", None, None, None, None)
    assert rows[4][:4] == ("dept/gamma.xlsx", "GAMMA 303", "Fall 2024", "ok")
    assert 50 < mean < 60
    assert len(rows) == 5


def test_json_output_shape(tmp_path: Path) -> None:
    books, out = folder(tmp_path), tmp_path / "out"
    result = batch(books, "-o", out, "--jobs", "1", "--json")
    data = json.loads(result.stdout)  # nothing but the JSON on stdout: no table
    assert set(data) == {
        "ok", "gradebooks", "graded", "unchanged", "failed", "ungraded_students", "courses",
        "report", "registrar", "notes",
    }  # fmt: skip
    assert (data["ok"], data["gradebooks"], data["graded"], data["failed"]) == (True, 3, 3, 0)
    alpha = data["courses"][0]
    assert set(alpha) == {
        "path", "output", "course", "term", "students", "letters", "flags",
        "ungraded_students", "mean_total", "status", "error", "problems", "warnings",
    }  # fmt: skip
    assert alpha["path"] == "alpha.xlsx"
    assert alpha["course"] == "ALPHA 101"
    assert alpha["letters"] == {"A": 1, "Fail": 1}
    assert alpha["flags"] == {"EXCUSED": 1}
    assert alpha["problems"] == []
    assert data["report"] == str(out / REPORT)
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert sorted(manifest["files"]) == ["alpha.xlsx", "beta.xlsx", "dept/gamma.xlsx"]


def test_jobs_must_be_positive_and_the_folder_must_exist(tmp_path: Path) -> None:
    assert batch(tmp_path, "-o", tmp_path / "out", "--jobs", "0").exit_code == 2
    assert batch(tmp_path / "nowhere", "-o", tmp_path / "out").exit_code == 2
    assert batch(tmp_path).exit_code == 2  # -o is required
    assert not os.path.exists(tmp_path / "out")


def test_an_empty_folder_is_not_an_error(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    result = batch(tmp_path / "in", "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert f"warning: no gradebooks (*.xlsx) found in {tmp_path / 'in'}" in result.stderr
    assert report_rows(tmp_path / "out") == [
        (
            "File",
            "Course",
            "Term",
            "Status",
            "Students",
            "Ungraded",
            "Mean total",
            "Error",
            "Problems",
        )
    ]


@pytest.mark.parametrize("where", ["process", "grade_file"])
def test_an_interrupted_batch_keeps_what_it_graded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """Ctrl-C before a course's outputs (KeyboardInterrupt) or inside them (Interrupted)."""
    import gradeproc.api

    books, out = folder(tmp_path), tmp_path / "out"
    real = getattr(gradeproc.api, where)

    def interrupted(path, *args, **kwargs):
        if Path(path).name == "beta.xlsx":
            raise KeyboardInterrupt
        return real(path, *args, **kwargs)

    monkeypatch.setattr(gradeproc.api, where, interrupted)
    result = batch(books, "-o", out, "--jobs", "1")
    assert result.exit_code == 130
    assert result.stderr.endswith(
        "Interrupted; the gradebooks graded so far are kept and the next run skips them.\n"
    )
    assert sorted(json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"]) == [
        "alpha.xlsx"
    ]
    monkeypatch.setattr(gradeproc.api, where, real)
    assert statuses(batch(books, "-o", out, "--jobs", "1", "--json")) == {
        "alpha.xlsx": "unchanged",
        "beta.xlsx": "ok",
        "dept/gamma.xlsx": "ok",
    }


def test_the_batch_counts_students_with_work_not_graded_yet(tmp_path: Path) -> None:
    """Work handed in with no score yet is counted per course: in the summary line, the
    report's Ungraded column and the JSON, so no course's letters go out by accident."""
    from tests.helpers import due

    books, out = tmp_path / "in", tmp_path / "out"
    course(books / "alpha.xlsx", "ALPHA 101")
    sheets = syllabus_sheets(STUDENTS, scores={"00123": [None] + [100] * 8, "S02": [10] * 9})
    sheets["Submitted"].append(["00123", due("HW1")])
    for row in sheets["Policy"]:
        if row[0] == "course":
            row[1] = "DELTA 404"
    write_book(books / "delta.xlsx", sheets)
    result = batch(books, "-o", out, "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert (
        "1 student handed in work that has no score yet (flag UNGRADED): it is left out of "
        "their totals until it is graded." in " ".join(result.stdout.split())
    )
    rows = report_rows(out)
    assert rows[0][:7] == ("File", "Course", "Term", "Status", "Students", "Ungraded", "Mean total")
    assert [row[5] for row in rows[1:]] == [0, 1]
    assert rows[0][rows[0].index("UNGRADED")] == "UNGRADED"
    assert rows[2][rows[0].index("UNGRADED")] == 1
    data = json.loads(batch(books, "-o", out, "--jobs", "1", "--json").stdout)
    assert data["ungraded_students"] == 1
    assert [c["ungraded_students"] for c in data["courses"]] == [0, 1]
    assert [c["status"] for c in data["courses"]] == ["unchanged", "unchanged"]
