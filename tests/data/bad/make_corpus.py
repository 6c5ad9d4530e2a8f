"""Build the corpus of bad (and a few good) gradebook files that tests/test_safety.py uses.

Run `python tests/data/bad/make_corpus.py` to write the files next to this script, or call
`build(folder)`. Everything is generated here, deterministically (fixed seeds, fixed zip
timestamps): no binary file needs to be committed.

Files:
  good.xlsx              a normal gradebook written by openpyxl
  not_a_zip.xlsx         random bytes
  truncated.xlsx         the first half of good.xlsx
  renamed_xls.xlsx       an OLE2 compound file with a "Workbook" stream (an old .xls)
  renamed_csv.xlsx       CSV text
  password.xlsx          an OLE2 compound file with an "EncryptionInfo" stream
  zip_not_workbook.xlsx  a zip of a text file and a CSV
  bomb.xlsx              sheet1.xml is ~300 MB of blanks, deflated to a few hundred KB
  lying_header.xlsx      a sheet that unpacks to 50 MB but whose zip headers say 1,000 bytes
  billion_laughs.xlsx    a sheet whose XML declares nested entities
  formula_no_value.xlsx  Scores!C3 holds =B3*2, which openpyxl saves with no cached value
  lost_features.xlsx     a comment, a chart, data validation, conditional formatting, a name
  macros.xlsx            extra parts: VBA project, image, pivot table, external link
"""

from __future__ import annotations

import io
import random
import re
import struct
import sys
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import openpyxl
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

HERE = Path(__file__).resolve().parent
ZIP_DATE = (2024, 1, 1, 0, 0, 0)
FIXED_TIME = datetime(2024, 1, 1, 0, 0, 0)
MB = 1024 * 1024
BOMB_BYTES = 300 * MB
LYING_ACTUAL_BYTES = 50 * MB
LYING_DECLARED_BYTES = 1_000
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


# --- Good workbooks, via openpyxl. ---------------------------------------------------------


def gradebook(*, formula: bool = False, features: bool = False) -> openpyxl.Workbook:
    """A small gradebook following docs/spec; optionally with a formula or extra features."""
    wb = openpyxl.Workbook()
    wb.properties.created = FIXED_TIME
    wb.properties.creator = "gradeproc tests"
    sheets = {
        "Policy": [("Setting", "Value"), ("course", "BIO 101"), ("term", "Fall 2024")],
        "Categories": [
            ("Category", "Weight", "Aggregation", "Drop lowest"),
            ("Homework", 40, "points", 0),
            ("Exams", 60, "points", 0),
        ],
        "Letters": [("Letter", "Range"), ("A", ">= 90"), ("B", "[80, 90)"), ("F", "< 80")],
        "Assessments": [
            ("Assessment", "Category", "Max points", "Due", "Late policy"),
            ("HW1", "Homework", 10, datetime(2024, 9, 10, 23, 59), "Y"),
            ("Midterm", "Exams", 100, None, "N"),
        ],
        "Roster": [
            ("Student ID", "Last name", "First name", "Email", "Section"),
            ("00123", "Lovelace", "Ada", "ada@example.edu", "01"),
            ("00124", "Hopper", "Grace", "grace@example.edu", "01"),
        ],
        "Scores": [("Student ID", "HW1", "Midterm"), ("00123", 9, 88), ("00124", 10, 95)],
    }
    first = True
    for title, rows in sheets.items():
        ws = wb.active if first else wb.create_sheet()
        first = False
        ws.title = title
        for row in rows:
            ws.append(list(row))
    scores = wb["Scores"]
    if formula:
        scores["C3"] = "=B3*2"
    if features:
        scores["B2"].comment = Comment("Submitted on paper.", "TA")
        validation = DataValidation(type="list", formula1='"EX,0,1,2,3,4,5,6,7,8,9,10"')
        scores.add_data_validation(validation)
        validation.add("B2:B3")
        red = PatternFill(bgColor="FFC7CE")
        scores.conditional_formatting.add(
            "C2:C3", CellIsRule(operator="lessThan", formula=["60"], fill=red)
        )
        wb.defined_names["Curve"] = DefinedName("Curve", attr_text="Scores!$C$2:$C$3")
        chart = BarChart()
        chart.add_data(Reference(scores, min_col=3, min_row=1, max_row=3), titles_from_data=True)
        scores.add_chart(chart, "E2")
    return wb


