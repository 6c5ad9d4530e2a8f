"""Outputs that appear whole or not at all.

Each output is written to a temporary file beside its target and renamed into place only
when every output of the run is complete; on any fault, or a signal, none of them appears.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import socket
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path

from gradeproc.errors import Interrupted, OutputExists, OutputFailed, OutputPathWrong, Signalled


def _host() -> str:
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
