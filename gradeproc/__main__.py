"""The `gradeproc` command (and `python -m gradeproc`).

Signals are handled before anything heavy is imported, so Ctrl-C at any moment ends the
run the same way: temporary outputs removed, a one-line message, exit code 130.
"""

from __future__ import annotations

import errno
import os
import signal
import sys
import threading
from typing import NoReturn

from gradeproc.errors import Signalled


def _interrupt(signum: int, frame: object) -> None:
    """Ctrl-C or SIGTERM (a batch scheduler, `kill`) unwinds the run, so temp files go.

    Once a command holds temporary outputs, `Outputs` turns the signal into `Interrupted`
    and the command says "Interrupted; nothing was written."; before that, main says
    "Interrupted.". Exit code 130 either way.
    """
    raise Signalled(signum)


def main() -> None:
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        from gradeproc.cli import app

        app()
    except Signalled:  # before any output was claimed: nothing was being written
        print("Interrupted.", file=sys.stderr)
        raise SystemExit(130) from None
    except SystemExit as done:
        _leave(done.code)
    except OSError as error:
        if error.errno not in UNPRINTABLE:
            raise
        _unprintable(error)
    _leave(0)


# The terminal's output could not be written: its reader went away (`| head`), or stdout is
# a file on a full disk. The command's files are written or not as it reported.
UNPRINTABLE = {errno.EPIPE, errno.ENOSPC, errno.EDQUOT, errno.EIO}


def _unprintable(error: OSError) -> NoReturn:
    """Exit 1 with one line on stderr (when stderr itself can still be written)."""
    try:
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (nothing more is printed to it)
        if error.errno != errno.EPIPE:
            print(
                f"Error: gradeproc's output could not be written ({error.strerror}).",
                file=sys.stderr,
            )
            sys.stderr.flush()
    except OSError:
        pass
    os._exit(1)


def _leave(code: object) -> NoReturn:
    """End a finished one-shot command at once, with its exit code.

    By now every file is written, closed and in place, and the output is flushed here.
    Python's own teardown would then free, module by module, every object numpy and pandas
    made, about a tenth of a second a person waits for and nothing a finished command needs.
    It still runs where it may matter: a message as the exit code, worker processes
    (batch), the web page's server, or a thread still alive.
    """
    status = 0 if code is None else code
    quick = (
        isinstance(status, int)
        and threading.active_count() == 1
        and "multiprocessing" not in sys.modules
        and "gradeproc.serve" not in sys.modules
    )
    if not quick:
        raise SystemExit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError as error:
        if error.errno in UNPRINTABLE:
            _unprintable(error)
        raise SystemExit(code) from None
    except ValueError:  # a closed stream: let Python end as usual
        raise SystemExit(code) from None
    os._exit(status & 0xFF)  # type: ignore[operator]  # an int, checked above


if __name__ == "__main__":
    main()
