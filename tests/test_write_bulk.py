"""Tables rendered in bulk (`gradeproc.write.bulk`) are the cells xlsxwriter would write.

Every graded workbook below is written twice, once through the bulk renderer and once with
it switched off (xlsxwriter's own cell methods), and the two are compared cell by cell:
values as calamine reads them, and each cell's number format, fill, font and alignment as
openpyxl reads them. The gradebooks carry the text that needs escaping (control characters,
`&<>`, edge spaces, a literal `_x0041_`, text past Excel's limit) and every cell type an
instructor's sheet can hold.
"""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import xlsxwriter
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook
from xlsxwriter.xmlwriter import XMLwriter

import gradeproc.write.workbook as workbook_module
from gradeproc.api import process
from gradeproc.write import bulk, style
from gradeproc.write.cells import SheetWriter, new_workbook
from tests.test_explain_diff import base_sheets

HOSTILE_NOTES: list[list[object]] = [
    ["Text", "Value"],
    ["  leading and trailing  ", "a & b < c > d \"q\" 'q'"],
    ["control\x01\x07characters", "_x0041_ looks like an escape"],
    ["tab\there\nnewline", True],
    ["false", False],
    ["date", dt.date(2024, 9, 1)],
    ["datetime", dt.datetime(2024, 9, 1, 13, 45, 10)],
    ["time", dt.time(8, 30)],
    ["whole number", 123456789012],
    ["float noise", 0.1 + 0.2],
    ["emoji \U0001f600", "x" * 40_000],
    ["=SUM(A1:A2)", "'quoted"],
    [None, None, None, "a cell far out"],
]


def hostile_gradebook(path: Path) -> Path:
    """The hand-worked gradebook plus a sheet of awkward cells, written as a spreadsheet
    program writes them (xlsxwriter: openpyxl refuses control characters)."""
    sheets = base_sheets()
    sheets["Notes to self"] = HOSTILE_NOTES
    sheets["Roster"][3][1] = "O'Brien & <Sons>"
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, dt.datetime | dt.date | dt.time):
                    sheet.write_datetime(r, c, value, when)
                elif value is not None:
                    sheet.write(r, c, value)
    book.close()
    return path


def _write(source: Path, output: Path, use_bulk: bool, monkeypatch: pytest.MonkeyPatch) -> Path:
    with monkeypatch.context() as patch:
        if not use_bulk:
            patch.setattr(bulk, "frame_xml", lambda *args, **kwargs: None)
            patch.setattr(bulk, "rows_xml", lambda *args, **kwargs: None)
        process(source, output=output, force=True)
    return output


def _cells(path: Path) -> dict[tuple[str, str], tuple[object, ...]]:
    """Every cell's value (calamine) and look (openpyxl), the Run sheet's clock aside."""
    values = CalamineWorkbook.from_path(str(path))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # openpyxl on conditional formats
        looks = load_workbook(path)
    cells: dict[tuple[str, str], tuple[object, ...]] = {}
    for sheet in looks.worksheets:
        rows = values.get_sheet_by_name(sheet.title).to_python(skip_empty_area=False)
        for row in sheet.iter_rows():
            for cell in row:
                r, c = cell.row - 1, cell.column - 1
                value = rows[r][c] if r < len(rows) and c < len(rows[r]) else ""
                if value == "" and cell.style_id == 0:
                    continue
                cells[(sheet.title, cell.coordinate)] = (
                    value,
                    cell.value if isinstance(cell.value, str) else None,  # as openpyxl reads it
                    cell.number_format,
                    cell.fill.fgColor.rgb if cell.fill.fill_type else None,
                    cell.font.b,
                    cell.alignment.horizontal,
                    cell.alignment.wrap_text,
                    cell.comment.text if cell.comment else None,
                )
        for r, dimension in sheet.row_dimensions.items():
            if dimension.height is not None:
                cells[(sheet.title, f"row {r}")] = (dimension.height,)
    for key in [k for k in cells if k[0] == "Run" and isinstance(cells[k][0], str)]:
        if len(str(cells[key][0])) == 19 and str(cells[key][0])[:2] == "20":  # written at
            del cells[key]
    return cells


