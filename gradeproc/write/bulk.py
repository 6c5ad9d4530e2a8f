"""Tables of cells rendered straight to worksheet XML, a block of rows at a time.

xlsxwriter keeps a Python object per cell and turns each one into XML with several calls,
about ten microseconds a cell; a 40-student gradebook's Details sheet alone is twelve
thousand cells. The tables gradeproc writes (Details, Grades, the Summary's tables, the
instructor's sheets it copies) are rendered here instead, column by column, into the `<c>`
elements xlsxwriter itself writes, and handed to the worksheet as blocks of rows.
Everything else about a sheet (its header, widths, formats, comments, conditional formats,
filters, print setup) stays with xlsxwriter.

The rendering follows xlsxwriter's cell for cell: numbers as `{:.16G}`; text in the
workbook's shared-strings table when the workbook is built in memory, inline in
constant-memory mode, escaped as xlsxwriter escapes it (`_xHHHH_` for control characters,
`&`, `<`, `>`) and cut where it cuts; a cell without a format of its own taking its row's
format, else its column's. A value of a type not listed here is not rendered: that block
goes through xlsxwriter's own cell methods instead.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

if TYPE_CHECKING:
    from xlsxwriter.format import Format

# Excel's limit on a cell's text, in UTF-16 units (a character above U+FFFF counts twice).
CELL_UNITS = 32_767

_ESCAPED = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")
_LITERAL_ESCAPE = re.compile(r"(_x[0-9a-fA-F]{4}_)")


def edge_space(text: str) -> bool:
    """Whether a text starts or ends with white space (its `<t>` then says to keep it): what
    xlsxwriter finds with `^\\s|\\s$`, without the search through a long text."""
    return text[:1].isspace() or text[-1:].isspace()


def cut(value: str) -> str:
    """A text cut at Excel's limit of a cell, where xlsxwriter cuts it."""
    if len(value) > CELL_UNITS // 2 and len(value.encode("utf-16-le", "surrogatepass")) > (
        2 * CELL_UNITS
    ):
        return _utf16_cut(value, CELL_UNITS)
    return value


def escaped(value: str) -> str:
    """Text as xlsxwriter writes it between tags: `&<>` escaped, control characters (and a
    literal `_xHHHH_`) written as Excel's `_xHHHH_` escapes."""
    if not _ESCAPED.search(value):
        return value
    value = _LITERAL_ESCAPE.sub(r"_x005F\1", value)
    value = _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", value)
    value = value.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _utf16_cut(value: str, units: int) -> str:
    length = 0
    for index, char in enumerate(value):
        length += 2 if ord(char) > 0xFFFF else 1
        if length > units:
            return value[:index]
    return value


def _style(xf: int) -> str:
    return f' s="{xf}"' if xf else ""


class Strings:
    """How one sheet writes text, as xlsxwriter would: an index into the workbook's shared
    strings when the workbook is built in memory, the text itself (an inline string) in
    constant-memory mode. Each distinct text is escaped once."""

    def __init__(self, sheet: BulkWorksheet) -> None:
        self.table = None if sheet.constant_memory else sheet.str_table
        self.inline: dict[str, str] = {}
        self.counted = 0 if self.table is None else self.table.count

    def undo(self) -> None:
        """A block given up (xlsxwriter writes it instead): its uses are not counted twice."""
        if self.table is not None:
            self.table.count = self.counted

    def cell(self, ref: str, style: str, value: str) -> str:
        return f'<c r="{ref}"{self.tail(style, value)}'

    def tail(self, style: str, value: str) -> str:
        """A text cell's XML after its reference (each call counts as one use of the text)."""
        if self.table is not None:
            index = self.table._get_shared_string_index(cut(value))
            return f'{style} t="s"><v>{index}</v></c>'
        body = self.inline.get(value)
        if body is None:
            text = escaped(cut(value))  # white space kept as xlsxwriter sees it: escaped
            space = ' xml:space="preserve"' if edge_space(text) else ""
            body = self.inline[value] = f"{space}>{text}"
        return f'{style} t="inlineStr"><is><t{body}</t></is></c>'

    def column(self, refs: Sequence[str], values: Sequence[object], style: str) -> list[str]:
        """A text column's cells ("" for None), each distinct text rendered once."""
        tails: dict[object, str] = {}
        out = []
        repeats = 0
        for ref, value in zip(refs, values, strict=True):
            if value is None:
                out.append("")
                continue
            tail = tails.get(value)
            if tail is None:
                tail = tails[value] = self.tail(style, value)  # type: ignore[arg-type]
            else:
                repeats += 1
            out.append(f'<c r="{ref}"{tail}')
        if self.table is not None:
            self.table.count += repeats  # every use counts, as xlsxwriter counts them
        return out


