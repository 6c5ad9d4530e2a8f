"""Exports in the shapes real courses produce: Gradescope's lateness and full-name columns,
spreadsheet-saved times, Canvas names without a comma, hidden scores, sections, ungraded work.

The fixtures are written here, small, in the layout of each real variant.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from gradeproc import api
from gradeproc.cli import app
from gradeproc.imports import (
    ImportedAssessment,
    ImportedCourse,
    NeedsTimezone,
    RosterRow,
    gradescope_due_dates,
    import_course,
    read_canvas,
    read_gradescope,
    split_full_name,
)

PACIFIC = ZoneInfo("America/Los_Angeles")
PDT = dt.timezone(dt.timedelta(hours=-7))
PST = dt.timezone(dt.timedelta(hours=-8))

# Gradescope due times (whole minutes, as Gradescope sets them); Lab 3 has no late submission.
DUE = {
    "Lab 1": dt.datetime(2020, 8, 18, 23, 59, tzinfo=PDT),
    "Lab 2": dt.datetime(2020, 11, 2, 17, 0, tzinfo=PST),  # after the clocks went back
    "Lab 3": dt.datetime(2020, 9, 1, 12, 0, tzinfo=PDT),
}
# (name, SID, section, {item: (score, submitted - due or None, extension)})
H = dt.timedelta(hours=1)
STUDENTS = [
    ("Ada Lovelace", "3031", "Lab A", {"Lab 1": ("9", -H, None), "Lab 2": ("8", 2 * H, None)}),
    ("Mary Ann Lee", "3032", "Lab B", {"Lab 1": ("7.5", 1 * H, None), "Lab 2": ("10", -H, None)}),
    ("Cher", "3033", "Lab A", {"Lab 1": ("6", 49.5 * H, None), "Lab 2": ("9", 25 * H, None)}),
    # two-day extension, handed in inside it: on time in Gradescope, after the common due
    ("Grace Hopper", "3034", "Lab B", {"Lab 1": ("8", 36 * H, 48 * H), "Lab 2": ("7", -H, None)}),
    # two-day extension, and late even against it
    (
        "Alan Turing",
        "3035",
        "Lab A",
        {"Lab 1": ("5", 51 * H, 48 * H), "Lab 2": ("6", 0.5 * H, None)},
    ),
    # handed in, not graded yet; and one never handed in
    ("Edsger Dijkstra", "3036", "", {"Lab 1": ("", -2 * H, None), "Lab 2": ("", None, None)}),
    ("Barbara Liskov", "3037", "Lab B", {"Lab 1": ("10", 73 * H + dt.timedelta(seconds=7), None)}),
]


def hms(delta: dt.timedelta) -> str:
    seconds = max(int(delta.total_seconds()), 0)
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def submission(item: str, after: dt.timedelta) -> dt.datetime:
    """The instant, written in the Pacific offset of its day (as Gradescope writes it)."""
    return (DUE[item] + after).astimezone(PACIFIC)


def gradescope_rows() -> list[list[str]]:
    header = ["Name", "SID", "Email", "Sections"]
    for item in DUE:
        header += [item, f"{item} - Max Points", f"{item} - Submission Time"]
        header += [f"{item} - Lateness (H:M:S)"]
    rows = [header]
    for name, sid, section, work in STUDENTS:
        row = [name, sid, f"{sid}@school.edu", section]
        for item in DUE:
            score, after, extension = work.get(item, ("", None, None))
            if item == "Lab 3":
                after = -3 * H  # everybody on time: the export cannot say when Lab 3 was due
                score = "4"
            if after is None:
                row += ["", "10.0", "", "0:00:00"]
                continue
            own_due = DUE[item] + (extension or dt.timedelta(0))
            stamp = submission(item, after)
            row += [
                score,
                "10.0",
                stamp.strftime("%Y-%m-%d %H:%M:%S %z"),
                hms((DUE[item] + after) - own_due),
            ]
        rows.append(row)
    return rows


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


@pytest.fixture
def labs(tmp_path) -> Path:
    return write_csv(tmp_path / "labs_scores.csv", gradescope_rows())


def categorise(book: Path, category: str = "Homework") -> None:
    from openpyxl import load_workbook

    workbook = load_workbook(book)
    sheet = workbook["Assessments"]
    for row in range(2, sheet.max_row + 1):
        sheet.cell(row, 2).value = category
    workbook.save(book)


def sheet_values(path: Path, name: str) -> list[list[object]]:
    from python_calamine import CalamineWorkbook

    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()


# --- names -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("full", "last", "first"),
    [
        ("Zelda Fitzgerald", "Fitzgerald", "Zelda"),
        ("Mary Ann Lee", "Lee", "Mary Ann"),
        ("Cher", "Cher", ""),
        ("  Ada   Lovelace ", "Lovelace", "Ada"),
    ],
)
def test_split_full_name(full, last, first):
    assert split_full_name(full) == (last, first)


def test_gradescope_name_column_is_split_with_a_warning(labs):
    course = read_gradescope(labs)
    assert [(r.last_name, r.first_name) for r in course.roster[:3]] == [
        ("Lovelace", "Ada"),
        ("Lee", "Mary Ann"),
        ("Cher", ""),
    ]
    assert course.warnings[0] == (
        'Gradescope gives 7 names as one full name ("Ada Lovelace", "Mary Ann Lee", "Cher", '
        '"Grace Hopper", "Alan Turing", ...); each was split at its last space (last word = '
        "Last name, the rest = First name). Check Roster for two-word last names."
    )


def test_gradescope_names_header_variant(tmp_path):
    rows = gradescope_rows()
    rows[0][0] = "Names"
    course = read_gradescope(write_csv(tmp_path / "names.csv", rows))
    assert (course.roster[1].last_name, course.roster[1].first_name) == ("Lee", "Mary Ann")


def test_gradescope_without_any_name_column(tmp_path):
    rows = [["SID", "Email"], ["1", "a@b.edu"]]
    with pytest.raises(Exception) as caught:
        read_gradescope(write_csv(tmp_path / "x.csv", rows))
    assert caught.value.message == (
        'x.csv is not a Gradescope export: its header has no "First Name" column and no '
        '"Name" column.'
    )


CANVAS_HEADER = "Student,ID,SIS User ID,SIS Login ID,Section,Quiz 1 (501),Essay (502),Final Score"


def canvas_export(path: Path, students: list[str], marker: str = "Manual Posting") -> Path:
    lines = [
        CANVAS_HEADER,
        f",,,,,{marker},,",
        "    Points Possible,,,,,10.00,20.00,(read only)",
        *students,
    ]
    path.write_text("\ufeff" + "\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


def test_canvas_name_without_comma_is_split_with_a_warning(tmp_path):
    export = canvas_export(
        tmp_path / "canvas.csv",
        [
            "Zelda Fitzgerald,7001,S01,zf@school.edu,Sec 1,8,15,80",
            '"Hemingway, Ernest",7002,S02,eh@school.edu,Sec 2,9,18,90',
        ],
    )
    course = read_canvas(export)
    assert [(r.last_name, r.first_name) for r in course.roster] == [
        ("Fitzgerald", "Zelda"),
        ("Hemingway", "Ernest"),
    ]
    assert course.warnings[0] == (
        'Canvas gives 1 name as one full name ("Zelda Fitzgerald"); each was split at its last '
        "space (last word = Last name, the rest = First name). Check Roster for two-word last "
        "names."
    )


# --- Canvas: hidden scores, sections, IDs, no due dates ------------------------------------


@pytest.mark.parametrize("marker", ["Manual Posting", "Muted"])
def test_canvas_hidden_scores_reach_the_run_sheet(tmp_path, marker):
    export = canvas_export(
        tmp_path / "canvas.csv",
        [
            '"Fitzgerald, Zelda",7001,S01,zf@school.edu,Sec 1,8,15,80',
            '"Hemingway, Ernest",7002,S02,eh@school.edu,Sec 2,9,18,90',
        ],
        marker,
    )
    course = read_canvas(export)
    assert [a.hidden for a in course.assessments] == [marker, ""]
    assert course.warnings == [
        f"Quiz 1: its scores are still hidden from students in Canvas ({marker}); the Import "
        "sheet and each graded workbook's Run sheet say so."
    ]
    book = tmp_path / "book.xlsx"
    import_course(course, book)
    roster = sheet_values(book, "Roster")
    assert roster[0][-3:] == ["Canvas ID", "SIS User ID", "SIS Login ID"]
    assert roster[1] == [
        "S01",
        "Fitzgerald",
        "Zelda",
        "zf@school.edu",
        "Sec 1",
        "7001",
        "S01",
        "zf@school.edu",
    ]
    assert [row[3:5] for row in sheet_values(book, "Assessments")[1:]] == [["", "N"], ["", "N"]]
    categorise(book)
    assert api.validate(book).errors == []
    result = api.process(book, output=tmp_path / "graded.xlsx")
    hidden = f"Quiz 1: scores were still hidden from students in Canvas ({marker}) when this gradebook was imported."
    assert [str(w) for w in result.warnings if w.code == "IMPORT_NOTE"] == [f"Import!B4: {hidden}"]
    run = [row[:2] for row in sheet_values(tmp_path / "graded.xlsx", "Run")]
    assert ["Warning", hidden] in run
    assert ["Source", "Canvas export canvas.csv"] in run
    assert list(result.grades["Section"]) == ["Sec 1", "Sec 2"]


# --- Gradescope: due dates and extensions from lateness ------------------------------------


def test_gradescope_due_dates_and_extensions_come_from_lateness(labs, tmp_path):
    book = tmp_path / "book.xlsx"
    plan = import_course(read_gradescope(labs), book, timezone="America/Los_Angeles")
    assessments = sheet_values(book, "Assessments")[1:]
    assert [row[3:5] for row in assessments] == [
        ["2020-08-18 23:59:00-07:00", "Y"],
        ["2020-11-02 17:00:00-08:00", "Y"],
        ["", "N"],
    ]
    extensions = sheet_values(book, "Extensions")[1:]
    assert extensions == [
        # on time in Gradescope inside the extension: its submission time is its New due
        ["3034", "Lab 1", "", "2020-08-20 11:59:00-07:00", "extension in Gradescope"],
        ["3035", "Lab 1", "", "2020-08-20 23:59:00-07:00", "extension in Gradescope"],
    ]
    assert plan.warnings == [
        "Lab 3: no submission was late in Gradescope, so the export does not give its due "
        "time; Due is left blank with Late policy N (no late penalty). Type the due date and "
        "set Late policy to Y to have gradeproc check it.",
        "1 submission was on time in Gradescope but after the common due time (an extension "
        "there whose end the export does not give): 3034 Lab 1. Their Extensions row uses "
        "the submission time as New due.",
    ]
    submitted = sheet_values(book, "Submitted")
    assert submitted[1][1] == "2020-08-18 22:59:00-07:00"
    assert [row[4] for row in sheet_values(book, "Roster")[1:]][:3] == ["Lab A", "Lab B", "Lab A"]


def test_days_late_equal_gradescope_lateness_with_no_due_typed(labs, tmp_path):
    """The property: ceil(Gradescope lateness / 24 h) is gradeproc's Days late, everywhere."""
    book = tmp_path / "book.xlsx"
    import_course(read_gradescope(labs), book)
    categorise(book)
    details = api.process(book, output=tmp_path / "graded.xlsx").details
    days = details.set_index(["Student ID", "Assessment"])["Days late"]
    rows = gradescope_rows()
    header = rows[0]
    checked = 0
    for row in rows[1:]:
        for item in DUE:
            stamp = row[header.index(f"{item} - Submission Time")]
            if not stamp:
                continue
            h, m, s = map(int, row[header.index(f"{item} - Lateness (H:M:S)")].split(":"))
            lateness = dt.timedelta(hours=h, minutes=m, seconds=s)
            assert days[(row[1], item)] == math.ceil(lateness / dt.timedelta(days=1)), (
                row[1],
                item,
            )
            checked += 1
    assert checked == 19  # 21 cells, two never handed in
    assert sorted(days[days > 0].items()) == [
        (("3031", "Lab 2"), 1),
        (("3032", "Lab 1"), 1),
        (("3033", "Lab 1"), 3),
        (("3033", "Lab 2"), 2),
        (("3035", "Lab 1"), 1),
        (("3035", "Lab 2"), 1),
        (("3037", "Lab 1"), 4),
    ]


