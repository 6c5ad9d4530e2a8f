"""gradeproc.safety: the zip-level look at a workbook before any parser reads it."""

from __future__ import annotations

import importlib.util
import io
import itertools
import struct
import sys
import zipfile
import zlib
from pathlib import Path

import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from gradeproc import safety
from gradeproc.errors import ERROR, WARNING, FileProblem, Finding
from gradeproc.safety import inspect_workbook_file

CORPUS_SCRIPT = Path(__file__).parent / "data" / "bad" / "make_corpus.py"
SHEET_NAMES = ["Policy", "Categories", "Letters", "Assessments", "Roster", "Scores"]
RESAVE = "open the workbook in Excel or LibreOffice and save it, so its result is stored"


def _load_corpus_module():
    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_corpus"] = module
    spec.loader.exec_module(module)
    return module


mc = _load_corpus_module()


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return mc.build(tmp_path_factory.mktemp("bad"))


def refusal(path: Path) -> str:
    with pytest.raises(FileProblem) as caught:
        inspect_workbook_file(path)
    return caught.value.message


def feature(what: str) -> Finding:
    message = f"the workbook has {what}; the graded copy keeps values only, without them"
    return Finding("feature-lost", message, None, None, WARNING)


@pytest.fixture
def no_decompression(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> None:
        raise AssertionError("a member was decompressed")

    monkeypatch.setattr(safety.zlib, "decompressobj", refuse)


# --- Files that are refused. ----------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    assert refusal(tmp_path / "grades.xlsx") == (
        "grades.xlsx was not found; check the file name and the folder it is in."
    )


def test_directory(tmp_path: Path) -> None:
    (tmp_path / "fall.xlsx").mkdir()
    assert refusal(tmp_path / "fall.xlsx") == (
        "fall.xlsx is a folder, not a gradebook file; give the path of the .xlsx file itself "
        "(or use `gradeproc batch` for a folder of gradebooks)."
    )


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.xlsx").write_bytes(b"")
    assert refusal(tmp_path / "empty.xlsx") == (
        "empty.xlsx is empty (0 bytes); copy the gradebook again from where you saved it."
    )


def test_not_a_zip(corpus: dict[str, Path]) -> None:
    assert refusal(corpus["not_a_zip.xlsx"]) == (
        "not_a_zip.xlsx is not an Excel workbook; give gradeproc an .xlsx file saved from "
        "Excel, LibreOffice or Google Sheets."
    )


def test_truncated(corpus: dict[str, Path]) -> None:
    assert refusal(corpus["truncated.xlsx"]) == (
        "truncated.xlsx is damaged or incomplete; copy it again from where you saved it, "
        "or open it in Excel and save it again."
    )


def test_renamed_xls(corpus: dict[str, Path]) -> None:
    assert refusal(corpus["renamed_xls.xlsx"]) == (
        "renamed_xls.xlsx is an Excel 97-2003 workbook (.xls) renamed to .xlsx, not the .xlsx "
        "workbook gradeproc reads; open it in Excel, choose File > Save As, pick the type "
        '"Excel Workbook (.xlsx)", and give gradeproc the .xlsx file.'
    )


def test_an_xls_named_so_is_not_called_renamed(corpus: dict[str, Path], tmp_path: Path) -> None:
    path = tmp_path / "course.xls"
    path.write_bytes(corpus["renamed_xls.xlsx"].read_bytes())
    assert refusal(path) == (
        "course.xls is an Excel 97-2003 workbook (.xls), not the .xlsx workbook gradeproc reads; "
        'open it in Excel, choose File > Save As, pick the type "Excel Workbook (.xlsx)", and '
        "give gradeproc the .xlsx file."
    )


def test_an_ods_named_so_is_not_called_renamed(tmp_path: Path) -> None:
    path = tmp_path / "course.ods"
    with zipfile.ZipFile(path, "w") as zf:
        for member in ("mimetype", "content.xml", "META-INF/manifest.xml"):
            zf.writestr(member, b"x")
    assert refusal(path) == (
        "course.ods is an OpenDocument spreadsheet (.ods, LibreOffice's own format), not the "
        ".xlsx workbook gradeproc reads; open it in LibreOffice, choose File > Save As, pick "
        'the type "Excel 2007-365 (.xlsx)" and Keep Current Format, and give gradeproc the '
        ".xlsx file."
    )


