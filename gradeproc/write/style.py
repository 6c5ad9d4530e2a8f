"""How the graded workbook looks: colours, cell formats, conditional formats, print setup,
and the widths and heights that let text show.

Styling is applied per column or per range wherever the file format allows it (column
formats, conditional formats over a whole column), so its cost does not grow with the
number of students. The few cells that get something of their own (a shaded score, a
comment) are chosen in `gradeproc.write.annotate`.

xlsxwriter's constant_memory mode writes each row once, in order, and drops anything
addressed to a row already written: column formats and widths are set before a sheet's rows.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from xlsxwriter.workbook import Workbook as XlsxWorkbook
    from xlsxwriter.worksheet import Worksheet

    from gradeproc.policy import Policy


HEADER = {
    "bold": True,
    "font_color": "#FFFFFF",
    "bg_color": "#305496",
    "border": 1,
    "border_color": "#8EA9DB",
    "valign": "top",
    "text_wrap": True,
}
LINE_PT = 15  # Excel's default row height, one line of 11-point text

# Excel's own "Good / Neutral / Bad" fills, plus a blue and a grey, as (fill, font).
GREEN = ("#C6EFCE", "#006100")
BLUE = ("#DDEBF7", "#1F4E78")
AMBER = ("#FFEB9C", "#9C5700")
ORANGE = ("#F8CBAD", "#843C0C")
RED = ("#FFC7CE", "#9C0006")
GREY = ("#E7E6E6", "#3A3838")
PURPLE = ("#E4DFEC", "#5B2C6F")

# Letter bands: (key, colours); a letter's band comes from its first character.
BANDS: dict[str, tuple[str, str]] = {"A": GREEN, "B": BLUE, "C": AMBER, "F": RED, "other": GREY}
# The same bands as chart bars: Office's stronger green, blue, gold, red and grey.
BAR_COLOURS: dict[str, str] = {
    "A": "#70AD47",
    "B": "#4472C4",
    "C": "#FFC000",
    "F": "#C00000",
    "other": "#A5A5A5",
}
PASSING_WORDS = {"P", "PASS", "S", "SAT", "CR"}
FAILING_WORDS = {"FAIL", "NP", "U", "NC"}

# Flags that ask the instructor to do something.
ACTION_FLAGS = ("LATE_REJECTED", "MISSING", "BORDERLINE", "POLICY_GAP", "UNGRADED")


@dataclass(frozen=True)
class ScoreKind:
    """How one kind of exceptional score cell is shown, and what the legend says about it."""

    status: str
    label: str
    colours: tuple[str, str]
    italic: bool = False


SCORE_KINDS: dict[str, ScoreKind] = {
    k.status: k
    for k in (
        ScoreKind("LATE", "Late: points deducted", AMBER),
        ScoreKind("LATE_REJECTED", "Later than the limit: not accepted, 0 points", RED),
        ScoreKind("MISSING", "No score: counted as 0", ORANGE),
        ScoreKind("EXCUSED", "Excused: left out of its category", BLUE),
        ScoreKind("UNGRADED", "Handed in, not graded yet: left out of the total", PURPLE),
        ScoreKind("DROPPED", "Dropped by the category's drop rule", GREY, italic=True),
    )
}


# A cell comment's box, in pixels; Excel's default (128 x 74) hides most of a sentence.
def fill(colours: tuple[str, str], **extra: object) -> dict[str, object]:
    background, font = colours
    return {"bg_color": background, "font_color": font, **extra}


def letter_band(letter: object) -> str:
    """ "A" for A+/A/A-/Pass, "B", "C", "F" for D*/E/F/Fail, "other" for I, W, anything else."""
    text = str(letter).strip().upper()
    if not text:
        return "other"
    if text in PASSING_WORDS:
        return "A"
    if text in FAILING_WORDS:
        return "F"
    first = text[0]
    if first in "ABC" and (len(text) == 1 or text[1] in "+-"):
        return first
    if first in "DEF" and (len(text) == 1 or text[1] in "+-"):
        return "F"
    return "other"


def excel_text(value: str) -> str:
    """A string literal for a conditional format's formula."""
    return '"' + value.replace('"', '""') + '"'


