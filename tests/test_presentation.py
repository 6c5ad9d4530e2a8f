"""How the graded workbook looks: the structure an instructor relies on, read back with openpyxl.

Frozen panes, filters, number formats, letter and flag colours (conditional formats over whole
columns), comments explaining flags and exceptional scores, the Scores legend, the Summary
charts and tables, the Run page, and print setup on every sheet.
"""

from __future__ import annotations

import re
import warnings
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from gradeproc.api import process
from gradeproc.write import annotate, style
from tests.helpers import (
    SYLLABUS_GRADES_COLUMNS,
    WORKED_STUDENTS,
    syllabus_sheets,
    worked_sheets,
    write_book,
)

STUDENTS = WORKED_STUDENTS
GRADES_COLUMNS = SYLLABUS_GRADES_COLUMNS


def _letter(name: str) -> str:
    return chr(ord("A") + GRADES_COLUMNS.index(name))


def _open(path: Path):
    with warnings.catch_warnings():  # openpyxl does not keep data bars' x14 extension
        warnings.simplefilter("ignore", UserWarning)
        return load_workbook(path)


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("presentation")
    sheets = worked_sheets()
    sheets["Scores"][0][3] = "  hw3 "  # headers match ignoring case and spaces
    book = write_book(folder / "course.xlsx", sheets)
    return process(book).output


@pytest.fixture(scope="module")
def wb(graded: Path):
    return _open(graded)


def _rules(sheet) -> dict[str, list]:
    """Conditional-format rules by the range they cover."""
    return {str(cf.sqref): list(cf.rules) for cf in sheet.conditional_formatting}


def test_grades_frozen_filtered_and_formatted(wb) -> None:
    sheet = wb["Grades"]
    assert [c.value for c in sheet[1]] == GRADES_COLUMNS
    assert sheet.freeze_panes == "D2"
    assert sheet.auto_filter.ref == f"A1:M{len(STUDENTS) + 1}"
    for name in ("Homework %", "Class participation %", "Total"):
        assert sheet[f"{_letter(name)}2"].number_format == "0.00"
    assert sheet["A8"].value == "00123" and sheet["A8"].data_type == "s"
    notes = _letter("Notes")
    assert sheet.column_dimensions[notes].width >= 60
    assert sheet[f"{notes}3"].alignment.wrap_text
    # a student with a long note gets a taller row (LibreOffice does not grow rows itself)
    assert sheet.row_dimensions[1].height is None or sheet.row_dimensions[1].height >= 15


def test_letters_are_coloured_by_band_over_the_whole_column(wb) -> None:
    rules = _rules(wb["Grades"])
    column = f"{_letter('Letter')}2:{_letter('Letter')}{len(STUDENTS) + 1}"
    letter_rules = rules.get(column, [])  # openpyxl groups the rules by range
    assert letter_rules, rules.keys()
    equal = {r.formula[0].strip('"'): r for r in letter_rules if r.type == "cellIs"}
    assert {"A", "A-", "B+", "B", "C", "D", "Fail"} <= set(equal)
    assert all(r.operator == "equal" for r in equal.values())
    fills = {k: r.dxf.fill.bgColor.rgb[-6:] for k, r in equal.items()}
    assert fills["A"] == fills["A-"] == style.GREEN[0][1:]
    assert fills["B+"] == fills["B"] == style.BLUE[0][1:]
    assert fills["C"] == style.AMBER[0][1:]
    assert fills["D"] == fills["Fail"] == style.RED[0][1:]
    other = [r for r in letter_rules if r.type == "notContainsBlanks"]
    assert len(other) == 1 and other[0].dxf.fill.bgColor.rgb[-6:] == style.GREY[0][1:]
    # no per-cell fill: the colour comes from the rules only
    assert wb["Grades"][f"{_letter('Letter')}2"].fill.fgColor.rgb in (None, "00000000")


def test_flags_that_need_action_are_highlighted(wb) -> None:
    flags = _letter("Flags")
    rules = _rules(wb["Grades"])[f"{flags}2:{flags}{len(STUDENTS) + 1}"]
    highlighted = {r.text for r in rules if r.type == "containsText"}
    assert highlighted == set(style.ACTION_FLAGS)