def test_renamed_csv(corpus: dict[str, Path]) -> None:
    assert refusal(corpus["renamed_csv.xlsx"]) == (
        "renamed_csv.xlsx is a CSV or text file renamed to .xlsx, not an Excel workbook; open "
        'it in Excel and use Save As with the type "Excel Workbook (.xlsx)".'
    )


def test_renamed_unicode_text(tmp_path: Path) -> None:
    """Excel's "Unicode Text" export: UTF-16 with a BOM, tab-separated, full of NUL bytes."""
    path = tmp_path / "export.xlsx"
    path.write_bytes("\ufeffStudent ID\tHW1\r\n00123\t9\r\n".encode("utf-16-le"))
    assert refusal(path).startswith("export.xlsx is a CSV or text file renamed to .xlsx")


def test_renamed_html(tmp_path: Path) -> None:
    path = tmp_path / "lms_export.xlsx"
    path.write_bytes(b"<html><body><table><tr><td>00123</td><td>9,5</td></tr></table></html>")
    assert refusal(path) == (
        "lms_export.xlsx is a web page or XML file renamed to .xlsx, not an Excel workbook; "
        'open it in Excel and use Save As with the type "Excel Workbook (.xlsx)".'
    )


def test_password_protected(corpus: dict[str, Path]) -> None:
    assert refusal(corpus["password.xlsx"]) == (
        "password.xlsx is protected with a password, which gradeproc cannot open; open it in "
        "Excel, remove the password, and save a copy without one to grade."
    )


def test_other_ole2_file(tmp_path: Path) -> None:
    path = tmp_path / "letter.xlsx"
    path.write_bytes(mc.ole2_file(["WordDocument", "1Table"]))
    assert refusal(path).startswith("letter.xlsx is not an Excel workbook;")


def test_zip_not_workbook(corpus: dict[str, Path]) -> None:
    assert refusal(corpus["zip_not_workbook.xlsx"]) == (
        "zip_not_workbook.xlsx is a zip file but not an Excel workbook; give gradeproc the "
        ".xlsx gradebook itself, not a zip archive."
    )


@pytest.mark.parametrize(
    ("members", "expected"),
    [
        (["mimetype", "content.xml", "META-INF/manifest.xml"], safety.MSG_ODS),
        (["[Content_Types].xml", "xl/workbook.bin"], safety.MSG_XLSB),
    ],
)
def test_other_spreadsheet_zips(tmp_path: Path, members: list[str], expected: str) -> None:
    path = tmp_path / "book.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        for member in members:
            zf.writestr(member, b"x")
    assert refusal(path) == expected.format(name="book.xlsx", renamed=" renamed to .xlsx")


def test_zip_bomb_refused_before_decompressing(
    corpus: dict[str, Path], no_decompression: None
) -> None:
    packed = corpus["bomb.xlsx"].stat().st_size
    assert packed < 1024 * 1024  # the file stays small
    message = refusal(corpus["bomb.xlsx"])
    assert message == (
        "bomb.xlsx looks like a zip bomb: its part xl/worksheets/sheet1.xml is 0.3 MB packed "
        "but would unpack to 300.0 MB, so gradeproc refuses to open it; if it really is your "
        "gradebook, copy its sheets into a new workbook and save that."
    )


