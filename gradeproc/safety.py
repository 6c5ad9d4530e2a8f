"""Look at an .xlsx as a zip file before any spreadsheet parser touches it.

`inspect_workbook_file` refuses files that are not gradebooks (an .xls or a CSV renamed, a
password-protected workbook, a damaged copy, a zip bomb, XML entity tricks) with a
`FileProblem` whose message is one sentence an instructor can act on. For a file that passes
it returns an `Inspection`: the sheet names, the formula cells that have no saved value (the
reader would otherwise see blanks), and the features the graded copy cannot keep.

Nothing here trusts the zip's own bookkeeping: sizes are checked before anything is
decompressed, every member is decompressed by hand with a counter that stops as soon as a
member yields more than its header declared, and each member's CRC is verified. Only the few
small XML parts are parsed, with `defusedxml`; worksheets are scanned as bytes in chunks.
"""

from __future__ import annotations

import html
import io
import os
import posixpath
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO
from xml.etree.ElementTree import Element

import defusedxml
import defusedxml.ElementTree as SafeET
from python_calamine import CalamineWorkbook

from gradeproc.codes import Code
from gradeproc.errors import WARNING, FileMissing, FileProblem, Finding

__all__ = [
    "MAX_FORMULA_FINDINGS_PER_SHEET",
    "MAX_MEMBERS",
    "MAX_RATIO",
    "MAX_UNCOMPRESSED_BYTES",
    "Inspection",
    "inspect_workbook_file",
]

MB = 1024 * 1024

# Limits. MAX_UNCOMPRESSED_BYTES can be raised with GRADEPROC_MAX_UNCOMPRESSED_MB (read at
# every call, so a test or a wrapper script may set it after import).
MAX_UNCOMPRESSED_BYTES = 1024 * MB
MAX_RATIO = 200
RATIO_MIN_BYTES = 10 * MB  # the ratio rule only applies to members larger than this
MAX_MEMBERS = 10_000
MAX_FORMULA_FINDINGS_PER_SHEET = 1_000  # then one "and N more" finding for the sheet
MAX_SMALL_PART_BYTES = 64 * MB  # workbook.xml, its rels, [Content_Types].xml: parsed in memory
ENV_MAX_UNCOMPRESSED_MB = "GRADEPROC_MAX_UNCOMPRESSED_MB"

# --- What the user sees when the file is refused (one sentence each; `name` is path.name). ---
MSG_MISSING = "{name} was not found; check the file name and the folder it is in."
MSG_DIRECTORY = (
    "{name} is a folder, not a gradebook file; give the path of the .xlsx file itself "
    "(or use `gradeproc batch` for a folder of gradebooks)."
)
MSG_UNREADABLE = (
    "{name} could not be read ({reason}); close it in any program that has it open "
    "and check that you are allowed to read it."
)
MSG_EMPTY = "{name} is empty (0 bytes); copy the gradebook again from where you saved it."
MSG_PASSWORD = (
    "{name} is protected with a password, which gradeproc cannot open; open it in Excel, "
    "remove the password, and save a copy without one to grade."
)
# An .ods or .xls file named so is not "renamed": say what it is and how to save an .xlsx.
MSG_OLD_XLS = (
    "{name} is an Excel 97-2003 workbook (.xls){renamed}, not the .xlsx workbook gradeproc "
    'reads; open it in Excel, choose File > Save As, pick the type "Excel Workbook (.xlsx)", '
    "and give gradeproc the .xlsx file."
)
MSG_CSV = (
    "{name} is a CSV or text file renamed to .xlsx, not an Excel workbook; open it in Excel "
    'and use Save As with the type "Excel Workbook (.xlsx)".'
)
MSG_MARKUP = (
    "{name} is a web page or XML file renamed to .xlsx, not an Excel workbook; open it in "
    'Excel and use Save As with the type "Excel Workbook (.xlsx)".'
)
MSG_NOT_EXCEL = (
    "{name} is not an Excel workbook; give gradeproc an .xlsx file saved from Excel, "
    "LibreOffice or Google Sheets."
)
MSG_DAMAGED = (
    "{name} is damaged or incomplete; copy it again from where you saved it, "
    "or open it in Excel and save it again."
)
MSG_ZIP_NOT_WORKBOOK = (
    "{name} is a zip file but not an Excel workbook; give gradeproc the .xlsx gradebook "
    "itself, not a zip archive."
)
MSG_ODS = (
    "{name} is an OpenDocument spreadsheet (.ods, LibreOffice's own format){renamed}, not the "
    ".xlsx workbook gradeproc reads; open it in LibreOffice, choose File > Save As, pick the "
    'type "Excel 2007-365 (.xlsx)" and Keep Current Format, and give gradeproc the .xlsx file.'
)
MSG_XLSB = (
    "{name} is an Excel binary workbook (.xlsb) renamed to .xlsx; open it in Excel and use "
    'Save As with the type "Excel Workbook (.xlsx)".'
)
MSG_TOO_MANY_MEMBERS = (
    "{name} holds {count:,} zip members, more than the {limit:,} any gradebook needs, so "
    "gradeproc refuses it as a possible zip bomb; if it really is your gradebook, copy its "
    "sheets into a new workbook and save that."
)
MSG_BOMB = (
    "{name} looks like a zip bomb: its part {member} is {packed} MB packed but would unpack "
    "to {size} MB, so gradeproc refuses to open it; if it really is your gradebook, copy its "
    "sheets into a new workbook and save that."
)
MSG_TOO_BIG = (
    "{name} would unpack to {total} MB (its largest part, {member}, is {size} MB), more than "
    "gradeproc's limit of {limit} MB; if it really is your gradebook, raise the limit with "
    "the environment variable GRADEPROC_MAX_UNCOMPRESSED_MB."
)
MSG_FILE_TOO_BIG = (
    "{name} is larger than gradeproc's limit of {limit} MB, far more than any gradebook "
    "needs; if it really is your gradebook, raise the limit with the environment variable "
    "GRADEPROC_MAX_UNCOMPRESSED_MB."
)
MSG_PART_TOO_BIG = (
    "{name} has an oversized part {member} ({size} MB, where a gradebook needs far less than "
    "{limit} MB), so gradeproc refuses it; open it in Excel and save it again."
)
MSG_SIZE_LIE = (
    "{name} has been tampered with or is damaged: its part {member} holds more than the "
    "{size} its zip header declares, so gradeproc stopped reading it; copy the gradebook "
    "again from where you saved it."
)
MSG_ENTITIES = (
    "{name} declares XML entities, which gradeproc refuses to read (a known attack on XML "
    "readers); if it really is your gradebook, open it in Excel and save a fresh copy."
)