def test_flagged_students_have_their_notes_as_a_comment(wb) -> None:
    sheet = wb["Grades"]
    flags, notes = _letter("Flags"), _letter("Notes")
    commented = {}
    for row in range(2, len(STUDENTS) + 2):
        cell = sheet[f"{flags}{row}"]
        if cell.value:
            assert cell.comment is not None, f"{flags}{row}"
            assert cell.comment.text.replace("\n", " ") == sheet[f"{notes}{row}"].value
            commented[sheet[f"A{row}"].value] = cell.comment.text
        else:
            assert cell.comment is None
    assert set(commented) == {"S02", "S03", "S04", "S05", "S06", "00123"}
    assert commented["S02"] == "HW3: 3 days late, -15 points (95 -> 80)."
    assert commented["S06"].startswith("Letter I set by the instructor")


def test_a_comment_holds_one_sentence_a_line() -> None:
    notes = pd.Series(
        [
            "HW1: no score, counted as 0. HW2: excused, left out of Homework. "
            "Extension on HW3: +2 days (Dr. Lee's note). Total 89.70 is 0.30 below A- (90): "
            "borderline. Letter I set by the instructor."
        ]
    )
    assert annotate.note_lines(notes)[0].split("\n") == [
        "HW1: no score, counted as 0.",
        "HW2: excused, left out of Homework.",
        "Extension on HW3: +2 days (Dr. Lee's note).",
        "Total 89.70 is 0.30 below A- (90): borderline.",
        "Letter I set by the instructor.",
    ]


def _scores_cells(sheet) -> dict[tuple[str, str], object]:
    header = [c.value for c in sheet[1]]
    cells = {}
    for row in sheet.iter_rows(min_row=2):
        sid = row[0].value
        if sid is None:
            continue
        for cell, name in zip(row, header, strict=False):
            if name:
                cells[(sid, name.strip().upper())] = cell
    return cells


def test_exceptional_scores_are_shaded_with_a_comment(wb) -> None:
    cells = _scores_cells(wb["Scores"])
    expected = {
        ("S02", "HW3"): ("LATE", 95, "3 days late: -15 points (95 -> 80)."),
        ("S04", "HW1"): ("MISSING", None, "No score: counted as 0."),
        ("S05", "HW2"): ("EXCUSED", "EX", "Excused: left out of Homework."),
        (
            "00123",
            "HW1",
        ): (
            "LATE_REJECTED",
            100,
            "4 days late, over the 3-day limit: not accepted, 0 points (was 100).",
        ),
    }
    for key, (status, value, comment) in expected.items():
        cell = cells[key]
        assert cell.value == value, key  # the instructor's value is kept
        assert cell.fill.fgColor.rgb[-6:] == style.SCORE_KINDS[status].colours[0][1:], key
        assert cell.comment is not None and cell.comment.text == comment, key
    for key, cell in cells.items():
        if key not in expected:
            assert cell.comment is None, key
            assert cell.fill.fill_type is None, key


def test_scores_legend_sits_right_of_the_data_under_a_blank_header(wb) -> None:
    sheet = wb["Scores"]
    width = max(c.column for c in sheet[1] if c.value is not None)
    legend = [
        sheet.cell(row=r, column=width + 2).value for r in range(1, 8)
    ]  # one blank column between
    assert legend[0] is None  # the header row stays clear: the reader ignores the column
    assert legend[1] == "Legend (gradeproc)"
    labels = {k.label for k in style.SCORE_KINDS.values()}
    shown = [x for x in legend[2:] if x in labels]
    assert shown == [
        style.SCORE_KINDS[s].label for s in ("LATE", "LATE_REJECTED", "MISSING", "EXCUSED")
    ]
    fill = sheet.cell(row=3, column=width + 2).fill.fgColor.rgb[-6:]
    assert fill == style.SCORE_KINDS["LATE"].colours[0][1:]


def test_dropped_scores_are_shaded_and_explained(tmp_path: Path) -> None:
    sheets = syllabus_sheets(STUDENTS[:2], {"S01": [70, 100, 100, 100, 100, 100, 100, 100, 100]})
    sheets["Categories"][1][3] = 1  # Homework: drop the lowest
    output = process(write_book(tmp_path / "drop.xlsx", sheets)).output
    cells = _scores_cells(_open(output)["Scores"])
    cell = cells[("S01", "HW1")]
    assert cell.fill.fgColor.rgb[-6:] == style.SCORE_KINDS["DROPPED"].colours[0][1:]
    assert cell.comment.text == "Dropped by the Homework drop rule (70/100)."
    assert cell.font.i


