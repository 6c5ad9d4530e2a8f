"""Every performance figure of gradeproc in one command, printed as tables.

    python bench/run.py            # the full run (several minutes on 2 cores)
    python bench/run.py --quick    # smaller sizes, to check the harness itself
    python bench/run.py --books 200  # the batch figure on 200 gradebooks instead of 1,000

End to end, each figure is `gradeproc process` in its own process (wall time and peak RSS)
against the I/O floor measured in the same run: read every input sheet with pandas +
calamine, write every output cell with xlsxwriter in constant_memory mode. Only the ratio
means much on a shared machine; seconds drift.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from core import measure_in_fresh_process  # noqa: E402
from floor import floor_seconds, read_values  # noqa: E402
from generate import generate_gradebook  # noqa: E402
from measure import print_table, run_timed  # noqa: E402

OUT = HERE / "out"
SAMPLE = HERE.parent / "sample_data" / "fall2024_optml.xlsx"


def book(n_students: int, n_assessments: int = 25) -> Path:
    """A generated gradebook, kept in bench/out/ so repeated runs skip generating it."""
    path = OUT / f"gb_{n_students}x{n_assessments}.xlsx"
    if not path.exists():
        OUT.mkdir(exist_ok=True)
        generate_gradebook(path, n_students, n_assessments, seed=0)
    return path


def end_to_end(n_students: int, folder: Path) -> dict[str, object]:
    source = book(n_students)
    output = folder / f"graded_{n_students}.xlsx"
    cmd = [sys.executable, "-m", "gradeproc", "process", str(source), "-o", str(output), "--force"]
    seconds, peak_mb = run_timed(cmd, stderr=subprocess.DEVNULL)
    floor = floor_seconds(source, output)
    cells = n_students * 25
    return {
        "students x 25": f"{n_students:,}",
        "gradeproc s": seconds,
        "floor s": floor["floor_s"],
        "ratio": seconds / floor["floor_s"],
        "peak MB": peak_mb,
        "us per cell": seconds / cells * 1e6,
    }


def stage_table(runs: int, clock: str) -> dict[str, object]:
    """The sample's 40-student book per stage, in a fresh process warmed by one run."""
    import json

    cmd = [sys.executable, str(HERE / "stages.py"), str(SAMPLE), "--runs", str(runs), "--json"]
    if clock == "CPU":
        cmd.append("--cpu")
    medians = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    return {"clock": clock, **{f"{name} ms": ms for name, ms in medians.items()}}