@pytest.mark.parametrize("chunk_cells", [1 << 16, 40], ids=["whole sheets", "blocks of 40 cells"])
@pytest.mark.parametrize("constant_memory", [False, True], ids=["in memory", "constant memory"])
def test_bulk_rows_are_the_cells_xlsxwriter_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, constant_memory: bool, chunk_cells: int
) -> None:
    monkeypatch.setattr(bulk, "CHUNK_CELLS", chunk_cells)
    if constant_memory:  # as a course of more than IN_MEMORY_ROWS Details rows is written
        monkeypatch.setattr(
            workbook_module,
            "memory_options",
            lambda rows: {"constant_memory": True, "in_memory": False},
        )
    source = hostile_gradebook(tmp_path / "hostile.xlsx")
    with_bulk = _cells(_write(source, tmp_path / "bulk.xlsx", True, monkeypatch))
    without = _cells(_write(source, tmp_path / "plain.xlsx", False, monkeypatch))
    assert with_bulk.keys() == without.keys()
    assert {k: v for k, v in with_bulk.items() if without[k] != v} == {}
    notes = {k[1]: v[0] for k, v in with_bulk.items() if k[0] == "Notes to self"}
    assert notes["A2"] == "  leading and trailing  "
    assert notes["A3"] == "control\x01\x07characters"
    assert notes["B3"] == "_x0041_ looks like an escape"
    assert notes["B4"] is True
    assert notes["B6"] == dt.date(2024, 9, 1)
    assert notes["B11"] == "x" * 32_767  # Excel's limit, as xlsxwriter cuts it
    assert notes["D13"] == "a cell far out"
    assert with_bulk[("Grades", "B4")][0] == "O'Brien & <Sons>"


def test_a_value_the_renderer_does_not_know_goes_through_xlsxwriter(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    book = new_workbook(path, in_memory=True)
    writer = SheetWriter(book, style.formats(book))
    sheet = book.add_worksheet("Sheet")
    assert isinstance(sheet, bulk.BulkWorksheet)
    assert (
        bulk.rows_xml(sheet, [["a", dt.timedelta(hours=36)]], {}, writer.formats["datetime"])
        is None
    )
    writer.rows(sheet, [["text", 1.5], ["a duration", dt.timedelta(hours=36)]])
    book.close()
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Sheet").to_python()
    assert rows[0] == ["text", 1.5]
    assert rows[1][0] == "a duration"
    assert rows[1][1] in (1.5, dt.timedelta(hours=36))  # a number of days, however read


@pytest.mark.parametrize("constant_memory", [False, True], ids=["in memory", "constant memory"])
def test_a_block_the_renderer_cannot_write_goes_alone_through_xlsxwriter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, constant_memory: bool
) -> None:
    """Blocks of two rows; the one holding a duration goes cell by cell, the rest in bulk."""
    monkeypatch.setattr(bulk, "CHUNK_CELLS", 4)
    path = tmp_path / "book.xlsx"
    book = new_workbook(path, constant_memory=constant_memory, in_memory=not constant_memory)
    writer = SheetWriter(book, style.formats(book))
    sheet = book.add_worksheet("Sheet")
    rows: list[list[object]] = [[f"r{r}", float(r)] for r in range(9)]
    rows[5][1] = dt.timedelta(days=2)
    writer.rows(sheet, rows, {(2, 1): writer.formats["header"]})
    book.close()
    read = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Sheet").to_python()
    assert [row[0] for row in read] == [f"r{r}" for r in range(9)]
    assert [row[1] for row in read if not isinstance(row[1], dt.timedelta)] == [
        0.0,
        1.0,
        2.0,
        3.0,
        4.0,
        *([2.0] if read[5][1] == 2.0 else []),
        6.0,
        7.0,
        8.0,
    ]


@pytest.mark.parametrize("constant_memory", [False, True], ids=["in memory", "constant memory"])
def test_a_table_block_the_renderer_cannot_write_goes_row_by_row_through_xlsxwriter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, constant_memory: bool
) -> None:
    monkeypatch.setattr(bulk, "CHUNK_CELLS", 6)  # three rows of two columns a block
    path = tmp_path / "book.xlsx"
    book = new_workbook(path, constant_memory=constant_memory, in_memory=not constant_memory)
    writer = SheetWriter(book, style.formats(book))
    sheet = book.add_worksheet("Sheet")
    mixed: list[object] = [1.5, "x", None, dt.timedelta(days=1), 2.5, "y", True, 4.0]
    table = pd.DataFrame({"n": [float(r) for r in range(8)], "mixed": mixed})
    assert writer.frame(sheet, table) == 9
    book.close()
    read = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Sheet").to_python()
    assert [row[0] for row in read] == ["n", *(float(r) for r in range(8))]
    column = [row[1] for row in read]
    assert column[:4] == ["mixed", 1.5, "x", ""]
    assert column[5:] == [2.5, "y", True, 4.0]