def test_summary_has_both_charts_and_the_tables(graded: Path, wb) -> None:
    with zipfile.ZipFile(graded) as z:
        charts = [n for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]
        xml = {n: z.read(n).decode() for n in charts}
    assert len(charts) == 2
    kinds = sorted("stacked" in x for x in xml.values())
    assert kinds == [False, True]  # letters; totals stacked by letter band
    histogram = next(x for x in xml.values() if "stacked" in x)
    assert "Letter cut-offs: A &gt; 93, A- ≥ 90" in histogram

    sheet = wb["Summary"]
    column_a = {c.value: c.row for c in sheet["A"] if c.value is not None}
    for heading in ("Letters", "Totals", "Distribution of totals", "Assessments"):
        assert heading in column_a, heading
    row = column_a["Distribution of totals"] + 1
    header = [c.value for c in sheet[row] if c.value is not None]
    assert header[:3] == ["Total", "Letter cut-offs", "Students"]
    # Bins run from the lowest holding a total or a cut-off (D >= 60) to the highest.
    bins = [sheet.cell(row=row + 1 + i, column=1).value for i in range(9)]
    assert bins[0] == "60–65" and bins[-1] == "100+"
    assert sheet.cell(row=row + 10, column=1).value is None
    students = sum(sheet.cell(row=row + 1 + i, column=3).value for i in range(9))
    assert students == len(STUDENTS)

    row = column_a["Assessments"] + 1
    header = [c.value for c in sheet[row] if c.value is not None]
    assert header == [
        "Assessment",
        "Category",
        "Max points",
        "Mean",
        "Median",
        "Mean %",
        "Share late",
        "Share missing",
        "Share ungraded",
        "Share excused",
    ]
    hw1 = [c.value for c in sheet[row + 1]][:10]
    assert hw1[0] == "HW1" and hw1[1] == "Homework" and hw1[2] == 100
    assert hw1[6] == pytest.approx(1 / 7)  # 00123 late
    assert hw1[7] == pytest.approx(1 / 7)  # S04 blank
    assert sheet.cell(row=row + 1, column=7).number_format == "0.0%"
    stats = {
        sheet.cell(row=r, column=1).value: sheet.cell(row=r, column=2)
        for r in range(column_a["Totals"] + 2, column_a["Totals"] + 8)
    }
    assert stats["Standard deviation"].number_format == "0.00"
    assert stats["Students with a total"].value == len(STUDENTS)


def test_run_reads_as_a_page(wb) -> None:
    sheet = wb["Run"]
    assert sheet["A1"].value == "gradeproc run" and sheet["A1"].font.b
    headings = {c.value for c in sheet["A"] if c.font.b and c.font.sz == 12}
    assert {"This run", "Settings applied", "Categories", "Letters"} <= headings
    assert any(str(h).startswith("Warnings") for h in headings)
    warning = next(c for c in sheet["B"] if c.value and "exactly 93" in str(c.value))
    assert warning.alignment.wrap_text


def _widths(sheet) -> list[float]:
    """Column widths as set (openpyxl adds 0.71, Excel's padding, to each it reads)."""
    widths: list[float] = []
    for dimension in sorted(sheet.column_dimensions.values(), key=lambda d: d.min or 0):
        if dimension.min is None or not dimension.customWidth:
            continue
        widths += [style.DEFAULT_WIDTH] * (dimension.min - 1 - len(widths))
        widths += [round(dimension.width - 0.71, 2)] * (dimension.max - dimension.min + 1)
    return widths


def _printed_font(sheet) -> float:
    """The size 11-point text prints at: the set scale, or what fitting the width implies."""
    fitted = sheet.sheet_properties.pageSetUpPr and sheet.sheet_properties.pageSetUpPr.fitToPage
    scale = style.fit_scale(_widths(sheet)) if fitted else sheet.page_setup.scale / 100
    return 11 * scale


