"""Where some student IDs sit in the roster, without a hash table of the whole roster."""

from __future__ import annotations

import numpy as np
import pandas as pd


def positions_in(students: pd.Index, ids: pd.Index) -> np.ndarray:
    """Each of `ids`' position in `students` (unique), -1 where absent.

    The same as `students.get_indexer(ids)`, but the table is built on the few IDs (the
    extensions', the overrides') and the roster is only looked up in it: a table of a
    million students costs more than the whole grading of them.
    """
    named = ids.unique()
    at = named.get_indexer(students)
    found = np.flatnonzero(at >= 0)
    position = np.full(len(named), -1, dtype=np.intp)
    position[at[found]] = found
    return position[named.get_indexer(ids)]
