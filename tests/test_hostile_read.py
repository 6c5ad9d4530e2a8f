"""What spreadsheet programs really save, read without a silent wrong grade or a traceback.

Each hostile workbook is built here: with openpyxl, or by editing a sheet's XML in the zip.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import sys
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gradeproc.api import grade_file, validate
from gradeproc.cli import app
from gradeproc.errors import ERROR, WARNING, FileProblem, Finding
from gradeproc.read import read_workbook
from tests.helpers import syllabus_sheets, write_book

runner = CliRunner()
STUDENTS = [("S01", "Lovelace", "Ada"), ("S02", "Hopper", "Grace")]


def book_with(tmp_path: Path, edit=None, name: str = "book.xlsx") -> Path:
    """The two-student syllabus book, with `edit(openpyxl workbook)` applied before saving."""
    from openpyxl import load_workbook

    path = write_book(tmp_path / name, syllabus_sheets(STUDENTS))
    if edit is not None:
        wb = load_workbook(path)
        edit(wb)
        wb.save(path)
    return path


def edit_member(path: Path, member: str, change) -> Path:
    """Rewrite one zip member's bytes with change(bytes) -> bytes (or None to drop it)."""
    with zipfile.ZipFile(path) as zf:
        items = [(info, zf.read(info.filename)) for info in zf.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in items:
            if info.filename == member:
                data = change(data)
                if data is None:
                    continue
            zf.writestr(info.filename, data)
    return path


def sheet_part(path: Path, title: str) -> str:
    """The zip member of a sheet (openpyxl numbers them in order)."""
    from openpyxl import load_workbook

    names = load_workbook(path, read_only=True).sheetnames
    return f"xl/worksheets/sheet{names.index(title) + 1}.xml"


def test_a_formula_value_a_program_saved_is_a_warning_naming_the_cell(tmp_path: Path) -> None:
    """A script wrote the formula with a made-up saved value (xlsxwriter writes 0) and left
    the calculating to Excel: the value read may not be the formula's, so validate says so."""
    path = book_with(tmp_path)
    assert b'fullCalcOnLoad="1"' in zipfile.ZipFile(path).read("xl/workbook.xml")
    edit_member(
        path,
        sheet_part(path, "Scores"),
        lambda xml: re.sub(rb'<c r="B2"[^>]*>.*?</c>', b'<c r="B2"><f>80+10</f><v>0</v></c>', xml),
    )
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "  warning: Letters: no letter covers totals of exactly 93 (between A- and A); "
        'letter_gap_rule "higher" gives them A and flags them POLICY_GAP; to settle it, write '
        "letter_gap_rule (higher or lower) in the Policy sheet, or close the gap in the Letters "
        "sheet",
        "  warning: Scores!B2: holds the formula =80+10 whose saved value was written by a "
        "program, not calculated by a spreadsheet, so it may be wrong; open the workbook in "
        "Excel or LibreOffice and save it, so its result is stored",
        "book.xlsx: no problems found (2 warnings).",
    ]


# --- Error cells ------------------------------------------------------------------------------


@pytest.mark.parametrize("error", ["#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!"])
def test_an_error_cell_in_scores_is_an_error_finding(tmp_path: Path, error: str) -> None:
    def edit(wb):
        wb["Scores"]["C2"] = error  # openpyxl stores an error code as an error cell, t="e"

    path = book_with(tmp_path, edit)
    assert f't="e"><v>{error}</v>'.encode() in zipfile.ZipFile(path).read(
        sheet_part(path, "Scores")
    )
    assert validate(path).errors == [
        Finding(
            "error-cell",
            f"holds the error {error}; correct the formula or type the value in, and save "
            "the workbook again",
            "Scores",
            "C2",
            ERROR,
        )
    ]


