"""Cell comments packaged from templates (gradeproc.write.package) are byte for byte what
xlsxwriter packages: the same workbook built both ways gives identical parts."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable

import pytest
import xlsxwriter
from hypothesis import given
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook
from xlsxwriter.utility import _preserve_whitespace
from xlsxwriter.xmlwriter import XMLwriter

import gradeproc.write.workbook as workbook_module
from gradeproc.api import process
from gradeproc.write import bulk
from gradeproc.write.cells import Workbook, new_workbook
from gradeproc.write.package import attribute, comments_xml, vml_xml
from tests.helpers import write_book
from tests.test_explain_diff import base_sheets

CREATED = dt.datetime(2026, 12, 1, 9, 30)

HOSTILE = [
    "plain",
    "two\nlines",
    " leading space",
    "trailing space ",
    "tab\there",
    "a & b < c > d \"quoted\" 'single'",
    "control \x01\x02\x1f characters",
    "a literal _x0041_ escape",
    "emoji 🎓 and accents é",
    "\ufffe\uffff non-characters",
    "\x0bvertical tab at the edges\x0b",
    "\x1cfile separator\x1f",
    "\u00a0no-break spaces\u3000",
    "ends in a newline\n",
    "",
]


def _build(cls: type, options: dict, fill: Callable[[object], None]) -> dict[str, bytes]:
    """Every part of the package `fill` writes, built with workbook class `cls`."""
    out = io.BytesIO()
    book = cls(out, {"in_memory": not options.get("constant_memory"), **options})
    book.worksheet_class = bulk.BulkWorksheet
    book.set_properties({"created": CREATED})
    fill(book)
    book.close()
    with zipfile.ZipFile(out) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _same_both_ways(fill: Callable[[object], None], **options: object) -> dict[str, bytes]:
    ours = _build(Workbook, options, fill)
    theirs = _build(xlsxwriter.Workbook, options, fill)
    assert ours.keys() == theirs.keys()
    for name in theirs:
        assert ours[name] == theirs[name], name
    return ours


def _hostile_comments(book) -> None:  # type: ignore[no-untyped-def]
    sheet = book.add_worksheet("Scores")
    sheet.set_column(0, 0, 30)
    sheet.set_row(3, 40)
    for r, text in enumerate(HOSTILE):
        sheet.write(r, 0, r)
        sheet.write_comment(r, 1, text)
        sheet.write_string(r, 2, text)  # a shared string (an inline one in constant memory)
    sheet.write_comment(
        0,
        3,
        "visible, coloured, sized",
        {
            "visible": True,
            "color": "#ffcc99",
            "x_scale": 1.7,
            "y_scale": 0.8,
            "x_offset": 5,
            "y_offset": 3,
        },
    )
    sheet.write_comment(
        1,
        3,
        "another author & font",
        {
            "author": 'Dr. "Quote" & <Co>',
            "font_name": 'Comic & "Sans"',
            "font_size": 10.5,
            "font_family": 3,
            "width": 300,
            "height": 120,
        },
    )
    sheet.write_comment(2, 3, "start elsewhere", {"start_row": 8, "start_col": 6})
    other = book.add_worksheet("Grades")
    other.set_comments_author("gradeproc")
    other.show_comments()
    for r in range(5):
        other.write(r, 2, f"FLAG{r}")  # xlsxwriter's constant memory fails on a bare row's note
        other.write_comment(r, 2, f"flag {r}", {"visible": False} if r == 2 else None)
    book.add_worksheet("No comments").write(0, 0, "x")


@pytest.mark.parametrize("constant_memory", [False, True])
def test_comments_are_packaged_as_xlsxwriter_packages_them(constant_memory: bool) -> None:
    parts = _same_both_ways(_hostile_comments, constant_memory=constant_memory)
    assert {"xl/comments1.xml", "xl/comments2.xml", "xl/drawings/vmlDrawing2.vml"} <= set(parts)
    assert ("xl/sharedStrings.xml" in parts) is not constant_memory


def test_more_than_1024_comments_on_a_sheet() -> None:
    """Past 1,024 shapes a drawing's id map lists two blocks ("1,2"); the shape ids go on."""

    def fill(book) -> None:  # type: ignore[no-untyped-def]
        for title in ("A", "B"):
            sheet = book.add_worksheet(title)
            for r in range(1_100):
                sheet.write_comment(r, 0, f"note {r}")

    parts = _same_both_ways(fill)
    assert b'data="1,2"' in parts["xl/drawings/vmlDrawing1.vml"]


def test_a_workbook_with_a_button_keeps_xlsxwriters_drawings() -> None:
    def fill(book) -> None:  # type: ignore[no-untyped-def]
        sheet = book.add_worksheet()
        sheet.write_comment(0, 0, "a note")
        sheet.insert_button(2, 2, {"caption": "Press"})
        book.add_worksheet().write_comment(1, 1, "another")

    _same_both_ways(fill)


def test_graded_workbooks_use_the_template_packager(tmp_path) -> None:  # type: ignore[no-untyped-def]
    book = new_workbook(tmp_path / "x.xlsx")
    assert isinstance(book, Workbook)
    sheet = book.add_worksheet()
    sheet.write_comment(0, 0, "n")
    book.close()
    with zipfile.ZipFile(tmp_path / "x.xlsx") as archive:
        assert b"<t>n</t>" in archive.read("xl/comments1.xml")


