"""Write ``sample_data/fall2024_optml.xlsx``: a realistic gradebook for the syllabus's course.

    python scripts/make_sample_data.py [OUTPUT.xlsx]

The workbook follows the layout in ``docs/guide.md``: the syllabus policy, 40 students of
CS 747 (Fall 2024), their scores and submission times, extensions for two students, one
override and an extra instructor sheet. Eighteen students each exercise one
grading rule of ``docs/guide.md``; their expected results, computed by hand, are in
``sample_data/README.md``. The other students come from ``random.Random(2024)``, are always on
time and have no blank or excused work.

The output is byte-for-byte reproducible: the same script writes the same file (fixed document
dates and zip timestamps), so its SHA-256 can be used in golden tests.
"""

from __future__ import annotations

import io
import random
import re
import sys
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from gradeproc import template

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "sample_data" / "fall2024_optml.xlsx"
SEED = 2024
# Written into the document properties and the zip entries instead of "now".
FIXED_TIMESTAMP = datetime(2024, 12, 16, 9, 0, 0)

EX = "EX"  # an excused score
Score = float | int | str | None  # points, EX, or None for a blank cell
Stamp = datetime | str | None  # naive local datetime, ISO 8601 text, or no timestamp

# --------------------------------------------------------------------------------------
# Policy, categories, letters, assessments: the course syllabus
# --------------------------------------------------------------------------------------

COURSE = "CS 747 Optimization for Machine Learning"
TERM = "Fall 2024"

POLICY: list[tuple[str, str | int | float, str]] = [
    ("course", COURSE, "Course name shown in the outputs."),
    ("term", TERM, "Term shown in the outputs."),
    ("timezone", "America/New_York", "Time zone of due dates and submission times without one."),
    ("late_penalty_percent_per_day", 5, "Points deducted per day late, in percent."),
    ("late_max_days", 3, "Work more than this many days late is not accepted and scores 0."),
    ("late_deduction_basis", "max_points", "The late percentage is taken of the full marks."),
    ("late_grace_minutes", 0, "Minutes after the deadline that still count as on time."),
    ("blank_scores", "zero", "A blank score counts as 0 and is flagged as missing."),
    ("total_decimals", 2, "The total is rounded half-up to this many decimals."),
    ("letter_gap_rule", "higher", "A total between two letter ranges gets the higher letter."),
    ("borderline_margin", 0.5, "Totals this close below the next letter are flagged."),
    ("allow_extra_credit", "N", "Scores above the maximum points are not allowed."),
]

# The syllabus's policy, exactly as `gradeproc init` writes it.
CATEGORIES = [list(c) for c in template.CATEGORIES]
LETTERS = [list(x) for x in template.LETTERS]
ASSESSMENTS = [list(a) for a in template.ASSESSMENTS]

ITEMS = [a[0] for a in ASSESSMENTS]
DUE = {a[0]: a[3] for a in ASSESSMENTS}
LATE_ITEMS = [a[0] for a in ASSESSMENTS if a[4] == "Y"]  # the columns of the Submitted sheet

# --------------------------------------------------------------------------------------
# Edge-case students (see sample_data/README.md for the expected result of each)
# --------------------------------------------------------------------------------------


@dataclass
class Student:
    sid: str
    last: str
    first: str
    section: str
    # Points in ITEMS order: HW1 HW2 HW3 HW4 HW5 Proposal Presentation Report Participation.
    scores: tuple[Score, ...]
    # Submission times that matter. Every other scored late-policy item gets a time a few hours
    # or days before its due date; an item listed here with None has no timestamp.
    submitted: dict[str, Stamp] = field(default_factory=dict)
    email: str = ""


