"""Write the sample Canvas and Gradescope exports in sample_data/, the same bytes every run.

    python scripts/make_sample_exports.py

Synthetic students of one course, with the quirks real exports have: Canvas's indented
"Points Possible" row, a "Muted" marker row, read-only total columns, the test student, an EX
and a blank, a BOM and CRLF line ends; Gradescope's per-assignment Max Points, Submission Time
(with its UTC offset) and Lateness columns, a very late submission (225:07:02), a missing one,
and one time written with another offset (-0700).
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import unicodedata
from pathlib import Path
from zoneinfo import ZoneInfo

OUT = Path(__file__).resolve().parent.parent / "sample_data"
ZONE = ZoneInfo("America/New_York")
SEED = 747

STUDENTS = [
    ("Abara", "Chidi"),
    ("Bergström", "Linnea"),
    ("Castillo", "Mateo"),
    ("Delacroix", "Amélie"),
    ("Eze", "Ngozi"),
    ("Fischer", "Jonas"),
    ("García Márquez", "Lucía"),
    ("Haddad", "Omar"),
    ("Ito", "Haruka"),
    ("Jensen", "Freja"),
    ("Kowalski", "Piotr"),
    ("Lindqvist", "Erik"),
    ("Mensah", "Kofi"),
    ("Nguyen", "Thi Minh Anh"),
    ("O'Connor", "Siobhán"),
    ("Patel", "Riya"),
    ("Quispe", "Wayra"),
    ("Rossi", "Giulia"),
    ("Schmidt", "Lena"),
    ("Tanaka", "Yuto"),
    ("Uçar", "Elif"),
    ("Varga", "Bence"),
    ("Wang", "Yifan"),
    ("Xavier", "Beatriz"),
    ("Zhou", "Wei"),
]
# SIS user IDs, text: the first keeps its leading zeros, as registrars' IDs do.
FIXED_IDS = {0: "0045127", 9: "0000318"}

# name in Canvas, Canvas assignment id, name in Gradescope (None: not on Gradescope), max, due
ASSIGNMENTS = [
    ("HW1", 48213, "HW1", 100, dt.datetime(2024, 9, 17, 23, 59)),
    ("HW2", 48214, "HW2", 100, dt.datetime(2024, 10, 1, 23, 59)),
    ("HW3", 48215, "HW3", 100, dt.datetime(2024, 10, 15, 23, 59)),
    ("HW4", 48216, "HW4", 100, dt.datetime(2024, 11, 2, 23, 59)),
    ("Project Proposal", 48220, None, 50, dt.datetime(2024, 10, 8, 23, 59)),
    ("Project Report", 48221, "Project Report", 100, dt.datetime(2024, 12, 10, 23, 59)),
    ("Participation", 48222, None, 10, None),
]
CANVAS_TOTALS = [
    "Assignments Current Points",
    "Assignments Final Points",
    "Current Score",
    "Unposted Current Score",
    "Final Score",
    "Unposted Final Score",
    "Current Grade",
    "Unposted Current Grade",
    "Final Grade",
    "Unposted Final Grade",
]
EXCUSED = (3, "HW3")  # (student index, assignment): EX in both exports
BLANK = (11, "HW4")  # not graded yet in Canvas, never submitted on Gradescope
VERY_LATE = (6, "HW1", dt.timedelta(hours=225, minutes=7, seconds=2))
OTHER_OFFSET = (4, "HW2", "2024-10-01 18:30:00 -0700")  # 21:30 in New York


def people(rng: random.Random) -> list[dict[str, str]]:
    out = []
    for i, (last, first) in enumerate(STUDENTS):
        sid = FIXED_IDS.get(i) or str(rng.randrange(1_000_000, 9_999_999))
        login = unicodedata.normalize("NFKD", first[0] + last.split()[0]).lower()
        login = login.encode("ascii", "ignore").decode().replace("'", "") + str(i % 7)
        out.append(
            {
                "last": last,
                "first": first,
                "sid": sid,
                "canvas_id": str(81_000 + 37 * i),
                # one student's SIS login is a username, not an email: Email stays blank
                "login": login if i == 13 else f"{login}@university.edu",
                "email": f"{login}@university.edu",
                "section": "CS 747 001" if i % 2 == 0 else "CS 747 002",
            }
        )
    return out


def score(rng: random.Random, maximum: int) -> float:
    return round(rng.uniform(0.55, 1.0) * maximum * 2) / 2


def fmt(value: float) -> str:
    return f"{value:g}"


def make_scores(rng: random.Random, students: list[dict[str, str]]) -> list[dict[str, str]]:
    rows = []
    for i, _ in enumerate(students):
        row = {}
        for name, _id, _gs, maximum, _due in ASSIGNMENTS:
            row[name] = fmt(score(rng, maximum))
        if i == EXCUSED[0]:
            row[EXCUSED[1]] = "EX"
        if i == BLANK[0]:
            row[BLANK[1]] = ""
        rows.append(row)
    return rows


def write(path: Path, rows: list[list[str]], encoding: str, newline: str) -> None:
    with open(path, "w", encoding=encoding, newline="") as fh:
        csv.writer(fh, lineterminator=newline).writerows(rows)


def canvas(students: list[dict[str, str]], scores: list[dict[str, str]]) -> list[list[str]]:
    header = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    header += [f"{name} ({cid})" for name, cid, *_ in ASSIGNMENTS] + CANVAS_TOTALS
    meta = ["", "", "", "", ""]
    muted = meta + ["Muted" if name == "HW4" else "" for name, *_ in ASSIGNMENTS]
    muted += [""] * len(CANVAS_TOTALS)
    possible = ["    Points Possible", "", "", "", ""]
    possible += [f"{m:.2f}" for *_, m, _due in ASSIGNMENTS] + ["(read only)"] * len(CANVAS_TOTALS)
    rows = [header, muted, possible]
    total_max = sum(m for *_, m, _due in ASSIGNMENTS)
    for person, marks in zip(students, scores, strict=True):
        points = sum(float(v) for v in marks.values() if v not in ("", "EX"))
        percent = f"{100 * points / total_max:.2f}"
        totals = [fmt(points), fmt(points), percent, percent, percent, percent, "", "", "", ""]
        rows.append(
            [
                f"{person['last']}, {person['first']}",
                person["canvas_id"],
                person["sid"],
                person["login"],
                person["section"],
                *[marks[name] for name, *_ in ASSIGNMENTS],
                *totals,
            ]
        )
    test_student = ["Student, Test", "99999", "", "test_student_1", "CS 747 001"]
    test_totals = ["0", "0"] + [""] * (len(CANVAS_TOTALS) - 2)
    rows.append([*test_student, *["" for _ in ASSIGNMENTS], *test_totals])
    return rows


def lateness(delta: dt.timedelta) -> str:
    """Gradescope's H:M:S, hours running past 24. `delta` must be taken between UTC times:
    Python subtracts two times of the same zone as wall clocks, an hour off across DST."""
    seconds = max(int(delta.total_seconds()), 0)
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def gradescope(
    rng: random.Random, students: list[dict[str, str]], scores: list[dict[str, str]]
) -> list[list[str]]:
    items = [(gs, m, due) for _n, _c, gs, m, due in ASSIGNMENTS if gs]
    header = ["First Name", "Last Name", "SID", "Email", "section_name"]
    for name, *_ in items:
        header += [
            name,
            f"{name} - Max Points",
            f"{name} - Submission Time",
            f"{name} - Lateness (H:M:S)",
        ]
    rows = [header]
    for i, (person, marks) in enumerate(zip(students, scores, strict=True)):
        row = [person["first"], person["last"], person["sid"], person["email"], person["section"]]
        for name, maximum, due in items:
            due_at = due.replace(tzinfo=ZONE)
            mark = marks[name]
            if (i, name) == EXCUSED[:2]:
                mark = "80"  # Gradescope has no EX: the excuse is recorded in Canvas only
            if (i, name) == BLANK[:2]:
                row += ["", f"{maximum:.1f}", "", ""]
                continue
            if (i, name) == VERY_LATE[:2]:
                at = due_at + VERY_LATE[2]
            elif rng.random() < 0.12:
                at = due_at + dt.timedelta(minutes=rng.randrange(5, 60 * 40))
            else:
                at = due_at - dt.timedelta(minutes=rng.randrange(1, 60 * 72))
            at = at.replace(second=rng.randrange(60)) if (i, name) != VERY_LATE[:2] else at
            stamp = at.strftime("%Y-%m-%d %H:%M:%S %z")
            if (i, name) == OTHER_OFFSET[:2]:
                stamp = OTHER_OFFSET[2]
                at = dt.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S %z")
            row += [
                f"{float(mark):.1f}" if mark else "",
                f"{maximum:.1f}",
                stamp,
                lateness(at.astimezone(dt.UTC) - due_at.astimezone(dt.UTC)),
            ]
        rows.append(row)
    return rows


def main() -> None:
    rng = random.Random(SEED)
    students = people(rng)
    scores = make_scores(rng, students)
    OUT.mkdir(exist_ok=True)
    # Canvas writes a BOM and CRLF line ends; Gradescope neither.
    write(OUT / "canvas_export.csv", canvas(students, scores), "utf-8-sig", "\r\n")
    write(OUT / "gradescope_export.csv", gradescope(rng, students, scores), "utf-8", "\n")
    print(f"Wrote {OUT / 'canvas_export.csv'} and {OUT / 'gradescope_export.csv'}")


if __name__ == "__main__":
    main()
