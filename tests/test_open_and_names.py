"""An open gradebook (lock files beside it), the names `init` accepts, and an empty roster."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from gradeproc.api import init, process
from gradeproc.cli import app
from gradeproc.errors import OutputPathWrong, ValidationFailed
from gradeproc.locks import excel_holder, holder, libreoffice_holder
from tests.helpers import syllabus_sheets, write_book

runner = CliRunner()
STUDENTS = [("S01", "Lovelace", "Ada"), ("S02", "Hopper", "Grace")]
GAP = (
    "Letters: no letter covers totals of exactly 93 (between A- and A); "
    'letter_gap_rule "higher" gives them A and flags them POLICY_GAP; to settle it, write '
    "letter_gap_rule (higher or lower) in the Policy sheet, or close the gap in the Letters sheet"
)


def excel_owner_file(user: str) -> bytes:
    """Excel's `~$` owner file: length byte, the name in the code page padded with spaces to
    byte 55, the length again (2 bytes), the name in UTF-16-LE, then space/NUL pairs to 165."""
    n = len(user)
    data = bytes([n]) + user.encode("cp1252") + b" " * (54 - n)
    data += bytes([n, 0]) + user.encode("utf-16-le")
    while len(data) < 165:
        data += b" \x00"
    return data[:165]


def libreoffice_lock(name: str, login: str, host: str, when: str) -> bytes:
    url = f"file:///home/{login}/.config/libreoffice/4;"
    return f"{name},{login},{host},{when},{url}".encode()


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return write_book(tmp_path / "course.xlsx", syllabus_sheets(STUDENTS))


# --- lock files --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "expected"), [("Ada Lovelace", "Ada Lovelace"), ("Zoë Ødegård", "Zoë Ødegård")]
)
def test_excel_owner_file_names_the_user(user: str, expected: str) -> None:
    assert excel_holder(excel_owner_file(user), "~$b.xlsx").user == expected


def test_excel_owner_file_in_the_code_page_only() -> None:
    short = bytes([4]) + b"J\xf6rg" + b" " * 20  # no UTF-16 copy: the 8-bit name is used
    assert excel_holder(short, "~$b.xlsx").user == "Jörg"
    assert excel_holder(b"", "~$b.xlsx").user is None
    assert excel_holder(bytes([200]) + b"x" * 10, "~$b.xlsx").user is None


@pytest.mark.parametrize(
    ("line", "user", "host", "since"),
    [
        (",grace,lab-3,02.12.2026 21:15,file:///home/grace;", "grace", "lab-3", "02.12.2026 21:15"),
        ("Grace Hopper,grace,lab-3,02.12.2026 21:15,url;", "Grace Hopper", "lab-3", None),
        ("Hopper\\, Grace,grace,,,", "Hopper, Grace", None, None),
        ("", None, None, None),
    ],
)
def test_libreoffice_lock_fields(line: str, user, host, since) -> None:
    found = libreoffice_holder(line.encode(), ".~lock.b.xlsx#")
    assert (found.user, found.host) == (user, host)
    if since is not None:
        assert found.since == since


def test_no_lock_file_no_holder(book: Path) -> None:
    assert holder(book) is None
    (book.parent / ".~lock.other.xlsx#").write_text(",x,y,z,w;")  # another book's lock
    assert holder(book) is None


def test_validate_warns_when_libreoffice_has_the_book_open(book: Path) -> None:
    lock = book.parent / ".~lock.course.xlsx#"
    lock.write_bytes(libreoffice_lock("", "grace", "lab-3", "02.12.2026 21:15"))
    (book.parent / "~$course.xlsx").write_bytes(excel_owner_file("grace"))  # LO writes it too
    result = runner.invoke(app, ["validate", str(book)])
    assert result.exit_code == 0
    assert result.stdout == (
        f"  warning: {GAP}\n"
        "  warning: course.xlsx is open in LibreOffice by grace on lab-3 since 02.12.2026 "
        "21:15: changes not yet saved there are not graded; save them first (if LibreOffice "
        "is not running, delete the leftover lock file .~lock.course.xlsx#)\n"
        "course.xlsx: no problems found (2 warnings).\n"
    )


def test_process_warns_when_excel_has_the_book_open(book: Path) -> None:
    (book.parent / "~$course.xlsx").write_bytes(excel_owner_file("Ada Lovelace"))
    result = runner.invoke(app, ["process", str(book)])
    assert result.exit_code == 0
    assert result.stderr == (
        "warning: course.xlsx is open in Excel by Ada Lovelace: changes not yet saved there "
        "are not graded; save them first (if Excel is not running, delete the leftover lock "
        f"file ~$course.xlsx)\nwarning: {GAP}\n"
    )
    assert result.stdout.startswith("Graded 2 students: ")


def test_an_unreadable_lock_still_says_the_book_is_open(book: Path) -> None:
    (book.parent / "~$course.xlsx").write_bytes(b"\x00garbage")
    result = runner.invoke(app, ["validate", str(book)])
    assert (
        "  warning: course.xlsx is open in Excel: changes not yet saved there are not graded"
        in result.stdout
    )


# --- init's names ----------------------------------------------------------------------------


def test_init_adds_xlsx_to_a_bare_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["init", "course"])
    assert result.exit_code == 0
    assert result.stdout == (
        "Added .xlsx to course: a gradebook is an Excel workbook.\n"
        "Wrote course.xlsx: fill in Roster, Scores and Submitted, then run "
        "`gradeproc process course.xlsx`.\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["course.xlsx"]


@pytest.mark.parametrize("name", ["course.xlsx", "COURSE.XLSX"])
def test_init_keeps_an_xlsx_name(tmp_path: Path, name: str) -> None:
    assert init(tmp_path / name) == tmp_path / name


@pytest.mark.parametrize(
    ("name", "suffix", "suggested"),
    [
        ("course.csv", ".csv", "course.xlsx"),
        ("c.v2", ".v2", "c.xlsx"),
        ("old.xls", ".xls", "old.xlsx"),
    ],
)
def test_init_refuses_another_extension(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, suffix: str, suggested: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["init", name])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {name} ends in {suffix}, but a gradebook is an Excel workbook whose name ends "
        f"in .xlsx; give a name such as {suggested}\n"
    )
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(OutputPathWrong):
        init(tmp_path / name)


def test_init_on_a_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "course").mkdir()
    result = runner.invoke(app, ["init", str(tmp_path / "course")])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {tmp_path / 'course'} is a folder; give the name of the file to write, "
        "not a folder\n"
    )


# --- an empty roster -------------------------------------------------------------------------


def test_process_on_an_untouched_template_says_the_roster_is_empty(tmp_path: Path) -> None:
    made = init(tmp_path / "course.xlsx")
    result = runner.invoke(app, ["process", str(made)])
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: 1 problem found; nothing was written.\n"
        "  Roster!A2: the Roster lists no students, so there is nothing to grade; add one row "
        "per student (Student ID, Last name, First name), and their points on the Scores sheet\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["course.xlsx"]
    with pytest.raises(ValidationFailed) as caught:
        process(made)
    assert [f.code for f in caught.value.findings] == ["empty-roster"]
