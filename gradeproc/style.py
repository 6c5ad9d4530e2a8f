"""How the graded workbook looks: colours, conditional formats, print setup, cell comments.

Styling is applied per column or per range wherever the file format allows it (column
formats, conditional formats over a whole column), so its cost does not grow with the
number of students. Only the exceptions an instructor has to see get something per cell:
a shaded Scores cell with a comment saying what happened, and a comment with the Notes on
a flagged student's `Flags` cell.

xlsxwriter's constant_memory mode writes each row once, in order, and drops anything
addressed to a row already written. Comments are kept apart from the cell data, so they
are written before a sheet's rows; column formats and widths are set before them too.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from gradeproc.compute.letters import snap
from gradeproc.parse import parse_ids
from gradeproc.read import normalise
from gradeproc.sentences import score_comments

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
COMMENT_WIDTH = 360
COMMENT_CHARS_PER_LINE = 52
COMMENT_LINE_PX = 16


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


def column_number(letters: str) -> int:
    """Excel column letters -> 0-based index (A -> 0, AA -> 26)."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def excel_text(value: str) -> str:
    """A string literal for a conditional format's formula."""
    return '"' + value.replace('"', '""') + '"'


# --- ranges and pages ------------------------------------------------------------------------


def _column_rule(sheet, first_row: int, last_row: int, col: int, rule: dict) -> None:
    """One conditional format over a whole column's data: a range rule, not a cell loop."""
    sheet.conditional_format(first_row, col, last_row, col, rule)


def _equals(value: str, fmt: object, stop: bool = False) -> dict:
    rule = {"type": "cell", "criteria": "==", "value": excel_text(value), "format": fmt}
    return {**rule, "stop_if_true": True} if stop else rule