def formats(book: XlsxWorkbook) -> dict[str, object]:
    """Every cell format of the graded workbook, made once."""
    specs: dict[str, dict[str, object]] = {
        "header": HEADER,
        "datetime": {"num_format": "yyyy-mm-dd hh:mm"},
        "percent": {"num_format": "0.00", "valign": "top"},
        "top": {"valign": "top"},
        "centre_top": {"align": "center", "valign": "top"},
        "centre": {"align": "center"},
        "points": {"num_format": "0.##"},
        "share": {"num_format": "0.0%"},
        "bold": {"bold": True},
        "wrap": {"text_wrap": True, "valign": "top"},
        "title": {"bold": True, "font_size": 16, "font_color": "#1F3864"},
        "heading": {
            "bold": True,
            "font_size": 12,
            "font_color": "#1F3864",
            "bottom": 2,
            "bottom_color": "#305496",
        },
        "label": {"bold": True, "valign": "top"},
        "value": {"text_wrap": True, "valign": "top", "align": "left"},
        "note": {"italic": True, "font_color": "#595959"},
        "action": fill(RED, bold=True),
    }
    for band, colours in BANDS.items():
        specs[f"band_{band}"] = fill(colours)
    for status, kind in SCORE_KINDS.items():
        specs[f"score_{status}"] = fill(kind.colours, italic=kind.italic)
    return {name: book.add_format(spec) for name, spec in specs.items()}


# --- ranges and pages ------------------------------------------------------------------------


def _column_rule(sheet: Worksheet, first_row: int, last_row: int, col: int, rule: dict) -> None:
    """One conditional format over a whole column's data: a range rule, not a cell loop."""
    sheet.conditional_format(first_row, col, last_row, col, rule)


def _equals(value: str, fmt: object, stop: bool = False) -> dict:
    rule = {"type": "cell", "criteria": "==", "value": excel_text(value), "format": fmt}
    return {**rule, "stop_if_true": True} if stop else rule


def letter_formats(
    sheet: Worksheet,
    first_row: int,
    last_row: int,
    col: int,
    letters: Iterable[str],
    formats: dict[str, object],
) -> None:
    """Colour a Letter column by band: one `cell ==` rule per letter, then grey for the rest.

    Rules apply in the order added and stop at the first match, so an override letter that
    is no band's (`I`, `W`) falls through to grey.
    """
    if last_row < first_row:
        return
    seen: set[str] = set()
    for letter in letters:
        key = str(letter).strip().casefold()
        if not key or key in seen or letter_band(letter) == "other":
            continue
        seen.add(key)
        fmt = formats[f"band_{letter_band(letter)}"]
        _column_rule(sheet, first_row, last_row, col, _equals(str(letter).strip(), fmt, stop=True))
    other = {"type": "no_blanks", "format": formats["band_other"], "stop_if_true": True}
    _column_rule(sheet, first_row, last_row, col, other)


def flag_formats(
    sheet: Worksheet,
    first_row: int,
    last_row: int,
    col: int,
    fmt: object,
    flags: Sequence[str] = ACTION_FLAGS,
) -> None:
    """Highlight Flags cells holding a flag that needs the instructor: `text containing`."""
    if last_row < first_row:
        return
    for flag in flags:
        rule = {"type": "text", "criteria": "containing", "value": flag, "format": fmt}
        _column_rule(sheet, first_row, last_row, col, rule)


def status_formats(
    sheet: Worksheet,
    first_row: int,
    last_row: int,
    col: int,
    formats: dict[str, object],
) -> None:
    """Colour a Status column (Details) as the Scores sheet shades its cells."""
    if last_row < first_row:
        return
    for status in SCORE_KINDS:
        _column_rule(sheet, first_row, last_row, col, _equals(status, formats[f"score_{status}"]))


# Printing. Widths below are the narrower of the two usual papers (Letter, 11 x 8.5 in,
# landscape) less the margins print_setup sets; a column's printed width is its width in
# pixels at 96 per inch, as Excel converts a character width.
PRINT_MARGIN_IN = 0.4
PRINTABLE_PT = (11 - 2 * PRINT_MARGIN_IN) * 72
BODY_FONT_PT = 11
MIN_FONT_PT = 8
MIN_PRINT_SCALE = math.ceil(100 * MIN_FONT_PT / BODY_FONT_PT)  # 73 %: 8.03 pt
DEFAULT_WIDTH = 8.43  # a column gradeproc sets no width for


def column_pixels(width: float) -> int:
    """A column's width in pixels, as Excel converts its character width."""
    return int(width * 7 + 0.5) + 5


def fit_scale(widths: Sequence[float]) -> float:
    """The print scale (1 = 100 %) that one page's width would need for these columns."""
    points = sum(column_pixels(w) for w in widths) * 0.75
    return min(1.0, PRINTABLE_PT / points) if points else 1.0