def test_every_sheet_prints_landscape_readable_with_its_header_and_course(wb) -> None:
    for sheet in wb.worksheets:
        assert sheet.page_setup.orientation == "landscape", sheet.title
        assert sheet.print_title_rows == "$1:$1", sheet.title
        assert _printed_font(sheet) >= 8, sheet.title
        assert sheet.oddHeader.left.text == "CS 747 Optimization for Machine Learning Fall 2024", (
            sheet.title
        )
        assert sheet.oddFooter.left.text == "&A", sheet.title
        assert sheet.oddFooter.right.text == "Page &P of &N", sheet.title


def test_grades_print_at_8_point_with_who_on_every_page(wb) -> None:
    """Too wide to fit a page at 8 pt: a set scale, the names repeated on each page."""
    sheet = wb["Grades"]
    assert style.fit_scale(_widths(sheet)) < 0.73
    assert not (sheet.sheet_properties.pageSetUpPr and sheet.sheet_properties.pageSetUpPr.fitToPage)
    assert sheet.page_setup.scale == 73
    assert sheet.page_setup.pageOrder == "overThenDown"
    assert sheet.print_title_cols == "$A:$C"
    assert sheet.column_dimensions[_letter("Notes")].width == pytest.approx(70.71, abs=0.01)


def test_narrow_sheets_fit_the_page_width() -> None:
    assert style.print_scale([15] * 5) is None  # fits at 100 %
    assert style.print_scale([15] * 12) is None  # fits at 74 %: 8.2 pt
    assert style.print_scale([15] * 13) == 73  # would be 68 %: 7.5 pt
    assert style.fit_scale([15] * 11) == pytest.approx(734.4 / (11 * 110 * 0.75))
    assert style.MIN_PRINT_SCALE * 11 / 100 >= 8