def test_total_size_limit_from_environment(
    corpus: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRADEPROC_MAX_UNCOMPRESSED_MB", "0.01")
    message = refusal(corpus["good.xlsx"])
    assert message.startswith("good.xlsx would unpack to 0.0 MB (its largest part, ")
    assert message.endswith(
        "more than gradeproc's limit of 0.0 MB; if it really is your gradebook, raise the "
        "limit with the environment variable GRADEPROC_MAX_UNCOMPRESSED_MB."
    )
    monkeypatch.setenv("GRADEPROC_MAX_UNCOMPRESSED_MB", "not a number")  # ignored
    assert inspect_workbook_file(corpus["good.xlsx"]).sheet_names == SHEET_NAMES


def test_too_many_members(tmp_path: Path, no_decompression: None) -> None:
    path = tmp_path / "many.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("xl/workbook.xml", b"<workbook/>")
        for i in range(safety.MAX_MEMBERS):
            zf.writestr(f"xl/media/image{i}.png", b"")
    assert refusal(path) == (
        "many.xlsx holds 10,001 zip members, more than the 10,000 any gradebook needs, so "
        "gradeproc refuses it as a possible zip bomb; if it really is your gradebook, copy its "
        "sheets into a new workbook and save that."
    )


def test_lying_header_refused_without_reading_it_all(
    corpus: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The zip headers say 1,000 bytes; the sheet really unpacks to 50 MB."""
    produced: list[int] = []
    real = zlib.decompressobj

    class Counting:
        def __init__(self, *args: int) -> None:
            self._inner = real(*args)

        def decompress(self, data: bytes, max_length: int = 0) -> bytes:
            out = self._inner.decompress(data, max_length)
            produced.append(len(out))
            return out

        def __getattr__(self, name: str) -> object:
            return getattr(self._inner, name)

    monkeypatch.setattr(safety.zlib, "decompressobj", Counting)
    assert refusal(corpus["lying_header.xlsx"]) == (
        "lying_header.xlsx has been tampered with or is damaged: its part "
        "xl/worksheets/sheet1.xml holds more than the 1,000 bytes its zip header declares, so "
        "gradeproc stopped reading it; copy the gradebook again from where you saved it."
    )
    assert 0 < sum(produced) <= 2 * 1024 * 1024  # of 50 MB


def test_billion_laughs(corpus: dict[str, Path]) -> None:
    assert refusal(corpus["billion_laughs.xlsx"]) == (
        "billion_laughs.xlsx declares XML entities, which gradeproc refuses to read (a known "
        "attack on XML readers); if it really is your gradebook, open it in Excel and save a "
        "fresh copy."
    )


def test_doctype_hidden_after_a_long_comment(corpus: dict[str, Path], tmp_path: Path) -> None:
    """A DOCTYPE can only sit before the root element, but a comment can push it past 4 KB."""
    padded = mc.BILLION_LAUGHS.replace(b"<!DOCTYPE", b"<!--" + b" " * 10_000 + b"-->\n<!DOCTYPE")
    good = corpus["good.xlsx"].read_bytes()
    path = tmp_path / "padded.xlsx"
    path.write_bytes(mc.repack(good, replace={"xl/worksheets/sheet6.xml": padded}))
    assert refusal(path).startswith("padded.xlsx declares XML entities")


def test_entities_in_workbook_xml(corpus: dict[str, Path], tmp_path: Path) -> None:
    good = corpus["good.xlsx"].read_bytes()
    with zipfile.ZipFile(corpus["good.xlsx"]) as zf:
        workbook = zf.read("xl/workbook.xml")
    hostile = b'<!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + workbook
    path = tmp_path / "xxe.xlsx"
    path.write_bytes(mc.repack(good, replace={"xl/workbook.xml": hostile}))
    assert refusal(path).startswith("xxe.xlsx declares XML entities")


def test_defusedxml_errors_become_file_problems() -> None:
    with pytest.raises(FileProblem) as caught:
        safety._parse_xml(b'<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>', "book.xlsx")
    assert caught.value.message == safety.MSG_ENTITIES.format(name="book.xlsx")
    with pytest.raises(FileProblem) as caught:
        safety._parse_xml(b"<a><b></a>", "book.xlsx")
    assert caught.value.message == safety.MSG_DAMAGED.format(name="book.xlsx")


def test_corrupt_member_is_damaged(corpus: dict[str, Path], tmp_path: Path) -> None:
    data = bytearray(corpus["good.xlsx"].read_bytes())
    with zipfile.ZipFile(corpus["good.xlsx"]) as zf:
        info = zf.getinfo("xl/worksheets/sheet6.xml")
    # Flip a byte in the middle of the sheet's compressed data.
    struct.pack_into("B", data, info.header_offset + 60, data[info.header_offset + 60] ^ 0xFF)
    path = tmp_path / "flipped.xlsx"
    path.write_bytes(bytes(data))
    assert refusal(path) == safety.MSG_DAMAGED.format(name="flipped.xlsx")


def test_duplicate_member_names_are_damaged(corpus: dict[str, Path], tmp_path: Path) -> None:
    path = tmp_path / "twice.xlsx"
    path.write_bytes(corpus["good.xlsx"].read_bytes())
    with pytest.warns(UserWarning), zipfile.ZipFile(path, "a") as zf:
        zf.writestr("xl/worksheets/sheet6.xml", mc.SHEET_START + mc.SHEET_END)
    assert refusal(path) == safety.MSG_DAMAGED.format(name="twice.xlsx")


# --- Workbooks that pass. -------------------------------------------------------------------


def test_normal_workbook_passes(corpus: dict[str, Path]) -> None:
    inspection = inspect_workbook_file(corpus["good.xlsx"])
    assert inspection.sheet_names == SHEET_NAMES
    assert inspection.findings == []
    cells = inspection.sheet_cells
    assert list(cells) == SHEET_NAMES
    assert all(c.errors == [] and c.percent == [] and c.cells > 0 for c in cells.values())


def test_formula_without_value(corpus: dict[str, Path]) -> None:
    inspection = inspect_workbook_file(corpus["formula_no_value.xlsx"])
    assert inspection.sheet_names == SHEET_NAMES
    assert inspection.formulas_without_values == [
        Finding(
            "formula-without-value",
            "holds the formula =B3*2 with no saved value; open the workbook in Excel or "
            "LibreOffice and save it, so its result is stored",
            "Scores",
            "C3",
            ERROR,
        )
    ]
    assert str(inspection.formulas_without_values[0]).startswith("Scores!C3: holds the formula")


def test_lost_features(corpus: dict[str, Path]) -> None:
    inspection = inspect_workbook_file(corpus["lost_features.xlsx"])
    assert inspection.formulas_without_values == []
    assert inspection.lost_features == [
        feature("charts"),
        feature("comments"),
        feature("data validation (drop-down lists or input rules)"),
        feature("conditional formatting"),
        feature("named ranges (Curve)"),
    ]


def test_macros_images_pivots_links(corpus: dict[str, Path]) -> None:
    inspection = inspect_workbook_file(corpus["macros.xlsx"])
    assert inspection.lost_features == [
        feature("macros (VBA)"),
        feature("images"),
        feature("pivot tables"),
        feature("links to other workbooks"),
    ]
    assert inspection.lost_features[0].message == (
        "the workbook has macros (VBA); the graded copy keeps values only, without them"
    )


def test_script_written_formula_values_are_flagged(tmp_path: Path) -> None:
    """xlsxwriter stores 0 as every formula's value and asks Excel to recalculate on load."""
    path = tmp_path / "script.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Scores")
    sheet.write_row(0, 0, ["Student ID", "HW1", "Total"])
    for row in (1, 2):
        sheet.write_row(row, 0, [f"0012{row}", 5])
        sheet.write_formula(row, 2, f"=_xlfn.XLOOKUP(A{row + 1},A:A,B:B)*2")
    book.close()
    inspection = inspect_workbook_file(path)
    assert inspection.formulas_without_values == []
    assert inspection.unverified_formula_values == [
        Finding(
            "formula-value-unverified",
            "holds the formula =XLOOKUP(A2,A:A,B:B)*2, the first of 2 formulas in this sheet "
            "whose saved values were written by a program, not calculated by a spreadsheet, so "
            "they may be wrong; open the workbook in Excel or LibreOffice and save it, so their "
            "results are stored",
            "Scores",
            "C2",
            WARNING,
        )
    ]


def test_sheet_names_follow_workbook_order(tmp_path: Path) -> None:
    """The sheet parts are named in another order than the tabs; names come from workbook.xml."""
    workbook = mc._WORKBOOK.replace(
        '<sheet name="Scores" sheetId="1" r:id="rId1"/>',
        '<sheet name="Roster" sheetId="2" r:id="rId2"/><sheet name="Scores" sheetId="1" '
        'r:id="rId1"/>',
    )
    rels = mc._WORKBOOK_RELS.replace(
        "</Relationships>",
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="/xl/worksheets/sheet2.xml"/></Relationships>',
    )
    path = tmp_path / "order.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", workbook)
        zf.writestr("xl/_rels/workbook.xml.rels", rels)
        zf.writestr(
            "xl/worksheets/sheet1.xml",
            mc.SHEET_START + b'<row r="2"><c r="B2"><f>A2+1</f></c></row>' + mc.SHEET_END,
        )
        zf.writestr("xl/worksheets/sheet2.xml", mc.SHEET_START + mc.SHEET_END)
    inspection = inspect_workbook_file(path)
    assert inspection.sheet_names == ["Roster", "Scores"]
    assert [(f.sheet, f.cell) for f in inspection.formulas_without_values] == [("Scores", "B2")]


