"""Write the graded workbook and the registrar CSV: the output edge of the pipeline.

Files appear whole or not at all: each is written to a temporary file beside its target and
renamed into place only when every output of the run is complete. Text never becomes a
formula: xlsxwriter is told not to read `=...` as one, and the CSV escapes it.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import math
import os
import re
import secrets
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from gradeproc.compute.letters import snap
from gradeproc.errors import (
    WARNING,
    Finding,
    Interrupted,
    OutputExists,
    OutputFailed,
    OutputPathWrong,
    Signalled,
)

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
EXCEL_EPOCH = np.datetime64("1899-12-30T00:00:00", "ns")
NS_PER_DAY = 86_400 * 10**9


def formula_safe(value: object) -> object:
    """OWASP CSV injection: text a spreadsheet would run gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _host() -> str:
    import socket

    return re.sub(r"[^A-Za-z0-9_-]", "-", socket.gethostname()) or "host"


# .<target>.<host>.<pid>.<random>.part: whose temporary file it is, so a later run can tell
# the leftovers of a killed run (SIGKILL, the OOM killer) from a run still writing.
_PART = re.compile(r"^\..+\.(?P<host>[A-Za-z0-9_-]+)\.(?P<pid>\d+)\.[^.]+\.part$")


def _alive(pid: int) -> bool:
    if os.name != "posix":  # no safe way to ask here: never take another run's file
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


# Folders already tidied by this process: a batch writes thousands of outputs into a few
# folders, and listing a folder per output would grow with the square of their number.
_TIDIED: set[str] = set()


def remove_leftovers(folder: Path) -> list[Path]:
    """Delete the temporary files killed runs left in `folder` on this machine, once.

    Only files whose process is gone: on a shared folder another machine's run, or a run
    still writing here, keeps its file.
    """
    key = os.path.abspath(folder)
    if key in _TIDIED:
        return []
    _TIDIED.add(key)
    removed = []
    host = _host()
    with os.scandir(folder) as entries:
        for entry in entries:
            found = _PART.match(entry.name)
            if not found or found["host"] != host:
                continue
            pid = int(found["pid"])
            if pid != os.getpid() and not _alive(pid):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
    return removed


class Outputs:
    """Temporary files that become the outputs together, or vanish together.

    Every target is checked when it is claimed, before anything is written: a folder, a
    path through a file, or an existing file without `force` is refused there. Temporary
    files are created with the mode the umask gives (as any new file), and a replaced file
    keeps its mode. Without `force` a target is claimed exclusively at commit (a hard link,
    which fails if the name exists), so of two runs writing one name the second is refused.
    Folders a claim had to create are removed again when the run fails.
    """

    def __init__(self, force: bool = False) -> None:
        self.force = force
        self.pending: list[tuple[Path, Path]] = []
        self.created: list[Path] = []  # folders made for the outputs, outermost first
        self.backups: list[Path] = []  # hard links to replaced files, until the commit ends

    def claim(self, target: Path, protect: Sequence[Path] = ()) -> Path:
        target = Path(target)
        for other in protect:
            if other.exists() and target.exists() and os.path.samefile(other, target):
                raise OutputExists(f"refusing to write over the input file {target}")
            if Path(os.path.abspath(other)) == Path(os.path.abspath(target)):
                raise OutputExists(f"refusing to write over the input file {target}")
        if target.is_dir():
            raise OutputPathWrong(MSG_OUTPUT_IS_FOLDER.format(target=target))
        if any(os.path.abspath(target) == os.path.abspath(t) for _, t in self.pending):
            raise OutputPathWrong(MSG_OUTPUT_TWICE.format(target=target))
        if (target.exists() or target.is_symlink()) and not self.force:
            raise OutputExists(f"{target} already exists; add --force to replace it")
        self._make_folders(target)
        try:
            remove_leftovers(target.parent)
            return self._create_temp(target)
        except OSError as exc:
            raise OutputFailed(output_fault(target, exc)) from exc

    def _make_folders(self, target: Path) -> None:
        missing: list[Path] = []
        folder = target.parent
        while not folder.exists() and not folder.is_symlink() and folder != folder.parent:
            missing.append(folder)
            folder = folder.parent
        if not folder.is_dir():
            raise OutputPathWrong(MSG_OUTPUT_UNDER_FILE.format(target=target, file=folder))
        for made in reversed(missing):
            try:
                made.mkdir()
            except FileExistsError:  # another run made it meanwhile: not ours to remove
                continue
            except OSError as exc:
                raise OutputFailed(output_fault(target, exc)) from exc
            self.created.append(made)

    def _create_temp(self, target: Path) -> Path:
        """A new temporary file beside `target`, listed as pending BEFORE it exists: a signal
        landing right after its creation still finds it listed, and `discard` removes it."""
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
        for _ in range(100):
            temp = _temp_name(target)
            self.pending.append((temp, target))
            try:
                fd = os.open(temp, flags, 0o666)  # the umask decides, as for any new file
            except FileExistsError:
                self.pending.pop()  # another process's file: not ours to remove
                continue
            except BaseException:
                self.pending.pop()  # never created
                raise
            os.close(fd)
            return temp
        raise FileExistsError(errno.EEXIST, "no free temporary name", str(target.parent))

    @contextlib.contextmanager
    def writing(self, temp: Path) -> Iterator[Path]:
        """Around the writing of a claimed file: a disk fault becomes one line naming it."""
        target = next((t for p, t in self.pending if p == temp), temp)
        try:
            yield temp
        except OSError as exc:
            raise OutputFailed(output_fault(target, exc)) from exc
        except Exception as exc:  # xlsxwriter wraps the OSError of its own close()
            cause = exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else None
            if cause is None:
                raise
            raise OutputFailed(output_fault(target, cause)) from exc

    def commit(self) -> None:
        """Every temporary file becomes its target, or (on any fault) none does."""
        done: list[tuple[Path, Path | None]] = []  # (target, hard link to what it replaced)
        try:
            for temp, target in self.pending:
                self._commit_one(temp, target, done)
        except BaseException:
            for target, backup in reversed(done):
                with contextlib.suppress(OSError):
                    if backup is None:
                        os.unlink(target)
                    else:
                        os.replace(backup, target)
            self.discard()
            raise
        self._drop_backups()
        self.pending.clear()
        self.created.clear()

    def _drop_backups(self) -> None:
        while self.backups:
            with contextlib.suppress(OSError):
                os.unlink(self.backups[-1])
            self.backups.pop()

    def _commit_one(self, temp: Path, target: Path, done: list[tuple[Path, Path | None]]) -> None:
        """Put temp in target's place, noting in `done` how to take it back (a hard link to
        the file it replaced, or None). The note is made before the step wherever a signal
        between the two could otherwise leave a step done but not noted."""
        try:
            if not self.force:
                _link_exclusive(temp, target)  # fails on someone else's file: noted after
                done.append((target, None))
                with contextlib.suppress(FileNotFoundError):  # gone if it was renamed
                    os.unlink(temp)
                return
            try:
                mode = stat.S_IMODE(os.stat(target).st_mode)
            except FileNotFoundError:
                done.append((target, None))
                os.replace(temp, target)
                return
            os.chmod(temp, mode)  # a replaced file keeps its mode
            backup = _temp_name(target)
            self.backups.append(backup)  # listed before it exists, like a temporary file
            try:
                os.link(target, backup)
            except OSError:  # no hard links here: the replaced file cannot be restored
                os.replace(temp, target)
                done.append((target, None))
                return
            done.append((target, backup))
            os.replace(temp, target)
        except FileExistsError:
            raise OutputExists(f"{target} already exists; add --force to replace it") from None
        except OSError as exc:
            raise OutputFailed(output_fault(target, exc)) from exc

    def discard(self) -> None:
        for temp, _ in self.pending:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
        self.pending.clear()
        self._drop_backups()
        for folder in reversed(self.created):  # only if still empty: never another's files
            with contextlib.suppress(OSError):
                folder.rmdir()
        self.created.clear()

    def __enter__(self) -> Outputs:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.commit()
            return
        interrupted = issubclass(exc_type, (KeyboardInterrupt, Signalled)) and bool(self.pending)
        self.discard()
        if interrupted:  # say what became of the outputs, in gradeproc's own terms
            raise Interrupted() from None