def workbook_bytes(wb: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return repack(buffer.getvalue())


def repack(
    data: bytes,
    *,
    replace: dict[str, bytes] | None = None,
    add: dict[str, bytes] | None = None,
) -> bytes:
    """The zip `data` again, with fixed timestamps, some members replaced and some added."""
    replace = replace or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = replace.get(info.filename, src.read(info.filename))
            if info.filename == "docProps/core.xml":  # openpyxl stamps the time of saving
                body = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2024-01-01T00:00:00Z", body)
            _write(dst, info.filename, body)
        for name, body in (add or {}).items():
            _write(dst, name, body)
    return out.getvalue()


def _write(zf: zipfile.ZipFile, name: str, body: bytes) -> None:
    info = zipfile.ZipInfo(name, ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, body)


def _set_level(info: zipfile.ZipInfo, level: int) -> None:
    if hasattr(info, "compress_level"):  # Python 3.13+
        info.compress_level = level
    else:
        info._compresslevel = level  # the same setting before 3.13


# --- Not zips. -----------------------------------------------------------------------------


def ole2_file(stream_names: list[str]) -> bytes:
    """An OLE2 compound file header and a directory sector naming the given streams.

    Not a readable compound file, only what a file sniffer looks at: the signature and the
    UTF-16LE directory entry names.
    """
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x003E, 0x0003, 0xFFFE, 9, 6)
    directory = bytearray(512)
    for i, stream in enumerate(["Root Entry", *stream_names][:4]):
        encoded = stream.encode("utf-16-le") + b"\x00\x00"
        entry = i * 128
        directory[entry : entry + len(encoded)] = encoded
        struct.pack_into("<HB", directory, entry + 64, len(encoded), 5 if i == 0 else 2)
    return bytes(header) + bytes(directory) + bytes(1024)


# --- Hostile zips. -------------------------------------------------------------------------

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
    'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
    'worksheet+xml"/></Types>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<workbook xmlns="{MAIN_NS}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/'
    '2006/relationships"><sheets><sheet name="Scores" sheetId="1" r:id="rId1"/></sheets>'
    "</workbook>"
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET_START = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN_NS}">'
    "<sheetData>"
).encode()
SHEET_END = b"</sheetData></worksheet>"


def one_sheet_workbook(path: Path, write_sheet: Callable[[io.BufferedIOBase], None]) -> None:
    """A minimal one-sheet ("Scores") workbook whose sheet1.xml `write_sheet` streams out."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in (
            ("[Content_Types].xml", _CONTENT_TYPES),
            ("_rels/.rels", _ROOT_RELS),
            ("xl/workbook.xml", _WORKBOOK),
            ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS),
        ):
            _write(zf, name, text.encode())
        info = zipfile.ZipInfo("xl/worksheets/sheet1.xml", ZIP_DATE)
        info.compress_type = zipfile.ZIP_DEFLATED
        _set_level(info, 9)
        with zf.open(info, "w") as sheet:
            write_sheet(sheet)


def _blank_sheet(total: int) -> Callable[[io.BufferedIOBase], None]:
    """A sheet of `total` bytes, nearly all blanks (valid XML), written 1 MB at a time."""

    def write(out: io.BufferedIOBase) -> None:
        out.write(SHEET_START)
        left = total - len(SHEET_START) - len(SHEET_END)
        blanks = b" " * MB
        while left > 0:
            out.write(blanks[: min(MB, left)])
            left -= MB
        out.write(SHEET_END)

    return write


def lie_about_size(path: Path, member: str, declared: int) -> None:
    """Rewrite the uncompressed size of `member` in its local and central headers."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(member)
        directory_start = zf.start_dir
    struct.pack_into("<L", data, info.header_offset + 22, declared)
    encoded = member.encode()
    pos = directory_start
    while True:
        pos = data.index(b"PK\x01\x02", pos)
        name_len = struct.unpack_from("<H", data, pos + 28)[0]
        if bytes(data[pos + 46 : pos + 46 + name_len]) == encoded:
            struct.pack_into("<L", data, pos + 24, declared)
            break
        pos += 4
    path.write_bytes(bytes(data))