# fmt: off
EDGE_STUDENTS: list[Student] = [
    # E1. Everything on time.
    Student("G00412345", "Raman", "Priya", "001", (88, 92, 85, 90, 95, 90, 92, 88, 100)),
    # E2. HW2 submitted exactly at the due time: on time.
    Student(
        "00398127", "Bell", "Marcus", "002", (85, 80, 84, 86, 90, 85, 85, 82, 95),
        {"HW2": datetime(2024, 10, 1, 23, 59, 0)},
    ),
    # E3. HW2 submitted one second late: 1 day, -5.
    Student(
        "G00418802", "Delgado", "Sofía", "001", (90, 86, 88, 84, 91, 88, 84, 85, 90),
        {"HW2": datetime(2024, 10, 1, 23, 59, 1)},
    ),
    # E4. HW3 scored 95, 2 days and 1 minute late: 3 days, 95 -> 80 (the syllabus example).
    Student(
        "G00420157", "Kowalski", "Ethan", "002", (78, 82, 95, 75, 80, 80, 78, 76, 85),
        {"HW3": datetime(2024, 10, 18, 0, 0, 0)},
    ),
    # E5. HW1 72 h + 1 s late: 4 days, more than 3, not accepted: 0.
    Student(
        "G00409936", "Okafor", "Hannah", "001", (85, 88, 90, 84, 93, 88, 90, 85, 95),
        {"HW1": datetime(2024, 9, 20, 23, 59, 1)},
    ),
    # E6. HW4 due Sat 23:59 EDT, submitted Sun 23:30 EST: 23 h 31 min on the wall clock but
    #     24 h 31 min elapsed across the DST change: 2 days late, not 1.
    Student(
        "G00431210", "Park", "Daniel", "002", (84, 80, 86, 90, 82, 84, 88, 78, 90),
        {"HW4": datetime(2024, 11, 3, 23, 30, 0)},
    ),
    # E7. Two extra days on HW3 (Extensions sheet); submitted 1.5 days after the original due.
    Student(
        "G00415583", "Rahman", "Aisha", "001", (91, 89, 94, 90, 88, 92, 90, 90, 100),
        {"HW3": datetime(2024, 10, 17, 11, 59, 0)},
    ),
    # E8. HW2 excused: it leaves the Homework category.
    Student(
        "G00422471", "Ferreira", "Lucas", "002", (76, EX, 80, 72, 84, 80, 82, 79, 90),
        {"HW2": None},
    ),
    # E9. HW5 blank: counts 0, MISSING.
    Student(
        "G00407718", "Whitaker", "Chloe", "001", (82, 85, 80, 83, None, 85, 81, 84, 90),
        {"HW5": None},
    ),
    # E10. 93 on everything: total exactly 93.00, in the syllabus's gap: A, POLICY_GAP.
    Student("G00426093", "Lindqvist", "Noah", "002", (93, 93, 93, 93, 93, 93, 93, 93, 93)),
    # E11. Medical leave from mid-November; the Overrides sheet gives I.
    Student(
        "G00411864", "O'Connor", "Grace", "001", (88, 90, 85, 87, None, 90, None, None, 80),
        {"HW5": None, "Report": None},
    ),
    # E12. Total 89.70: B+, within 0.5 of A- (90): BORDERLINE.
    Student("G00433529", "García-López", "Mateo", "002", (90, 88, 91, 89, 92, 88, 90, 89, 93)),
    # E13. Exactly 90.00 on paper from half points; some float sums give 89.99999999999999: A-.
    Student("G00419470", "Tanaka", "Yuki", "001", (87.5, 96.5, 99.5, 91, 99, 90, 94, 82, 85)),
    # E14. HW5 scored 12, 2 days 5 hours late: 3 days, 12 - 15 would be -3, floored at 0.
    Student(
        "G00428356", "Brooks", "Tyler", "002", (70, 65, 72, 68, 12, 70, 66, 62, 78),
        {"HW5": datetime(2024, 11, 22, 4, 59, 0)},
    ),
    # E15. Accommodation: '*' +1 day on every assessment, and a Report row with a New due that
    #      wins over the '*' row. HW2 18 h after the original due and the Report after the '*'
    #      due but before the New due: both on time.
    Student(
        "G00405642", "Al-Sayed", "Fatima", "001", (86, 84, 88, 85, 87, 88, 86, 88, 95),
        {"HW2": datetime(2024, 10, 2, 18, 0, 0), "Report": datetime(2024, 12, 12, 20, 0, 0)},
    ),
    # E16. HW2 exactly 72 h late: 3 days (accepted), 88 -> 73.
    Student(
        "00427503", "McAllister", "Owen", "002", (80, 88, 82, 79, 81, 78, 80, 77, 90),
        {"HW2": datetime(2024, 10, 4, 23, 59, 0)},
    ),
    # E17. Total exactly 86.995 on paper (one autograded score in tenths): half-up gives 87.00,
    #      B+; the float sum is 86.99499999999999, which naive rounding turns into 86.99, B.
    Student("G00430688", "Nguyen", "Linh", "001", (88.5, 95.5, 88.5, 83.7, 97.5, 80, 87, 82, 90)),
    # E18. HW2 time as ISO 8601 text with an explicit UTC offset: 03:30 UTC is 23:30 EDT the
    #      day before, on time (read as naive local time it would be 3.5 hours late).
    Student(
        "G00424015", "Costa", "Isabela", "002", (75, 78, 72, 80, 70, 76, 74, 74, 85),
        {"HW2": "2024-10-02T03:30:00+00:00"},
    ),
]
# fmt: on