def _temp_name(target: Path) -> Path:
    """`.NAME.<host>.<pid>.<random>.part` beside target: whose it is, for `remove_leftovers`."""
    return target.parent / f".{target.name}.{_host()}.{os.getpid()}.{secrets.token_hex(4)}.part"


def _link_exclusive(temp: Path, target: Path) -> None:
    """Give temp the name target, failing with FileExistsError if the name is taken."""
    try:
        os.link(temp, target)
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno not in (
            errno.EPERM,
            errno.ENOTSUP,
            errno.EOPNOTSUPP,
            errno.EXDEV,
            errno.ENOSYS,
        ):
            raise
        # A file system without hard links: claim the name with O_EXCL, then fill it.
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        os.close(fd)
        try:
            os.replace(temp, target)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(target)  # the empty file that held the name
            raise


MSG_OUTPUT_IS_FOLDER = "{target} is a folder; give the name of the file to write, not a folder"
MSG_OUTPUT_UNDER_FILE = "cannot write {target}: {file} is a file, not a folder"
MSG_OUTPUT_TWICE = "{target} is named for two outputs of this run; give each its own name"
MSG_OUTPUT_FAULT = "cannot write {target}: {cause}; nothing was written"


def output_fault(target: Path, exc: OSError) -> str:
    """One line: which output, and why the system refused it (no space left, read-only...)."""
    cause = exc.strerror or (os.strerror(exc.errno) if exc.errno else "") or str(exc)
    cause = cause[:1].lower() + cause[1:] if cause else type(exc).__name__
    return MSG_OUTPUT_FAULT.format(target=target, cause=cause)


# --- registrar CSV ---------------------------------------------------------------------------

REGISTRAR_COLUMNS = ["Student ID", "Last name", "First name", "Section", "Grade"]


def registrar_frame(grades: pd.DataFrame) -> pd.DataFrame:
    frame = grades[["Student ID", "Last name", "First name", "Section"]].copy()
    frame["Grade"] = grades["Registrar code"]
    return frame


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """UTF-8 CSV, every text cell formula-safe, blanks empty."""
    values = frame.astype(object).where(frame.notna(), "").to_numpy().tolist()
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow([formula_safe(c) for c in frame.columns])
        writer.writerows([[formula_safe(v) for v in row] for row in values])


# --- the graded workbook ---------------------------------------------------------------------


def excel_serial(values: pd.Series) -> np.ndarray:
    """Datetimes -> Excel day numbers of their wall-clock time (NaN for NaT), vectorised.

    Excel has no time zones: an aware time is written as the wall clock of its own zone.
    """
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_localize(None)
    ns = values.to_numpy(dtype="datetime64[ns]")
    serial = (ns - EXCEL_EPOCH).astype("int64") / NS_PER_DAY
    return np.where(np.isnat(ns), np.nan, serial)


def cell_writers(sheet) -> tuple[object, object]:
    """(write_number, write_string) without xlsxwriter's A1-notation wrapper.

    The wrapper costs a tenth of the per-cell time on the Details sheet (1.4 million cells
    for 5,000 students); the row/column methods underneath take the same arguments. Falls
    back to the public methods should a future xlsxwriter rename them.
    """
    number = getattr(sheet, "_write_number", sheet.write_number)
    string = getattr(sheet, "_write_string", sheet.write_string)
    return number, string


