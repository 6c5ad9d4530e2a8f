"""End of term: grade every gradebook under a folder, in worker processes, and report on them all.

Each gradebook goes through `gradeproc.api.process` on its own; one that fails (a problem in
the book, or anything unexpected) is reported and never stops the others. Workers send back a
small summary (a plain dict), from which the parent writes the combined registrar file, the
batch report workbook and the manifest `.gradeproc-batch.json` that lets the next run skip the
gradebooks whose SHA-256 has not changed.

Outputs of a batch are the batch's own: a graded workbook the manifest records (with the
SHA-256 it was written with) may be replaced when its gradebook changes; any other existing
file is replaced only with `force`.
"""

from __future__ import annotations

# This module is what each worker process imports to run `grade_one`, so it imports at the top
# only what every worker needs; the grading modules, pandas, rich and xlsxwriter are imported in
# the functions that use them (a worker loads the grading modules once, on its first book).
import json
import os
import stat
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gradeproc import __version__
from gradeproc.errors import (
    ERROR,
    FileProblem,
    GradeprocError,
    Interrupted,
    OutputExists,
    OutputPathWrong,
)

MANIFEST = ".gradeproc-batch.json"
REPORT = "batch_report.xlsx"
GRADED_SUFFIX = ".graded.xlsx"
MAX_PROBLEMS = 5
GENERIC_COLUMNS = ["Term", "Course", "Section", "Student ID", "Last name", "First name", "Grade"]
# What a summary carries for the parent only: the manifest keeps it, JSON and tables do not.
PRIVATE = ("registrar_rows", "registrar_format", "sha256", "output_sha256")
# Modules the worker processes import once, in the fork server, instead of once per worker.
PRELOAD = [
    "gradeproc.api",
    "gradeproc.compute",
    "gradeproc.registrar",
    "gradeproc.write.workbook",
    # pandera (with validation), calamine and xlsxwriter: a third of a worker's start-up
    "gradeproc.validation",
    "gradeproc.read",
    "gradeproc.safety",
    "gradeproc.write.style",
    "python_calamine",
    "xlsxwriter",
]


# --- which files -------------------------------------------------------------------------------


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def find_gradebooks(in_dir: Path, out_dir: Path, skipped: list[str] | None = None) -> list[Path]:
    """Every `*.xlsx` under `in_dir` (relative paths, sorted), skipping outputs and the like.

    Skipped: `*.graded.xlsx`, Excel lock files `~$*.xlsx`, hidden files and folders, and
    anything inside `out_dir` when it is a sub-folder of `in_dir` (when it is `in_dir` itself,
    only the batch report is skipped besides the graded workbooks). Skipped and said in
    `skipped`, one sentence each: a `*.xlsx` that is not a regular file (a pipe, a device, a
    link to one: reading it could hang), one over the size limit, and a folder that cannot
    be read.
    """
    from gradeproc.safety import MB, max_uncompressed_bytes

    in_dir, out_dir = in_dir.resolve(), out_dir.resolve()
    prune_out = out_dir != in_dir and _inside(out_dir, in_dir)
    limit = max_uncompressed_bytes()
    said: list[str] = [] if skipped is None else skipped

    def shown(path: str | Path) -> str:
        path = Path(path)
        return path.relative_to(in_dir).as_posix() if _inside(path, in_dir) else str(path)

    def unreadable(error: OSError) -> None:
        reason = (error.strerror or type(error).__name__).lower()
        said.append(
            MSG_FOLDER_UNREADABLE.format(path=shown(error.filename or in_dir), reason=reason)
        )

    found = []
    for root, dirs, files in os.walk(in_dir, onerror=unreadable):
        here = Path(root)
        dirs[:] = sorted(
            d for d in dirs if not d.startswith(".") and not (prune_out and here / d == out_dir)
        )
        for name in files:
            low = name.casefold()
            if (
                not low.endswith(".xlsx")
                or low.endswith(GRADED_SUFFIX)
                or name.startswith(("~$", "."))
                or (here == out_dir and name == REPORT)
            ):
                continue
            relative = (here / name).relative_to(in_dir)
            try:
                info = (here / name).stat()  # through a link, to what would be read
            except OSError as error:
                reason = (error.strerror or type(error).__name__).lower()
                said.append(MSG_FILE_UNREADABLE.format(path=relative.as_posix(), reason=reason))
                continue
            if not stat.S_ISREG(info.st_mode):
                said.append(MSG_NOT_A_FILE.format(path=relative.as_posix()))
            elif info.st_size > limit:
                size, most = -(-info.st_size // MB), limit // MB
                said.append(
                    MSG_FILE_TOO_BIG.format(path=relative.as_posix(), size=size, limit=most)
                )
            else:
                found.append(relative)
    said.sort()
    return sorted(found, key=lambda p: p.as_posix())


MSG_NOT_A_FILE = (
    "{path} was skipped: it is not a regular file (a pipe, a device, or a link to one), "
    "so it cannot be a gradebook"
)
MSG_FILE_TOO_BIG = (
    "{path} was skipped: it is {size:,} MB, more than the {limit:,} MB limit "
    "(GRADEPROC_MAX_UNCOMPRESSED_MB raises it)"
)
MSG_FILE_UNREADABLE = "{path} was skipped: it could not be read ({reason})"
MSG_FOLDER_UNREADABLE = (
    "the folder {path} was skipped: it could not be read ({reason}), so its gradebooks "
    "were not graded"
)


def output_for(relative: Path, out_dir: Path) -> Path:
    return out_dir / relative.parent / f"{relative.stem}{GRADED_SUFFIX}"


# --- the worker ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """One gradebook to grade: everything a worker process needs, and nothing more."""

    source: str
    output: str
    relative: str
    sha256: str
    replace: bool
    registrar_format: str


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):  # NaN
        return ""
    return str(value)


