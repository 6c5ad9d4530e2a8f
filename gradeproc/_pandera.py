"""pandera, imported without the test-data generation gradeproc never uses.

pandera imports hypothesis whenever it is installed (to offer `schema.strategy()`), which
costs a command about a third of a second. gradeproc only validates, so pandera is
imported as though hypothesis were absent; hypothesis itself stays importable afterwards.
"""

from __future__ import annotations

import sys

if "hypothesis" in sys.modules or "pandera" in sys.modules:
    import pandera.pandas as pa
else:
    sys.modules["hypothesis"] = None  # type: ignore[assignment]  # an import of it fails
    try:
        # loaded by pandera's first validation otherwise, and they import hypothesis too
        import pandera.backends.pandas.builtin_checks
        import pandera.backends.pandas.builtin_hypotheses  # noqa: F401
        import pandera.pandas as pa
    finally:
        del sys.modules["hypothesis"]

__all__ = ["pa"]