def test_an_error_cell_with_its_formula_as_a_spreadsheet_saves_it(tmp_path: Path) -> None:
    """=NA() saved by Excel: the formula and the cached error value."""
    path = book_with(tmp_path)
    part = sheet_part(path, "Submitted")
    # A submission time cell holding =1/0 saved as #DIV/0!: the late penalty must not vanish.
    with zipfile.ZipFile(path) as zf:
        xml = zf.read(part)
    assert b"<sheetData>" in xml or b"<sheetData/>" in xml
    row = b'<row r="2"><c r="A2" t="inlineStr"><is><t>S01</t></is></c>'
    row += b'<c r="B2" t="e"><f>1/0</f><v>#DIV/0!</v></c></row>'
    if b"<sheetData/>" in xml:
        new = xml.replace(b"<sheetData/>", b"<sheetData>" + row + b"</sheetData>")
    else:
        new = xml.replace(b"</row>", b"</row>" + row, 1)
    edit_member(path, part, lambda _: new)
    errors = validate(path).errors
    assert [str(f) for f in errors] == [
        "Submitted!B2: holds the error #DIV/0!; correct the formula or type the value in, "
        "and save the workbook again"
    ]


def test_error_cells_exit_1_on_the_command_line(tmp_path: Path) -> None:
    def edit(wb):
        wb["Scores"]["C2"] = "#N/A"
        wb["Roster"]["B3"] = "#VALUE!"

    path = book_with(tmp_path, edit)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert "  Roster!B3: holds the error #VALUE!; correct the formula" in result.stderr
    assert "  Scores!C2: holds the error #N/A; correct the formula" in result.stderr
    result = runner.invoke(app, ["process", str(path)])
    assert result.exit_code == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]


def test_an_error_on_the_instructor_s_own_sheet_is_a_warning(tmp_path: Path) -> None:
    def edit(wb):
        wb.create_sheet("Notes")["B4"] = "#REF!"

    path = book_with(tmp_path, edit)
    report = validate(path)
    assert report.errors == []
    assert (
        Finding(
            "error-cell",
            "holds the error #REF!; gradeproc does not read this sheet, and copies the cell into "
            "the graded workbook as a blank",
            "Notes",
            "B4",
            WARNING,
        )
        in report.warnings
    )


# --- Percentage-formatted scores ------------------------------------------------------------


@pytest.mark.parametrize("number_format", ["0%", "0.00%", "0.0%;[Red]-0.0%"])
def test_a_percent_score_is_that_share_of_max_points_and_said(
    tmp_path: Path, number_format: str
) -> None:
    def edit(wb):
        for cell in ("J2", "J3"):  # Participation, out of 100 points
            wb["Scores"][cell] = 0.95
            wb["Scores"][cell].number_format = number_format

    path = book_with(tmp_path, edit)
    _, gradebook, _ = grade_file(path)
    assert list(gradebook.points["Participation"]) == [95.0, 95.0]
    assert [str(w) for w in gradebook.warnings if w.code == "percent-score"] == [
        "Scores!J2: 2 scores of Participation (J2, J3) are formatted as a percentage and read "
        "as that share of its 100 points (95% = 95 points)"
    ]


def test_percent_is_read_against_the_assessment_s_own_max(tmp_path: Path) -> None:
    def edit(wb):
        wb["Assessments"]["C10"] = 10  # Participation out of 10
        wb["Scores"]["J2"] = 0.95
        wb["Scores"]["J2"].number_format = "0%"
        wb["Scores"]["J3"] = 8

    path = book_with(tmp_path, edit)
    _, gradebook, _ = grade_file(path)
    assert gradebook.points.loc["S01", "Participation"] == 9.5
    assert gradebook.points.loc["S02", "Participation"] == 8  # not a percentage: 8 points
    warnings = [str(w) for w in gradebook.warnings if w.code == "percent-score"]
    assert warnings == [
        "Scores!J2: 1 score of Participation (J2) is formatted as a percentage and read as "
        "that share of its 10 points (95% = 9.5 points)"
    ]


def test_a_custom_percent_format_is_found_in_styles(tmp_path: Path) -> None:
    from gradeproc.safety import is_percent_format

    assert is_percent_format("0%")
    assert is_percent_format('0.0"pts"%')
    assert not is_percent_format('0.0" %"')
    assert not is_percent_format("[Red]0.00")
    assert not is_percent_format("0\\%")
    assert not is_percent_format("yyyy-mm-dd")


