"""End of term: grade every gradebook under a folder, in worker processes, and report on them all.

Each gradebook goes through `gradeproc.api.process` on its own; one that fails (a problem in
the book, or anything unexpected) is reported and never stops the others. Workers send back a
small `CourseSummary`, from which the parent writes the combined registrar file, the batch
report workbook and the manifest `.gradeproc-batch.json` that lets the next run skip the
gradebooks whose SHA-256 has not changed. A run that finds nothing to change (every gradebook
unchanged, none gone, the report and the registrar file as the last run wrote them) writes
nothing, and decides so without loading pandas or the workbook writers.

Outputs of a batch are the batch's own: a graded workbook the manifest records (with the
SHA-256 it was written with) may be replaced when its gradebook changes; any other existing
file is replaced only with `force`.
"""

from __future__ import annotations

# This module is what each worker process imports to run `grade_one`, and what a re-run with
# nothing changed runs, so it imports at the top only what both need; the grading modules,
# pandas, rich and xlsxwriter are imported in the functions that use them (a worker loads the
# grading modules once, on its first book).
import errno
import hashlib
import json
import multiprocessing
import os
import stat
import sys
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, fields
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, cast

from gradeproc import __version__
from gradeproc.errors import (
    ERROR,
    FileProblem,
    GradeprocError,
    Interrupted,
    OutputExists,
    OutputPathWrong,
)
from gradeproc.safety import MB, max_uncompressed_bytes
from gradeproc.write.outputs import MSG_OUTPUT_IS_FOLDER, Outputs

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from gradeproc.api import Result

MANIFEST = ".gradeproc-batch.json"
REPORT = "batch_report.xlsx"
GRADED_SUFFIX = ".graded.xlsx"
MAX_PROBLEMS = 5
GENERIC_COLUMNS = ["Term", "Course", "Section", "Student ID", "Last name", "First name", "Grade"]
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


def file_sha256(path: Path) -> str:
    """A file's SHA-256; OSError for anything but a regular file (a pipe could never end)."""
    digest = hashlib.sha256()
    with open(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class CourseStatus(StrEnum):
    OK = "ok"
    UNCHANGED = "unchanged"  # graded by an earlier run, its summary reused
    FAILED = "failed"


@dataclass
class CourseSummary:
    """What a worker sends back about one gradebook, and what the manifest records of it.

    A new summary is a failure's: nothing known but the file; grading fills it in.
    """

    path: str
    output: str | None = None
    course: str | None = None
    term: str | None = None
    students: int | None = None
    letters: dict[str, int] = field(default_factory=dict)  # in the Letters-sheet order
    flags: dict[str, int] = field(default_factory=dict)
    ungraded_students: int | None = None
    mean_total: float | None = None
    status: CourseStatus = CourseStatus.FAILED
    error: str | None = None
    problems: list[str] = field(default_factory=list)
    warnings: int = 0
    # For the parent only (PRIVATE): the manifest keeps these, the JSON and the report do not.
    registrar_format: str = "generic"
    registrar_rows: list[dict[str, str]] = field(default_factory=list)
    sha256: str = ""
    output_sha256: str | None = None

    @property
    def graded(self) -> bool:
        return self.status != CourseStatus.FAILED

    def to_dict(self) -> dict[str, object]:
        """Every field, in order: what the manifest records."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def public(self) -> dict[str, object]:
        """What `batch --json` shows of a course."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in PRIVATE}

    @classmethod
    def recorded(cls, data: object) -> CourseSummary | None:
        """A summary as a manifest (or `batch --json`) gives it; None when it is not one.

        A summary recorded before `ungraded_students` was counted carries it in its flags.
        """
        if not isinstance(data, dict) or not isinstance(data.get("path"), str):
            return None
        if data.get("status") not in tuple(CourseStatus):
            return None
        summary = cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})
        summary.status = CourseStatus(summary.status)
        shapes = (
            (summary.letters, dict),
            (summary.flags, dict),
            (summary.problems, list),
            (summary.registrar_rows, list),
        )
        if not all(isinstance(value, kind) for value, kind in shapes):
            return None
        if "ungraded_students" not in data and summary.graded:
            summary.ungraded_students = int(summary.flags.get("UNGRADED", 0))
        return summary


