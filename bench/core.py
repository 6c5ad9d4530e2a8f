"""The compute core alone at scale, and a straightforward per-student loop to compare with.

`synthetic_gradebook(n_students, n_assessments)` builds validated frames in memory (no
files), so this measures only what lies between validated frames and the core's facts,
and, apart, what the writer then renders from them (Notes, Details rows).

    python bench/core.py [STUDENTS [LOOP_STUDENTS]]   # default 1,000,000 and 20,000
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gradeproc.compute import grade
from gradeproc.policy import (
    Category,
    LetterRange,
    Policy,
    build_bands,
    default_settings,
    parse_range,
)
from gradeproc.template import LETTERS
from gradeproc.validation import Gradebook

CATEGORIES = [
    Category("Homework", 40, "points", 2),
    Category("Quizzes", 20, "equal", 1),
    Category("Projects", 30, "points", 0),
    Category("Participation", 10, "points", 0),
]


def synthetic_gradebook(n_students: int, n_assessments: int = 20, seed: int = 0) -> Gradebook:
    rng = np.random.default_rng(seed)
    names = [f"A{j + 1}" for j in range(n_assessments)]
    share = [0.5, 0.3, 0.15]
    counts = [max(1, round(n_assessments * s)) for s in share]
    counts.append(max(1, n_assessments - sum(counts)))
    categories = np.repeat([c.name for c in CATEGORIES], counts)[:n_assessments]
    max_points = rng.choice([10.0, 20.0, 50.0, 100.0], n_assessments)
    start = pd.Timestamp("2024-09-10 23:59", tz="America/New_York").tz_convert("UTC")
    due = pd.Series([start + pd.Timedelta(days=7 * j) for j in range(n_assessments)], index=names)
    late_policy = pd.Series(categories != "Participation", index=names)
    students = pd.Index([f"S{i:07d}" for i in range(n_students)], name="Student ID")
    earned = np.round(rng.uniform(0.4, 1.0, (n_students, n_assessments)) * max_points * 2) / 2
    blank = rng.random(earned.shape) < 0.03
    excused = (rng.random(earned.shape) < 0.02) & ~blank
    earned[blank | excused] = np.nan
    offsets = rng.normal(-86_400, 86_400, earned.shape)  # seconds from due; ~10 % late
    offsets[rng.random(earned.shape) < 0.01] = 5 * 86_400
    due_ns = due.array.as_unit("ns").asi8
    submitted_ns = due_ns[None, :] + (offsets * 1e9).astype(np.int64)
    submitted = pd.DataFrame(
        {
            name: pd.Series(
                submitted_ns[:, j].view("datetime64[ns]"), index=students
            ).dt.tz_localize("UTC")
            for j, name in enumerate(names)
        }
    )
    settings = default_settings()
    letters = [
        LetterRange(letter, code, *parse_range(text), text=text) for letter, text, code in LETTERS
    ]
    bands, _, _ = build_bands(letters, settings["letter_gap_rule"])
    n_ext = max(1, n_students // 100)
    extensions = pd.DataFrame(
        {
            "student_id": students[:n_ext].to_numpy(dtype=object),
            "assessment": ["*"] * n_ext,
            "extra_days": np.full(n_ext, 2.0),
            "new_due": pd.Series([pd.NaT] * n_ext, dtype="datetime64[ns, UTC]"),
            "reason": ["accommodation"] * n_ext,
        }
    )
    roster = pd.DataFrame(
        {
            "Last name": np.full(n_students, "Doe", dtype=object),
            "First name": np.full(n_students, "Sam", dtype=object),
            "Email": np.full(n_students, None, dtype=object),
            "Section": np.full(n_students, "001", dtype=object),
        },
        index=students,
    )
    overrides = pd.DataFrame(
        {
            "Letter": ["I"],
            "Reason": ["incomplete"],
            "Incomplete final grade": [None],
            "Extension date": [None],
        },
        index=pd.Index([students[-1]], name="Student ID"),
    )
    return Gradebook(
        policy=Policy(settings, CATEGORIES, letters, bands),
        roster=roster,
        assessments=pd.DataFrame(
            {
                "category": categories,
                "max_points": max_points,
                "due": due,
                "late_policy": late_policy,
            },
            index=pd.Index(names, name="Assessment"),
        ),
        points=pd.DataFrame(earned, index=students, columns=names),
        excused=pd.DataFrame(excused, index=students, columns=names),
        submitted=submitted,
        extensions=extensions,
        overrides=overrides,
    )


def loop_grade(gradebook: Gradebook) -> list[tuple[str, float]]:
    """The straightforward way: one student at a time, plain Python, for comparison only.

    It applies the same rules (lateness, cutoff, excused, missing, drops by trying every set,
    weights); letters are left out, which only flatters it.
    """
    from itertools import combinations

    policy = gradebook.policy
    a = gradebook.assessments
    due = {name: t for name, t in a["due"].items()}
    results = []
    points = gradebook.points
    excused = gradebook.excused
    submitted = gradebook.submitted
    for sid in gradebook.roster.index:
        by_category: dict[str, list[tuple[float, float]]] = {}
        for name in a.index:
            if excused.at[sid, name]:
                continue
            raw = points.at[sid, name]
            score = 0.0 if math.isnan(raw) else raw
            sub = submitted.at[sid, name]
            if a.at[name, "late_policy"] and not pd.isna(sub):
                seconds = (sub - due[name]).total_seconds()
                if seconds > 0:
                    days = math.ceil(seconds / 86400)
                    if days > policy.late_max_days:
                        score = 0.0
                    else:
                        score = max(0.0, score - days * 5 * a.at[name, "max_points"] / 100)
            by_category.setdefault(a.at[name, "category"], []).append(
                (score, a.at[name, "max_points"])
            )
        total = weight = 0.0
        for c in policy.categories:
            items = by_category.get(c.name, [])
            if not items:
                continue
            keep = len(items) - min(c.drop_lowest, len(items) - 1)
            best = max(
                sum(e for e, _ in kept) / sum(m for _, m in kept)
                for kept in combinations(items, keep)
            )
            total += c.weight * best * 100
            weight += c.weight
        results.append((sid, total / weight if weight else float("nan")))
    return results


def time_core(n_students: int, n_assessments: int = 20) -> float:
    """Seconds for the compute core: validated frames in, facts out (no words, no rows)."""
    gradebook = synthetic_gradebook(n_students, n_assessments)
    start = time.perf_counter()
    grade(gradebook)
    return time.perf_counter() - start


def time_rendered(n_students: int, n_assessments: int = 20, notes: bool = True) -> float:
    """Seconds for the core and then what the writer renders from its facts: the Grades
    frame (with the Notes sentences unless `notes` is False) and the Details rows."""
    gradebook = synthetic_gradebook(n_students, n_assessments)
    start = time.perf_counter()
    grading = grade(gradebook, notes=notes)
    grading.grades, grading.details  # noqa: B018 (rendered on first use)
    return time.perf_counter() - start


def time_loop(n_students: int, n_assessments: int = 20) -> float:
    gradebook = synthetic_gradebook(n_students, n_assessments)
    start = time.perf_counter()
    loop_grade(gradebook)
    return time.perf_counter() - start


def output_size(n_students: int, n_assessments: int = 20) -> tuple[list[int], int]:
    """(bytes of each array the output frames hold, average Notes length), at this size.

    Measured on a 20,000-student sample and scaled: every output array is per student or
    per cell. Text shared between students (flags, letters, names) counts as its pointers.
    """
    sample = 20_000
    grading = grade(synthetic_gradebook(sample, n_assessments))
    arrays = []
    for frame in (grading.grades, grading.details):
        for name in frame.columns:
            values = frame[name].array
            if isinstance(values, pd.Categorical):
                arrays.append(values.codes.nbytes)
            else:
                arrays.append(
                    np.asarray(values).nbytes if values.dtype == object else values.nbytes
                )
    notes = grading.grades["Notes"].str.len().mean()
    return [round(b * n_students / sample) for b in arrays], round(notes)


def time_memory_floor(n_students: int, n_assessments: int = 20) -> float:
    """Seconds to write, once, into fresh memory, what the core's output frames hold.

    No compute core can beat this: its output has to land in memory. On these machines a
    page first touched costs much more than filling it, so at a million students this
    floor is seconds, not milliseconds. Run it in a fresh process, as `time_core`.
    """
    arrays, notes_length = output_size(n_students, n_assessments)
    synthetic_gradebook(n_students, n_assessments)  # the memory state time_core starts in
    start = time.perf_counter()
    kept = [np.empty(size, dtype=np.uint8) for size in arrays]
    for array in kept:
        array.fill(1)
    text = "n" * (2 * notes_length)
    kept.append(
        [text[i % notes_length : i % notes_length + notes_length] for i in range(n_students)]
    )
    return time.perf_counter() - start


FIGURES = {
    "core": lambda n: time_core(n),
    "rendered": lambda n: time_rendered(n),
    "rendered-without-notes": lambda n: time_rendered(n, notes=False),
    "floor": lambda n: time_memory_floor(n),
    "loop": lambda n: time_loop(n),
}


def measure_in_fresh_process(figure: str, n_students: int) -> float:
    """One figure in its own interpreter: each starts from the same clean memory."""
    import subprocess

    result = subprocess.run(
        [sys.executable, __file__, figure, str(n_students)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(result.stdout)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] in FIGURES:  # one figure, for measure_in_fresh_process
        print(FIGURES[sys.argv[1]](int(sys.argv[2])))
        raise SystemExit(0)
    import argparse

    parser = argparse.ArgumentParser(description="The compute core against a per-student loop.")
    parser.add_argument("students", nargs="?", type=int, default=1_000_000)
    parser.add_argument("loop_students", nargs="?", type=int, default=20_000)
    args = parser.parse_args()
    n, loop_n = args.students, args.loop_students
    core = measure_in_fresh_process("core", n)
    rendered = measure_in_fresh_process("rendered", n)
    numbers = measure_in_fresh_process("rendered-without-notes", n)
    floor = measure_in_fresh_process("floor", n)
    loop = measure_in_fresh_process("loop", loop_n) * n / loop_n
    print(f"compute core (facts), {n:,} x 20: {core:.2f} s")
    print(f"  per-student loop, measured on {loop_n:,} and scaled: {loop:.2f} s")
    print(f"  core / loop speed-up: {loop / core:.0f}x")
    print(f"  core + Grades with Notes + Details rows (what the writer renders): {rendered:.2f} s")
    print(f"  core + Grades without Notes + Details rows: {numbers:.2f} s")
    print(
        f"  memory floor (writing the rendered output once): {floor:.2f} s; "
        f"rendered / floor {rendered / floor:.2f}"
    )