# --- The worksheet scanner, cell by cell and chunk by chunk. --------------------------------

# (cell XML with {r} for the reference and {p} for the namespace prefix, shown formula or "",
# lacks a saved value)
CELLS = [
    ('<{p}c r="{r}" s="1"><{p}v>12.5</{p}v></{p}c>', None, False),
    ('<{p}c r="{r}" t="s"><{p}v>3</{p}v></{p}c>', None, False),
    ('<{p}c r="{r}" s="4"/>', None, False),
    ('<{p}c r="{r}" t="inlineStr"><{p}is><{p}t>EX</{p}t></{p}is></{p}c>', None, False),
    ('<{p}c r="{r}"><{p}f>SUM(B2:D2)</{p}f><{p}v>30</{p}v></{p}c>', "SUM(B2:D2)", False),
    ('<{p}c r="{r}"><{p}f>B2*2</{p}f></{p}c>', "B2*2", True),
    ('<{p}c r="{r}"><{p}f>B2*2</{p}f><{p}v /></{p}c>', "B2*2", True),
    ('<{p}c r="{r}" s="2"><{p}f>B2*2</{p}f><{p}v></{p}v></{p}c>', "B2*2", True),
    (
        '<{p}c r="{r}"><{p}f>IF(B2&lt;60,"low","ok")</{p}f></{p}c>',
        'IF(B2<60,"low","ok")',
        True,
    ),
    ('<{p}c r="{r}" t="str"><{p}f>""</{p}f><{p}v></{p}v></{p}c>', '""', False),
    ('<{p}c r="{r}"><{p}f t="shared" ref="A1:A9" si="0">C2+1</{p}f></{p}c>', "C2+1", True),
    ('<{p}c r="{r}"><{p}f t="shared" si="0"/></{p}c>', "", True),
    ('<{p}c r="{r}"><{p}f t="shared" si="0"/><{p}v>7</{p}v></{p}c>', "", False),
    ("<{p}c r='{r}'>\n  <{p}f>A1</{p}f>\n  <{p}v>1</{p}v>\n</{p}c>", "A1", False),
]