def number_cell(ref: str, style: str, value: float | int) -> str:
    return f'<c r="{ref}"{style}><v>{value:.16G}</v></c>'


# The xlsxwriter internals the renderer relies on. Should a release rename one, the renderer
# switches itself off and every cell goes through xlsxwriter's public methods as before.
_INTERNALS = ("_write_rows", "_write_single_row", "_check_dimensions", "_convert_date_time")
_ATTRIBUTES = (
    "fh",
    "previous_row",
    "row_info",
    "col_info",
    "comments",
    "constant_memory",
    "str_table",
)
SUPPORTED = all(callable(getattr(Worksheet, name, None)) for name in (*_INTERNALS, "_write_row"))


# Formulas as xlsxwriter prepares them, by (formula, expand, use_future_functions).
_PREPARED: dict[tuple[str, bool, bool], str] = {}
PREPARED_MAX = 4_096


class BulkWorksheet(Worksheet):
    """An xlsxwriter worksheet that also takes blocks of rows already rendered as XML.

    Blocks are added in row order, each below every row written before it (as
    constant-memory mode requires anyway). In constant-memory mode a block goes straight to
    the sheet's row file; otherwise it is kept and written in its place among the rows
    xlsxwriter writes itself.
    """

    # xlsxwriter's own attributes this class reads and sets, untyped there
    fh: Any
    table: Any
    previous_row: int
    use_future_functions: bool
    date_1904: bool
    dim_rowmin: int | None
    dim_rowmax: int | None

    def __init__(self) -> None:
        super().__init__()
        self._blocks: list[tuple[int, int, str]] = []

    @property
    def renders(self) -> bool:
        """Whether blocks can be handed to this sheet (xlsxwriter has what they rely on)."""
        return SUPPORTED and all(hasattr(self, name) for name in _ATTRIBUTES)

    def xf(self, fmt: Format | None) -> int:
        """The style index of a format (0: none)."""
        return 0 if fmt is None else int(fmt._get_xf_index())

    def column_xf(self, col: int) -> int:
        """The style a cell with no format of its own takes in a block: its column's (a block
        never holds a row with a format of its own, see `row_formats`)."""
        column = self.col_info.get(col)
        return self.xf(column.column_format) if column is not None else 0

    def row_formats(self, first: int, last: int) -> bool:
        """True when one of rows first..last has a format of its own (set_row with one)."""
        return any(
            first <= r <= last and info.row_format is not None for r, info in self.row_info.items()
        )

    def row_tag(self, row: int, empty: bool = False) -> str:
        """The `<row>` tag xlsxwriter writes for this row (its height and format included)."""
        info = self.row_info.get(row)
        if info is None and self.default_row_height == self.original_row_height:
            return f'<row r="{row + 1}"/>' if empty else f'<row r="{row + 1}">'
        saved, self.fh = self.fh, io.StringIO()
        try:
            self._write_row(row, None, info, empty_row=empty)
            return str(self.fh.getvalue())
        finally:
            self.fh = saved

    def write_block(self, first: int, last: int, last_col: int, xml: str) -> None:
        """Rows first..last (0-based), holding cells up to column `last_col`, as rendered."""
        if last < first:
            return
        if self.constant_memory and (
            first < self.previous_row or (first == self.previous_row and self.table.get(first))
        ):  # a row xlsxwriter has written or holds: the block would write it again
            raise ValueError(f"rows {first + 1}-{last + 1} overlap rows already written")
        self._check_dimensions(first, 0)
        self._check_dimensions(last, max(last_col, 0))
        if self.constant_memory:
            if self.previous_row < first:  # the row xlsxwriter is building goes out first
                self._write_single_row(first)
            self.fh.write(xml)
            self.previous_row = last + 1  # xlsxwriter never writes a row of the block again
        else:
            self._blocks.append((first, last, xml))

    def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
        """xlsxwriter's, remembered: it runs about 150 searches for newer Excel functions
        over each formula, and a batch writes the same few conditional-format formulas
        into every workbook."""
        key = (formula, bool(expand_future_functions), bool(self.use_future_functions))
        prepared = _PREPARED.get(key)
        if prepared is None:
            if len(_PREPARED) >= PREPARED_MAX:
                _PREPARED.clear()
            prepared = _PREPARED[key] = super()._prepare_formula(formula, expand_future_functions)
        return prepared

    def _xml_rich_inline_string(self, string: str, attributes: Any = ()) -> None:
        """A text written one cell at a time in constant-memory mode that looks like
        rich-text XML (`<r>...</r>`): xlsxwriter would splice it into the sheet unescaped.
        gradeproc writes no rich text, so it is written as the text it is (write.package
        does the same for the shared strings)."""
        self._xml_inline_string(string, edge_space(string), list(attributes))

    def _write_rows(self) -> None:
        if not self._blocks:
            super()._write_rows()
            return
        low, high = self.dim_rowmin, self.dim_rowmax
        assert low is not None and high is not None  # a block sets them
        for first, last, _ in self._blocks:
            if any(self.table.get(r) for r in range(first, last + 1)):
                raise ValueError(f"rows {first + 1}-{last + 1} also hold cells written one by one")
        start = low
        try:  # xlsxwriter writes the rows around the blocks, a stretch at a time
            for first, last, xml in self._blocks:
                if first > start:
                    self.dim_rowmin, self.dim_rowmax = start, first - 1
                    super()._write_rows()
                self.fh.write(xml)
                start = last + 1
            if start <= high:
                self.dim_rowmin, self.dim_rowmax = start, high
                super()._write_rows()
        finally:
            self.dim_rowmin, self.dim_rowmax = low, high