def letter_formats(
    sheet,
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
    sheet,
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
    sheet,
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
    sheet,
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


def ignore_id_warnings(sheet) -> None:
    """IDs such as `00123` are text on purpose: no green "number stored as text" triangles."""
    sheet.ignore_errors({"number_stored_as_text": "A1:XFD1048576"})


def comment_options(text: str, width: int = COMMENT_WIDTH) -> dict[str, object]:
    """A comment box big enough to read its text without resizing it."""
    return {"width": width, "height": _comment_height(text, width)}


@functools.lru_cache(maxsize=4096)  # Scores comments repeat a few hundred texts
def _comment_height(text: str, width: int) -> int:
    chars = max(12, int(COMMENT_CHARS_PER_LINE * width / COMMENT_WIDTH))
    lines = sum(max(1, math.ceil(len(line) / chars)) for line in text.split("\n"))
    return 10 + COMMENT_LINE_PX * lines


# A column width counts "0" digits; a line of ordinary text holds about a quarter more
# characters (measured on LibreOffice's rendering of Notes).
TEXT_CHARS_PER_UNIT = 1.25
HEADER_CHARS_PER_UNIT = 1.1  # bold


def text_lines(texts: pd.Series, width: float, per_unit: float = 1.0) -> np.ndarray:
    """How many lines each text takes in a wrapped column `width` characters wide.

    An estimate, vectorised: a word that does not fit moves to the next line, which leaves
    about half a word (4 characters) unused per line. LibreOffice keeps a row's height as
    written (Excel too, once it is set), so a short guess would hide text.
    """
    chars = max(int(width * per_unit) - 1, 8)
    lengths = texts.fillna("").astype(str).str.len().to_numpy(dtype=np.int64)
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


_SENTENCE_BREAK = re.compile(r"(?<=[.)])\s+(?=[A-Z][A-Za-z0-9 /_-]*:|Total |Letter |Extension )")


def note_lines(notes: pd.Series) -> pd.Series:
    """The Notes of a student, one sentence per line (for a comment)."""
    return notes.str.replace(_SENTENCE_BREAK, "\n", regex=True)


# --- the Scores sheet's exceptions -----------------------------------------------------------


class ScoreMark(NamedTuple):
    """One shaded Scores cell: 0-based row and column, its status, and the comment text."""

    row: int
    col: int
    status: str
    comment: str


def score_marks(grading, gradebook, sheet) -> list[ScoreMark]:
    """The Scores cells that were penalised, rejected, missing, excused or dropped.

    The sheet's frame is indexed by Excel row and its headers map to column letters; headers
    are matched to assessment names as validation matches them (case and spaces ignored).
    Only these exceptions are visited; the rest of the sheet is not looked at.
    """
    status = grading.status
    if sheet is None or status.empty or "Student ID" not in sheet.frame.columns:
        return []
    names = {normalise(a): a for a in status.columns}
    columns: dict[str, int] = {}
    for label, letter in sheet.letters.items():
        name = names.get(normalise(label)) if label != "Student ID" else None
        if name is not None and name not in columns:
            columns[name] = column_number(letter)
    ids = parse_ids(sheet.frame["Student ID"]).dropna()
    ids = ids[~ids.duplicated()]
    excel_row = pd.Series(ids.index.to_numpy(), index=ids.to_numpy(dtype=object))
    rows = excel_row.reindex(status.index).to_numpy(dtype="float64") - 1  # 0-based
    cols = np.array([columns.get(a, -1) for a in status.columns], dtype=np.int64)
    values = status.to_numpy(dtype=object)
    mask = np.isin(values, list(SCORE_KINDS))
    # UNGRADED is shaded where work was handed in; under `blank_scores = ignore` a blank
    # with no submission time is UNGRADED too, but there is nothing to act on yet.
    mask &= (values != "UNGRADED") | handed_in(gradebook, status)
    mask &= ~np.isnan(rows)[:, None] & (cols >= 0)[None, :]
    i, j = np.nonzero(mask)
    if not len(i):
        return []
    texts = score_comments(grading.facts, i, j)
    kinds = values[i, j]
    return list(
        map(ScoreMark, rows[i].astype(np.int64).tolist(), cols[j].tolist(), kinds.tolist(), texts)
    )


def handed_in(gradebook, status: pd.DataFrame) -> np.ndarray:
    """Students × assessments (as `status`): a submission time was given."""
    submitted = gradebook.submitted.reindex(index=status.index, columns=status.columns)
    return submitted.notna().to_numpy()


# Comments per sheet at most. Each costs xlsxwriter about 70 µs (a VML shape apiece) and Excel
# itself grows sluggish with tens of thousands; above this the Notes column and the Details
# sheet carry the same words, and the Run sheet says the comments were left out.
MAX_COMMENTS = 5_000


def legend_rows(kinds: Iterable[str], comments: bool = True) -> list[tuple[str, str | None]]:
    """(text, status or None) lines of the Scores legend, for the kinds that occur."""
    occurring = set(kinds)
    present = [s for s in SCORE_KINDS if s in occurring]
    if not present:
        return []
    lines: list[tuple[str, str | None]] = [("Legend (gradeproc)", None)]
    lines += [(SCORE_KINDS[s].label, s) for s in present]
    if comments:
        lines.append(("Point at a shaded cell for what happened.", ""))
    else:
        lines.append(("The Details sheet says what happened to each shaded cell.", ""))
    return lines


# --- Summary tables --------------------------------------------------------------------------


BIN_WIDTH = 5
TOP_BIN = 100


def bin_labels() -> list[str]:
    labels = [f"{lo}–{lo + BIN_WIDTH}" for lo in range(0, TOP_BIN, BIN_WIDTH)]
    return [*labels, f"{TOP_BIN}+"]


def band_names(policy) -> dict[str, str]:
    """Legend name of each letter band, with its cut-off: `A, A- (90+)`, `D, Fail (below 68)`."""
    members: dict[str, list] = {}
    for r in policy.letters:
        members.setdefault(letter_band(r.letter), []).append(r)
    names: dict[str, str] = {}
    for band, ranges in members.items():
        letters = ", ".join(r.letter for r in ranges)
        lows = [r for r in ranges if np.isfinite(r.low)]
        above = [
            r.low for r in policy.letters if letter_band(r.letter) != band and np.isfinite(r.low)
        ]
        if band == "other":
            names[band] = f"Other ({letters})"
        elif len(lows) < len(ranges) and above:  # the bottom band: "below" the next one up
            names[band] = f"{letters} (below {min(above):g})"
        elif lows:
            low = min(lows, key=lambda r: (r.low, not r.low_inclusive))
            bound = f"{low.low:g}+" if low.low_inclusive else f"> {low.low:g}"
            names[band] = f"{letters} ({bound})"
        else:
            names[band] = letters
    return names


def cutoffs(policy) -> list[tuple[str, float, bool]]:
    """(letter, lower bound, inclusive) of every letter with a finite lower bound, high first."""
    out = [(r.letter, float(r.low), bool(r.low_inclusive)) for r in policy.letters]
    return sorted([c for c in out if np.isfinite(c[1])], key=lambda c: -c[1])


def cutoff_text(letter: str, low: float, inclusive: bool) -> str:
    return f"{letter} {'≥' if inclusive else '>'} {low:g}"


def total_histogram(grades: pd.DataFrame, policy) -> pd.DataFrame:
    """Students per 5-point bin of Total, split by letter band, with the cut-offs in each bin,
    from the lowest bin holding a total or a cut-off to the highest."""
    labels = bin_labels()
    total = grades["Total"].to_numpy(dtype="float64")
    has = ~np.isnan(total)
    bins = np.clip(np.floor(total[has] / BIN_WIDTH), 0, len(labels) - 1).astype(np.int64)
    bands = np.array([letter_band(x) for x in grades["Letter"].to_numpy(dtype=object)[has]])
    names = band_names(policy)
    if (bands == "other").any() and "other" not in names:
        others = sorted({str(x) for x in grades["Letter"][has][bands == "other"]})
        names["other"] = f"Other ({', '.join(others)})"
    order = [b for b in BANDS if b in names]
    marks = [""] * len(labels)
    for letter, low, inclusive in cutoffs(policy):
        b = int(min(max(low // BIN_WIDTH, 0), len(labels) - 1))
        text = cutoff_text(letter, low, inclusive)
        marks[b] = f"{text}, {marks[b]}" if marks[b] else text
    frame = pd.DataFrame({"Total": labels, "Letter cut-offs": marks})
    frame["Students"] = np.bincount(bins, minlength=len(labels))
    for band in order:
        frame[names[band]] = np.bincount(bins[bands == band], minlength=len(labels))
    frame.attrs["bands"] = {names[band]: band for band in order}  # column -> band key
    # The empty bins below the lowest total and cut-off, and above the highest, say nothing
    # and would print as a page of zeros: the table (and chart) runs over the rest.
    used = np.flatnonzero((frame["Students"].to_numpy() > 0) | (frame["Letter cut-offs"] != ""))
    if len(used):
        frame = frame.iloc[used[0] : used[-1] + 1].reset_index(drop=True)
    return frame


def assessment_statistics(details: pd.DataFrame, assessments: pd.DataFrame) -> pd.DataFrame:
    """Per assessment: mean and median final score, and the shares late, missing, not graded
    yet and excused."""
    status = details["Status"].astype(object)
    raw = details["Raw score"]
    frame = pd.DataFrame(
        {
            "Assessment": details["Assessment"].astype(object),
            "final": details["Final score"],
            "late": details["Days late"].to_numpy(dtype="float64") > 0,
            "missing": raw.isna() & ~status.isin(["EXCUSED", "UNGRADED"]),
            "ungraded": status.eq("UNGRADED"),
            "excused": status.eq("EXCUSED"),
        }
    )
    grouped = frame.groupby("Assessment", sort=False)
    names = assessments.index
    stats = pd.DataFrame(index=names)
    stats["Category"] = assessments["category"].to_numpy(dtype=object)
    stats["Max points"] = assessments["max_points"].to_numpy(dtype="float64")
    # Each statistic snapped to its decimal, as a person would work it out (compute.letters).
    stats["Mean"] = snap(grouped["final"].mean().reindex(names))
    stats["Median"] = snap(grouped["final"].median().reindex(names))
    stats["Mean %"] = snap(stats["Mean"] * 100 / stats["Max points"].where(stats["Max points"] > 0))
    shares = (("Late", "late"), ("Missing", "missing"), ("Ungraded", "ungraded"))
    for column, key in (*shares, ("Excused", "excused")):
        stats[f"Share {column.lower()}"] = snap(grouped[key].mean().reindex(names).fillna(0.0))
    return stats.rename_axis("Assessment").reset_index()