def _combined_rows(result, registrar_format: str) -> list[dict[str, str]]:
    records = result.registrar_rows.to_dict(orient="records")
    rows = [{k: _text(v) for k, v in row.items()} for row in records]
    if registrar_format != "generic":
        return rows
    course = {
        "Term": _text(result.settings.get("term")),
        "Course": _text(result.settings.get("course")),
    }
    return [course | {c: row[c] for c in GENERIC_COLUMNS[2:]} for row in rows]


def _summary(job: Job, error: str | None = None) -> dict[str, object]:
    """A gradebook's summary before it is graded: what a failure reports."""
    return {
        "path": job.relative,
        "output": None,
        "course": None,
        "term": None,
        "students": None,
        "letters": {},
        "flags": {},
        "ungraded_students": None,
        "mean_total": None,
        "status": "failed",
        "error": error,
        "problems": [],
        "warnings": 0,
        "registrar_format": job.registrar_format,
        "registrar_rows": [],
        "sha256": job.sha256,
        "output_sha256": None,
    }


def grade_one(job: Job) -> dict[str, object]:
    """Grade one gradebook (in a worker process) and return its summary; never raises."""
    from gradeproc.api import process
    from gradeproc.read import file_sha256

    summary = _summary(job)
    try:
        result = process(
            job.source,
            output=job.output,
            force=job.replace,
            registrar_format=job.registrar_format,
        )
        facts = result.to_dict()
        summary.update(
            output=job.output,
            course=_text(result.settings.get("course")) or None,
            term=_text(result.settings.get("term")) or None,
            students=facts["students"],
            letters=facts["letters"],  # in the course's Letters-sheet order
            flags=facts["flags"],
            ungraded_students=facts["ungraded_students"],
            mean_total=facts["mean_total"],
            status="ok",
            warnings=len(result.warnings),
            registrar_rows=_combined_rows(result, job.registrar_format),
            sha256=result.input_sha256,
            output_sha256=file_sha256(Path(job.output)),
        )
    except Interrupted:
        raise
    except GradeprocError as error:
        errors = [f for f in error.findings if f.severity == ERROR] or error.findings
        summary.update(error=error.message, problems=[str(f) for f in errors[:MAX_PROBLEMS]])
    except Exception as error:  # a bug or a hostile file: reported, and the batch goes on
        summary.update(error=f"unexpected error: {type(error).__name__}: {error}")
    return summary


# --- the batch -------------------------------------------------------------------------------