def test_ungraded_submission_imports_as_blank_score_with_its_time(labs, tmp_path):
    course = read_gradescope(labs)
    i = next(i for i, r in enumerate(course.roster) if r.student_id == "3036")
    assert course.scores[i][:2] == [None, None]
    assert course.submitted[i][0] == submission("Lab 1", -2 * H)  # handed in, not graded
    assert course.submitted[i][1] is None  # never handed in
    assert course.roster[i].section == ""


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(-3 * 86_400, 6 * 86_400),  # submitted, seconds after the common due
            st.sampled_from([0, 0, 0, 86_400, 2 * 86_400, 3_600]),  # own extension, seconds
        ),
        min_size=1,
        max_size=12,
    )
)
def test_lateness_property_on_any_course(work):
    """Gradescope's lateness -> Due + Extensions -> gradeproc's rule: the same whole days."""
    from gradeproc.compute.lateness import NS_PER_DAY, days_late_ns

    due = dt.datetime(2024, 3, 9, 23, 59, tzinfo=dt.UTC)
    times = [due + dt.timedelta(seconds=after) for after, _ in work]
    lates = [
        max(t - (due + dt.timedelta(seconds=ext)), dt.timedelta(0))
        for t, (_, ext) in zip(times, work, strict=True)
    ]
    course = ImportedCourse(
        "Gradescope",
        Path("x.csv"),
        [RosterRow(str(i), "L", "F", "", "") for i in range(len(work))],
        [ImportedAssessment("Lab", 10)],
        [[5.0] for _ in work],
        [[t] for t in times],
        [],
        [[late] for late in lates],
    )
    dues = gradescope_due_dates(course)
    own = {i: d for i, _, d in dues.extensions}
    expected = [math.ceil(late / dt.timedelta(days=1)) for late in lates]
    if dues.due[0] is None:
        assert all(late == dt.timedelta(0) for late in lates)
        return
    ns = lambda d: int(d.timestamp()) * 10**9  # noqa: E731
    submitted = [[ns(t)] for t in times]
    effective = [[ns(own.get(i, dues.due[0]))] for i in range(len(work))]
    import numpy as np

    got = days_late_ns(np.array(submitted), np.array(effective), np.array([True]))
    assert list(got[:, 0]) == expected
    assert NS_PER_DAY == 86_400 * 10**9


