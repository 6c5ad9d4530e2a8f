"""Measurement helpers for the benchmark runner: timed subprocesses and a table printer."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from typing import IO

__all__ = ["format_table", "print_table", "run_timed"]


def _maxrss_mb(ru_maxrss: int) -> float:
    # Linux reports ru_maxrss in KiB, macOS in bytes. MB here means MiB.
    if sys.platform == "darwin":
        return ru_maxrss / (1024 * 1024)
    return ru_maxrss / 1024


# A small launcher between this process and the measured command. On Linux a
# child's ru_maxrss includes the memory of the process it was forked from (the
# high-water mark is carried across exec): a command started straight from a
# benchmark runner that holds 300 MB reports at least 300 MB, even `true`. So
# the command is forked from a fresh, small interpreter instead, which times
# it, reaps it with os.wait4 and reports "<wait status> <ru_maxrss> <seconds>"
# on a pipe. What remains is the launcher's own few MB as a lower bound.
_LAUNCHER = """
import os, sys, time
fd = int(sys.argv[1])
t0 = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.close(fd)
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    except OSError as exc:
        os.write(2, f"{sys.argv[2]}: {exc}\\n".encode())
    os._exit(127)
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - t0
os.write(fd, f"{status} {usage.ru_maxrss} {seconds!r}".encode())
"""


def run_timed(
    cmd: Sequence[str | os.PathLike[str]],
    *,
    check: bool = True,
    cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    stdout: int | IO[bytes] | None = subprocess.DEVNULL,
    stderr: int | IO[bytes] | None = None,
) -> tuple[float, float]:
    """Run ``cmd``; return (wall seconds, peak RSS of the child in MB).

    The command is reaped with ``os.wait4`` on its own pid, so its resource
    usage is its own (``ru_maxrss``: the largest single process among it and
    the descendants it waited for, not a sum over worker processes), whatever
    other children ran before. It is forked from a small launcher rather than
    from this process (see ``_LAUNCHER``), so this process's memory does not
    leak into the figure; the launcher's few MB (about 10) are the smallest
    figure reported. Wall time runs from the fork to the reap, so the
    launcher's start-up is not counted.

    stdout goes to /dev/null by default (pass ``None`` to inherit, or a file);
    no pipes are used for output, so a chatty child cannot block. With
    ``check`` a non-zero exit raises ``subprocess.CalledProcessError``. POSIX only.
    """
    args = [os.fspath(c) for c in cmd]
    path = (env or os.environ).get("PATH")
    if os.sep not in args[0] and shutil.which(args[0], path=path) is None:
        raise FileNotFoundError(f"command not found: {args[0]}")
    read_fd, write_fd = os.pipe()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", _LAUNCHER, str(write_fd), *args],
            cwd=cwd,
            env=env,
            stdout=stdout,
            stderr=stderr,
            pass_fds=(write_fd,),
            start_new_session=True,  # the launcher and the command: one group to kill
        )
    finally:
        os.close(write_fd)
    try:
        with os.fdopen(read_fd, "rb") as pipe:
            report = pipe.read().decode()
        launcher_rc = proc.wait()
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    if launcher_rc != 0 or not report:
        raise RuntimeError(f"measurement launcher failed (exit {launcher_rc}) for {args}")
    status, maxrss, seconds = report.split()
    returncode = os.waitstatus_to_exitcode(int(status))
    if check and returncode != 0:
        raise subprocess.CalledProcessError(returncode, args)
    return float(seconds), _maxrss_mb(int(maxrss))


def _cell(value: object, float_format: str) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return format(value, float_format)
    return str(value)


def format_table(rows: Sequence[Mapping[str, object]], *, float_format: str = ".3f") -> str:
    """A plain-text table: columns in first-seen key order, numbers right-aligned."""
    if not rows:
        return ""
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    cells = [[_cell(row.get(c), float_format) for c in columns] for row in rows]
    numeric = [
        all(
            isinstance(row.get(c), int | float) and not isinstance(row.get(c), bool)
            for row in rows
            if row.get(c) is not None
        )
        for c in columns
    ]
    widths = [max(len(c), *(len(line[i]) for line in cells)) for i, c in enumerate(columns)]

    def render(values: Sequence[str]) -> str:
        parts = [
            v.rjust(w) if num else v.ljust(w)
            for v, w, num in zip(values, widths, numeric, strict=True)
        ]
        return "  ".join(parts).rstrip()

    lines = [render(columns), "  ".join("-" * w for w in widths)]
    lines += [render(line) for line in cells]
    return "\n".join(lines)


def print_table(
    rows: Sequence[Mapping[str, object]],
    *,
    float_format: str = ".3f",
    file: IO[str] | None = None,
) -> None:
    """Print ``rows`` (dicts; missing keys are blank cells) as an aligned table."""
    text = format_table(rows, float_format=float_format)
    if text:
        print(text, file=file or sys.stdout)