PRIVATE = frozenset({"registrar_format", "registrar_rows", "sha256", "output_sha256"})


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):  # NaN
        return ""
    return str(value)


def _combined_rows(result: Result, registrar_format: str) -> list[dict[str, str]]:
    frame = result.registrar_rows
    assert frame is not None  # `process` makes them in the requested profile, written or not
    rows = [{str(k): _text(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]
    if registrar_format != "generic":
        return rows
    course = {
        "Term": _text(result.settings.get("term")),
        "Course": _text(result.settings.get("course")),
    }
    return [course | {c: row[c] for c in GENERIC_COLUMNS[2:]} for row in rows]


def _failed(job: Job, error: str | None = None) -> CourseSummary:
    """A gradebook's summary before it is graded: what a failure reports."""
    return CourseSummary(
        job.relative, error=error, registrar_format=job.registrar_format, sha256=job.sha256
    )


def grade_one(job: Job) -> CourseSummary:
    """Grade one gradebook (in a worker process) and return its summary; never raises."""
    from gradeproc.api import process

    summary = _failed(job)
    try:
        result = process(
            job.source,
            output=job.output,
            force=job.replace,
            registrar_format=job.registrar_format,
        )
        facts = result.to_dict()  # counted once: the letters, flags and mean `process` reports
        mean = facts["mean_total"]
        return CourseSummary(
            job.relative,
            output=job.output,
            course=_text(result.settings.get("course")) or None,
            term=_text(result.settings.get("term")) or None,
            students=len(result.grades),
            letters=cast(dict[str, int], facts["letters"]),  # in the Letters-sheet order
            flags=cast(dict[str, int], facts["flags"]),
            ungraded_students=cast(int, facts["ungraded_students"]),
            mean_total=float(mean) if isinstance(mean, int | float) else None,
            status=CourseStatus.OK,
            warnings=len(result.warnings),
            registrar_format=job.registrar_format,
            registrar_rows=_combined_rows(result, job.registrar_format),
            sha256=result.input_sha256,
            output_sha256=file_sha256(Path(job.output)),
        )
    except Interrupted:
        raise
    except GradeprocError as error:
        errors = [f for f in error.findings if f.severity == ERROR] or error.findings
        summary.error = error.message
        summary.problems = [str(f) for f in errors[:MAX_PROBLEMS]]
    except Exception as error:  # a bug or a hostile file: reported, and the batch goes on
        summary.error = f"unexpected error: {type(error).__name__}: {error}"
    return summary


# --- the batch -------------------------------------------------------------------------------


@dataclass
class BatchResult:
    """Every gradebook's summary, in path order, and the files the batch wrote."""

    courses: list[CourseSummary]
    report: Path
    registrar: Path | None = None
    notes: list[str] = field(default_factory=list)
    # Entries named *.xlsx that were not read, and folders that could not be: also in notes.
    skipped: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for c in self.courses if c.status == status)

    @property
    def ok(self) -> bool:
        return self.count(CourseStatus.FAILED) == 0 and not self.skipped

    def ungraded_students(self) -> int:
        """Students, over every graded course, with work handed in but not graded yet."""
        return sum(c.ungraded_students or 0 for c in self.courses if c.graded)

    def to_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "gradebooks": len(self.courses),
            "graded": self.count(CourseStatus.OK),
            "unchanged": self.count(CourseStatus.UNCHANGED),
            "failed": self.count(CourseStatus.FAILED),
            "ungraded_students": self.ungraded_students(),
            "courses": [c.public() for c in self.courses],
            "report": str(self.report),
            "registrar": str(self.registrar) if self.registrar else None,
            "notes": self.notes,
        }


@dataclass
class Manifest:
    """What the last batch into a folder recorded: per gradebook (relative path) its SHA-256,
    the gradeproc that graded it, its output's SHA-256 and its summary; the combined registrar
    file and the report it wrote (path or skipped entries, and SHA-256)."""

    files: dict[str, dict[str, object]] = field(default_factory=dict)
    registrar: dict[str, object] | None = None
    report: dict[str, object] | None = None
    gradeproc: str | None = None

    def entry(self, key: str) -> dict[str, object]:
        return self.files.get(key) or {}

    def to_dict(self) -> dict[str, object]:
        return {
            "gradeproc": self.gradeproc,
            "registrar": self.registrar,
            "report": self.report,
            "files": self.files,
        }


