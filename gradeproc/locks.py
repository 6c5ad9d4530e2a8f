"""Lock files spreadsheet programs leave beside a workbook they have open.

LibreOffice writes `.~lock.BOOK.xlsx#`, one line of comma-separated fields: the user's
name (from its options, often blank), the login name, the host, the time it was opened
(`DD.MM.YYYY HH:MM`) and the profile's URL, ending in `;`; a comma inside a field is
escaped with a backslash. Excel writes the owner file `~$BOOK.xlsx` (165 bytes): one byte
with the length of the user's name, the name in the Windows code page, spaces up to byte
55, then the length again as two bytes and the name in UTF-16-LE. LibreOffice writes that
file too, so when both are there the workbook is open in LibreOffice.

A gradebook with a lock file beside it is open, and its unsaved edits are not in the file
gradeproc reads: that is a warning, never an error (a program that crashed leaves its
lock file behind).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from gradeproc.codes import Code
from gradeproc.errors import WARNING, Finding

OPEN_CODE = Code.OPEN_IN_SPREADSHEET
MSG_OPEN = (
    "{name} is open in {program}{holder}: changes not yet saved there are not graded; save "
    "them first (if {program} is not running, delete the leftover lock file {lock})"
)
_MAX_LOCK_BYTES = 4096
_EXCEL_NAME_AT = 55  # the UTF-16 copy of the name: its length (2 bytes), then the name


@dataclass(frozen=True)
class Holder:
    """Who holds a workbook open, as far as the lock file says."""

    program: str
    lock: str  # the lock file's name
    user: str | None = None
    host: str | None = None
    since: str | None = None

    def describe(self) -> str:
        text = f" by {self.user}" if self.user else ""
        text += f" on {self.host}" if self.host else ""
        text += f" since {self.since}" if self.since else ""
        return text


def _read_small(path: Path) -> bytes | None:
    """A lock file's first bytes, or None when there is no such regular file."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            return None
        with open(path, "rb") as fh:
            return fh.read(_MAX_LOCK_BYTES)
    except OSError:
        return None


def _fields(line: str) -> list[str]:
    """LibreOffice's comma-separated fields, with backslash escapes undone."""
    fields, current, escaped = [], [], False
    for ch in line:
        if escaped:
            current.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == ",":
            fields.append("".join(current))
            current = []
        elif ch == ";":
            break
        else:
            current.append(ch)
    fields.append("".join(current))
    return [f.strip() for f in fields]


def libreoffice_holder(data: bytes, lock: str) -> Holder:
    text = data.decode("utf-8", errors="replace").splitlines()
    fields = _fields(text[0]) if text else []
    fields += [""] * (4 - len(fields))
    name, login, host, since = fields[:4]
    return Holder("LibreOffice", lock, name or login or None, host or None, since or None)


def excel_holder(data: bytes, lock: str) -> Holder:
    user = None
    length = data[0] if data else 0
    if 0 < length <= 52:
        wide = data[_EXCEL_NAME_AT : _EXCEL_NAME_AT + 2]
        start = _EXCEL_NAME_AT + 2
        if len(wide) == 2 and wide[0] == length and len(data) >= start + 2 * length:
            user = data[start : start + 2 * length].decode("utf-16-le", errors="replace")
        elif len(data) > length:
            user = data[1 : 1 + length].decode("cp1252", errors="replace")
    user = user.strip() if user else None
    return Holder("Excel", lock, user or None)


def holder(path: str | Path) -> Holder | None:
    """Which program holds `path` open, from the lock file beside it, or None."""
    path = Path(path)
    office = path.with_name(f".~lock.{path.name}#")
    data = _read_small(office)
    if data is not None:
        return libreoffice_holder(data, office.name)
    owner = path.with_name(f"~${path.name}")
    data = _read_small(owner)
    if data is not None:
        return excel_holder(data, owner.name)
    return None


def open_file_findings(path: str | Path) -> list[Finding]:
    """A warning when a spreadsheet program has the gradebook open, naming who if it can."""
    found = holder(path)
    if found is None:
        return []
    message = MSG_OPEN.format(
        name=os.path.basename(path), program=found.program, holder=found.describe(), lock=found.lock
    )
    return [Finding(OPEN_CODE, message, None, None, WARNING)]
