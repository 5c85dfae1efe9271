"""Threshold rule (primary suppression): counts with ``0 < n < k`` are not shown.

Zero is not suppressed: an empty cell reveals no small group (a "structural" zero is shown as 0).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def primary_suppression(counts: npt.ArrayLike, k: int) -> npt.NDArray[np.bool_]:
    """Mark cells that the threshold rule hides.

    Args:
        counts: raw counts, any shape, integer or float (NaN is treated as "no data", not hidden).
        k: the threshold; counts ``1 .. k-1`` are hidden.

    Returns:
        Bool array, same shape: True where ``0 < n < k``.
    """
    n = np.asarray(counts, dtype=np.float64)
    return (n > 0) & (n < k)
