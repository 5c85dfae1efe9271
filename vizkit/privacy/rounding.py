"""Rounding to a base (3, 5, 10 …), deterministic or unbiased random, and the display floor.

Random rounding is decided per cell by a 32-bit key (see :mod:`vizkit.privacy.cellkey`), so the same
cell rounds the same way in every view and every run; over many seeds it is unbiased: ``n`` rounds
up with probability ``(n mod base) / base``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

KEY_RANGE = 1 << 32


def round_to_base(
    counts: npt.ArrayLike,
    base: int,
    *,
    keys: npt.ArrayLike | None = None,
) -> npt.NDArray[np.int64]:
    """Round non-negative integer counts to a multiple of ``base``.

    Args:
        counts: (N,) non-negative integer counts.
        base: the rounding base (>= 1).
        keys: (N,) integer keys in ``[0, 2**32)``. When given, rounding is random and unbiased:
            round up iff ``key * base < (n mod base) * 2**32``. When None, round to the nearest
            multiple (halves up).

    Returns:
        (N,) int64 multiples of ``base`` with ``|result - n| < base``.
    """
    n = np.asarray(counts, dtype=np.int64)
    if base <= 1:
        return n.copy()
    rem = n % base
    down = n - rem
    if keys is None:
        up = 2 * rem >= base
    else:
        key = np.asarray(keys, dtype=np.int64)
        up = key * base < rem * KEY_RANGE
    return np.where(up & (rem > 0), down + base, down)


def display_floor(k: int, base: int | None) -> int:
    """Smallest value a shown (non-zero) count may take: ``k``, raised to a multiple of ``base``."""
    if not base or base <= 1:
        return k
    return -(-k // base) * base
