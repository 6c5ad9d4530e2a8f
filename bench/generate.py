"""Synthetic gradebooks for gradeproc's benchmarks.

Writes a realistic gradebook that follows the workbook contract
(the layout in ``docs/guide.md``) quickly: the data is generated with numpy
and written row by row with xlsxwriter in ``constant_memory`` mode, so 50,000
students x 25 assessments take seconds.

What the books contain (every choice is deliberate, see the module's notes):

- ``Policy``: the syllabus defaults, course ``BENCH 101 n=<n>``.
- ``Categories``: Homework 40 points drop 2, Quizzes 20 equal drop 1,
  Projects 30 points, Participation 10 points.
- ``Letters``: the syllabus table (with its gap at exactly 93).
- ``Assessments``: HW*/Quiz*/Project*/Participation with max points
  10/20/50/100; one homework is due 2024-11-02 23:59, the evening before the
  2024-11-03 DST change. Participation has no late policy and a blank ``Due``.
- ``Roster``: IDs ``S0000001``... written as text, sorted by last name, so the
  roster order differs from the ID order of ``Scores``/``Submitted``.
- ``Scores``: ~2% ``EX``, ~3% blank, the rest 0 <= score <= max in 0.5 steps.
- ``Submitted``: Excel datetimes (local wall-clock time, as an LMS export
  shows them): most on time, ~10% 1-3 days late, ~1% more than 3 days late; a
  few submissions around the DST change chosen so elapsed time and wall-clock
  difference give different days late.
- ``Extensions``: ~1% of students; ``*`` rows, specific rows, ``New due`` rows
  and a few students with both a ``*`` and a specific row.
- ``Overrides``: a handful of ``I`` / ``F`` letters.

Usage::

    python bench/generate.py OUT.xlsx --students N [--assessments M] [--seed S]
    python bench/generate.py OUT_DIR --courses K --students N   # a batch folder
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from gradeproc import template

TIMEZONE = "America/New_York"
TERM = "Fall 2024"
DATE_FORMAT = "yyyy-mm-dd hh:mm:ss"
EXCEL_EPOCH = np.datetime64("1899-12-30T00:00:00", "s")
SECONDS_PER_DAY = 86_400.0

# The Policy sheet: the syllabus defaults (policy.md), course name filled in later.
POLICY_SETTINGS: tuple[tuple[str, object], ...] = (
    ("term", TERM),
    ("timezone", TIMEZONE),
    ("late_penalty_percent_per_day", 5),
    ("late_max_days", 3),
    ("late_deduction_basis", "max_points"),
    ("late_grace_minutes", 0),
    ("blank_scores", "zero"),
    ("total_decimals", 2),
    ("letter_gap_rule", "higher"),
    ("borderline_margin", 0.5),
    ("allow_extra_credit", "N"),
)

# (Category, Weight, Aggregation, Drop lowest)
CATEGORIES: tuple[tuple[str, int, str, int], ...] = (
    ("Homework", 40, "points", 2),
    ("Quizzes", 20, "equal", 1),
    ("Projects", 30, "points", 0),
    ("Participation", 10, "points", 0),
)

# (Letter, Range, Registrar code): the syllabus table, policy.md section 3.
LETTERS = template.LETTERS

_FIRST_NAMES = (
    "Aaliyah Aiden Amara Ana Andre Aria Ben Camila Carlos Chen Chloe Daniel Deja Diego "
    "Elena Eli Emma Ethan Fatima Gabriel Grace Hana Hiro Isabella Ivan Jamal Jia Jose "
    "Kai Kenji Laila Leo Liam Lucia Maria Mateo Maya Mei Mohammed Nadia Noah Nora Olivia "
    "Omar Priya Rafael Rosa Ryan Sakura Samuel Sara Sofia Tariq Thandiwe Valentina Wei "
    "Yusuf Zara Zoe"
)
_LAST_NAMES = (
    "Abara Adams Ahmed Alvarez Anderson Bauer Brown Chen Clark Cohen Davis Diaz Dubois "
    "Edwards Fischer Garcia Gonzalez Gupta Haddad Hall Hernandez Ito Jackson Johnson Kim "
    "Kowalski Lee Lopez Martin Martinez Miller Moore Mueller Nakamura Nguyen O'Brien "
    "Okafor Olsen Patel Perez Petrov Ramirez Robinson Rossi Santos Schmidt Silva Singh "
    "Smith Suzuki Taylor Thomas Tran Walker Wang Williams Wilson Wong Young Zhang"
)
FIRST_NAMES = tuple(_FIRST_NAMES.split())
LAST_NAMES = tuple(_LAST_NAMES.split())

EXTENSION_REASONS = (
    "Accommodation letter (SDS)",
    "Medical note",
    "Family emergency",
    "University athletics travel",
    "Religious observance",
)
OVERRIDES = (
    ("I", "Incomplete approved by the department"),
    ("F", "Academic integrity violation"),
)

COURSE_NAMES = (
    "BIO 101 Introduction to Biology",
    "CHEM 110 General Chemistry",
    "CS 150 Programming Fundamentals",
    "ECON 201 Microeconomics",
    "ENG 102 Academic Writing",
    "HIST 210 Modern World History",
    "MATH 221 Linear Algebra",
    "PHYS 140 Mechanics",
    "PSYC 100 Introduction to Psychology",
    "STAT 230 Applied Statistics",
)

# Submissions around the 2024-11-03 DST change (clocks go back 02:00 -> 01:00),
# for the homework due 2024-11-02 23:59 (naive local times, as in the sheet):
#  - 01:30 happens twice that night (an ambiguous time; 1 day late either way);
#  - 24 h of wall clock after the due time is 25 h elapsed: 2 days late, not 1;
#  - 72 h of wall clock after the due time is 73 h elapsed: 4 days, rejected.
DST_DUE = np.datetime64("2024-11-02T23:59:00", "s")
DST_SUBMISSIONS = (
    np.datetime64("2024-11-03T01:30:00", "s"),
    np.datetime64("2024-11-03T23:59:00", "s"),
    np.datetime64("2024-11-05T23:59:00", "s"),
)


@dataclass(frozen=True)
class Assessment:
    name: str
    category: str
    max_points: float
    due: np.datetime64 | None  # naive local wall-clock time; None: no due date
    late_policy: bool


def _assessment_plan(n_assessments: int, rng: np.random.Generator) -> list[Assessment]:
    """Spread n assessments over the four categories, with due dates across the term."""
    if n_assessments < 4:
        raise ValueError("n_assessments must be at least 4 (one per category)")
    n_part = 1
    n_proj = max(1, round(n_assessments * 0.12))
    n_quiz = max(1, round(n_assessments * 0.32))
    n_hw = n_assessments - n_part - n_proj - n_quiz
    if n_hw < 1:  # only for tiny n
        n_quiz -= 1
        n_hw += 1

    hw_max = rng.choice([10.0, 20.0], size=n_hw, p=[0.6, 0.4])
    quiz_max = rng.choice([10.0, 20.0], size=n_quiz)
    proj_max = np.where(np.arange(n_proj) == n_proj - 1, 100.0, 50.0)

    # Due dates: every late-policy item due at 23:59 on a day between
    # 2024-09-06 and 2024-12-06, evenly spaced, categories interleaved.
    items: list[tuple[str, str, float]] = []
    items += [(f"HW{i + 1}", "Homework", float(m)) for i, m in enumerate(hw_max)]
    items += [(f"Quiz{i + 1}", "Quizzes", float(m)) for i, m in enumerate(quiz_max)]
    items += [(f"Project{i + 1}", "Projects", float(m)) for i, m in enumerate(proj_max)]
    first, last = np.datetime64("2024-09-06", "D"), np.datetime64("2024-12-06", "D")
    span = int((last - first) / np.timedelta64(1, "D"))
    # Stable within-category order; categories interleaved by their own spacing.
    fractions = []
    for cat, count in (("Homework", n_hw), ("Quizzes", n_quiz), ("Projects", n_proj)):
        offset = {"Homework": 0.0, "Quizzes": 0.35, "Projects": 0.9}[cat]
        for i in range(count):
            frac = (i + offset) / count if cat != "Projects" else (i + 1) / count
            fractions.append(min(frac, 1.0))
    days = [first + np.timedelta64(round(f * span), "D") for f in fractions]
    due_times = [np.datetime64(d, "s") + np.timedelta64(23 * 3600 + 59 * 60, "s") for d in days]

    # The homework due closest to the DST change is due 2024-11-02 23:59.
    hw_idx = [i for i, it in enumerate(items) if it[1] == "Homework"]
    closest = min(hw_idx, key=lambda i: abs(due_times[i] - DST_DUE))
    due_times[closest] = DST_DUE
    for i in range(len(items)):  # nothing else due that same evening
        if i != closest and due_times[i] == DST_DUE:
            due_times[i] = DST_DUE - np.timedelta64(1, "D")

    plan = [
        Assessment(name, cat, mx, due, True)
        for (name, cat, mx), due in zip(items, due_times, strict=True)
    ]
    plan.append(Assessment("Participation", "Participation", 100.0, None, False))
    # Sheet order: homework, quizzes, projects, participation (as a gradebook has them).
    return plan


def _naive_local_after(due: np.ndarray, elapsed_s: np.ndarray) -> np.ndarray:
    """Naive local wall-clock time ``elapsed_s`` real seconds after naive local ``due``."""
    due_idx = pd.DatetimeIndex(due.astype("datetime64[s]"))
    utc = due_idx.tz_localize(TIMEZONE, ambiguous=False, nonexistent="shift_forward").tz_convert(
        "UTC"
    )
    later = utc + pd.to_timedelta(elapsed_s.astype(np.int64), unit="s")
    return later.tz_convert(TIMEZONE).tz_localize(None).to_numpy().astype("datetime64[s]")


def _excel_serial(naive: np.ndarray) -> np.ndarray:
    """Excel serial day numbers for naive datetime64[s] values (whole seconds)."""
    seconds = (naive.astype("datetime64[s]") - EXCEL_EPOCH).astype(np.int64)
    return seconds / SECONDS_PER_DAY


def _names(rng: np.random.Generator, n: int) -> tuple[list[str], list[str]]:
    first = np.asarray(FIRST_NAMES, dtype=object)[rng.integers(0, len(FIRST_NAMES), n)]
    last = np.asarray(LAST_NAMES, dtype=object)[rng.integers(0, len(LAST_NAMES), n)]
    return first.tolist(), last.tolist()


def generate_gradebook(
    path: str | os.PathLike[str],
    n_students: int,
    n_assessments: int = 25,
    seed: int = 0,
    *,
    course: str | None = None,
    extra_settings: Mapping[str, object] | None = None,
) -> Path:
    """Write a synthetic gradebook to ``path`` and return the path.

    ``course`` defaults to ``BENCH 101 n=<n_students>``. ``extra_settings``
    appends rows to the ``Policy`` sheet (e.g. ``{"term_code": "202410"}``);
    none by default, because the contract treats an unknown setting as an
    error.
    """
    if n_students < 1:
        raise ValueError("n_students must be at least 1")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    plan = _assessment_plan(n_assessments, rng)
    n, m = n_students, len(plan)
    maxes = np.array([a.max_points for a in plan])

    # --- Roster --------------------------------------------------------------
    ids = [f"S{i:07d}" for i in range(1, n + 1)]
    first, last = _names(rng, n)
    sections = np.array(["001", "002", "003", "004"], dtype=object)[rng.integers(0, 4, n)]
    emails = [
        f"{f.lower()}.{ln.lower().replace(chr(39), '')}{i[1:].lstrip('0')}@example.edu"
        for f, ln, i in zip(first, last, ids, strict=True)
    ]
    roster_order = np.lexsort((np.arange(n), first, last))  # by last, first name

    # --- Scores --------------------------------------------------------------
    ability = np.clip(rng.normal(0.83, 0.10, size=n), 0.25, 1.0)
    difficulty = rng.normal(0.0, 0.04, size=m)
    frac = ability[:, None] - difficulty[None, :] + rng.normal(0.0, 0.08, size=(n, m))
    frac = np.clip(frac, 0.0, 1.0)
    points = np.round(frac * maxes * 2.0) / 2.0  # half points, 0 <= p <= max
    u = rng.random((n, m))
    excused = u < 0.02
    blank = (u >= 0.02) & (u < 0.05)

    # --- Submitted (late-policy assessments only) ------------------------------
    late_cols = [j for j, a in enumerate(plan) if a.late_policy]
    due = np.array([plan[j].due for j in late_cols], dtype="datetime64[s]")
    k = len(late_cols)
    v = rng.random((n, k))
    elapsed = np.empty((n, k), dtype=np.int64)
    on_time = v >= 0.11
    late = (v >= 0.01) & (v < 0.11)
    very_late = v < 0.01
    # On time: up to 4 days early, skewed towards the deadline; never after it.
    elapsed[on_time] = -np.minimum(rng.exponential(8 * 3600, on_time.sum()), 4 * 86_400).astype(
        np.int64
    )
    elapsed[late] = rng.integers(1, 3 * 86_400 + 1, late.sum())  # 1 s .. exactly 72 h
    elapsed[very_late] = rng.integers(3 * 86_400 + 1, 10 * 86_400, very_late.sum())
    due_grid = np.broadcast_to(due, (n, k))

    # A few submissions around the DST change (see DST_SUBMISSIONS).
    dst_col = next(i for i, j in enumerate(late_cols) if plan[j].due == DST_DUE)
    n_dst = min(n, max(len(DST_SUBMISSIONS), n // 500))
    dst_students = rng.choice(n, size=n_dst, replace=False)

    # --- Extensions ----------------------------------------------------------
    n_ext = min(n, max(1, round(n * 0.01))) if n >= 10 else 0
    ext_students = rng.choice(n, size=n_ext, replace=False) if n_ext else np.array([], int)
    ext_rows: list[tuple[str, str, float | None, float | None, str]] = []
    forced_ontime: list[tuple[int, int, int]] = []  # (student, late col, elapsed s)
    for idx, s in enumerate(ext_students.tolist()):
        reason = EXTENSION_REASONS[idx % len(EXTENSION_REASONS)]
        kind = idx % 5  # 0,1: '*'; 2,3: one assessment, extra days; 4: one, new due
        if kind in (0, 1):
            days = float(rng.choice([1.0, 2.0, 3.0, 0.5, 1.5]))
            ext_rows.append((ids[s], "*", days, None, reason))
        if kind in (1, 2, 3, 4):  # kind 1: a '*' row and a specific row (specific wins)
            c = int(rng.integers(0, k))
            name = plan[late_cols[c]].name
            if kind == 4:
                new_due = due[c] + np.timedelta64(int(rng.integers(1, 6)) * 86_400 - 11 * 3600, "s")
                ext_rows.append((ids[s], name, None, float(_excel_serial(new_due)), reason))
                allowed = int((new_due - due[c]) / np.timedelta64(1, "s"))
            else:
                days = float(rng.choice([2.0, 3.0, 5.0, 7.0]))
                ext_rows.append((ids[s], name, days, None, reason))
                allowed = int(days * 86_400)
            # Submitted after the original due time but within the extension.
            forced_ontime.append((s, c, int(rng.integers(allowed // 4, allowed))))

    # Apply forced cells: these students submitted and have a numeric score.
    for s, c, e in forced_ontime:
        elapsed[s, c] = e
        excused[s, late_cols[c]] = blank[s, late_cols[c]] = False
    submitted = _naive_local_after(due_grid.ravel(), elapsed.ravel()).reshape(n, k)
    submitted[dst_students, dst_col] = np.resize(np.array(DST_SUBMISSIONS), n_dst)
    excused[dst_students, late_cols[dst_col]] = False
    blank[dst_students, late_cols[dst_col]] = False
    serial = _excel_serial(submitted)

    # No timestamp where nothing was handed in (blank or excused score), and a
    # few graded items with no timestamp (paper hand-ins).
    no_stamp = (excused | blank)[:, late_cols] | (rng.random((n, k)) < 0.005)

    # --- Overrides -----------------------------------------------------------
    others = np.setdiff1d(np.arange(n), ext_students)
    n_over = min(len(others), 5 if n >= 50 else 1)
    over_students = rng.choice(others, size=n_over, replace=False).tolist()
    over_rows = [(ids[s], *OVERRIDES[i % len(OVERRIDES)]) for i, s in enumerate(over_students)]

    # --- Python lists for the writer (floats/None, the writer's fast path) --------
    score_rows: list[list[object]] = points.tolist()
    for r, c in zip(*np.nonzero(excused), strict=True):
        score_rows[r][c] = "EX"
    for r, c in zip(*np.nonzero(blank), strict=True):
        score_rows[r][c] = None
    sub_rows: list[list[object]] = serial.tolist()
    for r, c in zip(*np.nonzero(no_stamp), strict=True):
        sub_rows[r][c] = None

    # --- Write -----------------------------------------------------------------
    wb = xlsxwriter.Workbook(
        str(path),
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
    )
    try:
        date_fmt = wb.add_format({"num_format": DATE_FORMAT})
        bold = wb.add_format({"bold": True})

        ws = wb.add_worksheet("Policy")
        ws.write_row(0, 0, ["Setting", "Value"], bold)
        settings = [("course", course or f"BENCH 101 n={n}"), *POLICY_SETTINGS]
        settings += list((extra_settings or {}).items())
        for r, (key, value) in enumerate(settings, start=1):
            ws.write_string(r, 0, key)
            ws.write(r, 1, value)

        ws = wb.add_worksheet("Categories")
        ws.write_row(0, 0, ["Category", "Weight", "Aggregation", "Drop lowest"], bold)
        for r, row in enumerate(CATEGORIES, start=1):
            ws.write_row(r, 0, row)

        ws = wb.add_worksheet("Letters")
        ws.write_row(0, 0, ["Letter", "Range", "Registrar code"], bold)
        for r, row in enumerate(LETTERS, start=1):
            ws.write_row(r, 0, row)

        ws = wb.add_worksheet("Assessments")
        ws.write_row(0, 0, ["Assessment", "Category", "Max points", "Due", "Late policy"], bold)
        for r, a in enumerate(plan, start=1):
            ws.write_string(r, 0, a.name)
            ws.write_string(r, 1, a.category)
            ws.write_number(r, 2, a.max_points)
            if a.due is not None:
                ws.write_number(r, 3, float(_excel_serial(a.due)), date_fmt)
            ws.write_string(r, 4, "Y" if a.late_policy else "N")

        ws = wb.add_worksheet("Roster")
        ws.write_row(0, 0, ["Student ID", "Last name", "First name", "Email", "Section"], bold)
        for r, s in enumerate(roster_order.tolist(), start=1):
            ws.write_string(r, 0, ids[s])
            ws.write_string(r, 1, last[s])
            ws.write_string(r, 2, first[s])
            ws.write_string(r, 3, emails[s])
            ws.write_string(r, 4, sections[s])

        ws = wb.add_worksheet("Scores")
        ws.write_row(0, 0, ["Student ID", *(a.name for a in plan)], bold)
        write_row = ws.write_row
        write_string = ws.write_string
        for r in range(n):
            write_string(r + 1, 0, ids[r])
            write_row(r + 1, 1, score_rows[r])

        # Submitted: a date-formatted column, as an instructor's sheet has it
        # (blank cells in it carry the date format too). Writing the serial
        # number with a date format is what write_datetime does, minus the
        # per-cell datetime conversion.
        ws = wb.add_worksheet("Submitted")
        ws.write_row(0, 0, ["Student ID", *(plan[j].name for j in late_cols)], bold)
        write_row = ws.write_row
        write_string = ws.write_string
        for r in range(n):
            write_string(r + 1, 0, ids[r])
            write_row(r + 1, 1, sub_rows[r], date_fmt)

        ws = wb.add_worksheet("Extensions")
        ws.write_row(0, 0, ["Student ID", "Assessment", "Extra days", "New due", "Reason"], bold)
        for r, (sid, name, days, new_due, reason) in enumerate(ext_rows, start=1):
            ws.write_string(r, 0, sid)
            ws.write_string(r, 1, name)
            if days is not None:
                ws.write_number(r, 2, days)
            if new_due is not None:
                ws.write_number(r, 3, new_due, date_fmt)
            ws.write_string(r, 4, reason)

        ws = wb.add_worksheet("Overrides")
        ws.write_row(0, 0, ["Student ID", "Letter", "Reason"], bold)
        for r, (sid, letter, reason) in enumerate(over_rows, start=1):
            ws.write_string(r, 0, sid)
            ws.write_string(r, 1, letter)
            ws.write_string(r, 2, reason)
    finally:
        wb.close()
    return path


def generate_course_folder(
    directory: str | os.PathLike[str],
    n_courses: int,
    n_students: int,
    n_assessments: int = 25,
    seed: int = 0,
) -> list[Path]:
    """Write ``n_courses`` gradebooks ``course_001.xlsx``... into ``directory``.

    Courses get varied names (``BIO 101 Introduction to Biology (2)`` ...), term
    ``Fall 2024``, and seeds ``seed, seed + 1, ...``.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n_courses):
        name = COURSE_NAMES[i % len(COURSE_NAMES)]
        if i >= len(COURSE_NAMES):
            name += f" ({i // len(COURSE_NAMES) + 1})"
        paths.append(
            generate_gradebook(
                directory / f"course_{i + 1:03d}.xlsx",
                n_students,
                n_assessments,
                seed + i,
                course=name,
            )
        )
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write synthetic gradebooks for benchmarks.")
    parser.add_argument("out", help="output .xlsx (or a folder with --courses)")
    parser.add_argument("--students", type=int, required=True)
    parser.add_argument("--assessments", type=int, default=25)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--courses", type=int, help="write a folder of this many gradebooks")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    if args.courses:
        paths = generate_course_folder(
            args.out, args.courses, args.students, args.assessments, args.seed
        )
    else:
        paths = [generate_gradebook(args.out, args.students, args.assessments, args.seed)]
    elapsed = time.perf_counter() - t0
    size = sum(p.stat().st_size for p in paths)
    print(f"{len(paths)} file(s), {size / 1e6:.2f} MB, {elapsed:.2f} s -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