def test_same_import_two_policy_zones_same_lateness(labs, tmp_path):
    from openpyxl import load_workbook

    book = tmp_path / "book.xlsx"
    import_course(read_gradescope(labs), book, timezone="America/Los_Angeles")
    categorise(book)
    graded = []
    for zone in ("America/Los_Angeles", "Asia/Kolkata"):
        workbook = load_workbook(book)
        for row in workbook["Policy"].iter_rows(min_row=2):
            if row[0].value == "timezone":
                row[1].value = zone
        workbook.save(book)
        details = api.process(book, output=tmp_path / f"{zone[:4]}.xlsx", force=True).details
        for column in ("Submitted", "Effective due"):
            details[column] = pd.to_datetime(details[column], utc=True)
        graded.append(details[["Student ID", "Assessment", "Effective due", "Days late", "Status"]])
    assert graded[0].equals(graded[1])


# --- spreadsheet-saved times: no offset, so --timezone ---------------------------------------


def resaved(rows: list[list[str]]) -> list[list[str]]:
    """The export as Excel saves it again: `8/18/20 22:59` wall times, seconds dropped."""
    header = rows[0]
    out = [header]
    for row in rows[1:]:
        new = list(row)
        for c, title in enumerate(header):
            if title.endswith("Submission Time") and row[c]:
                local = dt.datetime.strptime(row[c], "%Y-%m-%d %H:%M:%S %z").astimezone(PACIFIC)
                new[c] = f"{local.month}/{local.day}/{local:%y} {local.hour}:{local:%M}"
        out.append(new)
    return out


