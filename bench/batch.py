"""`gradeproc batch` over a department or a registrar's term: N course gradebooks of 40 students.

Each graded run starts from an empty output folder (so nothing is skipped as unchanged) and is
the whole command as staff run it, interpreter start-up and imports included. A last run
repeats the 2-worker batch over its own output folder to time change detection, where every
gradebook is `unchanged`. Every row says books per second, and the CPU seconds of the command
and every process it started (its workers and the fork server included).

Usage::

    python bench/batch.py [N] [--students 40] [--jobs 1 2] [--keep DIR]

The N generated gradebooks are kept in bench/out/courses_N_S/ for the next run.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import resource
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import generate_course_folder  # noqa: E402
from measure import print_table, run_timed  # noqa: E402


def course_folder(n_courses: int, n_students: int) -> Path:
    """N generated gradebooks, made once and kept in bench/out/."""
    folder = HERE / "out" / f"courses_{n_courses}_{n_students}"
    done = folder / ".complete"
    if not done.exists():
        shutil.rmtree(folder, ignore_errors=True)
        generate_course_folder(folder, n_courses, n_students)
        done.touch()
    return folder


PR_SET_CHILD_SUBREAPER = 36


def adopt_orphans() -> None:
    """Become the reaper of this process's orphaned descendants (Linux), so that the CPU time
    of a batch's fork server and workers, which outlive their parent briefly, is counted."""
    # Elsewhere (no prctl) the CPU figure may leave out the workers.
    with contextlib.suppress(AttributeError, OSError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def children_cpu() -> float:
    """CPU seconds (user and system) of every descendant reaped so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def largest_child_mb() -> float:
    """The peak memory of the largest descendant reaped so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def run_measured(cmd: list[str]) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak MB) of a command and every process it started.

    The peak is of the largest single process: the command itself or one of its workers
    (reaped here, so the kernel counts them), so it is the memory one batch worker needs."""
    before = children_cpu()
    seconds, peak = run_timed(cmd)
    while True:  # reap the orphans (a fork server, its workers) to count their CPU
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            break
    return seconds, children_cpu() - before, max(peak, largest_child_mb())


def batch_command(in_dir: Path, out_dir: Path, jobs: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gradeproc",
        "batch",
        str(in_dir),
        "-o",
        str(out_dir),
        "--jobs",
        str(jobs),
        "--json",
    ]


def batch_rows(
    n_courses: int, n_students: int, jobs: Sequence[int], work: Path
) -> list[dict[str, object]]:
    """One row per graded run (each `--jobs`), then the re-run with nothing changed."""
    in_dir = course_folder(n_courses, n_students)

    def row(label: str, seconds: float, cpu: float, peak: float) -> dict[str, object]:
        return {
            "run": label,
            "gradebooks": n_courses,
            "students each": n_students,
            "seconds": seconds,
            "CPU s": cpu,
            "books per s": n_courses / seconds,
            "wall ms per book": 1000 * seconds / n_courses,
            "CPU ms per book": 1000 * cpu / n_courses,
            "largest process MB": peak,
        }

    adopt_orphans()
    rows = []
    for j in jobs:
        out_dir = work / f"graded-jobs{j}"
        shutil.rmtree(out_dir, ignore_errors=True)
        rows.append(row(f"--jobs {j}", *run_measured(batch_command(in_dir, out_dir, j))))
    last = max(jobs)
    again = run_measured(batch_command(in_dir, work / f"graded-jobs{last}", last))
    rows.append(row(f"--jobs {last}, all unchanged", *again))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("courses", nargs="?", type=int, default=200, help="gradebooks (N)")
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--keep", type=Path, help="write the graded folders here and keep them")
    args = parser.parse_args(argv)

    work = args.keep or Path(tempfile.mkdtemp(prefix="gradeproc-batch-bench-"))
    try:
        rows = batch_rows(args.courses, args.students, args.jobs, work)
        print(f"CPUs: {os.cpu_count()}")
        print_table(rows, float_format=".2f")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