EXTENSIONS: list[tuple[str, str, float | None, datetime | None, str]] = [
    # Student ID, Assessment, Extra days, New due, Reason
    ("G00415583", "HW3", 2, None, "Family emergency; notice from the Dean of Students"),
    ("G00405642", "*", 1, None, "Disability Services accommodation letter: +1 day on all work"),
    (
        "G00405642",
        "Report",
        None,
        datetime(2024, 12, 12, 23, 59),
        "Hospitalised Dec 9-11 (documented); report due date agreed by email",
    ),
]

OVERRIDES: list[tuple[str, str, str]] = [
    ("G00411864", "I", "Incomplete: medical leave, documented"),
]

NOTES_TO_SELF = [
    "Presentations were graded live on Nov 26 and Dec 3: no late policy, no timestamps.",
    "Fatima Al-Sayed: ODS letter on file; report date moved after her hospital stay.",
    "Grace O'Connor: incomplete agreed; finish HW5, presentation and report by March 1.",
    "Final grades due to the registrar on Dec 19.",
]

# --------------------------------------------------------------------------------------
# Ordinary students: drawn from random.Random(SEED)
# --------------------------------------------------------------------------------------

# One entry per ordinary student: the level around which their scores are drawn. The spread
# covers A through Fail.
# fmt: off
ORDINARY_LEVELS = [
    97, 96, 95, 94, 92, 91, 90, 88, 87, 86, 85, 84, 82, 81, 79, 77, 75, 72, 70, 65, 61, 50,
]

FIRST_NAMES = [
    "Abigail", "Adrian", "Amara", "Ananya", "Benjamin", "Camila", "Caleb", "Diego", "Elena",
    "Emeka", "Farah", "Gabriel", "Hiroshi", "Ines", "Jacob", "Jasmine", "Kwame", "Leah", "Liam",
    "Maya", "Mohammed", "Nadia", "Nathan", "Olivia", "Pavel", "Rohan", "Samuel", "Sara", "Tomás",
    "Victoria", "Wei", "Zara", "Zoë", "Andre", "Bianca", "Chen", "Dmitri", "Esther", "Arjun",
]

LAST_NAMES = [
    "Adeyemi", "Anderson", "Banerjee", "Byrne", "Castillo", "Chen", "Cohen", "Dubois", "Evans",
    "Fischer", "Gupta", "Hassan", "Hernández", "Ivanov", "Jackson", "Kim", "Kumar", "Li",
    "Martin", "Mensah", "Moreau", "Murphy", "Novak", "Patel", "Petrov", "Reyes", "Rossi",
    "Schmidt", "Singh", "Sullivan", "Thompson", "Walker", "Wang", "Yamamoto", "Zhang",
]
# fmt: on


def half_points(x: float) -> float | int:
    """Round to the nearest half point inside [0, 100]; whole numbers as int."""
    value = min(100.0, max(0.0, round(x * 2) / 2))
    return int(value) if value.is_integer() else value


def ordinary_students(rng: random.Random, taken_ids: set[str]) -> list[Student]:
    firsts = rng.sample(FIRST_NAMES, len(ORDINARY_LEVELS))
    lasts = rng.sample(LAST_NAMES, len(ORDINARY_LEVELS))
    students = []
    for level, first, last in zip(ORDINARY_LEVELS, firsts, lasts, strict=True):
        sid = f"G00{rng.randrange(400000, 440000)}"
        while sid in taken_ids:
            sid = f"G00{rng.randrange(400000, 440000)}"
        taken_ids.add(sid)
        homework = [half_points(rng.gauss(level, 6)) for _ in range(5)]
        proposal = half_points(rng.gauss(level + 2, 4))
        presentation = half_points(rng.gauss(level + 2, 4))
        report = half_points(rng.gauss(level, 5))
        participation = min(100, max(40, 5 * round(rng.gauss(level + 5, 6) / 5)))
        scores = (*homework, proposal, presentation, report, participation)
        section = rng.choice(["001", "002"])
        students.append(Student(sid, last, first, section, scores))
    return students


def early_submission(due: datetime, rng: random.Random) -> datetime:
    """A time a few hours to a few days before the due time, on the minute."""
    minutes = int(rng.triangular(10, 4 * 24 * 60, 8 * 60))
    return due - timedelta(minutes=minutes)


def email_for(student: Student, used: set[str]) -> str:
    def ascii_letters(name: str) -> str:
        folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
        return re.sub(r"[^a-z]", "", folded.lower())

    stem = (ascii_letters(student.first)[:1] + ascii_letters(student.last))[:10]
    n = 1
    while f"{stem}{n}" in used:
        n += 1
    used.add(f"{stem}{n}")
    return f"{stem}{n}@example.edu"