def print_scale(widths: Sequence[float] | None) -> int | None:
    """None where the sheet fits one page wide with its text at 8 pt or more; else the
    percentage to print at (the 8-pt minimum), the columns continuing on further pages.

    Measured in the workbook's own font (Calibri): a spreadsheet program drawing the text
    in a wider font (LibreOffice without Calibri's metric twin Carlito) fits it smaller."""
    if widths is None or fit_scale(widths) * 100 >= MIN_PRINT_SCALE:
        return None
    return MIN_PRINT_SCALE


def header_text(text: str) -> str:
    """Text for a page header: `&` is a code there, and Excel stops at 255 characters."""
    return text.replace("&", "&&")[:200]


def print_setup(
    sheet: Worksheet,
    header_row: int | None = 0,
    gridlines: bool = True,
    widths: Sequence[float] | None = None,
    title: str = "",
    repeat_columns: int = 0,
) -> None:
    """Landscape, one page wide where the text stays 8 pt or more (`print_scale`), else at
    that size with the first `repeat_columns` columns (who a row is about) on every page,
    pages read across then down. The header row repeats on every page; the course and term
    head each page, the sheet name and page number foot it."""
    sheet.set_landscape()
    scale = print_scale(widths)
    if scale is None:
        sheet.fit_to_pages(1, 0)
    else:
        sheet.set_print_scale(scale)
        sheet.print_across()
        if repeat_columns:
            sheet.repeat_columns(0, repeat_columns - 1)
    if header_row is not None:
        sheet.repeat_rows(header_row)
    margin = PRINT_MARGIN_IN
    sheet.set_margins(left=margin, right=margin, top=0.6, bottom=0.6)
    if title:
        sheet.set_header(f"&L{header_text(title)}")
    sheet.set_footer("&L&A&RPage &P of &N")
    if gridlines:
        sheet.hide_gridlines(0)  # print the cell grid of a table


def ignore_id_warnings(sheet: Worksheet) -> None:
    """IDs such as `00123` are text on purpose: no green "number stored as text" triangles."""
    sheet.ignore_errors({"number_stored_as_text": "A1:XFD1048576"})


TEXT_CHARS_PER_UNIT = 1.25
HEADER_CHARS_PER_UNIT = 1.1  # bold


def text_lengths(texts: pd.Series) -> list[int]:
    """Characters of each value as text; 0 for a blank."""
    return [0 if pd.isna(v) else len(str(v)) for v in texts.to_numpy(dtype=object).tolist()]


def text_lines(texts: pd.Series, width: float, per_unit: float = 1.0) -> np.ndarray:
    """How many lines each text takes in a wrapped column `width` characters wide.

    An estimate, vectorised: a word that does not fit moves to the next line, which leaves
    about half a word (4 characters) unused per line. LibreOffice keeps a row's height as
    written (Excel too, once it is set), so a short guess would hide text.
    """
    chars = max(int(width * per_unit) - 1, 8)
    lengths = np.array(text_lengths(texts), dtype=np.int64)
    lines = np.ceil(lengths / (chars - 4)).astype(np.int64)
    return np.where(lengths <= chars, 1, lines)


def _lines(length: int, width: float, per_unit: float) -> int:
    """`text_lines` for one text of `length` characters (no pandas call for a header)."""
    chars = max(int(width * per_unit) - 1, 8)
    return 1 if length <= chars else math.ceil(length / (chars - 4))


def row_heights(frame: pd.DataFrame, wrapped: dict[str, float]) -> dict[int, float]:
    """Points of height for the data rows (0-based in the frame) that need more than a line."""
    lines = np.ones(len(frame), dtype=np.int64)
    for column, width in wrapped.items():
        if column in frame.columns:
            lines = np.maximum(lines, text_lines(frame[column], width, TEXT_CHARS_PER_UNIT))
    tall = np.flatnonzero(lines > 1)
    return {int(i): float(LINE_PT * lines[i] + 2) for i in tall}


def header_height(names: Sequence[str], widths: Sequence[float]) -> float | None:
    """The header row's height when a header wraps (after room for the filter button)."""
    lines = [
        _lines(len(str(name)), max(width - 1, 4), HEADER_CHARS_PER_UNIT)
        for name, width in zip(names, widths, strict=True)
    ]
    most = max(lines, default=1)
    return float(LINE_PT * most + 2) if most > 1 else None


def course_title(policy: Policy) -> str:
    """`CS 747 Optimization for Machine Learning Fall 2024`: the course and term settings."""
    return " ".join(
        str(policy.settings.get(k)) for k in ("course", "term") if policy.settings.get(k)
    )
