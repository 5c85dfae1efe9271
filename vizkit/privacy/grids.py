"""Grids of counts (e.g. residents per 1 km square): small squares dropped or coarsened.

``drop``: squares with ``0 < n < k`` become NaN. ``coarsen``: the grid is cut into blocks of
``factor × factor`` squares (1 km → 5 km for ``factor=5``); a block holding any small square is
shown as one coarse square — every fine square in it carries the block total and is marked — so
the small square is not lost, only blurred. A block whose total is itself below ``k`` is hidden.
Whole blocks are merged (not just the small squares), otherwise block total minus the shown
squares would give the small ones away.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from vizkit.privacy.cellkey import MASK32, record_keys
from vizkit.privacy.policy import DEFAULT_POLICY, Policy
from vizkit.privacy.threshold import primary_suppression


def _blocks(a: np.ndarray, factor: int) -> np.ndarray:
    h, w = a.shape
    return a.reshape(h // factor, factor, w // factor, factor)


def protect_grid(
    values: npt.ArrayLike,
    *,
    policy: Policy = DEFAULT_POLICY,
    factor: int = 5,
    cell_keys: npt.ArrayLike | None = None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Protect a grid of counts.

    Args:
        values: (H, W) raw non-negative counts (NaN = no data).
        policy: the disclosure policy; ``policy.grid`` picks ``drop`` or ``coarsen``.
        factor: block size in squares for ``coarsen``.
        cell_keys: (H, W) cell keys (sum of record keys mod 2**32) for noise; default a hash of
            the square's (row, column) index.

    Returns:
        ``(shown, mask)``: (H, W) float64 shown counts (NaN hidden; merged squares hold their
        block's total) and (H, W) bool, True where a square is hidden or merged.
    """
    n = np.asarray(values, dtype=np.float64)
    if n.ndim != 2:
        raise ValueError(f"protect_grid needs an (H, W) array, got shape {n.shape}")
    h, w = n.shape
    policy.log_if_off()
    if cell_keys is None:
        idx = np.arange(h * w, dtype=np.int64).reshape(h, w)
        ckeys = record_keys(idx, policy.seed)
    else:
        ckeys = np.asarray(cell_keys, dtype=np.int64)
    if not policy.enabled or policy.grid == "drop":
        res = policy.apply(n.ravel(), cell_keys=ckeys.ravel())
        return res.values.reshape(h, w), res.suppressed.reshape(h, w)
    ph, pw = -h % factor, -w % factor
    npad = np.pad(np.nan_to_num(n), ((0, ph), (0, pw)))
    kpad = np.pad(ckeys, ((0, ph), (0, pw)))
    small = _blocks(primary_suppression(npad, policy.k), factor).any(axis=(1, 3))
    totals = _blocks(npad, factor).sum(axis=(1, 3))
    bkeys = _blocks(kpad, factor).sum(axis=(1, 3)) & MASK32
    fine = policy.apply(n.ravel(), cell_keys=ckeys.ravel())
    coarse = policy.apply(totals.ravel(), cell_keys=bkeys.ravel())
    cvals = coarse.values.reshape(totals.shape)
    expand = np.repeat(np.repeat(small, factor, 0), factor, 1)[:h, :w]
    cfull = np.repeat(np.repeat(cvals, factor, 0), factor, 1)[:h, :w]
    shown = np.where(expand, cfull, fine.values.reshape(h, w))
    shown[np.isnan(n) & ~expand] = np.nan
    mask = expand | fine.suppressed.reshape(h, w)
    return shown, mask