def build_roster(rng: random.Random) -> list[Student]:
    """Every student, sorted by name as a registrar's class list is, with emails and times."""
    taken = {s.sid for s in EDGE_STUDENTS}
    students = EDGE_STUDENTS + ordinary_students(rng, taken)
    assert len({s.sid for s in students}) == len(students), "duplicate student ID"

    def sort_key(s: Student) -> tuple[str, str]:
        fold = unicodedata.normalize("NFKD", f"{s.last}\t{s.first}").encode("ascii", "ignore")
        last, first = fold.decode().lower().split("\t")
        return last, first

    students.sort(key=sort_key)
    used: set[str] = set()
    for s in students:
        s.email = email_for(s, used)
        for item in LATE_ITEMS:
            score = s.scores[ITEMS.index(item)]
            if item not in s.submitted and score is not None and score != EX:
                due = DUE[item]
                assert due is not None
                s.submitted[item] = early_submission(due, rng)
    return students


# --------------------------------------------------------------------------------------
# Writing the workbook
# --------------------------------------------------------------------------------------

DUE_FORMAT = "yyyy-mm-dd hh:mm"
SUBMITTED_FORMAT = "yyyy-mm-dd hh:mm:ss"


def add_sheet(
    wb: Workbook,
    title: str,
    header: list[str] | None,
    rows: list[list[object]],
    datetime_format: str = DUE_FORMAT,
    max_width: int = 70,
) -> None:
    ws = wb.create_sheet(title)
    if header is not None:
        ws.append(header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
    for row in rows:
        ws.append(row)
    widths: dict[int, int] = {}
    for row in ws.iter_rows():
        for cell in row:
            value = cell.value
            if isinstance(value, datetime):
                cell.number_format = datetime_format
                cell.alignment = Alignment(horizontal="left")
                length = len(datetime_format)
            elif value is None:
                length = 0
            else:
                length = len(str(value))
            widths[cell.column] = max(widths.get(cell.column, 0), length)
    for column, length in widths.items():
        ws.column_dimensions[get_column_letter(column)].width = min(max(length + 2, 8), max_width)


def build_workbook(students: list[Student]) -> Workbook:
    wb = Workbook()
    assert wb.active is not None
    wb.remove(wb.active)
    wb.properties.creator = "gradeproc scripts/make_sample_data.py"
    wb.properties.title = f"{COURSE}, {TERM}"
    wb.properties.created = FIXED_TIMESTAMP

    add_sheet(wb, "Policy", ["Setting", "Value", "Meaning"], [list(r) for r in POLICY])
    add_sheet(
        wb,
        "Categories",
        ["Category", "Weight", "Aggregation", "Drop lowest"],
        [list(r) for r in CATEGORIES],
    )
    add_sheet(wb, "Letters", ["Letter", "Range", "Registrar code"], [list(r) for r in LETTERS])
    add_sheet(
        wb,
        "Assessments",
        ["Assessment", "Category", "Max points", "Due", "Late policy"],
        [list(r) for r in ASSESSMENTS],
    )
    add_sheet(
        wb,
        "Roster",
        ["Student ID", "Last name", "First name", "Email", "Section"],
        [[s.sid, s.last, s.first, s.email, s.section] for s in students],
    )
    add_sheet(
        wb,
        "Scores",
        ["Student ID", *ITEMS],
        [[s.sid, *s.scores] for s in students],
    )
    add_sheet(
        wb,
        "Submitted",
        ["Student ID", *LATE_ITEMS],
        [[s.sid, *(s.submitted.get(item) for item in LATE_ITEMS)] for s in students],
        datetime_format=SUBMITTED_FORMAT,
    )
    add_sheet(
        wb,
        "Extensions",
        ["Student ID", "Assessment", "Extra days", "New due", "Reason"],
        [list(r) for r in EXTENSIONS],
    )
    add_sheet(wb, "Overrides", ["Student ID", "Letter", "Reason"], [list(r) for r in OVERRIDES])
    add_sheet(wb, "Notes to self", None, [[line] for line in NOTES_TO_SELF], max_width=100)
    return wb


def reproducible_bytes(wb: Workbook) -> bytes:
    """The workbook's .xlsx bytes with fixed timestamps, so that every run gives the same file.

    openpyxl stamps docProps/core.xml with the save time and zipfile stamps every entry with
    the current time; both are replaced with FIXED_TIMESTAMP.
    """
    raw = io.BytesIO()
    wb.save(raw)
    stamp = FIXED_TIMESTAMP.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with (
        zipfile.ZipFile(raw) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + stamp.encode() + rb"\g<2>",
                    data,
                )
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIMESTAMP.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, data)
    return out.getvalue()


def main(argv: list[str]) -> int:
    output = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUTPUT
    students = build_roster(random.Random(SEED))
    data = reproducible_bytes(build_workbook(students))
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(output.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(output)
    print(f"wrote {output} ({len(students)} students)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