@dataclass
class BatchResult:
    """Every gradebook's summary, in path order, and the files the batch wrote."""

    courses: list[dict[str, object]]
    report: Path
    registrar: Path | None = None
    notes: list[str] = field(default_factory=list)
    # Entries named *.xlsx that were not read, and folders that could not be: also in notes.
    skipped: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for c in self.courses if c["status"] == status)

    @property
    def ok(self) -> bool:
        return self.count("failed") == 0 and not self.skipped

    def ungraded_students(self) -> int:
        """Students, over every graded course, with work handed in but not graded yet."""
        return sum(ungraded_of(c) for c in self.courses if c["status"] != "failed")

    def to_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "gradebooks": len(self.courses),
            "graded": self.count("ok"),
            "unchanged": self.count("unchanged"),
            "failed": self.count("failed"),
            "ungraded_students": self.ungraded_students(),
            "courses": [public(c) for c in self.courses],
            "report": str(self.report),
            "registrar": str(self.registrar) if self.registrar else None,
            "notes": self.notes,
        }


def ungraded_of(summary: dict[str, object]) -> int:
    """A course's students flagged UNGRADED (a summary recorded before the count had it
    carries it in its flags)."""
    count = summary.get("ungraded_students")
    if isinstance(count, int):
        return count
    flags = summary.get("flags")
    return int(flags.get("UNGRADED", 0)) if isinstance(flags, dict) else 0


def public(summary: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in summary.items() if k not in PRIVATE}


def read_manifest(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"files": {}}
    if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
        return {"files": {}}
    return data


def _owned(path: Path, recorded: object) -> bool:
    """The file is as the batch last wrote it (so the batch may replace it)."""
    from gradeproc.read import file_sha256

    return isinstance(recorded, str) and path.is_file() and file_sha256(path) == recorded


def plan(
    in_dir: Path,
    out_dir: Path,
    manifest: dict[str, object],
    registrar_format: str,
    want_registrar: bool,
    force: bool,
    skipped: list[str] | None = None,
) -> tuple[list[Job], dict[str, dict[str, object]]]:
    """(jobs to grade, summaries reused as `unchanged`), keyed by relative path.

    A gradebook is regraded when its SHA-256 changed, its output is missing, it failed last
    time, it was graded by another gradeproc version (whose rules may differ), or its
    registrar rows were made for another profile than the one now needed.
    """
    from gradeproc.read import file_sha256

    jobs: list[Job] = []
    reused: dict[str, dict[str, object]] = {}
    recorded = manifest["files"]
    for relative in find_gradebooks(in_dir, out_dir, skipped):
        key = relative.as_posix()
        source = in_dir / relative
        output = output_for(relative, out_dir)
        entry = recorded.get(key) if isinstance(recorded.get(key), dict) else {}
        summary = entry.get("summary") if isinstance(entry.get("summary"), dict) else None
        try:
            sha = file_sha256(source)
        except OSError:
            sha = ""  # the worker reports why the file cannot be read
        fresh = (
            not force
            and summary is not None
            and sha
            and entry.get("sha256") == sha
            and entry.get("gradeproc") == __version__
            and summary.get("status") in ("ok", "unchanged")
            and output.exists()
            and (
                summary.get("registrar_format") == registrar_format
                or (registrar_format == "generic" and not want_registrar)
            )
        )
        if fresh:
            reused[key] = {**summary, "status": "unchanged"}
            continue
        replace = force or not output.exists() or _owned(output, entry.get("output_sha256"))
        jobs.append(Job(str(source), str(output), key, sha, replace, registrar_format))
    return jobs, reused


def _executor(workers: int):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = None
    if "forkserver" in multiprocessing.get_all_start_methods():
        # Workers forked from a clean server that already imported pandas: no fork of a
        # threaded parent, and the heavy imports happen once.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
    return ProcessPoolExecutor(max_workers=workers, mp_context=context)


WORKER_STOPPED = (
    "the worker process grading it stopped (it crashed, or was killed, for example for "
    "using too much memory)"
)


def _run_jobs(jobs: list[Job], workers: int, done: Callable[[dict[str, object]], None]) -> None:
    """Grade the jobs, calling `done` with each summary as it arrives.

    A worker that dies takes its pool down, and with it every gradebook not yet finished.
    Those are graded again, each in a process of its own, so only the gradebook that
    kills its process is reported as failed.
    """
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            done(grade_one(job))
        return
    for job in _run_pool(jobs, workers, done):
        if _run_pool([job], 1, done):
            done(_summary(job, WORKER_STOPPED))


