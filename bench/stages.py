"""One gradebook graded stage by stage inside a warm process: read, validate, grade, write.

    python bench/stages.py [BOOK.xlsx] [--runs 20] [--cpu] [--json] [--profile]

The first run warms the process (imports, caches) and is not counted; each stage's figure
is the median over `--runs` runs, in milliseconds of wall time (`--cpu`: of this process's
CPU time, which other work on a shared machine disturbs less). `--profile` adds cProfile's
top functions, which (with call counts) judge a change better than seconds on a busy machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "fall2024_optml.xlsx"
STAGES = ("read", "validate", "grade", "write")


CLOCK = time.perf_counter


def grade_once(source: Path, output: Path) -> dict[str, float]:
    """Seconds per stage of one `process` of `source`, as the library runs it."""
    from gradeproc.api import run_info
    from gradeproc.compute import grade
    from gradeproc.read import read_workbook
    from gradeproc.registrar import no_grade_findings
    from gradeproc.validation import validate_workbook
    from gradeproc.write.workbook import write_workbook

    t0 = CLOCK()
    workbook = read_workbook(source)
    t1 = CLOCK()
    gradebook, report = validate_workbook(workbook)
    if gradebook is None:
        raise SystemExit(f"{source} does not validate: {report.findings[:3]}")
    t2 = CLOCK()
    grading = grade(gradebook)
    gradebook.warnings.extend(
        no_grade_findings(grading.grades, workbook, sheet_rows=gradebook.sheet_rows)
    )
    t3 = CLOCK()
    warnings = [str(w) for w in gradebook.warnings]
    write_workbook(output, grading, gradebook, workbook, run_info(workbook, gradebook), warnings)
    t4 = CLOCK()
    return {"read": t1 - t0, "validate": t2 - t1, "grade": t3 - t2, "write": t4 - t3}


def stage_medians(source: Path, runs: int) -> dict[str, float]:
    """Median milliseconds per stage (and of the total) over `runs` warm runs."""
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "graded.xlsx"
        grade_once(source, output)  # warm-up, not counted
        samples = [grade_once(source, output) for _ in range(runs)]
    medians = {s: 1000 * statistics.median(x[s] for x in samples) for s in STAGES}
    medians["total"] = 1000 * statistics.median(sum(x.values()) for x in samples)
    return medians


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("book", nargs="?", type=Path, default=SAMPLE)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--cpu", action="store_true", help="CPU time instead of wall time")
    parser.add_argument("--json", action="store_true", help="print the medians as JSON only")
    parser.add_argument("--profile", action="store_true", help="add cProfile's top 30")
    args = parser.parse_args(argv)
    global CLOCK
    if args.cpu:
        CLOCK = time.process_time
    medians = stage_medians(args.book, args.runs)
    if args.json:
        print(json.dumps(medians))
        return 0
    for name, ms in medians.items():
        print(f"{name:9s} {ms:8.1f} ms")
    if args.profile:
        import cProfile
        import pstats

        with tempfile.TemporaryDirectory() as folder:
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(5):
                grade_once(args.book, Path(folder) / "graded.xlsx")
            profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
