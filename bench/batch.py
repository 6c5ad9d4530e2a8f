"""`gradeproc batch` over a department: 200 course gradebooks of 40 students, 1 and 2 workers.

Each run starts from an empty output folder (so nothing is skipped as unchanged) and is the
whole command as an instructor runs it, interpreter start-up and imports included. A third
run repeats the 2-worker batch over its own output folder to time change detection, where
every gradebook is `unchanged`.

Usage::

    python bench/batch.py [--courses 200] [--students 40] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate_course_folder
from measure import print_table, run_timed


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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--courses", type=int, default=200)
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = parser.parse_args(argv)

    work = args.keep or Path(tempfile.mkdtemp(prefix="gradeproc-batch-bench-"))
    try:
        in_dir = work / "courses"
        if in_dir.exists():
            shutil.rmtree(in_dir)
        generate_course_folder(in_dir, args.courses, args.students)
        rows = []
        for jobs in (1, 2):
            out_dir = work / f"graded-jobs{jobs}"
            shutil.rmtree(out_dir, ignore_errors=True)
            seconds, peak = run_timed(batch_command(in_dir, out_dir, jobs))
            rows.append(
                {
                    "run": f"--jobs {jobs}",
                    "gradebooks": args.courses,
                    "students each": args.students,
                    "seconds": seconds,
                    "per book ms": 1000 * seconds / args.courses,
                    "peak MB": peak,
                }
            )
        seconds, peak = run_timed(batch_command(in_dir, work / "graded-jobs2", 2))
        rows.append(
            {
                "run": "--jobs 2, all unchanged",
                "gradebooks": args.courses,
                "students each": args.students,
                "seconds": seconds,
                "per book ms": 1000 * seconds / args.courses,
                "peak MB": peak,
            }
        )
        print(f"CPUs: {os.cpu_count()}")
        print_table(rows, float_format=".2f")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