def _run_pool(
    jobs: list[Job], workers: int, done: Callable[[dict[str, object]], None]
) -> list[Job]:
    """Grade the jobs in a pool of worker processes; return those a dead worker stranded."""
    from concurrent.futures import as_completed
    from concurrent.futures.process import BrokenProcessPool

    stranded: list[Job] = []
    with _executor(min(workers, len(jobs))) as pool:
        futures = {pool.submit(grade_one, job): job for job in jobs}
        try:
            for future in as_completed(futures):
                try:
                    done(future.result())
                except BrokenProcessPool:
                    stranded.append(futures[future])
                except Exception as error:  # the job could not reach its worker or come back
                    reason = f"the worker process stopped: {type(error).__name__}: {error}"
                    done(_summary(futures[future], reason))
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    return sorted(stranded, key=lambda job: job.relative)


def _progress(total: int, enabled: bool):
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    progress = Progress(
        TextColumn("Grading"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=not (enabled and sys.stderr.isatty()),
    )
    task = progress.add_task("grading", total=total)
    return progress, task


def run_batch(
    in_dir: str | Path,
    out_dir: str | Path,
    *,
    jobs: int | None = None,
    registrar: str | Path | None = None,
    registrar_format: str = "generic",
    force: bool = False,
    progress: bool = False,
) -> BatchResult:
    """Grade every gradebook under `in_dir` into `out_dir`; see the module's notes.

    Raises OutputExists (before any grading) when `registrar` exists and was not written by
    the last batch into this folder, unless `force`. A gradebook that fails is in the result
    with status "failed"; it raises nothing.
    """
    from gradeproc.registrar import load_profile

    load_profile(registrar_format)  # an unknown or broken profile stops the batch before any work
    in_dir, out_dir = Path(in_dir), Path(out_dir)
    if not in_dir.is_dir():
        raise FileProblem(f"{in_dir} is not a folder")
    from gradeproc.write.outputs import MSG_OUTPUT_IS_FOLDER

    if out_dir.exists() and not out_dir.is_dir():
        raise OutputPathWrong(f"{out_dir} is a file; give the folder to write the outputs in")
    manifest_path = out_dir / MANIFEST
    manifest = read_manifest(manifest_path)
    registrar_path = Path(registrar) if registrar else None
    if registrar_path is not None and registrar_path.is_dir():
        raise OutputPathWrong(MSG_OUTPUT_IS_FOLDER.format(target=registrar_path))
    if registrar_path is not None and registrar_path.exists() and not force:
        previous = manifest.get("registrar") if isinstance(manifest.get("registrar"), dict) else {}
        same = previous.get("path") == str(registrar_path.resolve())
        if not (same and _owned(registrar_path, previous.get("sha256"))):
            raise OutputExists(f"{registrar_path} already exists; add --force to replace it")

    skipped: list[str] = []
    todo, summaries = plan(
        in_dir, out_dir, manifest, registrar_format, registrar_path is not None, force, skipped
    )
    bar, task = _progress(len(todo) + len(summaries), progress)

    def done(summary: dict[str, object]) -> None:
        summaries[str(summary["path"])] = summary
        bar.advance(task)

    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    with bar:
        bar.advance(task, len(summaries))
        try:
            _run_jobs(todo, workers, done)
        except BaseException:  # interrupted: keep what was graded for the next run
            _write_outputs(out_dir, manifest, summaries, None, registrar_format, None)
            raise
    result = BatchResult(_in_order(summaries), out_dir / REPORT, registrar_path)
    result.skipped = skipped
    result.notes.extend(skipped)
    inputs = [in_dir / c["path"] for c in result.courses]
    _write_outputs(out_dir, manifest, summaries, registrar_path, registrar_format, inputs, skipped)
    if not result.courses:
        result.notes.append(f"no gradebooks (*.xlsx) found in {in_dir}")
    failed = result.count("failed")
    if registrar_path is not None and failed:
        result.notes.append(
            f"{registrar_path} leaves out the {failed} gradebook{'s' if failed != 1 else ''} "
            "that failed"
        )
    return result


def _in_order(summaries: dict[str, dict[str, object]]) -> list[dict[str, object]]:
    return [summaries[k] for k in sorted(summaries)]


def _write_outputs(
    out_dir: Path,
    manifest: dict[str, object],
    summaries: dict[str, dict[str, object]],
    registrar: Path | None,
    registrar_format: str,
    inputs: list[Path] | None,
    skipped: Sequence[str] = (),
) -> None:
    """The report, the combined registrar file and the manifest, together.

    With `inputs` None (after an interrupt) only the manifest is written, keeping the entries
    of the gradebooks not reached yet, so that the next run knows their outputs.
    """
    from gradeproc.read import file_sha256
    from gradeproc.write.outputs import Outputs

    recorded = manifest["files"]
    files = {} if inputs is not None else dict(recorded)
    for key, c in summaries.items():
        before = recorded.get(key) if isinstance(recorded.get(key), dict) else {}
        files[key] = {
            "sha256": c.get("sha256"),
            # The version that graded it: an unchanged course keeps the one recorded before.
            "gradeproc": before.get("gradeproc") if c["status"] == "unchanged" else __version__,
            # A failure writes nothing: the output of an earlier run stays the batch's own.
            "output_sha256": c.get("output_sha256") or before.get("output_sha256"),
            "summary": {**c, "status": "ok"} if c["status"] == "unchanged" else c,
        }
    courses = _in_order(summaries)
    previous = manifest.get("registrar")
    with Outputs(force=True) as outputs:
        report = outputs.claim(out_dir / REPORT, protect=inputs) if inputs is not None else None
        combined = outputs.claim(registrar, protect=inputs) if registrar is not None else None
        manifest_temp = outputs.claim(out_dir / MANIFEST)
        if report is not None:
            with outputs.writing(report):
                write_report(report, courses, list(skipped))
        if registrar is not None and combined is not None:
            with outputs.writing(combined):
                write_combined_registrar(combined, courses, registrar_format, registrar)
            previous = {"path": str(registrar.resolve()), "sha256": file_sha256(combined)}
        data = {"gradeproc": __version__, "registrar": previous, "files": files}
        # Compact: json's C encoder (an indented dump runs in Python, seconds for 1,000 books).
        with outputs.writing(manifest_temp):
            text = json.dumps(data, sort_keys=True, separators=(",", ":"))
            manifest_temp.write_text(text, encoding="utf-8")


def write_combined_registrar(
    path: Path, courses: list[dict[str, object]], fmt: str, target: Path | None = None
) -> None:
    """One row per student per graded course, in path then roster order, in profile `fmt`.

    generic adds each course's Term and Course in front; any other profile writes its own
    columns, as an Excel file or a CSV like the profile (and `target`'s name) says.
    """
    import pandas as pd

    from gradeproc.registrar import load_profile, write_registrar
    from gradeproc.write.csv import write_csv

    profile = None if fmt == "generic" else load_profile(fmt)
    columns = GENERIC_COLUMNS if profile is None else profile.headers
    rows = [
        row
        for c in courses
        if c["status"] in ("ok", "unchanged")
        for row in c.get("registrar_rows") or []
    ]
    frame = pd.DataFrame(rows, columns=columns, dtype=object)
    if profile is None:
        write_csv(frame, path)
    else:
        write_registrar(frame, profile, path, target or path)


# --- the report ------------------------------------------------------------------------------


def _joined(counts: object) -> str:
    return ", ".join(f"{k} {v}" for k, v in (counts or {}).items())


def letter_order(courses: list[dict[str, object]]) -> list[str]:
    """Every letter of the courses, each course's in its Letters-sheet order.

    Courses are taken in path order; a letter one course adds goes right after the letter
    before it in that course (or before the one after it), so syllabi that share a scale
    keep it, and the order is the same on every run."""
    order: list[str] = []
    for course in courses:
        own = list(course.get("letters") or {})
        for k, letter in enumerate(own):
            if letter in order:
                continue
            if k and own[k - 1] in order:  # right after the letter before it
                order.insert(order.index(own[k - 1]) + 1, letter)
                continue
            later = [x for x in own[k + 1 :] if x in order]  # else before the one after it
            order.insert(order.index(later[0]) if later else len(order), letter)
    return order


def report_rows(courses: list[dict[str, object]]) -> tuple[list[str], list[list[object]]]:
    """The batch report's header and one row per course (counts per letter and per flag)."""
    letters = letter_order(courses)
    flags = sorted({k for c in courses for k in (c.get("flags") or {})})
    header = ["File", "Course", "Term", "Status", "Students", "Ungraded", "Mean total"]
    header += letters + flags + ["Error", "Problems"]
    rows = []
    for c in courses:
        graded = c["status"] != "failed"
        counts = [(c.get("letters") or {}).get(x, 0) if graded else None for x in letters]
        counts += [(c.get("flags") or {}).get(x, 0) if graded else None for x in flags]
        rows.append(
            [
                c["path"],
                c.get("course"),
                c.get("term"),
                c["status"],
                c.get("students"),
                ungraded_of(c) if graded else None,
                c.get("mean_total"),
                *counts,
                c.get("error"),
                "\n".join(c.get("problems") or []) or None,
            ]
        )
    return header, rows


def write_report(path: Path, courses: list[dict[str, object]], skipped: Sequence[str] = ()) -> None:
    import xlsxwriter

    header, rows = report_rows(courses)
    book = xlsxwriter.Workbook(
        str(path),
        {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )
    try:
        bold = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        wrap = book.add_format({"text_wrap": True, "valign": "top"})
        number = book.add_format({"num_format": "0.00"})
        sheet = book.add_worksheet("Batch")
        sheet.write_row(0, 0, header, bold)
        last = len(header) - 1
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, str):
                    sheet.write_string(r, c, value, wrap if c >= last - 1 else None)
                else:
                    sheet.write_number(r, c, value, number if header[c] == "Mean total" else None)
        sheet.freeze_panes(1, 2)
        sheet.autofilter(0, 0, max(len(rows), 1), last)
        sheet.set_column(0, 1, 32)
        sheet.set_column(2, 3, 12)
        sheet.set_column(4, last - 2, 9)
        sheet.set_column(last - 1, last, 60)
        if skipped:  # what was not graded at all, in the report as on the terminal
            notes = book.add_worksheet("Skipped")
            notes.write_string(0, 0, "Not graded", bold)
            for r, text in enumerate(skipped, start=1):
                notes.write_string(r, 0, text)
            notes.set_column(0, 0, 110)
    finally:
        book.close()


# --- what the command line prints ----------------------------------------------------------


def print_summary(result: BatchResult) -> None:
    """The summary table on stdout (rich), then each failure with its first problems on stderr."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(title="gradeproc batch")
    for name in ("File", "Course", "Students", "Letters", "Flags", "Status"):
        table.add_column(name, justify="right" if name == "Students" else "left")
    for c in result.courses:  # the file tells apart two courses of the same name
        table.add_row(
            Text(str(c["path"])),
            Text(str(c.get("course") or "")),
            Text("" if c.get("students") is None else str(c["students"])),
            Text(_joined(c.get("letters"))),
            Text(_joined(c.get("flags"))),
            Text(str(c["status"]), style="red" if c["status"] == "failed" else ""),
        )
    out = Console()
    out.print(table)
    out.print(
        Text(
            f"{len(result.courses)} gradebooks: {result.count('ok')} graded, "
            f"{result.count('unchanged')} unchanged, {result.count('failed')} failed."
        )
    )
    ungraded = result.ungraded_students()
    if ungraded:
        out.print(
            Text(
                f"{ungraded} student{'s' if ungraded != 1 else ''} handed in work that has no "
                "score yet (flag UNGRADED): it is left out of their totals until it is graded."
            )
        )
    out.print(Text(f"Wrote {result.report}"))
    if result.registrar:
        out.print(Text(f"Wrote {result.registrar}"))
    for c in result.courses:  # plain lines, unwrapped, as `gradeproc process` prints problems
        if c["status"] == "failed":
            print(f"{c['path']}: {c.get('error')}", file=sys.stderr)
            for problem in c.get("problems") or []:
                print(f"  {problem}", file=sys.stderr)
    for note in result.notes:
        print(f"warning: {note}", file=sys.stderr)