# --- Findings on a workbook that passes (no file name: the CLI prefixes Sheet!Cell). ---
FORMULA_CODE = Code.FORMULA_WITHOUT_VALUE
MSG_FORMULA = (
    "holds the formula ={formula} with no saved value; open the workbook in Excel or "
    "LibreOffice and save it, so its result is stored"
)
MSG_FORMULA_SHARED = (
    "holds a formula with no saved value; open the workbook in Excel or LibreOffice and "
    "save it, so its result is stored"
)
MSG_FORMULA_MORE = (
    "and {count:,} more formula cells in this sheet have no saved value; open the workbook in "
    "Excel or LibreOffice and save it, so their results are stored"
)
UNVERIFIED_CODE = Code.FORMULA_VALUE_UNVERIFIED
MSG_UNVERIFIED_ONE = (
    "holds the formula ={formula} whose saved value was written by a program, not "
    "calculated by a spreadsheet, so it may be wrong; open the workbook in Excel or "
    "LibreOffice and save it, so its result is stored"
)
MSG_UNVERIFIED_MANY = (
    "holds the formula ={formula}, the first of {count:,} formulas in this sheet whose saved "
    "values were written by a program, not calculated by a spreadsheet, so they may be "
    "wrong; open the workbook in Excel or LibreOffice and save it, so their results are stored"
)
FEATURE_CODE = Code.FEATURE_LOST
MSG_FEATURE = "the workbook has {feature}; the graded copy keeps values only, without them"

# --- File signatures. ---
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OLE_ENCRYPTED = "encryptioninfo".encode("utf-16-le")
_OLE_WORKBOOK = ("workbook".encode("utf-16-le"), "book".encode("utf-16-le") + b"\x00\x00")

WORKBOOK_PART = "xl/workbook.xml"
WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
CONTENT_TYPES = "[Content_Types].xml"
_XML_SUFFIXES = (".xml", ".rels", ".vml")

_HEAD_BYTES = 64 * 1024  # sniffed for file type; and the XML prolog must end within it
_READ_CHUNK = 256 * 1024  # compressed bytes read at a time
_OUT_CHUNK = 1024 * 1024  # decompressed bytes produced at a time
_MAX_CELL_BYTES = 1024 * 1024  # no real <c> element is this long (32,767-char strings)
_MAX_TAG_BYTES = 4096  # how far before a cell's style attribute its start tag may begin
# Zero-width space, non-joiner, joiner, word joiner, byte order mark, soft hyphen, in UTF-8.
_INVISIBLE_UTF8 = tuple(ch.encode() for ch in "\u200b\u200c\u200d\u2060\ufeff\u00ad")
_UTF8_BOM = b"\xef\xbb\xbf"
_TAIL = 64  # bytes carried between chunks so a tag split across them is still seen

_LOCAL_HEADER = struct.Struct("<4s5H3L2H")
_EOCD = struct.Struct("<4s4H2LH")
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")


@dataclass
class SheetCells:
    """What a worksheet's XML says about its cells beyond their values.

    `errors` are the cells holding a spreadsheet error (`t="e"`: `#N/A`, `#DIV/0!`...) as
    (cell, error text), the first MAX_FORMULA_FINDINGS_PER_SHEET of `error_count`; `percent`
    the cells whose number format is a percentage; `cells`, `max_row` and `max_col` (1-based)
    how many cells the sheet holds and how far they reach, to read sparse sheets sparsely.
    """

    errors: list[tuple[str, str]] = field(default_factory=list)
    error_count: int = 0
    percent: list[str] = field(default_factory=list)
    cells: int = 0
    max_row: int = 0
    max_col: int = 0

    @property
    def area(self) -> int:
        return self.max_row * self.max_col


@dataclass
class Inspection:
    """What the zip-level look at a workbook found, for a file gradeproc may go on to read."""

    sheet_names: list[str]
    formulas_without_values: list[Finding] = field(default_factory=list)
    lost_features: list[Finding] = field(default_factory=list)
    # Warnings: formulas whose cached value a program wrote (workbook marked fullCalcOnLoad,
    # as openpyxl and xlsxwriter do; xlsxwriter stores 0), one per sheet.
    unverified_formula_values: list[Finding] = field(default_factory=list)
    # Per sheet name: what the cell types and styles say that a value reader does not.
    sheet_cells: dict[str, SheetCells] = field(default_factory=dict)
    # Whether any sheet or shared string holds an invisible character (U+200B and the like).
    invisible_text: bool = False

    @property
    def findings(self) -> list[Finding]:
        return [
            *self.formulas_without_values,
            *self.unverified_formula_values,
            *self.lost_features,
        ]


def max_uncompressed_bytes() -> int:
    """The unpacked-size limit: GRADEPROC_MAX_UNCOMPRESSED_MB if set and valid, else the default."""
    raw = os.environ.get(ENV_MAX_UNCOMPRESSED_MB, "").strip()
    if raw:
        try:
            value = float(raw)
        except ValueError:
            value = 0.0
        if 0 < value < float("inf"):
            return int(value * MB)
    return MAX_UNCOMPRESSED_BYTES


def shown_name(path: Path | str) -> str:
    """A file's name as messages show it: a name that is not valid UTF-8 (bytes on Linux)
    shows its odd bytes as \\xNN instead of unprintable surrogates."""
    name = Path(path).name
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(name).decode("utf-8", "backslashreplace")
    return name