def compile_bytecode() -> None:
    """Write gradeproc's .pyc files, as `pip install` does for an installed copy.

    An editable checkout (or an environment with PYTHONDONTWRITEBYTECODE set) otherwise
    compiles every module from source at each start, a quarter of a second on the 2-core
    machine, which no installed gradeproc pays."""
    package = subprocess.run(
        [sys.executable, "-c", "import gradeproc, os; print(os.path.dirname(gradeproc.__file__))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    subprocess.run([sys.executable, "-m", "compileall", "-q", package], check=True)


def process_seconds(runs: int, folder: Path) -> tuple[float, float]:
    """(median wall s, peak MB) of `gradeproc process` on the sample, as a person runs it."""
    compile_bytecode()
    cmd = [
        sys.executable,
        "-m",
        "gradeproc",
        "process",
        str(SAMPLE),
        "-o",
        str(folder / "sample.graded.xlsx"),
        "--force",
    ]
    timed = [run_timed(cmd, stderr=subprocess.DEVNULL) for _ in range(runs)]
    return statistics.median(t for t, _ in timed), max(m for _, m in timed)


IMPORT_STEPS = [
    ("python itself", "pass"),
    ("+ numpy, pandas", "import pandas"),
    ("+ all that `process` loads", "import gradeproc.cli.grade, gradeproc.api"),
    ("(+ pandera, loaded for a failing cell)", "import gradeproc.api, gradeproc._pandera"),
]


def import_rows(runs: int = 5) -> list[dict[str, object]]:
    """What starting `gradeproc process` costs before any cell is read: each step in a fresh
    interpreter, best of `runs`, cumulative."""
    compile_bytecode()
    rows = []
    for step, code in IMPORT_STEPS:
        best = min(run_timed([sys.executable, "-c", code])[0] for _ in range(runs))
        rows.append({"start-up": step, "best of 5 s": best})
    return rows


def help_seconds() -> float:
    compile_bytecode()
    runs = [run_timed([sys.executable, "-m", "gradeproc", "--help"])[0] for _ in range(5)]
    return min(runs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--books", type=int, help="gradebooks in the batch figure (1,000)")
    args = parser.parse_args(argv)
    books = args.books or (20 if args.quick else 1_000)
    runs = 5 if args.quick else 20

    print("One 40-student gradebook (the sample) in a warm process, median of", runs, "runs")
    print("(target: total <= 100 ms)")
    print_table([stage_table(runs, "wall"), stage_table(runs, "CPU")], float_format=".1f")
    with tempfile.TemporaryDirectory() as folder:
        wall, peak = process_seconds(5, Path(folder))
        graded = Path(folder) / "sample.graded.xlsx"
        sample_floor = floor_seconds(SAMPLE, graded, repeat=runs)
        values = sum(v is not None for _, rows in read_values(graded) for row in rows for v in row)
    print(
        f"I/O floor of the same book, best of {runs}: reading its sheets "
        f"{sample_floor['read_s'] * 1000:.1f} ms + writing the {values:,} values of its graded "
        f"workbook {sample_floor['write_s'] * 1000:.1f} ms (no formats, comments or chart) = "
        f"{sample_floor['floor_s'] * 1000:.1f} ms"
    )
    print("\n`gradeproc process` of the sample as a person runs it (target <= 0.8 s)")
    print_table([{"command": "gradeproc process sample", "median of 5 s": wall, "peak MB": peak}])
    print("of which starting Python and importing the libraries:")
    print_table(import_rows(), float_format=".3f")

    print(f"\n`gradeproc batch` of {books:,} gradebooks x 40 students x 25 assessments (target")
    print("<= 60 s with --jobs 2, and <= 2 s when nothing changed); in its own process, so that")
    print("its largest process is one of its own (the memory a batch worker needs)")
    batch = [sys.executable, str(HERE / "batch.py"), str(books), "--jobs", "2"]
    print(subprocess.run(batch, check=True, capture_output=True, text=True).stdout, end="")
    sizes = [500, 2_000] if args.quick else [500, 5_000, 50_000]
    core_students = 100_000 if args.quick else 1_000_000
    loop_students = 2_000 if args.quick else 20_000

    with tempfile.TemporaryDirectory() as folder:
        rows = [end_to_end(n, Path(folder)) for n in sizes]
    print("\nEnd to end: gradeproc process vs the I/O floor (target ratio <= 1.3 at 5,000);")
    print("peak MB is the memory of one process, so of one batch worker on such a book")
    print_table(rows)

    # Each figure in a fresh interpreter, so none inherits another's memory.
    core = measure_in_fresh_process("core", core_students)
    rendered = measure_in_fresh_process("rendered", core_students)
    floor = measure_in_fresh_process("floor", core_students)
    loop = measure_in_fresh_process("loop", loop_students)
    per_student_core = core / core_students
    per_student_loop = loop / loop_students
    print("\nCompute core, validated frames to facts (target < 2 s at 1,000,000 x 20)")
    print_table(
        [
            {
                "students x 20": f"{core_students:,}",
                "core s": core,
                "core + Notes + Details s": rendered,
                "memory floor s": floor,
                "rendered / floor": rendered / floor,
                f"loop s (measured on {loop_students:,}, scaled)": per_student_loop * core_students,
                "speed-up": per_student_loop / per_student_core,
            }
        ],
        float_format=".2f",
    )

    help_s = help_seconds()
    print("\nStart-up (target < 0.3 s)")
    print_table([{"command": "gradeproc --help", "best of 5 s": help_s}])
    growth = [r["us per cell"] for r in rows]
    spread = max(growth) / min(growth)
    print(
        f"\nGrowth: {', '.join(f'{g:.1f}' for g in growth)} us per student-assessment cell "
        f"(max/min {spread:.2f}; 1.0 is perfectly linear; median {statistics.median(growth):.1f})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