def column_cells(
    kind: str, cells: Sequence[object], refs: Sequence[str], style: str, strings: Strings
) -> list[str] | None:
    """One column's `<c>` elements ("" for a blank), or None if a value cannot be rendered.

    `kind` is "number" or "date" (floats, None for a blank), "text" (str or None) or "any".
    """
    if kind in ("number", "date"):
        # Scores, points and days repeat down a column: each distinct number is spelled once.
        # A zero is spelled every time, 0.0 and -0.0 being one key but two spellings.
        tails: dict[float, str] = {}
        out = []
        for ref, value in zip(refs, cells, strict=True):
            if value is None:
                out.append("")
                continue
            if type(value) is not float:
                return None
            tail = tails.get(value)
            if tail is None:
                if not math.isfinite(value):
                    return None
                tail = f"{style}><v>{value:.16G}</v></c>"
                if value:
                    tails[value] = tail
            out.append(f'<c r="{ref}"{tail}')
        return out
    if kind == "text":
        return strings.column(refs, cells, style)
    out = []
    for ref, value in zip(refs, cells, strict=True):
        cell = value_cell(ref, style, value, strings)
        if cell is None:
            return None
        out.append(cell)
    return out


def value_cell(ref: str, style: str, value: object, strings: Strings) -> str | None:
    """One cell of any plain value; "" for a blank; None for a type it does not render."""
    if value is None:
        return ""
    kind = type(value)
    if kind is str:
        return "" if value == "" else strings.cell(ref, style, value)  # type: ignore[arg-type]
    if kind is float:
        return number_cell(ref, style, value) if math.isfinite(value) else ""  # type: ignore[arg-type]
    if kind is bool:
        return f'<c r="{ref}"{style} t="b"><v>{int(value)}</v></c>'  # type: ignore[call-overload]
    if kind is int:
        return number_cell(ref, style, value)  # type: ignore[arg-type]
    return None


DATE_TYPES = (dt.datetime, dt.date, dt.time)
_EPOCH = dt.datetime(1899, 12, 31)
_MODERN = dt.datetime(1901, 1, 1)


def date_number(sheet: BulkWorksheet, value: dt.datetime | dt.date | dt.time) -> float:
    """A date's or time's day number, as xlsxwriter's `_convert_date_time` gives it.

    A time submitted or due is a naive datetime after 1900 (the graded workbook's sheets
    carry no zone): its number is worked out here with xlsxwriter's own arithmetic, without
    the type dispatch and the 1900 corrections that cannot apply (a property test compares
    the two). Any other value goes to xlsxwriter."""
    if (
        type(value) is dt.datetime
        and value.tzinfo is None
        and value >= _MODERN
        and not sheet.date_1904
    ):
        delta = value - _EPOCH
        serial = delta.days + (float(delta.seconds) + float(delta.microseconds) / 1e6) / (
            60 * 60 * 24
        )
        return serial + 1  # Excel's 29 February 1900, which never was
    return float(sheet._convert_date_time(value))