def test_spreadsheet_times_need_a_time_zone(tmp_path):
    export = write_csv(tmp_path / "resaved.csv", resaved(gradescope_rows()))
    assert "8/18/20 22:59" in export.read_text(encoding="utf-8")
    with pytest.raises(NeedsTimezone):
        read_gradescope(export)
    result = CliRunner().invoke(
        app, ["import", "gradescope", str(export), "-o", str(tmp_path / "b.xlsx")]
    )
    assert result.exit_code == 2
    assert result.stderr == (
        'Error: resaved.csv line 2, column "Lab 1 - Submission Time": "8/18/20 22:59" has no '
        "UTC offset (a spreadsheet wrote it on saving the export again), so gradeproc cannot "
        "tell when it was. Say which time zone the times are in with --timezone, e.g. "
        "--timezone America/New_York.\n"
    )
    assert not (tmp_path / "b.xlsx").exists()


def test_spreadsheet_times_read_in_the_given_zone(tmp_path):
    export = write_csv(tmp_path / "resaved.csv", resaved(gradescope_rows()))
    book = tmp_path / "b.xlsx"
    result = CliRunner().invoke(
        app,
        ["import", "gradescope", str(export), "-o", str(book), "--timezone", "America/Los_Angeles"],
    )
    assert result.exit_code == 0, result.output
    assert "Times are in America/Los_Angeles, each written with its UTC offset.\n" in result.stdout
    assert "gives submission times to the minute, without seconds" in result.stderr
    assert sheet_values(book, "Submitted")[1][1] == "2020-08-18 22:59:00-07:00"
    assert [row[3] for row in sheet_values(book, "Assessments")[1:3]] == [
        "2020-08-18 23:59:00-07:00",
        "2020-11-02 17:00:00-08:00",
    ]
    # seconds cut off make no extension up: only the two real ones
    assert [row[:2] for row in sheet_values(book, "Extensions")[1:]] == [
        ["3034", "Lab 1"],
        ["3035", "Lab 1"],
    ]
    policy = {row[0]: row[1] for row in sheet_values(book, "Policy")[1:]}
    assert policy["timezone"] == "America/Los_Angeles"


