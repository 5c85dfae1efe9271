"""Decluttering labels: keep the most important ones, drop any that would overlap them.

The rule is the classic greedy one — visit labels by priority (largest first), keep a label
when it overlaps none already kept — computed without a Python loop over every label:

1. **Overlapping pairs** come from a sweep over the boxes sorted by their top edge (only boxes
   whose vertical spans meet are compared), then an exact test.
2. **Greedy by rounds**: a label whose priority is the highest among its undecided overlapping
   neighbours is kept, and its neighbours are dropped; repeat. This gives exactly the greedy
   result (the lexicographically first maximal independent set), usually in a few vectorised
   rounds; a long chain of decreasing priorities falls back to a plain loop over what remains.

Two geometries: **screen boxes** in pixels (flat views), and **angular boxes** — a direction
from the eye, the label's right and up vectors and its half sizes in radians — for a dome,
where the same answer must hold on every cube face, so it is computed in the audience's angles
once per frame, not per face.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

MAX_ROUNDS = 24


def _sweep_pairs(lo: npt.NDArray[np.float64],
                 hi: npt.NDArray[np.float64]) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs ``(i, j)``, i < j in sorted order, whose intervals ``[lo, hi)`` intersect."""
    order = np.argsort(lo, kind="stable")
    lo_s, hi_s = lo[order], hi[order]
    # for each interval, the sorted intervals starting before it ends
    ends = np.searchsorted(lo_s, hi_s, side="left")
    counts = np.maximum(ends - np.arange(len(lo_s)) - 1, 0)
    first = np.repeat(np.arange(len(lo_s)), counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    second = first + 1 + offsets
    return order[first], order[second]


def screen_pairs(boxes: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Overlapping pairs of ``(N, 4)`` boxes ``(x0, y0, x1, y1)`` (touching is not overlap)."""
    b = np.asarray(boxes, float).reshape(-1, 4)
    i, j = _sweep_pairs(b[:, 1], b[:, 3])
    hit = (b[i, 0] < b[j, 2]) & (b[j, 0] < b[i, 2])
    return i[hit], j[hit]


def angular_pairs(directions: npt.ArrayLike, right: npt.ArrayLike, up: npt.ArrayLike,
                  half_size: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Overlapping pairs of labels seen from one eye, in angles.

    Args:
        directions: ``(N, 3)`` unit vectors from the eye to each label's centre.
        right, up: ``(N, 3)`` unit vectors of each label's text directions (perpendicular to
            its direction).
        half_size: ``(N, 2)`` half width and half height in radians.

    Two labels overlap when, in the tangent plane of either, the other's centre lies closer
    than their summed half sizes along both axes (exact for small labels).
    """
    d = np.asarray(directions, float).reshape(-1, 3)
    r = np.asarray(right, float).reshape(-1, 3)
    u = np.asarray(up, float).reshape(-1, 3)
    half = np.asarray(half_size, float).reshape(-1, 2)
    reach = np.hypot(half[:, 0], half[:, 1])
    elevation = np.arcsin(np.clip(d[:, 2], -1.0, 1.0))
    # elevation changes no faster than angle: only labels this close in it can meet
    i, j = _sweep_pairs(elevation - reach, elevation + reach)
    if i.size == 0:
        return i, j
    sw, sh = half[i, 0] + half[j, 0], half[i, 1] + half[j, 1]
    cos = np.einsum("ij,ij->i", d[i], d[j])
    near = cos > np.cos(np.minimum(reach[i] + reach[j], np.pi / 2))
    hit = np.zeros(i.shape, bool)
    for a, b in ((i, j), (j, i)):  # either label's tangent plane
        with np.errstate(divide="ignore", invalid="ignore"):
            x = np.einsum("ij,ij->i", d[b], r[a]) / cos
            y = np.einsum("ij,ij->i", d[b], u[a]) / cos
        hit |= near & (np.abs(x) < sw) & (np.abs(y) < sh)
    return i[hit], j[hit]


def greedy_keep(count: int, pairs: tuple[np.ndarray, np.ndarray],
                priority: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Which of ``count`` labels the greedy rule keeps, given their overlapping ``pairs``.

    Ties in ``priority`` go to the lower index, so the answer is deterministic.
    """
    i, j = (np.asarray(p, np.int64) for p in pairs)
    rank = np.empty(count, np.int64)  # 0 = most important
    rank[np.lexsort((np.arange(count), -np.asarray(priority, float)))] = np.arange(count)
    keep = np.zeros(count, bool)
    undecided = np.ones(count, bool)
    src, dst = np.concatenate([i, j]), np.concatenate([j, i])
    for _ in range(MAX_ROUNDS):
        live = undecided[src] & undecided[dst]
        src, dst = src[live], dst[live]
        best_neighbour = np.full(count, count, np.int64)
        np.minimum.at(best_neighbour, src, rank[dst])
        winners = undecided & (rank < best_neighbour)
        keep |= winners
        undecided &= ~winners
        undecided[dst[winners[src]]] = False
        if not undecided.any():
            return keep
    # a long priority chain: finish the few labels left one by one
    neighbours: dict[int, list[int]] = {}
    for a, b in zip(src.tolist(), dst.tolist(), strict=True):
        neighbours.setdefault(a, []).append(b)
    for label in np.flatnonzero(undecided)[np.argsort(rank[undecided])]:
        if not any(keep[n] for n in neighbours.get(int(label), ())):
            keep[label] = True
    return keep


def declutter_screen(boxes: npt.ArrayLike, priority: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Keep mask for ``(N, 4)`` pixel boxes: no two kept boxes overlap."""
    b = np.asarray(boxes, float).reshape(-1, 4)
    return greedy_keep(len(b), screen_pairs(b), priority)