def test_blocks_sit_among_the_rows_xlsxwriter_writes(tmp_path: Path) -> None:
    """A table between cells written one by one, above and below it, in memory mode."""
    path = tmp_path / "book.xlsx"
    book = new_workbook(path, in_memory=True)
    writer = SheetWriter(book, style.formats(book))
    sheet = book.add_worksheet("Sheet")
    sheet.write(0, 0, "title")
    xml = bulk.rows_xml(sheet, [[], [], ["x", 1.0], ["y", 2.0]], {}, writer.formats["datetime"])
    assert xml is not None
    sheet.write_block(2, 3, 1, xml)
    sheet.write(5, 1, "below")
    book.close()
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Sheet").to_python()
    assert rows == [["title", ""], ["", ""], ["x", 1.0], ["y", 2.0], ["", ""], ["", "below"]]


@given(st.text(max_size=60))
def test_text_is_escaped_as_xlsxwriter_escapes_it(text: str) -> None:
    expected = XMLwriter._escape_data(
        XMLwriter,
        XMLwriter._escape_control_characters(text),  # type: ignore[arg-type]
    )
    assert bulk.escaped(bulk.cut(text)) == expected


def test_text_past_excels_limit_is_cut_where_xlsxwriter_cuts_it() -> None:
    emoji: Any = "\U0001f600"
    assert bulk.escaped(bulk.cut("a" * 40_000)) == "a" * 32_767
    assert bulk.escaped(bulk.cut(emoji * 20_000)) == emoji * 16_383  # two UTF-16 units each


def test_without_the_internals_it_needs_every_cell_goes_through_xlsxwriter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Should an xlsxwriter release rename what the renderer relies on, nothing is lost."""
    monkeypatch.setattr(bulk, "SUPPORTED", False)
    path = tmp_path / "book.xlsx"
    book = new_workbook(path, in_memory=True)
    writer = SheetWriter(book, style.formats(book))
    sheet = book.add_worksheet("Sheet")
    assert not sheet.renders
    writer.rows(sheet, [["a", 1.0], ["b", 2.0]])
    writer.frame(sheet, pd.DataFrame({"x": [3.0]}), start_row=3)
    book.close()
    read = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Sheet").to_python()
    assert read == [["a", 1.0], ["b", 2.0], ["", ""], ["x", ""], [3.0, ""]]


@pytest.mark.parametrize("constant_memory", [False, True], ids=["in memory", "constant memory"])
def test_a_block_over_a_row_written_cell_by_cell_is_refused(
    tmp_path: Path, constant_memory: bool
) -> None:
    """Never two versions of a row in the file: overlapping writes are a bug, said loudly."""
    book = new_workbook(
        tmp_path / "book.xlsx", constant_memory=constant_memory, in_memory=not constant_memory
    )
    writer = SheetWriter(book, style.formats(book))
    sheet = book.add_worksheet("Sheet")
    sheet.write(1, 0, "written one by one")
    xml = bulk.rows_xml(sheet, [["a"], ["b"]], {}, writer.formats["datetime"])
    assert xml is not None
    with pytest.raises(ValueError, match="rows 1-2"):
        sheet.write_block(0, 1, 0, xml)
        book.close()


@given(
    st.one_of(
        st.datetimes(),
        st.datetimes(min_value=dt.datetime(1899, 12, 1), max_value=dt.datetime(1905, 1, 1)),
        st.datetimes(timezones=st.timezones()),
        st.dates(),
        st.times(),
    ),
    st.booleans(),
)
def test_date_numbers_are_xlsxwriters(value: dt.datetime, date_1904: bool) -> None:
    sheet = bulk.BulkWorksheet()
    sheet.date_1904 = date_1904
    sheet.remove_timezone = True
    assert bulk.date_number(sheet, value) == sheet._convert_date_time(value)


def test_repeated_numbers_keep_each_spelling() -> None:
    """Numbers are spelled once per column, but 0.0 and -0.0 (equal keys) each their own."""
    values: list[object] = [0.0, -0.0, -0.0, 0.0, 1.5, 1.5, None, 2.0, 1e-300, 1e-300]
    refs = [f"A{n}" for n in range(1, len(values) + 1)]
    sheet = bulk.BulkWorksheet()
    cells = bulk.column_cells("number", values, refs, ' s="2"', bulk.Strings(sheet))
    expected = [
        "" if v is None else f'<c r="{ref}" s="2"><v>{v:.16G}</v></c>'
        for ref, v in zip(refs, values, strict=True)
    ]
    assert cells == expected
    assert cells[1] == '<c r="A2" s="2"><v>-0</v></c>'
    for odd in (float("nan"), float("inf"), True, 3):
        assert bulk.column_cells("number", [1.0, odd], refs[:2], "", bulk.Strings(sheet)) is None
