"""The `gradeproc` command (and `python -m gradeproc`).

Signals are handled before anything heavy is imported, so Ctrl-C at any moment ends the
run the same way: temporary outputs removed, a one-line message, exit code 130.
"""

from __future__ import annotations

import signal
import sys

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


if __name__ == "__main__":
    main()