# Characters an Excel cell (or comment) holds. xlsxwriter cuts a longer string short without
# an error and leaves a longer comment out altogether, so gradeproc cuts it, and says so.
CELL_CHARS = 32_767
CUT_MARK = " [...] (cut at Excel's 32,767 characters a cell; the Details sheet has every item)"


def fit_cell(text: str) -> str:
    if len(text) <= CELL_CHARS:
        return text
    return text[: CELL_CHARS - len(CUT_MARK)] + CUT_MARK


class SheetWriter:
    """Writes frames row by row (xlsxwriter's constant_memory mode needs row order)."""

    def __init__(self, book, formats: dict[str, object]) -> None:
        self.book = book
        self.formats = formats

    def frame(
        self,
        sheet,
        frame: pd.DataFrame,
        start_row: int = 0,
        column_formats: dict[str, str] | None = None,
    ) -> int:
        """Header + rows; NaN/NaT cells stay blank; datetimes as Excel dates. Returns next row.

        Each column is converted once to plain Python values and bound to the xlsxwriter
        method for its type, so the per-cell work is one call, as in the I/O floor.
        """
        column_formats = column_formats or {}
        sheet.write_row(start_row, 0, list(frame.columns), self.formats["header"])
        write_number, write_string = cell_writers(sheet)
        writers = []
        for c, name in enumerate(frame.columns):
            series = frame[name]
            fmt = self.formats.get(column_formats.get(name, ""))
            if pd.api.types.is_datetime64_any_dtype(series.dtype):
                values = excel_serial(series)
                fmt = self.formats["datetime"]
                method = write_number
            elif pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(
                series.dtype
            ):
                values = series.to_numpy(dtype="float64")
                method = write_number
            elif isinstance(series.dtype, pd.CategoricalDtype):
                categories = series.cat.categories
                values = np.append(categories.to_numpy(dtype=object), None)[series.cat.codes]
                text = pd.api.types.infer_dtype(categories, skipna=True) in ("string", "empty")
                method = write_string if text else sheet.write
            else:
                values = series.to_numpy(dtype=object)
                text = pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty")
                method = write_string if text else sheet.write
                if text and (series.str.len() > CELL_CHARS).any():  # a very long Notes
                    values = np.array(
                        [fit_cell(v) if isinstance(v, str) else v for v in values], dtype=object
                    )
            blank = pd.isna(values)
            cells = np.where(blank, None, values.astype(object)).tolist()
            writers.append((c, method, cells, fmt))
        n = len(frame)
        for offset in range(n):
            r = start_row + 1 + offset
            for c, method, cells, fmt in writers:
                value = cells[offset]
                if value is not None:
                    method(r, c, value, fmt)
        return start_row + 1 + n

    def rows(
        self,
        sheet,
        rows: list[list[object]],
        cell_formats: dict[tuple[int, int], object] | None = None,
    ) -> None:
        """An instructor's sheet, values as the cells held them.

        `cell_formats` holds the few cells gradeproc marks ((row, col) -> format): a late or
        missing score, a legend line. A marked blank cell is written as a formatted blank.
        Rows without a marked cell take the plain path.
        """
        date_format = self.formats["datetime"]
        write = sheet.write
        write_number, write_string = cell_writers(sheet)
        fast = {float: write_number, int: write_number, str: write_string}
        marked: dict[int, dict[int, object]] = {}
        for (r, c), fmt in (cell_formats or {}).items():
            marked.setdefault(r, {})[c] = fmt
        n_rows = max(len(rows), max(marked, default=-1) + 1)
        for r in range(n_rows):
            row = rows[r] if r < len(rows) else []
            formats = marked.get(r)
            if formats is None:
                for c, value in enumerate(row):
                    if value is None or value == "":
                        continue
                    method = fast.get(type(value))
                    if method is not None:
                        if method is write_number and not math.isfinite(value):
                            continue
                        method(r, c, value, None)
                    elif hasattr(value, "year") or hasattr(value, "hour"):
                        sheet.write_datetime(r, c, value, date_format)
                    else:
                        write(r, c, value)
                continue
            for c, value in enumerate(row):
                fmt = formats.get(c)
                if (
                    value is None
                    or value == ""
                    or (isinstance(value, float) and not np.isfinite(value))
                ):
                    if fmt is not None:
                        sheet.write_blank(r, c, None, fmt)
                elif hasattr(value, "year") or hasattr(value, "hour"):
                    sheet.write_datetime(r, c, value, date_format)
                else:
                    write(r, c, value, fmt)
            for c in sorted(c for c in formats if c >= len(row)):
                sheet.write_blank(r, c, None, formats[c])


def _formats(book) -> dict[str, object]:
    """Every cell format of the graded workbook, made once."""
    from gradeproc import style

    specs: dict[str, dict[str, object]] = {
        "header": style.HEADER,
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
        "action": style.fill(style.RED, bold=True),
    }
    for band, colours in style.BANDS.items():
        specs[f"band_{band}"] = style.fill(colours)
    for status, kind in style.SCORE_KINDS.items():
        specs[f"score_{status}"] = style.fill(kind.colours, italic=kind.italic)
    return {name: book.add_format(spec) for name, spec in specs.items()}


# Details rows (students x assessments) up to which a graded workbook is built in memory.
# constant_memory costs a temporary file per sheet and per package part (a third of a
# 40-student book's writing time); in memory, a 200 x 25 book takes about 20 MB more
# (measured: 134 MB peak against 112). Larger books keep constant_memory, whose memory
# does not grow with the rows and whose per-file cost no longer shows.
IN_MEMORY_ROWS = 5_000