def _record(value: object) -> dict[str, object] | None:
    return value if isinstance(value, dict) else None


def read_manifest(path: Path) -> Manifest:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Manifest()
    if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
        return Manifest()
    files = {str(k): v for k, v in data["files"].items() if isinstance(v, dict)}
    version = data.get("gradeproc")
    return Manifest(
        files,
        _record(data.get("registrar")),
        _record(data.get("report")),
        version if isinstance(version, str) else None,
    )


def _owned(path: Path, recorded: object) -> bool:
    """The file is as the batch last wrote it (so the batch may replace it)."""
    return isinstance(recorded, str) and path.is_file() and file_sha256(path) == recorded


def plan(
    in_dir: Path,
    out_dir: Path,
    manifest: Manifest,
    registrar_format: str,
    want_registrar: bool,
    force: bool,
    skipped: list[str] | None = None,
) -> tuple[list[Job], dict[str, CourseSummary]]:
    """(jobs to grade, summaries reused as `unchanged`), keyed by relative path.

    A gradebook is regraded when its SHA-256 changed, its output is missing, it failed last
    time, it was graded by another gradeproc version (whose rules may differ), or its
    registrar rows were made for another profile than the one now needed.
    """
    jobs: list[Job] = []
    reused: dict[str, CourseSummary] = {}
    for relative in find_gradebooks(in_dir, out_dir, skipped):
        key = relative.as_posix()
        source = in_dir / relative
        output = output_for(relative, out_dir)
        entry = manifest.entry(key)
        summary = CourseSummary.recorded(entry.get("summary"))
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
            and summary.graded
            and output.exists()
            and (
                summary.registrar_format == registrar_format
                or (registrar_format == "generic" and not want_registrar)
            )
        )
        if fresh and summary is not None:
            summary.status = CourseStatus.UNCHANGED
            reused[key] = summary
            continue
        replace = force or not output.exists() or _owned(output, entry.get("output_sha256"))
        jobs.append(Job(str(source), str(output), key, sha, replace, registrar_format))
    return jobs, reused


def _executor(workers: int) -> Executor:
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


def _run_jobs(jobs: list[Job], workers: int, done: Callable[[CourseSummary], None]) -> None:
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
            done(_failed(job, WORKER_STOPPED))


def _run_pool(jobs: list[Job], workers: int, done: Callable[[CourseSummary], None]) -> list[Job]:
    """Grade the jobs in a pool of worker processes; return those a dead worker stranded."""
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
                    done(_failed(futures[future], reason))
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    return sorted(stranded, key=lambda job: job.relative)


def _progress(total: int) -> tuple[Progress, TaskID]:
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
    if registrar_format != "generic":  # the built-in generic profile cannot be broken
        from gradeproc.registrar import load_profile

        load_profile(registrar_format)  # a broken profile stops the batch before any work
    in_dir, out_dir = Path(in_dir), Path(out_dir)
    if not in_dir.is_dir():
        raise FileProblem(f"{in_dir} is not a folder")
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputPathWrong(f"{out_dir} is a file; give the folder to write the outputs in")
    manifest = read_manifest(out_dir / MANIFEST)
    registrar_path = Path(registrar) if registrar else None
    if registrar_path is not None and registrar_path.is_dir():
        raise OutputPathWrong(MSG_OUTPUT_IS_FOLDER.format(target=registrar_path))
    if (
        registrar_path is not None
        and registrar_path.exists()
        and not force
        and not _registrar_owned(manifest, registrar_path)
    ):
        raise OutputExists(f"{registrar_path} already exists; add --force to replace it")

    skipped: list[str] = []
    todo, summaries = plan(
        in_dir, out_dir, manifest, registrar_format, registrar_path is not None, force, skipped
    )
    if todo:
        _grade(todo, jobs, summaries, out_dir, manifest, registrar_format, progress)
    result = BatchResult(_in_order(summaries), out_dir / REPORT, registrar_path)
    result.skipped = skipped
    result.notes.extend(skipped)
    inputs = [in_dir / c.path for c in result.courses]
    files = _files(manifest, summaries, everything=True)
    if not _as_written(out_dir, manifest, files, registrar_path, skipped, result.courses):
        _write_outputs(
            out_dir,
            manifest,
            files,
            result.courses,
            registrar_path,
            registrar_format,
            inputs,
            skipped,
        )
    if not result.courses:
        result.notes.append(f"no gradebooks (*.xlsx) found in {in_dir}")
    failed = result.count(CourseStatus.FAILED)
    if registrar_path is not None and failed:
        result.notes.append(
            f"{registrar_path} leaves out the {failed} gradebook{'s' if failed != 1 else ''} "
            "that failed"
        )
    return result