def test_the_details_sheet_names_the_student_and_fits_the_page(wb) -> None:
    sheet = wb["Details"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Student ID", "Name", "Assessment")
    assert rows[1][:3] == ("S01", "Lovelace, Ada", "HW1")
    assert sheet.freeze_panes == "D2"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert _printed_font(sheet) >= 8


def test_summary_counts_are_whole_and_the_mean_is_calm(graded: Path, wb) -> None:
    with zipfile.ZipFile(graded) as z:
        charts = [n for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]
        for name in charts:
            value_axis = z.read(name).decode().split("<c:valAx>")[1].split("</c:valAx>")[0]
            assert '<c:numFmt formatCode="0" sourceLinked="0"/>' in value_axis, name
            assert '<c:majorUnit val="1"/>' in value_axis, name
            assert '<c:min val="0"/>' in value_axis, name
    sheet = wb["Summary"]
    column_a = {c.value: c.row for c in sheet["A"] if c.value is not None}
    header = column_a["Letters"] + 1
    assert [c.value for c in sheet[header]][:4] == ["Letter", "Range", "Students", "Percent"]
    first = sheet.cell(row=header + 1, column=4)
    assert first.number_format == "0.0%" and 0 <= first.value <= 1
    header = column_a["Assessments"] + 1
    column = chr(ord("A") + [c.value for c in sheet[header]].index("Mean %"))
    rules = _rules(sheet)[f"{column}{header + 1}:{column}{header + 9}"]
    assert rules[0].type == "cellIs" and rules[0].operator == "lessThan"
    assert rules[0].formula == ["60"] and rules[0].stopIfTrue
    assert rules[0].dxf.fill.bgColor.rgb.endswith(style.RED[0][1:])  # red: below passing only
    scale = rules[1].colorScale
    assert rules[1].type == "colorScale"
    assert [float(v.val) for v in scale.cfvo] == [60, 100]
    assert [c.rgb[-6:] for c in scale.color] == ["FFFFFF", "9BC2E6"]


def test_sheets_with_ids_ignore_number_stored_as_text(graded: Path) -> None:
    with zipfile.ZipFile(graded) as z:
        names = {
            m.group(2): m.group(1)
            for m in re.finditer(
                r'<sheet name="([^"]+)" sheetId="(\d+)"', z.read("xl/workbook.xml").decode()
            )
        }
        for number, title in names.items():
            xml = z.read(f"xl/worksheets/sheet{number}.xml").decode()
            if title in ("Grades", "Details", "Roster", "Scores", "Submitted", "Overrides"):
                assert '<ignoredError sqref="A1:XFD1048576" numberStoredAsText="1"/>' in xml, title


def test_beyond_the_comment_cap_cells_stay_shaded_and_the_run_sheet_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(annotate, "MAX_COMMENTS", 0)
    sheets = syllabus_sheets(
        [("S01", "Lovelace", "Ada")],
        scores={"S01": [None, 100, 100, 100, 100, 100, 100, 100, 100]},
    )
    result = process(write_book(tmp_path / "capped.xlsx", sheets))
    book = _open(result.output)
    scores = book["Scores"]
    assert scores["B2"].fill.fgColor.rgb not in (None, "00000000")  # still shaded
    assert all(cell.comment is None for row in scores.iter_rows() for cell in row)
    assert all(cell.comment is None for row in book["Grades"].iter_rows() for cell in row)
    legend = [c.value for row in scores.iter_rows() for c in row if isinstance(c.value, str)]
    assert "The Details sheet says what happened to each shaded cell." in legend
    run = [c.value for row in book["Run"].iter_rows() for c in row if isinstance(c.value, str)]
    assert any("more than the 0 cell comments a sheet gets" in text for text in run)


def test_details_past_excel_s_row_limit_continue_on_more_sheets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """xlsxwriter drops cells past the last row without a word: no row may be lost."""
    from typer.testing import CliRunner

    from gradeproc.cli import app
    from gradeproc.write import workbook

    monkeypatch.setattr(workbook, "EXCEL_ROWS", 21)  # 20 rows under the header: 2 students of 9
    students = [(f"S{i:02d}", "Doe", f"Sam {i}") for i in range(1, 6)]
    book = write_book(tmp_path / "big.xlsx", syllabus_sheets(students))
    result = CliRunner().invoke(app, ["process", str(book)])
    assert result.exit_code == 0, result.output
    assert (
        "warning: Details: 45 rows, more than the 20 an Excel sheet holds; they continue on "
        "Details (2), Details (3), each student's rows on one sheet\n"
    ) in result.stderr
    graded = _open(tmp_path / "big.graded.xlsx")
    assert graded.sheetnames[:6] == [
        "Grades",
        "Details",
        "Details (2)",
        "Details (3)",
        "Summary",
        "Run",
    ]
    ids = []
    for title in ("Details", "Details (2)", "Details (3)"):
        rows = list(graded[title].iter_rows(values_only=True))
        assert rows[0][:3] == ("Student ID", "Name", "Assessment")
        assert len(rows) - 1 == {"Details": 18, "Details (2)": 18, "Details (3)": 9}[title]
        ids += [row[0] for row in rows[1:]]
    assert ids == [sid for sid, _, _ in students for _ in range(9)]
    run = [c.value for row in graded["Run"].iter_rows() for c in row if isinstance(c.value, str)]
    assert any(text.startswith("Details: 45 rows, more than the 20") for text in run)


def test_details_sheets_keep_each_student_whole() -> None:
    from gradeproc.write.workbook import EXCEL_ROWS, details_sheets

    assert details_sheets(0, 9) == [("Details", 0, 0)]
    assert details_sheets(1_250_000, 25) == [
        ("Details", 0, 1_048_575 - 1_048_575 % 25),
        ("Details (2)", 1_048_575 - 1_048_575 % 25, 1_250_000),
    ]
    assert details_sheets(EXCEL_ROWS - 1, 1) == [("Details", 0, EXCEL_ROWS - 1)]


def test_text_past_excel_s_cell_limit_is_cut_visibly_not_silently(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """xlsxwriter cuts a long cell without a word and drops a long comment altogether."""
    from gradeproc.write import cells

    monkeypatch.setattr(cells, "CELL_CHARS", 120)
    sheets = syllabus_sheets([("S01", "Lovelace", "Ada")], scores={"S01": ["EX"] * 5 + [None] * 4})
    result = process(write_book(tmp_path / "long.xlsx", sheets))
    notes = result.grades.at[0, "Notes"]
    assert len(notes) > 120  # the frame keeps every sentence
    grades = _open(result.output)["Grades"]
    header = [c.value for c in grades[1]]
    cell = grades.cell(row=2, column=header.index("Notes") + 1)
    assert cell.value == notes[: 120 - len(cells.CUT_MARK)] + cells.CUT_MARK
    flags = grades.cell(row=2, column=header.index("Flags") + 1)
    assert flags.comment is not None and flags.comment.text.endswith(cells.CUT_MARK)