def memory_options(details_rows: int) -> dict[str, bool]:
    """xlsxwriter's memory mode for a graded workbook of `details_rows` Details rows."""
    if details_rows <= IN_MEMORY_ROWS:
        return {"constant_memory": False, "in_memory": True}
    return {"constant_memory": True, "in_memory": False}


def write_workbook(
    path: Path,
    grading,  # compute.Grading
    gradebook,  # validation.Gradebook
    workbook,  # read.Workbook
    run_info: list[tuple[str, object]],
    warnings: list[str],
) -> list[Finding]:
    """The graded workbook. Returns what it could not hold as asked (Excel's limits),
    which its Run sheet lists after `warnings`, for the caller to report as well."""
    import xlsxwriter

    book = xlsxwriter.Workbook(
        str(path),
        {
            **memory_options(len(grading.details)),
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "remove_timezone": True,
        },
    )
    from gradeproc import style

    writer = SheetWriter(book, _formats(book))
    grades = grading.grades
    flagged = int(((grades["Flags"].fillna("") != "") & (grades["Notes"].fillna("") != "")).sum())
    statuses = grading.status.to_numpy(dtype=object)
    shaded = np.isin(statuses, list(style.SCORE_KINDS))
    shaded &= (statuses != "UNGRADED") | style.handed_in(gradebook, grading.status)
    marked = int(shaded.sum())
    grade_comments = flagged <= style.MAX_COMMENTS
    score_comments = marked <= style.MAX_COMMENTS
    limits: list[Finding] = []
    if not grade_comments:
        limits.append(
            _limit(
                "Grades",
                f"{flagged:,} flagged students, more than the {style.MAX_COMMENTS:,} cell "
                "comments a sheet gets; their Notes are in the Notes column only",
            )
        )
    if not score_comments:
        limits.append(
            _limit(
                "Scores",
                f"{marked:,} shaded cells, more than the {style.MAX_COMMENTS:,} cell comments "
                "a sheet gets; the Details sheet says what happened to each",
            )
        )
    detail_sheets = details_sheets(len(grading.details), len(gradebook.assessments))
    if len(detail_sheets) > 1:
        limits.append(
            _limit(
                "Details",
                f"{len(grading.details):,} rows, more than the {EXCEL_ROWS - 1:,} an Excel sheet "
                f"holds; they continue on {', '.join(t for t, _, _ in detail_sheets[1:])}, "
                "each student's rows on one sheet",
            )
        )
    warnings = [*warnings, *(str(f) for f in limits)]
    title = course_title(gradebook.policy)
    _write_grades(book, writer, grading, gradebook, grade_comments)
    _write_details(book, writer, grading, detail_sheets, title)
    _write_summary(book, writer, grading.grades, gradebook, grading.details)
    _write_run(book, writer, run_info, warnings, title)

    ours = ["Grades", "Summary", "Run", *(t for t, _, _ in detail_sheets)]
    titles = input_sheet_titles([workbook.sheets[n].title for n in workbook.order], ours)
    for name, sheet_title in zip(workbook.order, titles, strict=True):
        source = workbook.sheets[name]
        _write_input_sheet(
            book, writer, sheet_title, name, source, grading, gradebook, score_comments, title
        )
    book.close()
    return limits


def setting_text(value: object) -> str:
    """A Policy setting as the instructor typed it: `5`, not `5.0`; `0.5` stays `0.5`."""
    if isinstance(value, float) and math.isfinite(value):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def course_title(policy) -> str:
    """`CS 747 Optimization for Machine Learning Fall 2024`: the course and term settings."""
    return " ".join(
        str(policy.settings.get(k)) for k in ("course", "term") if policy.settings.get(k)
    )


def input_sheet_titles(titles: list[str], ours: list[str]) -> list[str]:
    """The graded workbook's name for each input sheet: its own, unless one of gradeproc's
    sheets has it (an instructor's own "Summary"); then "Summary (input)", "Summary (input 2)"...

    Names compare as Excel compares them (case ignored), at most 31 characters, and a new
    name is never one the instructor already uses, wherever that sheet comes in the book.
    """
    used = {t.casefold() for t in ours}
    keep = [t.casefold() not in used for t in titles]
    used |= {t.casefold() for t, kept in zip(titles, keep, strict=True) if kept}
    result: list[str] = []
    for title, kept in zip(titles, keep, strict=True):
        candidate, n = title, 1
        while not kept:
            suffix = " (input)" if n == 1 else f" (input {n})"
            candidate = title[: 31 - len(suffix)] + suffix
            kept = candidate.casefold() not in used
            n += 1
        used.add(candidate.casefold())
        result.append(candidate)
    return result


def _limit(sheet: str, message: str) -> Finding:
    return Finding("output-limit", message, sheet, None, WARNING)


# Written before a sheet's rows, everything below: constant_memory mode writes each row once,
# so a column format or a comment addressed to a row already written would be lost.