def _grade(
    todo: list[Job],
    jobs: int | None,
    summaries: dict[str, CourseSummary],
    out_dir: Path,
    manifest: Manifest,
    registrar_format: str,
    progress: bool,
) -> None:
    """Grade `todo` into `summaries`; after an interrupt, record what was graded and re-raise."""
    bar = _progress(len(todo) + len(summaries)) if progress and sys.stderr.isatty() else None

    def done(summary: CourseSummary) -> None:
        summaries[summary.path] = summary
        if bar is not None:
            bar[0].advance(bar[1])

    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    try:
        if bar is not None:
            bar[0].start()
            bar[0].advance(bar[1], len(summaries))
        _run_jobs(todo, workers, done)
    except BaseException:  # interrupted: keep what was graded for the next run
        files = _files(manifest, summaries, everything=False)
        _write_outputs(out_dir, manifest, files, [], None, registrar_format, None)
        raise
    finally:
        if bar is not None:
            bar[0].stop()


def _registrar_owned(manifest: Manifest, path: Path) -> bool:
    """The combined registrar file at `path` is as the last batch into this folder wrote it."""
    previous = manifest.registrar or {}
    return previous.get("path") == str(path.resolve()) and _owned(path, previous.get("sha256"))


def _in_order(summaries: Mapping[str, CourseSummary]) -> list[CourseSummary]:
    return [summaries[k] for k in sorted(summaries)]


def _files(
    manifest: Manifest, summaries: Mapping[str, CourseSummary], everything: bool
) -> dict[str, dict[str, object]]:
    """The manifest's entries after this run: one per summary; with `everything` False (after
    an interrupt) the entries of the gradebooks not reached yet are kept, so that the next
    run knows their outputs."""
    files = {} if everything else dict(manifest.files)
    for key, c in summaries.items():
        before = manifest.entry(key)
        unchanged = c.status == CourseStatus.UNCHANGED
        summary = c.to_dict()
        if unchanged:
            summary["status"] = CourseStatus.OK
        files[key] = {
            "sha256": c.sha256,
            # The version that graded it: an unchanged course keeps the one recorded before.
            "gradeproc": before.get("gradeproc") if unchanged else __version__,
            # A failure writes nothing: the output of an earlier run stays the batch's own.
            "output_sha256": c.output_sha256 or before.get("output_sha256"),
            "summary": summary,
        }
    return files


def _as_written(
    out_dir: Path,
    manifest: Manifest,
    files: dict[str, dict[str, object]],
    registrar: Path | None,
    skipped: Sequence[str],
    courses: Sequence[CourseSummary],
) -> bool:
    """Every output of the batch is already as this run would write it: the manifest would
    record the same, and the report and registrar file are as the last run wrote them."""
    report = manifest.report or {}
    return (
        manifest.gradeproc == __version__
        and files == manifest.files
        and report.get("skipped") == list(skipped)
        and _owned(out_dir / REPORT, report.get("sha256"))
        and (registrar is None or (bool(courses) and _registrar_owned(manifest, registrar)))
    )