BILLION_LAUGHS = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE worksheet [\n <!ENTITY lol "lol">\n'
    + b"".join(
        b' <!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b"]>\n"
    + f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is>'.encode()
    + b"<t>&lol9;</t></is></c></row></sheetData></worksheet>"
)


def _empty_part(root: str) -> bytes:
    return f'<{root} xmlns="{MAIN_NS}"/>'.encode()


# --- The corpus. ---------------------------------------------------------------------------


def build(folder: Path = HERE) -> dict[str, Path]:
    """Write every corpus file into `folder`; return their paths by file name."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}

    def put(name: str, data: bytes) -> None:
        paths[name] = folder / name
        paths[name].write_bytes(data)

    good = workbook_bytes(gradebook())
    put("good.xlsx", good)
    noise = random.Random(20240901).randbytes(4096)
    put("not_a_zip.xlsx", b"\x13\x37" + noise)  # never starts like a zip or an OLE2 file
    put("truncated.xlsx", good[: len(good) // 2])
    put("renamed_xls.xlsx", ole2_file(["Workbook", "\x05SummaryInformation"]))
    put(
        "renamed_csv.xlsx",
        b"Student ID,Last name,First name,HW1\r\n00123,Lovelace,Ada,9\r\n00124,Hopper,Grace,10\r\n",
    )
    put("password.xlsx", ole2_file(["EncryptionInfo", "EncryptedPackage", "\x06DataSpaces"]))

    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as zf:
        _write(zf, "notes.txt", b"Grades for BIO 101\n")
        _write(zf, "scores.csv", b"Student ID,HW1\n00123,9\n")
    put("zip_not_workbook.xlsx", plain.getvalue())

    paths["bomb.xlsx"] = folder / "bomb.xlsx"
    one_sheet_workbook(paths["bomb.xlsx"], _blank_sheet(BOMB_BYTES))

    paths["lying_header.xlsx"] = folder / "lying_header.xlsx"
    one_sheet_workbook(paths["lying_header.xlsx"], _blank_sheet(LYING_ACTUAL_BYTES))
    lie_about_size(paths["lying_header.xlsx"], "xl/worksheets/sheet1.xml", LYING_DECLARED_BYTES)

    scores_part = "xl/worksheets/sheet6.xml"  # openpyxl numbers sheets in order: Scores is 6th
    put("billion_laughs.xlsx", repack(good, replace={scores_part: BILLION_LAUGHS}))

    put("formula_no_value.xlsx", workbook_bytes(gradebook(formula=True)))
    put("lost_features.xlsx", workbook_bytes(gradebook(features=True)))
    put(
        "macros.xlsx",
        repack(
            good,
            add={
                "xl/vbaProject.bin": ole2_file(["VBA", "PROJECT"]),
                "xl/media/image1.png": b"\x89PNG\r\n\x1a\n" + bytes(64),
                "xl/pivotTables/pivotTable1.xml": _empty_part("pivotTableDefinition"),
                "xl/externalLinks/externalLink1.xml": _empty_part("externalLink"),
            },
        ),
    )
    return paths


def main(argv: list[str]) -> int:
    folder = Path(argv[1]) if len(argv) > 1 else HERE
    for name, path in sorted(build(folder).items()):
        print(f"{path.stat().st_size:>12,}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