def _write_grades(book, writer: SheetWriter, grading, gradebook, comments: bool = True) -> None:
    """Frozen names, filters, two-decimal percentages, letters coloured, flags explained."""
    from gradeproc import style

    formats = writer.formats
    grades = grading.grades
    columns = list(grades.columns)
    n = len(grades)
    sheet = book.add_worksheet("Grades")
    sheet.freeze_panes(1, 3)
    widths = _widths(
        sheet,
        grades,
        fixed={"Notes": (70, formats["wrap"]), "Flags": (26, formats["wrap"])},
        column_format=formats["top"],  # a tall row reads from its top line
        formats={"Letter": formats["centre_top"], "Registrar code": formats["centre_top"]},
    )
    # LibreOffice keeps rows at the height written: give rows with wrapped text theirs.
    for r, height in style.row_heights(grades, {"Notes": 70, "Flags": 26}).items():
        sheet.set_row(r + 1, height)
    if comments and "Flags" in columns and "Notes" in columns:
        _flag_comments(sheet, grades, columns.index("Flags"))
    percent_columns = {c: "percent" for c in columns if c.endswith(" %") or c == "Total"}
    last = writer.frame(sheet, grades, column_formats=percent_columns)
    sheet.autofilter(0, 0, max(last - 1, 1), len(columns) - 1)
    if "Letter" in columns:
        letters = [r.letter for r in gradebook.policy.letters]
        letters += [x for x in pd.unique(grades["Letter"].dropna()) if x not in letters]
        style.letter_formats(sheet, 1, n, columns.index("Letter"), letters, formats)
    if "Flags" in columns:
        style.flag_formats(sheet, 1, n, columns.index("Flags"), formats["action"])
    names = [c for c in ("Student ID", "Last name", "First name") if c in columns]
    style.print_setup(
        sheet,
        header_row=0,
        widths=widths,
        title=course_title(gradebook.policy),
        repeat_columns=len(names),
    )
    style.ignore_id_warnings(sheet)


def _flag_comments(sheet, grades: pd.DataFrame, col: int) -> None:
    """A comment with the Notes, one sentence a line, on each flagged student's Flags cell."""
    from gradeproc import style

    flags = grades["Flags"].fillna("").astype(str)
    notes = grades["Notes"].fillna("").astype(str)
    flagged = (flags.str.strip() != "") & (notes.str.strip() != "")
    if not flagged.any():
        return
    sheet.set_comments_author("gradeproc")
    rows = (np.flatnonzero(flagged.to_numpy()) + 1).tolist()
    for r, text in zip(rows, style.note_lines(notes[flagged]).tolist(), strict=True):
        text = fit_cell(text)
        sheet.write_comment(r, col, text, style.comment_options(text))


# Rows an Excel sheet holds. xlsxwriter ignores a cell past it without an error, so a
# Details sheet that would pass it continues on "Details (2)" and so on.
EXCEL_ROWS = 1_048_576


def details_sheets(n_rows: int, n_items: int) -> list[tuple[str, int, int]]:
    """(title, first row, stop) of each Details sheet, whole students on each."""
    per_sheet = EXCEL_ROWS - 1  # below the header
    if 0 < n_items <= per_sheet:
        per_sheet -= per_sheet % n_items
    starts = range(0, n_rows, per_sheet) if n_rows else [0]
    return [
        ("Details" if k == 0 else f"Details ({k + 1})", first, min(first + per_sheet, n_rows))
        for k, first in enumerate(starts)
    ]


def student_names(grades: pd.DataFrame) -> np.ndarray:
    """`Last, First` per Grades row (whichever of the two is given; blank when neither)."""
    last = grades["Last name"].astype(object).where(grades["Last name"].notna(), "").astype(str)
    first = grades["First name"].astype(object).where(grades["First name"].notna(), "")
    first = first.astype(str)
    both = (last.str.strip() != "") & (first.str.strip() != "")
    names = np.where(both, last + ", " + first, last + first)
    return np.where(names == "", None, names).astype(object)


def with_names(details: pd.DataFrame, grades: pd.DataFrame) -> pd.DataFrame:
    """Details with a `Name` column after `Student ID`: whose row it is, at a glance."""
    names = student_names(grades)
    ids = details["Student ID"]
    if isinstance(ids.dtype, pd.CategoricalDtype) and ids.cat.categories.equals(
        pd.Index(grades["Student ID"])
    ):
        rows = ids.cat.codes.to_numpy()  # Details lists students in Grades order
    else:
        rows = pd.Index(grades["Student ID"]).get_indexer(ids)
    codes, uniques = pd.factorize(np.append(names, None))  # names may repeat; None -> -1
    name_codes = codes[np.where(rows >= 0, rows, len(names))]
    column = pd.Categorical.from_codes(name_codes, categories=uniques)
    out = {c: details[c] for c in details.columns}
    at = list(out).index("Student ID") + 1 if "Student ID" in out else 0
    items = list(out.items())
    items.insert(at, ("Name", pd.Series(column, index=details.index)))
    return pd.DataFrame(dict(items), copy=False)


# Details' number columns are narrow, their two-word headers wrapping, so the sheet prints
# one page wide at a readable size.
DETAIL_NUMBER_WIDTHS = {
    "Max points": 9,
    "Raw score": 9,
    "Days late": 9,
    "Deduction": 11,
    "Final score": 9,
}


def _write_details(
    book, writer: SheetWriter, grading, sheets: list[tuple[str, int, int]], title: str = ""
) -> None:
    from gradeproc import style

    columns = [*list(grading.details.columns[:1]), "Name", *list(grading.details.columns[1:])]
    for sheet_title, first, stop in sheets:
        details = with_names(grading.details.iloc[first:stop], grading.grades)
        sheet = book.add_worksheet(sheet_title)
        sheet.freeze_panes(1, 3)
        fixed = {
            name: (width, None)
            for name, width in DETAIL_NUMBER_WIDTHS.items()
            if name in columns and _fits(details[name], width)
        }
        widths = _widths(sheet, details, fixed=fixed, formats={"Status": writer.formats["centre"]})
        last = writer.frame(sheet, details)
        sheet.autofilter(0, 0, max(last - 1, 1), len(columns) - 1)
        if "Status" in columns:
            style.status_formats(sheet, 1, len(details), columns.index("Status"), writer.formats)
        style.print_setup(sheet, header_row=0, widths=widths, title=title, repeat_columns=3)
        style.ignore_id_warnings(sheet)


def _fits(values: pd.Series, width: float) -> bool:
    """Whether every number of the column's first rows shows in `width` characters."""
    head = values.head(200).dropna()
    return bool(head.round(2).astype(str).str.len().max() <= width - 2) if len(head) else True