def test_unknown_time_zone_is_a_command_line_error(labs, tmp_path):
    result = CliRunner().invoke(
        app,
        [
            "import",
            "gradescope",
            str(labs),
            "-o",
            str(tmp_path / "b.xlsx"),
            "--timezone",
            "Mars/Base",
        ],
    )
    assert result.exit_code == 2
    assert '"Mars/Base" is not a time zone' in result.stderr


def test_a_due_time_earlier_than_the_common_one_is_not_called_an_extension(tmp_path):
    from gradeproc.imports import plan_import
    from gradeproc.template import template_rows

    due = dt.datetime(2024, 3, 1, 17, 0, tzinfo=dt.UTC)
    after = [dt.timedelta(hours=h) for h in (1, 2, 3)]
    times = [due + a for a in after]
    # the third student had to hand in 5 hours earlier (a due date of their own)
    lates = [after[0], after[1], after[2] + dt.timedelta(hours=5)]
    course = ImportedCourse(
        "Gradescope",
        Path("x.csv"),
        [RosterRow(f"s{i}", "L", "F", "", "") for i in range(3)],
        [ImportedAssessment("Lab", 10)],
        [[5.0] for _ in range(3)],
        [[t] for t in times],
        [],
        [[late] for late in lates],
    )
    sheets = plan_import(course, template_rows(), "UTC").sheets
    assert sheets["Assessments"][1][3] == "2024-03-01 17:00:00+00:00"
    assert sheets["Extensions"][1:] == [
        ["s2", "Lab", None, "2024-03-01 12:00:00+00:00", "earlier due date in Gradescope"]
    ]
