"""Cell key method: consistent pseudo-random noise per cell, derived from its records.

How it works (the method of the Australian Bureau of Statistics and of Eurostat's cell key
method, simplified):

1. Every record (person, trip) carries a **record key**: a pseudo-random integer in
   ``[0, 2**32)``. Either the data already has one (a column), or it is derived from an integer
   record id with :func:`record_keys` (a 32-bit integer hash mixed with the policy seed).
2. The **cell key** of a table cell is the sum of its records' keys modulo ``2**32``. The same
   records give the same cell key in every table, view and run, and on every backend (the hash
   and the sum are plain integer arithmetic, identical in numpy, DuckDB and Spark).
3. The cell key picks a perturbation ``v`` from the **noise table** (:class:`NoiseTable`):
   the shown value is ``n + v``. Because the key is fixed, re-running or re-slicing a query cannot
   average the noise away.

The noise table (``ptable``) for threshold ``k``, maximum deviation ``D`` and variance ``V``:

* ``n = 0`` → ``v = 0`` (empty cells stay empty); ``0 < n < k`` → suppressed, no noise needed.
* ``n >= k + D`` → ``v`` in ``-D … D`` with ``P(v) ∝ exp(-v² / 2s²)``; ``s`` is solved so that the
  variance is exactly ``V`` (needs ``0 < V < D(D+1)/3``). Mean 0: the noise is unbiased.
* ``k <= n < k + D`` → the same shape truncated symmetrically to ``-(n-k) … (n-k)``, so a shown
  value is never below ``k`` and the noise stays unbiased (with a smaller variance; ``n = k`` is
  not perturbed).

``v`` is chosen by comparing the cell key with integer thresholds ``round(P(≤ v) · 2**32)``.
:meth:`NoiseTable.table` returns the whole table as a DataFrame (``n``, ``v``, ``p``, key range)
for documentation and audit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

KEY_BITS = 32
KEY_RANGE = 1 << KEY_BITS
MASK32 = KEY_RANGE - 1
MIX_MULTIPLIER = 0x45D9F3B
ROUND_SALT = 0x9E3779B9


def mix32(x: Any) -> Any:
    """A 32-bit integer hash (xorshift-multiply), written with operators only.

    Works unchanged on numpy int64 arrays and on ibis integer expressions, and gives the same
    numbers on both: every product stays below ``2**59``, so int64 never overflows.

    Args:
        x: non-negative integers below ``2**32`` (numpy int64 array or ibis expression).

    Returns:
        Hashed integers in ``[0, 2**32)``, same kind as ``x``.
    """
    x = ((x >> 16) ^ x) * MIX_MULTIPLIER & MASK32
    x = ((x >> 16) ^ x) * MIX_MULTIPLIER & MASK32
    return (x >> 16) ^ x


def fold64(x: Any) -> Any:
    """Fold a (possibly negative) int64 into ``[0, 2**32)``: low word XOR high word."""
    return (x & MASK32) ^ ((x >> 32) & MASK32)


def record_keys(ids: npt.ArrayLike | Any, seed: int = 0) -> Any:
    """Record keys from integer record ids: ``mix32(fold64(id) ^ seed32)``.

    Args:
        ids: integer record ids (numpy/pandas) or an ibis integer column.
        seed: the policy seed; a different seed gives unrelated keys (keep it fixed per exhibit).

    Returns:
        Keys in ``[0, 2**32)``: int64 numpy array, or an ibis expression for ibis input.
    """
    salt = seed_salt(seed)
    if isinstance(ids, (np.ndarray, pd.Series, pd.Index, list, tuple)):
        ids = np.asarray(ids, dtype=np.int64)
    return mix32(fold64(ids) ^ salt)


def seed_salt(seed: int) -> int:
    """The 32-bit value a seed XORs into folded record ids (0 for seed 0)."""
    return int(mix32(np.int64(seed) & MASK32)) if seed else 0


def cell_keys_from_labels(frame: pd.DataFrame, seed: int = 0) -> npt.NDArray[np.int64]:
    """Fallback cell keys when no record keys exist: a hash of the cell's key values.

    Consistent for the same cell (same key values and dtypes) across views and runs, but unlike
    record-based keys a merged cell's key is not the sum of its parts.
    """
    h = pd.util.hash_pandas_object(frame, index=False).to_numpy().astype(np.uint64)
    folded = (h & np.uint64(MASK32)) ^ (h >> np.uint64(32))
    return record_keys(folded.astype(np.int64), seed)


def rounding_keys(cell_keys: Any) -> Any:
    """Second, independent key per cell for random rounding (so it is not tied to the noise)."""
    return mix32(cell_keys ^ ROUND_SALT)


def _shape(support: np.ndarray, s: float) -> np.ndarray:
    w = np.exp(-(support.astype(np.float64) ** 2) / (2.0 * s * s))
    return w / w.sum()


@dataclass(frozen=True)
class NoiseTable:
    """The perturbation table (ptable) of the cell key method.

    Attributes:
        max_deviation: largest absolute noise ``D`` (default 2).
        variance: variance ``V`` of the noise for cells ``n >= k + D`` (default 1.0); must be
            below ``D(D+1)/3``.
    """

    max_deviation: int = 2
    variance: float = 1.0

    def __post_init__(self) -> None:
        d = self.max_deviation
        if d < 1:
            raise ValueError(f"NoiseTable.max_deviation must be >= 1, got {d}")
        if not 0 < self.variance < d * (d + 1) / 3:
            raise ValueError(
                f"NoiseTable.variance must be in (0, {d * (d + 1) / 3:g}) for max_deviation={d}, "
                f"got {self.variance}"
            )

    def _scale(self) -> float:
        support = np.arange(-self.max_deviation, self.max_deviation + 1)
        lo, hi = 1e-3, 1e3
        for _ in range(200):
            mid = math.sqrt(lo * hi)
            var = float((_shape(support, mid) * support**2).sum())
            lo, hi = (mid, hi) if var < self.variance else (lo, mid)
        return math.sqrt(lo * hi)

    def rows(self) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Per room ``r = min(n - k, D)``: (values ``v``, probabilities, integer key thresholds).

        A cell with key ``c`` gets the first ``v`` whose threshold is greater than ``c``.
        """
        s = self._scale()
        out = []
        for r in range(self.max_deviation + 1):
            v = np.arange(-r, r + 1)
            p = _shape(v, s)
            thr = np.rint(np.cumsum(p) * KEY_RANGE).astype(np.int64)
            thr[-1] = KEY_RANGE
            out.append((v, p, thr))
        return out

    def noise(self, counts: npt.ArrayLike, cell_keys: npt.ArrayLike, k: int) -> np.ndarray:
        """Noise ``v`` per cell (0 for cells below ``k``).

        Args:
            counts: (N,) raw counts.
            cell_keys: (N,) cell keys in ``[0, 2**32)``.
            k: the policy threshold.

        Returns:
            (N,) int64 noise with ``n + v >= k`` wherever ``n >= k``.
        """
        n = np.asarray(counts, dtype=np.int64)
        key = np.asarray(cell_keys, dtype=np.int64)
        room = np.clip(n - k, 0, self.max_deviation)
        out = np.zeros(n.shape, dtype=np.int64)
        for r, (v, _p, thr) in enumerate(self.rows()):
            sel = (room == r) & (n >= k)
            if r == 0 or not sel.any():
                continue
            idx = np.searchsorted(thr, key[sel], side="right")
            out[sel] = v[idx]
        return out

    def table(self, k: int = 5) -> pd.DataFrame:
        """The ptable as a DataFrame: ``n`` (a count or ``">= m"``), ``v``, ``p``, key range, and
        the row's variance — for the documentation and audits."""
        recs = []
        for r, (v, p, thr) in enumerate(self.rows()):
            label = f">= {k + r}" if r == self.max_deviation else str(k + r)
            lower = np.concatenate([[0], thr[:-1]])
            var = float((p * v**2).sum())
            for vi, pi, lo, hi in zip(v, p, lower, thr, strict=True):
                recs.append(
                    {"n": label, "v": int(vi), "p": float(pi), "key_from": int(lo),
                     "key_to": int(hi), "row_variance": var}
                )
        return pd.DataFrame.from_records(recs)

    def describe(self) -> str:
        """One line: ``noise of at most ±2, variance 1``."""
        return f"noise of at most ±{self.max_deviation}, variance {self.variance:g}"