def _sheet(prefix: str, kinds: list[int]) -> tuple[bytes, list[tuple[str, str]]]:
    p = f"{prefix}:" if prefix else ""
    ns = f'xmlns{":" + prefix if prefix else ""}="{mc.MAIN_NS}"'
    parts = [f'<?xml version="1.0"?>\n<{p}worksheet {ns}><{p}cols><{p}col min="1" max="3"/>']
    parts.append(f"</{p}cols><{p}sheetData>")
    expected: list[tuple[str, str]] = []
    for i, kind in enumerate(kinds):
        ref = f"{'ABCDEFGHIJ'[i % 10]}{i // 10 + 1}"
        if i % 10 == 0:
            parts.append(f'{"</" + p + "row>" if i else ""}<{p}row r="{i // 10 + 1}">')
        template, formula, missing = CELLS[kind]
        parts.append(template.format(p=p, r=ref))
        if missing:
            expected.append(
                (
                    ref,
                    safety.MSG_FORMULA.format(formula=formula)
                    if formula
                    else safety.MSG_FORMULA_SHARED,
                )
            )
    if kinds:
        parts.append(f"</{p}row>")
    parts.append(f"</{p}sheetData></{p}worksheet>")
    return "".join(parts).encode(), expected


def _scanner(data: bytes, cuts: list[int], *, want_with_values: bool) -> safety._SheetScanner:
    scanner = safety._SheetScanner("Scores", want_with_values=want_with_values)
    bounds = [0, *sorted(set(cuts)), len(data)]
    for start, end in itertools.pairwise(bounds):
        if end > start:
            scanner.feed(data[start:end])
    scanner.finish()
    return scanner