def _write_outputs(
    out_dir: Path,
    manifest: Manifest,
    files: dict[str, dict[str, object]],
    courses: list[CourseSummary],
    registrar: Path | None,
    registrar_format: str,
    inputs: list[Path] | None,
    skipped: Sequence[str] = (),
) -> None:
    """The report, the combined registrar file and the manifest, together.

    With `inputs` None (after an interrupt) only the manifest is written.
    """
    written = Manifest(files, manifest.registrar, manifest.report, __version__)
    with Outputs(force=True) as outputs:
        protect = inputs or []
        report = outputs.claim(out_dir / REPORT, protect=protect) if inputs is not None else None
        combined = outputs.claim(registrar, protect=protect) if registrar is not None else None
        manifest_temp = outputs.claim(out_dir / MANIFEST)
        if report is not None:
            with outputs.writing(report):
                write_report(report, courses, list(skipped))
            written.report = {"sha256": file_sha256(report), "skipped": list(skipped)}
        if registrar is not None and combined is not None:
            with outputs.writing(combined):
                write_combined_registrar(combined, courses, registrar_format, registrar)
            written.registrar = {"path": str(registrar.resolve()), "sha256": file_sha256(combined)}
        # Compact: json's C encoder (an indented dump runs in Python, seconds for 1,000 books).
        with outputs.writing(manifest_temp):
            text = json.dumps(written.to_dict(), sort_keys=True, separators=(",", ":"))
            manifest_temp.write_text(text, encoding="utf-8")


def write_combined_registrar(
    path: Path, courses: list[CourseSummary], fmt: str, target: Path | None = None
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
    rows = [row for c in courses if c.graded for row in c.registrar_rows]
    frame = pd.DataFrame(rows, columns=columns, dtype=object)
    if profile is None:
        write_csv(frame, path)
    else:
        write_registrar(frame, profile, path, target or path)


# --- the report ------------------------------------------------------------------------------


def _joined(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items())


def letter_order(letters: Sequence[Mapping[str, int]]) -> list[str]:
    """Every letter of the courses (each course's letter counts), each course's in its
    Letters-sheet order.

    Courses are taken in path order; a letter one course adds goes right after the letter
    before it in that course (or before the one after it), so syllabi that share a scale
    keep it, and the order is the same on every run."""
    order: list[str] = []
    for counts in letters:
        own = list(counts)
        for k, letter in enumerate(own):
            if letter in order:
                continue
            if k and own[k - 1] in order:  # right after the letter before it
                order.insert(order.index(own[k - 1]) + 1, letter)
                continue
            later = [x for x in own[k + 1 :] if x in order]  # else before the one after it
            order.insert(order.index(later[0]) if later else len(order), letter)
    return order


def report_rows(courses: Sequence[CourseSummary]) -> tuple[list[str], list[list[object]]]:
    """The batch report's header and one row per course (counts per letter and per flag)."""
    letters = letter_order([c.letters for c in courses])
    flags = sorted({k for c in courses for k in c.flags})
    header = ["File", "Course", "Term", "Status", "Students", "Ungraded", "Mean total"]
    header += letters + flags + ["Error", "Problems"]
    rows: list[list[object]] = []
    for c in courses:
        counts: list[object] = [c.letters.get(x, 0) if c.graded else None for x in letters]
        counts += [c.flags.get(x, 0) if c.graded else None for x in flags]
        rows.append(
            [
                c.path,
                c.course,
                c.term,
                str(c.status),
                c.students,
                (c.ungraded_students or 0) if c.graded else None,
                c.mean_total,
                *counts,
                c.error,
                "\n".join(c.problems) or None,
            ]
        )
    return header, rows


def write_report(path: Path, courses: Sequence[CourseSummary], skipped: Sequence[str] = ()) -> None:
    from gradeproc.write.cells import new_workbook

    header, rows = report_rows(courses)
    book = new_workbook(path)
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
            Text(c.path),
            Text(c.course or ""),
            Text("" if c.students is None else str(c.students)),
            Text(_joined(c.letters)),
            Text(_joined(c.flags)),
            Text(str(c.status), style="" if c.graded else "red"),
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
        if not c.graded:
            print(f"{c.path}: {c.error}", file=sys.stderr)
            for problem in c.problems:
                print(f"  {problem}", file=sys.stderr)
    for note in result.notes:
        print(f"warning: {note}", file=sys.stderr)