def test_no_comments_at_all() -> None:
    assert comments_xml([]).endswith("<authors></authors><commentList></commentList></comments>")
    assert vml_xml(1, 1024, []).endswith("</v:shapetype></xml>")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("a\nb", "a&#xA;b"), ('"x" & <y>', "&quot;x&quot; &amp; &lt;y&gt;"), (8.5, "8.5"), (3, "3")],
)
def test_attribute_escapes(value: object, expected: str) -> None:
    assert attribute(value) == expected


@pytest.mark.parametrize(
    "formula",
    [
        '"A"',
        '="A"',
        '{="A"}',
        '"a}"',
        "=$B2>=90",
        "{1,2}",
        "",
        "=",
        "_xlfn.X",
        "=SORT(A1:A3)",
        "ACOT(1)",
        'NOT(ISERROR(SEARCH("LATE",F2)))',
    ],
)
def test_formulas_are_prepared_as_xlsxwriter_prepares_them(formula: str) -> None:
    """Remembered, but the same for each option: future functions on or off, expanded or not."""
    for future in (False, True):
        ours, theirs = bulk.BulkWorksheet(), xlsxwriter.worksheet.Worksheet()
        ours.use_future_functions = theirs.use_future_functions = future
        for expand in (False, True, False, True):  # the second time from memory
            assert ours._prepare_formula(formula, expand) == theirs._prepare_formula(
                formula, expand
            )


def test_remembered_formulas_stay_few(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(bulk, "PREPARED_MAX", 3)
    monkeypatch.setattr(bulk, "_PREPARED", {})
    sheet = bulk.BulkWorksheet()
    for n in range(10):
        assert sheet._prepare_formula(f"=SORT(A{n})") == f"_xlfn._xlws.SORT(A{n})"
        assert len(bulk._PREPARED) <= 3


@given(st.text(max_size=40))
def test_edge_space_is_xlsxwriters_search(text: str) -> None:
    assert bulk.edge_space(text) == bool(re.search(r"^\s|\s$", text))


@given(st.text(max_size=40))
def test_an_inline_string_is_what_xlsxwriter_writes(text: str) -> None:
    sheet = bulk.BulkWorksheet()
    sheet.constant_memory = True
    ours = bulk.Strings(sheet).cell("B7", ' s="3"', text)
    writer = XMLwriter()
    writer.fh = io.StringIO()
    escaped = writer._escape_control_characters(bulk.cut(text))
    writer._xml_inline_string(escaped, _preserve_whitespace(escaped), [("r", "B7"), ("s", 3)])
    assert ours == writer.fh.getvalue()


RICH_LOOKING = ["<r>Ann</r>", "<r><t>Bo</t></r>", "<r>&amp;</r>", "<r>"]


@pytest.mark.parametrize("constant_memory", [False, True], ids=["shared", "inline"])
def test_text_that_looks_like_rich_text_is_written_as_typed(tmp_path, constant_memory) -> None:  # type: ignore[no-untyped-def]
    """xlsxwriter splices a string `<r>...</r>` into the XML as rich text of its own (an
    instructor's `<r>Ann</r>` came out blank); gradeproc writes it as the text it is."""
    path = tmp_path / "rich.xlsx"
    book = new_workbook(path, constant_memory=constant_memory, in_memory=not constant_memory)
    sheet = book.add_worksheet("S")
    n = len(RICH_LOOKING)
    for r, text in enumerate(RICH_LOOKING):
        sheet.write_string(r, 0, text)  # one by one, through xlsxwriter's own cells
    rows = [[]] * n + [[text] for text in RICH_LOOKING]
    xml = bulk.rows_xml(sheet, rows, {}, book.add_format(), first=n)  # and as a block
    assert xml is not None
    sheet.write_block(n, 2 * n - 1, 0, xml)
    book.close()
    read = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("S").to_python()
    assert [row[0] for row in read] == RICH_LOOKING * 2


@pytest.mark.parametrize("constant_memory", [False, True], ids=["in memory", "constant memory"])
def test_a_name_that_looks_like_rich_text_comes_out_as_typed(
    tmp_path, monkeypatch, constant_memory
) -> None:  # type: ignore[no-untyped-def]
    """End to end: a first name typed as `<r>Ann</r>` was blank in the graded workbook."""
    if constant_memory:  # as a course of more than IN_MEMORY_ROWS Details rows is written
        monkeypatch.setattr(
            workbook_module, "memory_options", lambda rows: {"constant_memory": True}
        )
    sheets = base_sheets()
    sheets["Roster"][1][2] = "<r>Ann</r>"
    sheets["Roster"][2][2] = "<r><t>Bob</t></r>"
    source = write_book(tmp_path / "book.xlsx", sheets)
    out = tmp_path / "graded.xlsx"
    process(source, output=out)
    book = CalamineWorkbook.from_path(str(out))
    grades = book.get_sheet_by_name("Grades").to_python()
    first = grades[0].index("First name")
    assert {row[first] for row in grades[1:]} >= {"<r>Ann</r>", "<r><t>Bob</t></r>"}
    roster = book.get_sheet_by_name("Roster").to_python()
    assert [roster[1][2], roster[2][2]] == ["<r>Ann</r>", "<r><t>Bob</t></r>"]
    details = book.get_sheet_by_name("Details").to_python()
    names = {row[details[0].index("Name")] for row in details[1:]}
    assert {"Smith, <r>Ann</r>", "Jones, <r><t>Bob</t></r>"} <= names