def _scan(data: bytes, cuts: list[int]) -> list[tuple[str | None, str]]:
    scanner = _scanner(data, cuts, want_with_values=False)
    return [(f.cell, f.message) for f in scanner.missing]


@settings(max_examples=300, deadline=None)
@given(
    prefix=st.sampled_from(["", "x"]),
    kinds=st.lists(st.integers(0, len(CELLS) - 1), max_size=40),
    fractions=st.lists(st.floats(0, 1), max_size=12),
)
def test_scanner_finds_the_same_cells_however_the_stream_is_cut(
    prefix: str, kinds: list[int], fractions: list[float]
) -> None:
    data, expected = _sheet(prefix, kinds)
    cuts = [int(f * len(data)) for f in fractions]
    assert _scan(data, cuts) == expected
    # In a workbook marked "recalculate on load", formulas with values are counted too.
    whole = _scanner(data, [], want_with_values=True).unverified()
    assert _scanner(data, cuts, want_with_values=True).unverified() == whole
    with_values = sum(1 for k in kinds if CELLS[k][1] is not None and not CELLS[k][2])
    assert len(whole) == (1 if with_values else 0)
    if with_values > 1:
        assert f"the first of {with_values} formulas" in whole[0].message


def test_scanner_every_single_cut_point() -> None:
    data, expected = _sheet("", list(range(len(CELLS))))
    for cut in range(1, len(data)):
        assert _scan(data, [cut]) == expected, cut
    assert _scan(data, list(range(1, len(data)))) == expected  # one byte at a time


def test_formula_findings_are_capped_per_sheet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(safety, "MAX_FORMULA_FINDINGS_PER_SHEET", 2)
    data, expected = _sheet("", [5, 0, 6, 7, 4, 11, 5])  # five cells without a value
    assert len(expected) == 5
    assert _scan(data, [len(data) // 2]) == [
        *expected[:2],
        (
            None,
            "and 3 more formula cells in this sheet have no saved value; open the workbook in "
            "Excel or LibreOffice and save it, so their results are stored",
        ),
    ]


def test_scanner_sees_data_validation_after_sheet_data_only() -> None:
    data, _ = _sheet("", [0, 5])
    scanner = safety._SheetScanner("Scores", want_with_values=False)
    scanner.feed(data.replace(b"</worksheet>", b'<dataValidations count="1"/></worksheet>'))
    scanner.finish()
    assert scanner.data_validation and not scanner.conditional_formatting


def test_corpus_script_is_deterministic(tmp_path: Path) -> None:
    first = mc.workbook_bytes(mc.gradebook(features=True))
    second = mc.workbook_bytes(mc.gradebook(features=True))
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as zf:
        assert zf.testzip() is None


def test_open_workbook_says_the_callers_words_when_calamine_cannot_parse(tmp_path: Path) -> None:
    def unreadable(exc: Exception) -> str:
        return f"{{odd}}.xlsx could not be read: {type(exc).__name__}"

    with pytest.raises(FileProblem) as raised:
        safety.open_workbook(tmp_path / "x.xlsx", b"PK\x03\x04 not really a zip", unreadable)
    assert raised.value.message.startswith("{odd}.xlsx could not be read: ")
    with pytest.raises(FileProblem):
        safety.open_workbook(tmp_path / "missing.xlsx", None, unreadable)
