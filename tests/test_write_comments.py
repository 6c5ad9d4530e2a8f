"""Cell comments packaged from templates (gradeproc.write.comments) are byte for byte what
xlsxwriter packages: the same workbook built both ways gives identical parts."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable

import pytest
import xlsxwriter

from gradeproc.write import bulk
from gradeproc.write.cells import Workbook, new_workbook
from gradeproc.write.comments import attribute, comments_xml, vml_xml

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
    "",
]


def _build(cls: type, options: dict, fill: Callable[[object], None]) -> dict[str, bytes]:
    """Every part of the package `fill` writes, built with workbook class `cls`."""
    out = io.BytesIO()
    book = cls(out, {"in_memory": True, **options})
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
        other.write_comment(r, 2, f"flag {r}", {"visible": False} if r == 2 else None)
    book.add_worksheet("No comments").write(0, 0, "x")


@pytest.mark.parametrize("constant_memory", [False, True])
def test_comments_are_packaged_as_xlsxwriter_packages_them(constant_memory: bool) -> None:
    parts = _same_both_ways(_hostile_comments, constant_memory=constant_memory)
    assert {"xl/comments1.xml", "xl/comments2.xml", "xl/drawings/vmlDrawing2.vml"} <= set(parts)


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