def _write_input_sheet(
    book,
    writer: SheetWriter,
    title: str,
    name: str,
    source,
    grading,
    gradebook,
    comments: bool = True,
    course: str = "",
) -> None:
    """An instructor's sheet with its values; on Scores, the exceptional scores shaded."""
    from gradeproc import style
    from gradeproc.read import KNOWN_COLUMNS

    sheet = book.add_worksheet(title)
    rows = source.rows
    cell_formats: dict[tuple[int, int], object] = {}
    header = source.header_row - 1  # 0-based
    if name == "Scores":
        rows, cell_formats = _mark_scores(sheet, writer, source, grading, gradebook, comments)
    if name in KNOWN_COLUMNS and header < len(rows):  # a contract sheet: its header stands out
        for c, value in enumerate(rows[header]):
            if value is not None and value != "":
                cell_formats.setdefault((header, c), writer.formats["header"])
        sheet.freeze_panes(header + 1, 1 if "Student ID" in source.frame.columns else 0)
    widths = _row_widths(sheet, rows)
    if "Student ID" in source.frame.columns:
        style.ignore_id_warnings(sheet)
    style.print_setup(
        sheet,
        header_row=header if rows else None,
        widths=widths,
        title=course,
        repeat_columns=1 if "Student ID" in source.frame.columns else 0,
    )
    writer.rows(sheet, rows, cell_formats)


def _mark_scores(
    sheet, writer: SheetWriter, source, grading, gradebook, comments: bool = True
) -> tuple[list[list[object]], dict[tuple[int, int], object]]:
    """Shade each late, rejected, missing, excused or dropped score, say why in a comment,
    and add a legend to the right of the data (in columns the gradebook's reader ignores:
    their header cell stays blank)."""
    from gradeproc import style

    formats = writer.formats
    marks = style.score_marks(grading, gradebook, source)
    if not marks:
        return source.rows, {}
    sheet.set_comments_author("gradeproc")
    cell_formats: dict[tuple[int, int], object] = {}
    for mark in marks:
        cell_formats[(mark.row, mark.col)] = formats[f"score_{mark.status}"]
        if comments:
            sheet.write_comment(
                mark.row, mark.col, mark.comment, style.comment_options(mark.comment, 240)
            )
    rows = list(source.rows)
    legend_col = max((len(r) for r in rows), default=0) + 1
    top = source.header_row  # the row below the header, 0-based
    for offset, (text, status) in enumerate(style.legend_rows((m.status for m in marks), comments)):
        r = top + offset
        rows.extend([] for _ in range(r + 1 - len(rows)))
        row = list(rows[r])
        row += [None] * (legend_col - len(row))
        rows[r] = [*row[:legend_col], text, *row[legend_col + 1 :]]
        if status is None:
            cell_formats[(r, legend_col)] = formats["bold"]
        elif status == "":
            cell_formats[(r, legend_col)] = formats["note"]
        else:
            cell_formats[(r, legend_col)] = formats[f"score_{status}"]
    return rows, cell_formats


def _widths(
    sheet,
    frame: pd.DataFrame,
    fixed: dict[str, tuple[float, object]] | None = None,
    header_row: int = 0,
    column_format: object = None,
    formats: dict[str, object] | None = None,
) -> list[float]:
    """Column widths from the first 200 values as shown, the header wrapping when longer.

    Called before the rows are written (constant_memory): a column's format reaches the
    cells written without one only if it is set first. Returns the widths.
    """
    from gradeproc import style

    fixed = fixed or {}
    widths: list[float] = []
    for c, name in enumerate(frame.columns):
        if name in fixed:
            width, fmt = fixed[name]
            sheet.set_column(c, c, width, fmt)
            widths.append(width)
            continue
        series = frame[name].head(200)
        if pd.api.types.is_datetime64_any_dtype(series.dtype):
            data = len("yyyy-mm-dd hh:mm")
        elif pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(
            series.dtype
        ):
            numbers = series.to_numpy(dtype="float64")
            numbers = np.round(numbers[~np.isnan(numbers)], 2)
            data = max([0, *(len(str(v)) for v in numbers.tolist())])
        else:
            values = series.to_numpy(dtype=object)
            data = max([0, *(len(str(v)) for v in values[~pd.isna(values)].tolist())])
        # a long header wraps rather than widening a column of short values, but no word
        # of it is cut; +2 for the header's filter button
        word = max([0, *(len(w) for w in str(name).split())])
        width = min(max(data + 2, min(len(str(name)) + 4, 16), min(word + 3, 24), 9), 60)
        sheet.set_column(c, c, width, (formats or {}).get(name, column_format))
        widths.append(width)
    height = style.header_height([str(c) for c in frame.columns], widths)
    if height:
        sheet.set_row(header_row, height)
    return widths


def _row_widths(sheet, rows: list[list[object]], sample: int = 200) -> list[float]:
    """Widths of an instructor's sheet from its first rows: dates fit, long text stops at 60.

    Returns every column's width (a column with no value keeps Excel's default)."""
    from gradeproc import style

    widths: dict[int, int] = {}
    for row in rows[:sample]:
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            if hasattr(value, "year") or hasattr(value, "hour"):
                n = len("yyyy-mm-dd hh:mm")
            elif isinstance(value, float):
                n = len(f"{value:.10g}")
            else:
                n = len(str(value))
            widths[c] = max(widths.get(c, 0), n)
    for c, n in widths.items():
        sheet.set_column(c, c, min(max(n + 2, 9), 60))
    last = max(widths, default=-1)
    return [
        min(max(widths[c] + 2, 9), 60) if c in widths else style.DEFAULT_WIDTH
        for c in range(last + 1)
    ]