# Cells rendered per block: the strings of one block are alive at once, so a sheet of
# millions of cells costs the memory of one block, and each block is still large enough
# for the per-block work to vanish.
CHUNK_CELLS = 1 << 16


def chunk_rows(n_columns: int) -> int:
    """Rows per block for a table this wide."""
    return max(1, CHUNK_CELLS // max(n_columns, 1))


def frame_xml(
    sheet: BulkWorksheet,
    columns: Sequence[Any],
    first_row: int,
    formats: Sequence[Format | None],
    first: int = 0,
    stop: int | None = None,
) -> str | None:
    """Rows first..stop-1 of `columns` (write.cells.Column), the table's row 0 on sheet row
    `first_row`, each column in its format (None: the row's or column's); None if a value
    cannot be rendered here."""
    n = len(columns[0]) if columns else 0
    stop = n if stop is None else stop
    top = first_row + first
    if stop <= first or not sheet.renders or sheet.row_formats(top, first_row + stop - 1):
        return None
    numbers = [str(r + 1) for r in range(top, first_row + stop)]
    strings = Strings(sheet)
    rendered = []
    for c, column in enumerate(columns):
        fmt = formats[c]
        style = _style(sheet.xf(fmt) if fmt is not None else sheet.column_xf(c))
        letter = xl_col_to_name(c)
        cells = column_cells(
            column.kind, column.cells(first, stop), [letter + r for r in numbers], style, strings
        )
        if cells is None:
            strings.undo()
            return None
        rendered.append(cells)
    return "".join(_rows(sheet, range(top, first_row + stop), zip(*rendered, strict=True)))


def rows_xml(
    sheet: BulkWorksheet,
    rows: Sequence[Sequence[object]],
    marked: dict[int, dict[int, Format]],
    date_format: Format,
    first: int = 0,
    stop: int | None = None,
) -> str | None:
    """An instructor's rows first..stop-1 as they hold their values (row r on sheet row r):
    dates in `date_format`, the `marked` cells ((row -> column -> format)) in theirs, a
    marked blank as a formatted blank cell. None if a value cannot be rendered here."""
    n_rows = max(len(rows), max(marked, default=-1) + 1)
    stop = n_rows if stop is None else min(stop, n_rows)
    if stop <= first or not sheet.renders or sheet.row_formats(first, stop - 1):
        return None
    width = max(
        [
            0,
            *(len(rows[r]) for r in range(first, min(stop, len(rows)))),
            *(max(m) + 1 for r, m in marked.items() if m and first <= r < stop),
        ]
    )
    letters = [xl_col_to_name(c) for c in range(width)]
    plain = [_style(sheet.column_xf(c)) for c in range(width)]
    date_style = _style(sheet.xf(date_format))
    strings = Strings(sheet)
    every_row = []
    for r in range(first, stop):
        row = rows[r] if r < len(rows) else ()
        marks = marked.get(r, {})
        number = str(r + 1)
        parts = []
        for c, value in enumerate(row):
            fmt = marks.get(c)
            style = plain[c] if fmt is None else _style(sheet.xf(fmt))
            ref = letters[c] + number
            if isinstance(value, DATE_TYPES):
                parts.append(number_cell(ref, date_style, date_number(sheet, value)))
                continue
            cell = value_cell(ref, style, value, strings)
            if cell is None:
                strings.undo()
                return None
            if not cell and fmt is not None:
                cell = f'<c r="{ref}"{style}/>'
            parts.append(cell)
        for c in sorted(c for c in marks if c >= len(row)):
            parts.append(f'<c r="{letters[c]}{number}"{_style(sheet.xf(marks[c]))}/>')
        every_row.append(parts)
    return "".join(_rows(sheet, range(first, stop), every_row))


def _rows(
    sheet: BulkWorksheet, numbers: Iterable[int], cells: Iterable[Sequence[str]]
) -> list[str]:
    """Each row's tag around its cells; a row with no cell only if xlsxwriter would write it
    (a height, a format or a comment of its own)."""
    out = []
    info, comments = sheet.row_info, sheet.comments
    for r, parts in zip(numbers, cells, strict=True):
        body = "".join(parts)
        if body:
            out.append(sheet.row_tag(r) + body + "</row>")
        elif r in info or r in comments:
            out.append(sheet.row_tag(r, empty=True))
    return out