# --- Sparse sheets: memory for the cells present, not the rectangle they span -----------------


def test_a_stray_value_at_the_last_cell_of_an_extra_sheet(tmp_path: Path) -> None:
    from gradeproc.read import is_sparse
    from gradeproc.safety import inspect_workbook_file

    def edit(wb):
        notes = wb.create_sheet("Notes")
        notes["A1"] = "my notes"
        notes["XFD1048576"] = "stray"

    path = book_with(tmp_path, edit)
    cells = inspect_workbook_file(path).sheet_cells["Notes"]
    assert (cells.cells, cells.max_row, cells.max_col) == (2, 1_048_576, 16_384)
    assert is_sparse(cells)
    rows = read_workbook(path).sheets["Notes"].rows
    assert len(rows) == 1_048_576
    assert rows[0] == ["my notes"]
    assert rows[1] == [] and rows[1] is rows[500_000]  # absent rows share one empty list
    assert len(rows[-1]) == 16_384 and rows[-1][-1] == "stray"
    result = runner.invoke(app, ["process", str(path)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(tmp_path / "book.graded.xlsx") as zf:
        names = zf.namelist()
        sheets = [n for n in names if n.startswith("xl/worksheets/sheet")]
        assert any(b'r="XFD1048576"' in zf.read(n) for n in sheets)
        # the value itself: inline, or as a shared string (small books are written in memory)
        shared = zf.read("xl/sharedStrings.xml") if "xl/sharedStrings.xml" in names else b""
        assert b">stray<" in shared or any(b">stray<" in zf.read(n) for n in sheets)


def test_a_stray_score_far_below_the_class_is_a_finding(tmp_path: Path) -> None:
    def edit(wb):
        wb["Scores"]["B1048576"] = 5

    path = book_with(tmp_path, edit)
    errors = validate(path).errors
    assert [f.location for f in errors] == ["Scores!A1048576"]


def test_sparse_and_dense_reading_give_the_same_grades(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cell-by-cell reader agrees with the fast reader on every sheet of a real book."""
    from tests.helpers import worked_sheets

    path = write_book(tmp_path / "worked.xlsx", worked_sheets())
    _, dense_book, dense = grade_file(path)
    monkeypatch.setattr("gradeproc.read.SPARSE_SLACK_CELLS", -1_000_000)  # every sheet sparse
    _, sparse_book, sparse = grade_file(path)
    assert sparse.grades.equals(dense.grades)
    assert sparse.details.equals(dense.details)
    assert [str(w) for w in sparse_book.warnings] == [str(w) for w in dense_book.warnings]


# --- Malformed sheet XML in a sound zip -------------------------------------------------------

SCORES_B2 = b'<c r="B2" t="n"><v>100</v></c>'
BROKEN_SCORES = {
    "unclosed <v>": (
        b'<c r="B2" t="n"><v>100</c>',
        "ill-formed document: start tag not closed: `</v>` not found before end of input",
    ),
    "text in a number cell": (
        b'<c r="B2" t="n"><v>eighty</v></c>',
        "Parse float error: invalid float literal",
    ),
    "a boolean holding yes": (
        b'<c r="B2" t="b"><v>yes</v></c>',
        "Unrecognized boolean cell value: yes",
    ),
    "an unknown cell type": (
        b'<c r="B2" t="zz"><v>100</v></c>',
        "Unknown cell 't' attribute: \"zz\"",
    ),
    "a shared string missing": (  # openpyxl writes no sharedStrings.xml at all
        b'<c r="B2" t="s"><v>7</v></c>',
        "Cell string index not found in shared strings table",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN_SCORES))
@pytest.mark.parametrize("sparse", [False, True], ids=["fast", "sparse"])
def test_malformed_sheet_xml_is_a_file_problem_naming_the_sheet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str, sparse: bool
) -> None:
    cell, reason = BROKEN_SCORES[case]
    path = book_with(tmp_path)
    edit_member(path, sheet_part(path, "Scores"), lambda xml: xml.replace(SCORES_B2, cell, 1))
    if sparse:
        monkeypatch.setattr("gradeproc.read.SPARSE_SLACK_CELLS", -1_000_000)
    with pytest.raises(FileProblem) as caught:
        read_workbook(path)
    message = caught.value.message
    assert message.startswith('book.xlsx could not be read: its sheet "Scores" is damaged (')
    assert message.endswith("); open the workbook in Excel or LibreOffice and save it again.")
    if not sparse:
        assert message == (
            f'book.xlsx could not be read: its sheet "Scores" is damaged ({reason}); open the '
            "workbook in Excel or LibreOffice and save it again."
        )
        result = runner.invoke(app, ["process", str(path)])
        assert result.exit_code == 1
        assert result.stderr == f"Error: {message}\n"
        assert "Traceback" not in result.output


def test_an_input_rewritten_during_the_run_grades_the_bytes_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Checked as sound, then cut short by another program before the sheets are read."""
    import gradeproc.safety

    path = book_with(tmp_path)
    inspect = gradeproc.safety.inspect_workbook_file

    def inspect_then_truncate(p, data=None):
        inspection = inspect(p, data)
        whole = Path(p).read_bytes()
        Path(p).write_bytes(whole[: len(whole) // 2])
        return inspection

    original = path.read_bytes()
    monkeypatch.setattr(gradeproc.safety, "inspect_workbook_file", inspect_then_truncate)
    # The bytes were read once before the file was cut short: those bytes are what is graded
    # and hashed, so the run neither fails half-way nor names another file's hash.
    workbook = read_workbook(path)
    assert workbook.sha256 == hashlib.sha256(original).hexdigest()
    assert "Scores" in workbook.sheets


# --- Output sheet names -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("titles", "expected"),
    [
        (["Grades (input)", "Grades"], ["Grades (input)", "Grades (input 2)"]),
        (["Grades", "Grades (input)"], ["Grades (input 2)", "Grades (input)"]),
        (["summary", "RUN", "Notes"], ["summary (input)", "RUN (input)", "Notes"]),
        (["Details (2)"], ["Details (2) (input)"]),
        (["Grades" + "x" * 25], ["Grades" + "x" * 25]),
    ],
)
def test_input_sheet_names_never_collide(titles: list[str], expected: list[str]) -> None:
    from gradeproc.write.workbook import input_sheet_titles

    ours = ["Grades", "Summary", "Run", "Details", "Details (2)"]
    result = input_sheet_titles(titles, ours)
    assert result == expected
    folded = [t.casefold() for t in [*ours, *result]]
    assert len(set(folded)) == len(folded)
    assert all(len(t) <= 31 for t in result)


def test_a_long_name_keeps_its_suffix_within_31_characters() -> None:
    from gradeproc.write.workbook import input_sheet_titles

    long = "Summary of the term, by section"  # 31 characters
    assert input_sheet_titles([long, long[:23] + " (input)"], [long]) == [
        long[:21] + " (input 2)",
        long[:23] + " (input)",
    ]


def test_an_instructor_s_grades_input_sheet_before_their_grades_sheet(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    def edit(wb):
        wb.create_sheet("Grades (input)", 0)["A1"] = "first"
        wb.create_sheet("Grades", 1)["A1"] = "second"

    path = book_with(tmp_path, edit)
    result = runner.invoke(app, ["process", str(path)])
    assert result.exit_code == 0, result.output
    graded = load_workbook(tmp_path / "book.graded.xlsx", read_only=True)
    assert graded["Grades (input)"]["A1"].value == "first"
    assert graded["Grades (input 2)"]["A1"].value == "second"


# --- Typo'd years and huge numbers -------------------------------------------------------------

TYPO = "is in the year {year}; a date outside 1900-2200 is a typo, so correct the year"


def _set(sheet: str, row: list[object]):
    def edit(sheets):
        sheets[sheet].append(row)

    return edit


def _due(value: object):
    def edit(sheets):
        sheets["Assessments"][2][3] = value  # HW2's Due

    return edit


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            _set("Submitted", ["S01", dt.datetime(2924, 10, 1, 12, 0)]),
            "Submitted!B2: 2924-10-01 12:00:00 " + TYPO.format(year=2924),
        ),
        (
            _set("Submitted", ["S01", "2924-10-01 23:59"]),
            'Submitted!B2: "2924-10-01 23:59" ' + TYPO.format(year=2924),
        ),
        (_due("2924-10-01 23:59"), 'Assessments!D3: "2924-10-01 23:59" ' + TYPO.format(year=2924)),
        (
            _due(dt.datetime(2924, 10, 1, 23, 59)),
            "Assessments!D3: 2924-10-01 23:59:00 " + TYPO.format(year=2924),
        ),
        (
            _set("Extensions", ["S01", "HW1", None, dt.datetime(2294, 1, 1), "typo"]),
            "Extensions!D2: 2294-01-01 " + TYPO.format(year=2294),
        ),
        (
            _set("Extensions", ["S01", "HW1", None, "2294-01-01 10:00", "typo"]),
            'Extensions!D2: "2294-01-01 10:00" ' + TYPO.format(year=2294),
        ),
        (
            _set("Extensions", ["S01", "HW1", 100000, None, "typo"]),
            "Extensions!C2: Extra days 100000 is more than 3,650 days (ten years); a typo?",
        ),
        (
            _set("Extensions", ["S01", "*", 1e300, None, "typo"]),
            "Extensions!C2: Extra days 1e+300 is more than 3,650 days (ten years); a typo?",
        ),
    ],
    ids=[
        "submitted",
        "submitted-text",
        "due-text",
        "due",
        "new-due",
        "new-due-text",
        "days",
        "1e300",
    ],
)
def test_typo_d_years_and_huge_numbers_are_findings(tmp_path: Path, edit, expected: str) -> None:
    sheets = syllabus_sheets(STUDENTS)
    edit(sheets)
    path = write_book(tmp_path / "book.xlsx", sheets)
    assert [str(f) for f in validate(path).errors] == [expected]
    result = runner.invoke(app, ["process", str(path)])
    assert result.exit_code == 1
    assert f"  {expected}\n" in result.stderr


def test_the_years_1900_and_2200_are_dates() -> None:
    import pandas as pd

    from gradeproc.parse import implausible_year, parse_datetimes

    cells = pd.Series(
        [dt.datetime(1900, 3, 1), "2200-12-31 23:59", dt.date(2201, 1, 1), "1899-12-31"],
        dtype=object,
    )
    _, invalid = parse_datetimes(cells, "UTC")
    assert list(invalid) == [False, False, True, True]
    assert [implausible_year(v) for v in cells] == [None, None, 2201, 1899]


# --- Invisible characters, title rows ---------------------------------------------------------


@pytest.mark.parametrize(
    ("char", "name"),
    [("\u200b", "zero-width space"), ("\ufeff", "byte order mark"), ("\u2060", "word joiner")],
)
def test_invisible_characters_in_ids_headers_and_names_are_ignored_and_said(
    tmp_path: Path, char: str, name: str
) -> None:
    from tests.helpers import worked_sheets

    clean = write_book(tmp_path / "clean.xlsx", worked_sheets())
    sheets = worked_sheets()
    sheets["Scores"][2][0] = "S02" + char  # an ID
    sheets["Scores"][0][3] = char + "HW3"  # a header
    sheets["Assessments"][4][0] = "HW4" + char  # an assessment name
    sheets["Roster"][1][1] = "\u00a0Lovelace\u00a0"  # non-breaking spaces: already trimmed
    dirty = write_book(tmp_path / "dirty.xlsx", sheets)
    _, _, expected = grade_file(clean)
    _, gradebook, graded = grade_file(dirty)
    assert graded.grades.equals(expected.grades)
    warnings = [str(w) for w in gradebook.warnings if w.code == "invisible-characters"]
    assert warnings == [
        f"Assessments!A5: holds text with invisible characters ({name}), which gradeproc ignores",
        f"Scores!D1: holds text with invisible characters ({name}), which gradeproc ignores; "
        "so does 1 more cell of this sheet",
    ]


def test_a_title_row_above_the_header_is_found_and_said(tmp_path: Path) -> None:
    from tests.helpers import worked_sheets

    clean = write_book(tmp_path / "clean.xlsx", worked_sheets())
    sheets = worked_sheets()
    sheets["Scores"].insert(0, ["CS 747 scores, fall term"])
    sheets["Roster"].insert(0, ["Class list"])
    sheets["Roster"].insert(1, [])
    dirty = write_book(tmp_path / "dirty.xlsx", sheets)
    _, _, expected = grade_file(clean)
    _, gradebook, graded = grade_file(dirty)
    assert graded.grades.equals(expected.grades)
    warnings = [str(w) for w in gradebook.warnings if w.code == "title-rows"]
    assert warnings == [
        "Roster!A3: the header is row 3; rows 1-2 above it are taken as a title and not read",
        "Scores!A2: the header is row 2; row 1 above it is taken as a title and not read",
    ]


def test_a_sheet_without_its_header_in_the_first_rows_keeps_the_first_row() -> None:
    from gradeproc.read import sheet_from_rows

    rows = [["Title"], ["a"], ["b"], ["c"], ["d"], ["Student ID", "HW1"], ["S01", 5]]
    sheet = sheet_from_rows("Scores", "Scores", rows)
    assert sheet.header_row == 1
    assert list(sheet.frame.columns) == ["Title"]
    assert sheet.title_rows == 0


# --- A file name that is not UTF-8 ------------------------------------------------------------


@pytest.mark.skipif(sys.platform != "linux", reason="file names are bytes on Linux only")
def test_a_non_utf8_file_name_is_read_and_printed_readably(tmp_path: Path) -> None:
    import os
    import subprocess

    clean = write_book(tmp_path / "clean.xlsx", syllabus_sheets(STUDENTS))
    odd = os.path.join(os.fsencode(tmp_path), b"caf\xe9.xlsx")  # Latin-1, not UTF-8
    os.rename(clean, odd)
    gradeproc = Path(sys.executable).with_name("gradeproc")
    result = subprocess.run([gradeproc, "validate", odd], capture_output=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith(b"caf\\xe9.xlsx: no problems found (1 warning).\n")
    result = subprocess.run([gradeproc, "process", odd], capture_output=True, check=False)
    assert result.returncode == 0, result.stderr
    assert os.path.exists(os.path.join(os.fsencode(tmp_path), b"caf\xe9.graded.xlsx"))
    missing = os.path.join(os.fsencode(tmp_path), b"th\xe9.xlsx")
    result = subprocess.run([gradeproc, "validate", missing], capture_output=True, check=False)
    assert result.returncode == 2
    assert result.stderr == (
        b"Error: th\\xe9.xlsx was not found; check the file name and the folder it is in.\n"
    )


@pytest.mark.parametrize(
    ("sheet", "cell", "value", "expected"),
    [
        (
            "Policy",
            "B5",
            0.05,
            "Policy!B5: shows 5% but holds the number 0.05; type 5 (or whatever number you "
            "mean) in a cell formatted as a plain number",
        ),
        (
            "Categories",
            "B2",
            0.5,
            "Categories!B2: shows 50% but holds the number 0.5; type 50 (or whatever number you "
            "mean) in a cell formatted as a plain number",
        ),
    ],
)
def test_a_percentage_outside_scores_is_refused(
    tmp_path: Path, sheet: str, cell: str, value: float, expected: str
) -> None:
    def edit(wb):
        wb[sheet][cell] = value
        wb[sheet][cell].number_format = "0%"

    path = book_with(tmp_path, edit)
    assert expected in [str(f) for f in validate(path).errors]


def test_an_error_cell_without_a_value_is_still_named(tmp_path: Path) -> None:
    path = book_with(tmp_path)
    part = sheet_part(path, "Scores")
    edit_member(path, part, lambda xml: xml.replace(SCORES_B2, b'<c r="B2" t="e"/>', 1))
    assert [str(f) for f in validate(path).errors] == [
        "Scores!B2: holds the error #VALUE!; correct the formula or type the value in, and "
        "save the workbook again"
    ]