def letter_counts(grades: pd.DataFrame, letter_order: list[str]) -> pd.DataFrame:
    counts = grades["Letter"].value_counts()
    order = letter_order + [x for x in counts.index if x not in letter_order]
    counts = counts.reindex(order, fill_value=0)
    total = int(counts.sum())
    return pd.DataFrame(
        {
            "Letter": order,
            "Students": counts.to_numpy(dtype="int64"),
            # a share (0.25 shows as 25.0%), formatted like the Assessments' share columns
            "Percent": snap(counts.to_numpy() / total) if total else np.zeros(len(order)),
        }
    )


def total_statistics(grades: pd.DataFrame) -> list[tuple[str, float]]:
    """Count, mean, median, standard deviation, minimum and maximum of the totals, each
    snapped to its decimal (the mean of 90.1 and 80.2 is 85.15, not 85.14999999999999)."""
    total = grades["Total"].dropna()
    if total.empty:
        return [("Students with a total", 0)]
    values = snap([total.mean(), total.median(), total.std(ddof=0), total.min(), total.max()])
    labels = ("Mean", "Median", "Standard deviation", "Minimum", "Maximum")
    return [
        ("Students with a total", int(total.count())),
        *((label, float(v)) for label, v in zip(labels, values, strict=True)),
    ]


def _write_summary(
    book, writer: SheetWriter, grades: pd.DataFrame, gradebook, details: pd.DataFrame | None = None
) -> None:
    """A page for the instructor: the two charts on top, then the tables they are drawn from.

    Letters (count, share, range), statistics of the totals, the distribution of totals in
    5-point bins split by letter band with the cut-offs, and how each assessment went. Tables
    go down column A, as constant_memory writes rows in order; the charts float above them.
    """
    from gradeproc import style

    formats = writer.formats
    policy = gradebook.policy
    sheet = book.add_worksheet("Summary")
    ranges = {r.letter: r.text for r in policy.letters}
    counts = letter_counts(grades, [r.letter for r in policy.letters])
    counts.insert(1, "Range", [ranges.get(x, "set by override") for x in counts["Letter"]])
    histogram = style.total_histogram(grades, policy)
    stats = None
    if details is not None:
        stats = style.assessment_statistics(details, gradebook.assessments)
    totals = pd.DataFrame(total_statistics(grades), columns=["Statistic", "Value"])
    tables = [t for t in (counts, totals, histogram, stats) if t is not None]
    widths = _summary_widths(sheet, tables)

    course = course_title(policy)
    sheet.set_row(0, 24)
    sheet.write(0, 0, f"Summary: {course}" if course else "Summary", formats["title"])
    n_total = int(grades["Total"].notna().sum())
    counts_line = f"{len(grades)} students, {n_total} with a total"
    n_ungraded = int(grades["Flags"].fillna("").str.contains("UNGRADED", regex=False).sum())
    if n_ungraded:
        counts_line += f", {n_ungraded} with work handed in but not graded yet (flag UNGRADED)"
    sheet.write(1, 0, counts_line, formats["note"])

    # The charts, side by side over the tables' width; the tables start below them.
    chart_row, chart_height = 3, 320
    page = sum(_pixels(w) for w in widths)
    letter_width = max(380, int(page * 0.4))
    histogram_width = max(480, page - letter_width - 16)
    row = chart_row + int(np.ceil(chart_height / CHART_ROW_PX)) + 1

    def table(title: str, frame: pd.DataFrame, start: int, **column_formats: str) -> int:
        sheet.write(start, 0, title, formats["heading"])
        height = _table_header_height(frame, widths)
        if height:
            sheet.set_row(start + 1, height)
        return writer.frame(sheet, frame, start_row=start + 1, column_formats=column_formats)

    # Letters, coloured as on Grades.
    letters_top = row + 1
    end = table("Letters", counts, row, Percent="share")
    style.letter_formats(sheet, letters_top + 1, end - 1, 0, counts["Letter"].tolist(), formats)
    chart = book.add_chart({"type": "column"})
    chart.add_series(
        {
            "name": "Students",
            "categories": ["Summary", letters_top + 1, 0, end - 1, 0],
            "values": ["Summary", letters_top + 1, 2, end - 1, 2],
            "data_labels": {"value": True},
            "gap": 60,
            "points": [
                {"fill": {"color": style.BAR_COLOURS[style.letter_band(x)]}}
                for x in counts["Letter"]
            ],
        }
    )
    chart.set_title({"name": "Letters", "name_font": {"size": 12}})
    chart.set_legend({"none": True})
    chart.set_y_axis(COUNT_AXIS)
    sheet.insert_chart(
        chart_row, 0, chart, {"x_scale": letter_width / 480, "y_scale": chart_height / 288}
    )

    # Statistics of the totals: counts as integers, the rest with two decimals.
    row = end + 1
    sheet.write(row, 0, "Totals", formats["heading"])
    row += 1
    sheet.write_row(row, 0, ["Statistic", "Value"], formats["header"])
    for label, value in total_statistics(grades):
        row += 1
        sheet.write(row, 0, label)
        sheet.write(row, 1, value, None if isinstance(value, int) else formats["percent"])

    # The distribution of totals, stacked by letter band, with the cut-offs in each bin.
    row += 2
    page_breaks = [row]  # printed, the tables below the charts and the Letters start a page
    hist_top = row + 1
    end = table("Distribution of totals", histogram, row)
    chart = book.add_chart({"type": "column", "subtype": "stacked"})
    for band, key in histogram.attrs["bands"].items():
        c = histogram.columns.get_loc(band)
        chart.add_series(
            {
                "name": ["Summary", hist_top, c, hist_top, c],
                "categories": ["Summary", hist_top + 1, 0, end - 1, 0],
                "values": ["Summary", hist_top + 1, c, end - 1, c],
                "fill": {"color": style.BAR_COLOURS[key]},
                "border": {"color": "#FFFFFF", "width": 0.5},
                "gap": 10,
                "overlap": 100,
            }
        )
    marks = ", ".join(style.cutoff_text(*c) for c in style.cutoffs(policy))
    chart.set_title({"name": "Totals in bins of 5 points", "name_font": {"size": 12}})
    chart.set_x_axis(
        {
            "name": f"Letter cut-offs: {marks}",
            "name_font": {"size": 9, "bold": False},
            "num_font": {"rotation": -45, "size": 8},
        }
    )
    chart.set_y_axis(COUNT_AXIS)
    chart.set_legend({"position": "right", "font": {"size": 9}})
    sheet.insert_chart(
        chart_row,
        0,
        chart,
        {
            "x_offset": letter_width + 16,
            "x_scale": histogram_width / 480,
            "y_scale": chart_height / 288,
        },
    )

    # How each assessment went: a colour scale on the mean, bars on the shares.
    if stats is not None:
        row = end + 1
        top = row + 1
        share_columns = [c for c in stats.columns if c.startswith("Share ")]
        end = table(
            "Assessments",
            stats,
            row,
            Mean="percent",
            Median="percent",
            **{"Mean %": "percent"},
            **{c: "share" for c in share_columns},
        )
        if end - 1 > top:
            mean = stats.columns.get_loc("Mean %")
            # Red only below the lowest passing cut-off; above it a calm white-to-blue
            # scale over the range where letters are given, so a 76 % mean is no alarm.
            floor = min((low for _, low, _ in style.cutoffs(policy)), default=60.0)
            floor = int(floor) if float(floor).is_integer() else floor
            sheet.conditional_format(
                top + 1,
                mean,
                end - 1,
                mean,
                {
                    "type": "cell",
                    "criteria": "<",
                    "value": floor,
                    "format": formats["band_F"],
                    "stop_if_true": True,
                },
            )
            sheet.conditional_format(
                top + 1,
                mean,
                end - 1,
                mean,
                {
                    "type": "2_color_scale",
                    "min_type": "num",
                    "min_value": floor,
                    "min_color": "#FFFFFF",
                    "max_type": "num",
                    "max_value": 100,
                    "max_color": "#9BC2E6",
                },
            )
            for name in share_columns:
                c = stats.columns.get_loc(name)
                sheet.conditional_format(
                    top + 1,
                    c,
                    end - 1,
                    c,
                    {
                        "type": "data_bar",
                        "bar_color": "#F4B183",
                        "bar_solid": True,
                        "min_type": "num",
                        "min_value": 0,
                        "max_type": "max",
                    },
                )
        sheet.write(
            end,
            0,
            "Mean and median of the final scores, after late penalties; each share is of all "
            "students on the roster.",
            formats["note"],
        )
    sheet.set_h_pagebreaks(page_breaks)
    style.print_setup(sheet, header_row=0, gridlines=False, widths=widths, title=course)