def read_gradebook_bytes(path: Path | str) -> bytes:
    """The file's bytes, read once, so that what is hashed is what is graded.

    Only a regular file is read (a pipe or a device could block or never end), and only up
    to the unpacked-size limit: a zip holds no more than it would unpack to, give or take.
    """
    path = Path(path)
    name = shown_name(path)
    if not path.exists():
        raise FileMissing(MSG_MISSING.format(name=name))
    if path.is_dir():
        raise FileProblem(MSG_DIRECTORY.format(name=name))
    limit = max_uncompressed_bytes()
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with open(fd, "rb") as fh:
            info = os.fstat(fh.fileno())
            if not stat.S_ISREG(info.st_mode):  # checked on what was opened, not on the name
                raise FileProblem(MSG_NOT_EXCEL.format(name=name))
            if info.st_size > limit:
                raise FileProblem(MSG_FILE_TOO_BIG.format(name=name, limit=limit // MB))
            data = fh.read(limit + 1)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise FileProblem(MSG_UNREADABLE.format(name=name, reason=reason.lower())) from exc
    if len(data) > limit:  # it grew while being read
        raise FileProblem(MSG_FILE_TOO_BIG.format(name=name, limit=limit // MB))
    return data


def open_workbook(
    path: Path, data: bytes | None, unreadable: Callable[[Exception], str]
) -> CalamineWorkbook:
    """Parse a workbook that `inspect_workbook_file` has passed: from `data` when given (the
    bytes that were inspected), else from `path`. A parse failure is a FileProblem saying
    `unreadable(calamine's exception)`."""
    try:
        if data is not None:
            return CalamineWorkbook.from_filelike(io.BytesIO(data))
        return CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own types for a broken file
        raise FileProblem(unreadable(exc)) from exc


def inspect_workbook_file(path: Path | str, data: bytes | None = None) -> Inspection:
    """Check that `path` is an .xlsx gradeproc can safely read; raise FileProblem if not.

    With `data` (the file's bytes, from `read_gradebook_bytes`) those bytes are inspected.
    """
    path = Path(path)
    name = shown_name(path)
    if data is not None:
        return _inspect_open_file(io.BytesIO(data), name)
    if not path.exists():
        raise FileMissing(MSG_MISSING.format(name=name))
    if path.is_dir():
        raise FileProblem(MSG_DIRECTORY.format(name=name))
    if not path.is_file():  # a device, a pipe: reading it could block or never end
        raise FileProblem(MSG_NOT_EXCEL.format(name=name))
    try:
        with open(path, "rb") as fh:
            return _inspect_open_file(fh, name)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise FileProblem(MSG_UNREADABLE.format(name=name, reason=reason.lower())) from exc


# --------------------------------------------------------------------------------------------
# Step 2: what kind of file is it?


def _inspect_open_file(fh: BinaryIO, name: str) -> Inspection:
    file_size = fh.seek(0, os.SEEK_END)
    fh.seek(0)
    head = fh.read(_HEAD_BYTES)
    if not head:
        raise FileProblem(MSG_EMPTY.format(name=name))
    if not head.startswith(ZIP_MAGIC):
        raise FileProblem(_not_a_zip_message(fh, head, name))

    # Step 3/4 (part): count members from the end record before zipfile builds its list.
    entries = _declared_entry_count(fh, file_size)
    if entries is not None and entries > MAX_MEMBERS:
        raise FileProblem(MSG_TOO_MANY_MEMBERS.format(name=name, count=entries, limit=MAX_MEMBERS))
    try:
        zf = zipfile.ZipFile(fh)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        EOFError,
        OSError,
        ValueError,
        struct.error,
        NotImplementedError,
        OverflowError,
    ) as exc:
        raise FileProblem(MSG_DAMAGED.format(name=name)) from exc
    with zf:
        return _inspect_zip(zf, fh, file_size, name)


def _not_a_zip_message(fh: BinaryIO, head: bytes, name: str) -> str:
    if head.startswith(OLE2_MAGIC):
        found = _scan_file_for(fh, (_OLE_ENCRYPTED, *_OLE_WORKBOOK))
        if _OLE_ENCRYPTED in found:
            return MSG_PASSWORD.format(name=name)
        if found:
            return MSG_OLD_XLS.format(name=name, renamed=_renamed(name))
        return MSG_NOT_EXCEL.format(name=name)
    text = _as_text(head)
    if text is not None:
        start = text.lstrip("\ufeff \t\r\n")
        if start.startswith("<"):
            return MSG_MARKUP.format(name=name)
        if any(sep in text for sep in ",;\t"):
            return MSG_CSV.format(name=name)
    return MSG_NOT_EXCEL.format(name=name)


def _renamed(name: str) -> str:
    """`renamed to .xlsx` only for a file whose name claims to be one."""
    return " renamed to .xlsx" if name.casefold().endswith(".xlsx") else ""


def _scan_file_for(fh: BinaryIO, needles: tuple[bytes, ...]) -> set[bytes]:
    """Which needles occur anywhere in the file (ASCII case ignored), read in chunks."""
    found: set[bytes] = set()
    keep = max(len(n) for n in needles) - 1
    fh.seek(0)
    carry = b""
    while len(found) < len(needles):
        chunk = fh.read(_OUT_CHUNK)
        if not chunk:
            break
        buf = (carry + chunk).lower()
        found.update(n for n in needles if n in buf)
        carry = buf[-keep:]
    return found


def _as_text(head: bytes) -> str | None:
    """The start of the file as text, if it looks like text (CSV, TSV, HTML), else None."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16: Excel's "Unicode Text"
        text = head[: len(head) - len(head) % 2].decode("utf-16", errors="replace")
    elif b"\x00" in head:
        return None
    else:
        try:
            text = head.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            if exc.start >= len(head) - 3:  # a character cut at the end of what we read
                text = head[: exc.start].decode("utf-8-sig")
            else:
                text = head.decode("latin-1")
    if not text:
        return None
    odd = sum(1 for ch in text if (ch < " " and ch not in "\t\r\n\f") or "\x7f" <= ch < "\xa0")
    return text if odd <= len(text) // 100 else None


def _declared_entry_count(fh: BinaryIO, file_size: int) -> int | None:
    """Entries the end-of-central-directory record declares, or None if it cannot be found."""
    tail_len = min(file_size, _EOCD.size + 65535)
    fh.seek(file_size - tail_len)
    tail = fh.read(tail_len)
    pos = tail.rfind(b"PK\x05\x06")
    if pos < 0 or pos + _EOCD.size > len(tail):
        return None  # zipfile will report it as damaged
    entries = _EOCD.unpack_from(tail, pos)[4]
    if entries == 0xFFFF and pos >= _ZIP64_LOCATOR.size:
        sig, _disk, zip64_offset, _disks = _ZIP64_LOCATOR.unpack_from(tail, pos - 20)
        if sig == b"PK\x06\x07" and zip64_offset + _ZIP64_EOCD.size <= file_size:
            fh.seek(zip64_offset)
            record = fh.read(_ZIP64_EOCD.size)
            if len(record) == _ZIP64_EOCD.size and record.startswith(b"PK\x06\x06"):
                entries = _ZIP64_EOCD.unpack(record)[7]
    return entries


# --------------------------------------------------------------------------------------------
# Steps 3-6: the zip.


@dataclass
class _Member:
    info: zipfile.ZipInfo
    data_start: int


def _inspect_zip(zf: zipfile.ZipFile, fh: BinaryIO, file_size: int, name: str) -> Inspection:
    damaged = FileProblem(MSG_DAMAGED.format(name=name))
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise FileProblem(
            MSG_TOO_MANY_MEMBERS.format(name=name, count=len(infos), limit=MAX_MEMBERS)
        )
    names = [info.filename for info in infos]
    if len(set(names)) != len(names):
        raise damaged  # two members with one name: readers would disagree on which counts
    if WORKBOOK_PART not in names:
        if "xl/workbook.bin" in names:
            raise FileProblem(MSG_XLSB.format(name=name))
        if "content.xml" in names and "META-INF/manifest.xml" in names:
            raise FileProblem(MSG_ODS.format(name=name, renamed=_renamed(name)))
        raise FileProblem(MSG_ZIP_NOT_WORKBOOK.format(name=name))

    _check_declared_sizes(infos, name)
    members = _locate_members(zf, fh, file_size, name)

    # The small parts, parsed with defusedxml.
    content_types = members.get(CONTENT_TYPES)
    if content_types is not None:
        _parse_xml(_read_small_part(fh, content_types, name), name)
    workbook = _parse_xml(_read_small_part(fh, members[WORKBOOK_PART], name), name)
    rels_member = members.get(WORKBOOK_RELS)
    rels = _parse_xml(_read_small_part(fh, rels_member, name), name) if rels_member else None
    book = _read_workbook(workbook, rels, members, name)

    percent_styles = _percent_styles(fh, members, book, name)

    # Every other member: streamed with the size guard and CRC check; XML heads checked for
    # entities; worksheets scanned for formulas and for features the output loses.
    done = {CONTENT_TYPES, WORKBOOK_PART, WORKBOOK_RELS}
    rel_targets = {part for part, _sheet in book.sheets} | book.other_targets
    scanners: dict[str, _SheetScanner] = {}
    for part, sheet in book.sheets:
        scanners.setdefault(
            part,
            _SheetScanner(
                sheet, want_with_values=book.full_calc_on_load, percent_styles=percent_styles
            ),
        )
    invisible = False  # any invisible character in a sheet's or shared string's text
    for member_name, member in members.items():
        if member_name in done:
            continue
        is_xml = member_name.lower().endswith(_XML_SUFFIXES) or member_name in rel_targets
        scanner = scanners.get(member_name)
        look = scanner is not None or member_name.endswith("sharedStrings.xml")
        head = b""
        tail = b""
        for chunk in _stream_member(fh, member, name):
            if look and not invisible:
                if not head and chunk.startswith(_UTF8_BOM):  # the part's own byte order mark
                    chunk_text = chunk[len(_UTF8_BOM) :]
                else:
                    chunk_text = tail + chunk
                invisible = not chunk_text.isascii() and any(
                    mark in chunk_text for mark in _INVISIBLE_UTF8
                )
                tail = chunk[-2:]
            if is_xml and len(head) < _HEAD_BYTES:
                head += chunk[: _HEAD_BYTES - len(head)]
                if len(head) >= _HEAD_BYTES:
                    _check_xml_head(head, complete=False, name=name)
            if scanner is not None:
                scanner.feed(chunk)
        if is_xml and len(head) < _HEAD_BYTES:
            _check_xml_head(head, complete=True, name=name)
        if scanner is not None:
            scanner.finish()

    formulas: list[Finding] = []
    unverified: list[Finding] = []
    seen: set[str] = set()
    for part, _sheet in book.sheets:
        if part in seen:
            continue
        seen.add(part)
        formulas.extend(scanners[part].missing)
        unverified.extend(scanners[part].unverified())
    lost = _lost_features(names, book, list(scanners.values()))
    return Inspection(
        sheet_names=book.sheet_names,
        formulas_without_values=formulas,
        lost_features=lost,
        unverified_formula_values=unverified,
        sheet_cells={sheet: scanners[part].cells for part, sheet in book.sheets},
        invisible_text=invisible,
    )


# Excel's built-in percentage formats (0% and 0.00%); any other format is percent when its
# code holds a % outside quotes, brackets and escapes.
_BUILTIN_PERCENT = frozenset((9, 10))
_FORMAT_LITERALS = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.')


def is_percent_format(code: str) -> bool:
    """Whether a number format code shows a value as a percentage (`0%`, `0.0%;[Red]-0.0%`)."""
    return "%" in _FORMAT_LITERALS.sub("", code)


def _percent_styles(
    fh: BinaryIO, members: dict[str, _Member], book: _Book, name: str
) -> frozenset[int]:
    """The cell style indices (cellXfs) whose number format is a percentage."""
    part = next((t for t in sorted(book.other_targets) if t.endswith("/styles.xml")), None)
    if part is None and "xl/styles.xml" in members:
        part = "xl/styles.xml"
    if part is None:
        return frozenset()
    styles = _parse_xml(_read_small_part(fh, members[part], name), name)
    formats: dict[int, bool] = {}
    found: set[int] = set()
    for child in styles:
        tag = _local(child.tag)
        if tag == "numFmts":
            for fmt in child:
                try:
                    formats[int(fmt.get("numFmtId", ""))] = is_percent_format(
                        fmt.get("formatCode", "")
                    )
                except ValueError:
                    continue
        elif tag == "cellXfs":
            for index, xf in enumerate(x for x in child if _local(x.tag) == "xf"):
                try:
                    fmt_id = int(xf.get("numFmtId", "0"))
                except ValueError:
                    continue
                if formats.get(fmt_id, fmt_id in _BUILTIN_PERCENT):
                    found.add(index)
    return frozenset(found)


def _mb(n: float) -> str:
    return f"{n / MB:,.1f}"


def _human_size(n: int) -> str:
    if n < 1024:
        return f"{n:,} bytes"
    if n < MB:
        return f"{n / 1024:,.1f} KB"
    return f"{n / MB:,.1f} MB"


def _check_declared_sizes(infos: list[zipfile.ZipInfo], name: str) -> None:
    """Refuse a zip bomb from its central directory alone, before decompressing anything."""
    for info in infos:
        if info.file_size > RATIO_MIN_BYTES and (
            info.compress_size == 0 or info.file_size / info.compress_size > MAX_RATIO
        ):
            raise FileProblem(
                MSG_BOMB.format(
                    name=name,
                    member=info.filename,
                    packed=_mb(info.compress_size),
                    size=_mb(info.file_size),
                )
            )
    limit = max_uncompressed_bytes()
    total = sum(info.file_size for info in infos)
    if total > limit:
        largest = max(infos, key=lambda info: info.file_size)
        raise FileProblem(
            MSG_TOO_BIG.format(
                name=name,
                total=_mb(total),
                member=largest.filename,
                size=_mb(largest.file_size),
                limit=_mb(limit),
            )
        )


def _locate_members(
    zf: zipfile.ZipFile, fh: BinaryIO, file_size: int, name: str
) -> dict[str, _Member]:
    """Read each local header; refuse overlapping or out-of-bounds members (a testzip, cheaply)."""
    damaged = FileProblem(MSG_DAMAGED.format(name=name))
    directory_start = getattr(zf, "start_dir", file_size)
    members: dict[str, _Member] = {}
    for info in zf.infolist():
        if info.is_dir():
            continue
        if info.flag_bits & 0x1:  # zip-level encryption: not something Excel writes
            raise damaged
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise damaged
        fh.seek(info.header_offset)
        header = fh.read(_LOCAL_HEADER.size)
        if len(header) < _LOCAL_HEADER.size:
            raise damaged
        fields = _LOCAL_HEADER.unpack(header)
        if fields[0] != ZIP_MAGIC:
            raise damaged
        name_len, extra_len = fields[9], fields[10]
        local_name = fh.read(name_len)
        encoding = "utf-8" if fields[2] & 0x800 else "cp437"
        if local_name.decode(encoding, errors="replace") != info.orig_filename:
            raise damaged
        data_start = info.header_offset + _LOCAL_HEADER.size + name_len + extra_len
        if data_start + info.compress_size > directory_start:
            raise damaged
        members[info.filename] = _Member(info, data_start)
    previous_end = 0
    for member in sorted(members.values(), key=lambda m: m.info.header_offset):
        if member.info.header_offset < previous_end:
            raise damaged  # overlapping members: the trick behind non-recursive zip bombs
        previous_end = member.data_start + member.info.compress_size
    return members


def _stream_member(fh: BinaryIO, member: _Member, name: str) -> Iterator[bytes]:
    """Decompress one member in chunks, refusing it as soon as it outgrows its declared size."""
    info = member.info
    declared = info.file_size
    remaining = info.compress_size
    produced = 0
    crc = 0
    damaged = FileProblem(MSG_DAMAGED.format(name=name))
    fh.seek(member.data_start)
    if info.compress_type == zipfile.ZIP_STORED:
        if info.compress_size != declared:
            raise damaged
        while remaining:
            data = fh.read(min(_READ_CHUNK, remaining))
            if not data:
                raise damaged
            remaining -= len(data)
            crc = zlib.crc32(data, crc)
            produced += len(data)
            yield data
    else:
        decompressor = zlib.decompressobj(-zlib.MAX_WBITS)
        pending = b""
        while not decompressor.eof:
            if not pending and remaining > 0:
                pending = fh.read(min(_READ_CHUNK, remaining))
                if not pending:
                    raise damaged
                remaining -= len(pending)
            try:
                out = decompressor.decompress(pending, _OUT_CHUNK)
            except zlib.error as exc:
                raise damaged from exc
            pending = decompressor.unconsumed_tail
            if out:
                produced += len(out)
                if produced > declared:
                    raise FileProblem(
                        MSG_SIZE_LIE.format(
                            name=name, member=info.filename, size=_human_size(declared)
                        )
                    )
                crc = zlib.crc32(out, crc)
                yield out
            elif not pending and remaining <= 0:
                break  # input used up and no more output: the stream is cut short
        if not decompressor.eof:
            raise damaged
    if produced != declared or crc != info.CRC:
        raise damaged


def _read_small_part(fh: BinaryIO, member: _Member, name: str) -> bytes:
    size = member.info.file_size
    if size > MAX_SMALL_PART_BYTES:
        raise FileProblem(
            MSG_PART_TOO_BIG.format(
                name=name,
                member=member.info.filename,
                size=_mb(size),
                limit=_mb(MAX_SMALL_PART_BYTES),
            )
        )
    data = b"".join(_stream_member(fh, member, name))
    _check_xml_head(data[:_HEAD_BYTES], complete=len(data) <= _HEAD_BYTES, name=name)
    return data


# --------------------------------------------------------------------------------------------
# Step 5: XML entities.

_WS = " \t\r\n"


def _check_xml_head(head: bytes, *, complete: bool, name: str) -> None:
    """Refuse a DOCTYPE or entity declaration: they can only sit in the prolog, before the root.

    The prolog (XML declaration, comments, processing instructions) is walked to the root
    element; it must end within the head, so nothing can hide a DOCTYPE further in. Also, as a
    plain check, `<!DOCTYPE` / `<!ENTITY` anywhere in the head is refused.
    """
    refuse = FileProblem(MSG_ENTITIES.format(name=name))
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or head[:4].count(b"\x00") == 2:
        text = head[: len(head) - len(head) % 2].decode(
            "utf-16-be" if head.startswith((b"\xfe\xff", b"\x00")) else "utf-16-le",
            errors="replace",
        )
    else:
        text = head.decode("latin-1")  # markup is ASCII; byte offsets stay aligned
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise refuse
    if text.startswith("\ufeff"):
        i = 1
    elif text.startswith("\xef\xbb\xbf"):  # the UTF-8 byte order mark, read as latin-1
        i = 3
    else:
        i = 0
    n = len(text)
    while True:
        while i < n and text[i] in _WS:
            i += 1
        if i >= n:
            if complete:
                return  # no root at all: not our problem here, the reader will report it
            raise FileProblem(MSG_DAMAGED.format(name=name))  # a prolog longer than 64 KB
        if text.startswith("<?", i):
            end = text.find("?>", i + 2)
            step = 2
        elif text.startswith("<!--", i):
            end = text.find("-->", i + 4)
            step = 3
        elif text.startswith("<!", i):
            raise refuse
        else:
            return  # the root element (or junk the XML reader will reject)
        if end < 0:
            if complete:
                return
            raise FileProblem(MSG_DAMAGED.format(name=name))
        i = end + step


def _parse_xml(data: bytes, name: str) -> Element:
    try:
        return SafeET.fromstring(data, forbid_dtd=True)
    except defusedxml.DefusedXmlException as exc:
        raise FileProblem(MSG_ENTITIES.format(name=name)) from exc
    except (SafeET.ParseError, ValueError) as exc:
        raise FileProblem(MSG_DAMAGED.format(name=name)) from exc


# --------------------------------------------------------------------------------------------
# workbook.xml and its relationships: which part is which sheet.


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


@dataclass
class _Book:
    sheet_names: list[str]
    sheets: list[tuple[str, str]]  # (member name, sheet name), workbook order
    other_targets: set[str]
    defined_names: list[str]
    full_calc_on_load: bool


def _resolve_target(target: str) -> str:
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join("xl", target))


def _read_workbook(
    workbook: Element, rels: Element | None, members: dict[str, _Member], name: str
) -> _Book:
    damaged = FileProblem(MSG_DAMAGED.format(name=name))
    targets: dict[str, str] = {}
    if rels is not None:
        for rel in rels:
            if _local(rel.tag) != "Relationship" or rel.get("TargetMode") == "External":
                continue
            rel_id, target = rel.get("Id"), rel.get("Target")
            if rel_id and target:
                targets[rel_id] = _resolve_target(target)

    sheet_names: list[str] = []
    sheets: list[tuple[str, str]] = []
    defined: list[str] = []
    full_calc = False
    for child in workbook:
        tag = _local(child.tag)
        if tag == "sheets":
            for sheet in child:
                if _local(sheet.tag) != "sheet":
                    continue
                sheet_name = sheet.get("name")
                rel_id = next(
                    (v for k, v in sheet.attrib.items() if k.startswith("{") and _local(k) == "id"),
                    None,
                )
                if sheet_name is None or rel_id not in targets:
                    raise damaged
                part = targets[rel_id]
                if part not in members:
                    raise damaged
                sheet_names.append(sheet_name)
                sheets.append((part, sheet_name))
        elif tag == "definedNames":
            for item in child:
                dn = item.get("name") or ""
                # _xlnm.* are Excel's own (print area, filter range), not the instructor's.
                if (
                    _local(item.tag) == "definedName"
                    and dn
                    and not dn.startswith("_xlnm.")
                    and dn not in defined
                ):
                    defined.append(dn)
        elif tag == "calcPr":
            full_calc = (child.get("fullCalcOnLoad") or "").lower() in ("1", "true")
    sheet_parts = {part for part, _ in sheets}
    others = {t for t in targets.values() if t in members and t not in sheet_parts}
    return _Book(sheet_names, sheets, others, defined, full_calc)


# --------------------------------------------------------------------------------------------
# Step 6: worksheets, as bytes.

_ROOT_PREFIX = re.compile(rb"<(?:([A-Za-z_][\w.\-]*):)?worksheet[\s>/]")
_R_ATTR = re.compile(rb"""\sr\s*=\s*["']([^"']*)["']""")
_T_ATTR = re.compile(rb"""\st\s*=\s*["']([^"']*)["']""")
_DV_MARKS = (b"<dataValidations", b":dataValidations")
_CF_MARKS = (b"<conditionalFormatting", b":conditionalFormatting")
_FUNCTION_PREFIXES = re.compile(r"_xl(?:fn|ws|pm)\.")
_MAX_FORMULA_SHOWN = 120
_CELL_TAG_ENDS = frozenset((b" ", b">", b"/", b"\t", b"\r", b"\n"))


@dataclass(frozen=True)
class _Patterns:
    data_end: bytes  # </sheetData>
    data_empty: re.Pattern[bytes]  # <sheetData/>
    cell_open: bytes  # b"<c", then a blank, ">" or "/"
    cell_close: bytes  # b"</c>"
    formula_tags: tuple[bytes, bytes, bytes]  # b"<f>", b"<f ", b"<f/>"
    f_end: re.Pattern[bytes]  # </f> not followed by a non-empty <v>
    f_empty: re.Pattern[bytes]  # <f .../> not followed by a non-empty <v>
    f_any: re.Pattern[bytes]
    f_elem: re.Pattern[bytes]
    v_elem: re.Pattern[bytes]
    row_ref: re.Pattern[bytes]  # a row's number
    dimension: re.Pattern[bytes]  # <dimension ref="A1:F20">: a single last column letter
    wide_ref: re.Pattern[bytes]  # a cell in column AA or beyond: its letters
    error_cell: re.Pattern[bytes]  # the start tag of a cell holding an error


@lru_cache(maxsize=8)
def _patterns(prefix: bytes) -> _Patterns:
    p = re.escape(prefix)
    no_value = rb"(?!<" + p + rb"v>[^<])"
    return _Patterns(
        data_end=b"</" + prefix + b"sheetData>",
        data_empty=re.compile(rb"<" + p + rb"sheetData\s*/>"),
        cell_open=b"<" + prefix + b"c",
        cell_close=b"</" + prefix + b"c>",
        formula_tags=(b"<" + prefix + b"f>", b"<" + prefix + b"f ", b"<" + prefix + b"f/>"),
        f_end=re.compile(rb"</" + p + rb"f>" + no_value),
        f_empty=re.compile(rb"<" + p + rb"f(?:\s[^>]*)?/>" + no_value),
        f_any=re.compile(rb"<" + p + rb"f[\s>/]"),
        f_elem=re.compile(rb"<" + p + rb"f(?:\s[^>]*?)?(?:/>|>(.*?)</" + p + rb"f>)", re.S),
        v_elem=re.compile(rb"<" + p + rb"v(?:\s[^>]*?)?(?:/>|>(.*?)</" + p + rb"v>)", re.S),
        dimension=re.compile(rb"<" + p + rb"dimension\s+ref\s*=\s*[\"'][A-Z]*\d*:?([A-Z])\d+[\"']"),
        row_ref=re.compile(rb"<" + p + rb"row\s[^>]*?(?<=\s)r\s*=\s*[\"'](\d+)"),
        wide_ref=re.compile(rb"""r=["']([A-Z]{2,})\d"""),
        error_cell=re.compile(rb"<" + p + rb"c\s[^>]*?(?<=\s)t\s*=\s*[\"']e[\"'][^>]*>"),
    )


def _percent_pattern(styles: frozenset[int]) -> re.Pattern[bytes]:
    """A style attribute naming one of `styles` (the cell around it is then looked at)."""
    indices = b"|".join(str(i).encode() for i in sorted(styles))
    return re.compile(rb"""s=["'](?:""" + indices + rb""")["']""")


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ch - 64
    return number


def _formula_text(raw: bytes | None) -> str | None:
    if raw is None:
        return None
    text = html.unescape(raw.decode("utf-8", errors="replace"))
    text = _FUNCTION_PREFIXES.sub("", text)
    text = " ".join(text.split())
    if text.startswith("="):
        text = text[1:]
    if len(text) > _MAX_FORMULA_SHOWN:
        text = text[: _MAX_FORMULA_SHOWN - 3] + "..."
    return text or None


class _SheetScanner:
    """Finds formula cells without a saved value in a worksheet's XML, fed in chunks.

    Cheap in the common case: each chunk costs a few substring searches; only where a chunk
    holds a formula whose end is not followed by a non-empty <v> is a cell parsed. Chunks
    are joined with a carry that holds the last, unfinished cell, so no cell is split.
    """

    def __init__(
        self, sheet: str, *, want_with_values: bool, percent_styles: frozenset[int] = frozenset()
    ) -> None:
        self.sheet = sheet
        self.want_with_values = want_with_values
        self.percent_styles = percent_styles
        self._percent: re.Pattern[bytes] | None = None
        self.cells = SheetCells()
        self._narrow: int | None = None
        self.missing: list[Finding] = []
        self.missing_count = 0  # all of them; `missing` keeps the first few hundred
        self.data_validation = False
        self.conditional_formatting = False
        self._after_data = False  # past </sheetData>, where those two features live
        self._fed = False
        self._pat: _Patterns | None = None
        self._carry = b""
        self._formulas = 0
        self._first_with_value: tuple[str | None, str | None] | None = None

    def feed(self, chunk: bytes) -> None:
        buf = self._carry + chunk if self._carry else chunk
        if self._pat is None:
            # The root's namespace prefix (<x:worksheet>) names every tag; wait until it is in.
            match = _ROOT_PREFIX.search(buf, 0, _HEAD_BYTES)
            if match is None and len(buf) < _HEAD_BYTES:
                self._carry = buf
                return
            self._set_prefix(match)
        cut = self._cut(buf)
        self._process(buf, cut)
        self._carry = buf[cut:]

    def finish(self) -> None:
        if self._pat is None:
            self._set_prefix(_ROOT_PREFIX.search(self._carry, 0, _HEAD_BYTES))
        if self._carry:
            self._process(self._carry, len(self._carry))
        self._carry = b""
        more = self.missing_count - len(self.missing)
        if more > 0:
            message = MSG_FORMULA_MORE.format(count=more)
            self.missing.append(Finding(FORMULA_CODE, message, self.sheet, None))

    def _set_prefix(self, root: re.Match[bytes] | None) -> None:
        prefix = root.group(1) + b":" if root and root.group(1) else b""
        self._pat = _patterns(prefix)
        if self.percent_styles:
            self._percent = _percent_pattern(self.percent_styles)

    def unverified(self) -> list[Finding]:
        with_values = self._formulas - self.missing_count
        if not self.want_with_values or with_values <= 0 or self._first_with_value is None:
            return []
        cell, text = self._first_with_value
        shown = text if text is not None else "..."
        if with_values == 1:
            message = MSG_UNVERIFIED_ONE.format(formula=shown)
        else:
            message = MSG_UNVERIFIED_MANY.format(formula=shown, count=with_values)
        return [Finding(UNVERIFIED_CODE, message, self.sheet, cell, WARNING)]

    def _cut(self, buf: bytes) -> int:
        """Where the complete cells in buf end; what follows is carried to the next chunk."""
        pat = self._pat
        assert pat is not None
        n = len(buf)
        last = self._cell_start(buf, max(0, n - _MAX_CELL_BYTES), n)
        if last < 0:
            return max(0, n - _TAIL)
        close = buf.find(pat.cell_close, last)
        if close >= 0:
            return max(close + len(pat.cell_close), n - _TAIL)
        tag_end = buf.find(b">", last)
        if tag_end > 0 and buf[tag_end - 1 : tag_end] == b"/":  # <c r="A1" s="2"/>
            return max(tag_end + 1, n - _TAIL)
        return last  # an unfinished cell: carry it whole

    def _process(self, buf: bytes, cut: int) -> None:
        pat = self._pat
        assert pat is not None
        # Data validation and conditional formatting follow <sheetData> (the schema's order),
        # so inside it one search per chunk for its end is all this costs.
        data_end = 0
        if not self._after_data:
            data_end = buf.find(pat.data_end)
            if data_end < 0 and not self._fed:  # an empty sheet: <sheetData/>, in the 1st chunk
                match = pat.data_empty.search(buf)
                data_end = match.start() if match else -1
            self._after_data = data_end >= 0
        self._fed = True
        self._scan_cells(buf, cut)
        if self._after_data:
            if not self.data_validation:
                self.data_validation = any(buf.find(m, data_end) >= 0 for m in _DV_MARKS)
            if not self.conditional_formatting:
                self.conditional_formatting = any(buf.find(m, data_end) >= 0 for m in _CF_MARKS)
        if pat.f_any.search(buf, 0, cut) is None:
            return
        if self.want_with_values:
            self._formulas += sum(buf.count(tag, 0, cut) for tag in pat.formula_tags)
        hits: list[int] = []
        for rx in (pat.f_end, pat.f_empty):
            for m in rx.finditer(buf):
                if m.start() >= cut:
                    break
                hits.append(m.start())
        hits.sort()
        before = self.missing_count
        for pos in hits:
            cell = self._parse_cell(buf, pos)
            if cell is None:
                continue
            ref, text, has_value = cell
            if has_value:
                continue
            self.missing_count += 1
            if self.missing_count > MAX_FORMULA_FINDINGS_PER_SHEET:
                continue
            message = MSG_FORMULA.format(formula=text) if text is not None else MSG_FORMULA_SHARED
            self.missing.append(Finding(FORMULA_CODE, message, self.sheet, ref))
        if self.want_with_values and self._first_with_value is None:
            formulas_here = sum(buf.count(tag, 0, cut) for tag in pat.formula_tags)
            if formulas_here > self.missing_count - before:
                for m in pat.f_any.finditer(buf, 0, cut):
                    cell = self._parse_cell(buf, m.start())
                    if cell is not None and cell[2]:
                        self._first_with_value = (cell[0], cell[1])
                        break

    def _scan_cells(self, buf: bytes, cut: int) -> None:
        """Count the cells, how far they reach, and find error cells and percentage cells.

        A match starting before `cut` is a whole cell; maxima may see a tag twice, harmlessly.
        """
        pat = self._pat
        assert pat is not None
        info = self.cells
        info.cells += buf.count(pat.cell_open + b" ", 0, cut) + buf.count(
            pat.cell_open + b">", 0, cut
        )
        rows = pat.row_ref.findall(buf)
        if rows:
            info.max_row = max(info.max_row, max(map(int, rows)))
        if self._narrow is None:  # the dimension's last column, if it is one of A-Z
            dimension = pat.dimension.search(buf, 0, cut)
            self._narrow = _column_number(dimension.group(1)) if dimension else 26
        wide = pat.wide_ref.findall(buf)
        if wide:  # columns from AA on are counted exactly
            info.max_col = max(info.max_col, max(map(_column_number, set(wide))))
        elif info.cells:  # within A-Z the dimension may tell, else assume Z
            info.max_col = max(info.max_col, self._narrow)
        if (b'"e"' in buf or b"'e'" in buf) and pat.error_cell.search(buf, 0, cut) is not None:
            for m in pat.error_cell.finditer(buf, 0, cut):
                if m.start() >= cut:
                    break
                info.error_count += 1
                if len(info.errors) >= MAX_FORMULA_FINDINGS_PER_SHEET:
                    continue
                ref = _R_ATTR.search(m.group(0))
                end = -1 if m.group(0).endswith(b"/>") else buf.find(pat.cell_close, m.end())
                value = pat.v_elem.search(buf, m.end(), end) if end >= 0 else None
                raw = (value.group(1) if value else None) or b""
                text = html.unescape(raw.decode("utf-8", "replace")).strip()
                info.errors.append(
                    (ref.group(1).decode("ascii", "replace") if ref else "", text or "#VALUE!")
                )
        if self._percent is not None:
            for m in self._percent.finditer(buf, 0, cut):
                start = self._cell_start(buf, max(0, m.start() - _MAX_TAG_BYTES), m.start())
                tag_end = buf.find(b">", m.end())
                if start < 0 or tag_end < 0 or buf.find(b">", start, m.start()) >= 0:
                    continue  # not the start tag of a cell
                if buf[tag_end - 1 : tag_end] == b"/":
                    continue  # a formatted blank cell
                ref = _R_ATTR.search(buf, start, tag_end)
                if ref:
                    info.percent.append(ref.group(1).decode("ascii", "replace"))

    def _cell_start(self, buf: bytes, low: int, high: int) -> int:
        """Where the last <c> start tag in buf[low:high] begins (not <col>, <cols>...), or -1."""
        pat = self._pat
        assert pat is not None
        after = len(pat.cell_open)
        while True:
            start = buf.rfind(pat.cell_open, low, high)
            if start < 0 or buf[start + after : start + after + 1] in _CELL_TAG_ENDS:
                return start
            high = start

    def _parse_cell(self, buf: bytes, pos: int) -> tuple[str | None, str | None, bool] | None:
        """(cell reference, formula text, has a saved value) for the cell around pos."""
        pat = self._pat
        assert pat is not None
        start = self._cell_start(buf, max(0, pos - _MAX_CELL_BYTES), pos)
        if start < 0:
            return None
        end = buf.find(pat.cell_close, pos)
        if end < 0:
            return None
        cell = buf[start:end]
        tag_end = cell.find(b">")
        tag, body = cell[:tag_end], cell[tag_end + 1 :]
        ref_match = _R_ATTR.search(tag)
        ref = ref_match.group(1).decode("ascii", errors="replace") if ref_match else None
        type_match = _T_ATTR.search(tag)
        cell_type = type_match.group(1) if type_match else b"n"
        f_match = pat.f_elem.search(body)
        if f_match is None:
            return None
        v_match = pat.v_elem.search(body)
        has_value = v_match is not None and (
            bool((v_match.group(1) or b"").strip()) or cell_type == b"str"
        )
        return ref, _formula_text(f_match.group(1)), has_value


# --------------------------------------------------------------------------------------------
# Features the values-only graded copy cannot keep.


def _lost_features(names: list[str], book: _Book, scanners: list[_SheetScanner]) -> list[Finding]:
    lowered = [n.lower() for n in names]

    def has(*prefixes: str) -> bool:
        return any(n.startswith(prefixes) for n in lowered)

    features: list[str] = []
    if any(n.endswith("vbaproject.bin") for n in lowered):
        features.append("macros (VBA)")
    if has("xl/media/"):
        features.append("images")
    if has("xl/charts/", "xl/chartsheets/"):
        features.append("charts")
    if has("xl/pivottables/", "xl/pivotcache/"):
        features.append("pivot tables")
    if has("xl/comments", "xl/threadedcomments/"):
        features.append("comments")
    if has("xl/tables/"):
        features.append("tables (made with Format as Table)")
    if any(s.data_validation for s in scanners):
        features.append("data validation (drop-down lists or input rules)")
    if any(s.conditional_formatting for s in scanners):
        features.append("conditional formatting")
    if book.defined_names:
        shown = ", ".join(book.defined_names[:3])
        more = len(book.defined_names) - 3
        if more > 0:
            shown += f" and {more} more"
        features.append(f"named ranges ({shown})")
    if has("xl/externallinks/"):
        features.append("links to other workbooks")
    return [
        Finding(FEATURE_CODE, MSG_FEATURE.format(feature=f), None, None, WARNING) for f in features
    ]