CHART_ROW_PX = 20  # a default row, in pixels
# A chart axis counting students: whole numbers, one gridline per student at most.
COUNT_AXIS = {
    "name": "Students",
    "major_gridlines": {"visible": True},
    "min": 0,
    "major_unit": 1,
    "num_format": "0",
}


def _pixels(width: float) -> int:
    """A column's width in pixels, as Excel converts its character width."""
    from gradeproc import style

    return style.column_pixels(width)


def _table_header_height(frame: pd.DataFrame, widths: list[float]) -> float | None:
    from gradeproc import style

    names = [str(c) for c in frame.columns]
    return style.header_height(names, [widths[c] + 2 for c in range(len(names))])


def _summary_widths(sheet, tables: list[pd.DataFrame]) -> list[float]:
    """One width per column over every table of the Summary (they all start in column A)."""
    widths: dict[int, float] = {0: 22}
    for table in tables:
        for c, name in enumerate(table.columns):
            values = table[name]
            if pd.api.types.is_numeric_dtype(values.dtype):
                data = 8
            else:
                data = max([0, *values.astype(str).str.len().tolist()])
            widths[c] = max(widths.get(c, 9), min(len(str(name)), 12) + 2, data + 2)
    out = [min(widths[c], 40) for c in range(max(widths) + 1)]
    for c, width in enumerate(out):
        sheet.set_column(c, c, width)
    return out


def _write_run(book, writer: SheetWriter, run_info, warnings: list[str], title: str = "") -> None:
    """The run as a page: a title, a section per kind of fact, every warning in full."""
    from gradeproc import style

    formats = writer.formats
    sheet = book.add_worksheet("Run")
    sheet.set_column(0, 0, 34, formats["label"])
    sheet.set_column(1, 1, 100, formats["value"])
    sheet.set_row(0, 24)
    sheet.write(0, 0, "gradeproc run", formats["title"])

    def heading(r: int, text: str) -> None:
        sheet.write(r, 0, text, formats["heading"])
        sheet.write_blank(r, 1, None, formats["heading"])

    row = 2
    if run_info and run_info[0][1] is not None:
        heading(row, "This run")
        row += 1
    for label, value in run_info:
        if value is None:
            row += 1
            heading(row, label)
        else:
            sheet.write(row, 0, label, formats["label"])
            sheet.write(row, 1, value, formats["value"])
        row += 1
    row += 1
    heading(row, f"Warnings ({len(warnings)})")
    row += 1
    if not warnings:
        sheet.write(row, 1, "none", formats["value"])
    for number, message in enumerate(warnings, 1):
        sheet.write(row, 0, f"Warning {number}", formats["label"])
        sheet.write(row, 1, message, formats["value"])
        row += 1
    style.print_setup(sheet, header_row=0, gridlines=False, widths=[34, 100], title=title)
