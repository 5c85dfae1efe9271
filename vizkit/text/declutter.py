"""Decluttering labels: keep the most important ones, drop any that would overlap them.

The rule is the classic greedy one — visit labels by priority (largest first), keep a label
when it overlaps none already kept — computed without a Python loop over every label:

1. **Overlapping pairs** come from a grid: each box is entered in the cells (as large as the
   largest box) it covers, only boxes sharing a cell are compared, then an exact test.
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

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

MAX_ROUNDS = 24


GRID_SPAN = 3  # cells per axis a box may cover and still be hashed; larger ones pair with all


def _grid_pairs(boxes: npt.NDArray[np.float64],
                budget: int | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """Index pairs ``(i, j)``, i < j, of ``(N, 4)`` boxes that may overlap: boxes sharing a
    grid cell (cells twice the median box), plus every pair with one of the few boxes too
    large for the grid (a label near the zenith spans all azimuths). None when there would
    be more than ``budget`` candidates (a crowd: :func:`chunked_keep` is cheaper then)."""
    n = len(boxes)
    if n < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    extent = boxes[:, 2:] - boxes[:, :2]
    size = np.maximum(2 * np.median(extent, axis=0), 1e-9)
    lo = np.floor(boxes[:, :2] / size).astype(np.int64)
    hi = np.floor(boxes[:, 2:] / size).astype(np.int64)
    span = hi - lo + 1
    big = np.flatnonzero((span > GRID_SPAN).any(axis=1))
    owners, cx, cy = [], [], []
    for dx in range(GRID_SPAN):
        for dy in range(GRID_SPAN):
            take = (span[:, 0] > dx) & (span[:, 1] > dy) & (span <= GRID_SPAN).all(axis=1)
            owners.append(np.flatnonzero(take))
            cx.append(lo[take, 0] + dx)
            cy.append(lo[take, 1] + dy)
    owner = np.concatenate(owners)
    pairs_i, pairs_j = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    if owner.size:
        x, y = np.concatenate(cx), np.concatenate(cy)
        x, y = x - x.min(), y - y.min()
        cell = x * (int(y.max()) + 1) + y
        order = np.lexsort((owner, cell))
        cell, owner = cell[order], owner[order]
        starts = np.flatnonzero(np.r_[True, cell[1:] != cell[:-1]])
        counts = np.diff(np.r_[starts, len(cell)])
        if budget is not None and int((counts * (counts - 1) // 2).sum()
                                      + big.size * n) > budget:
            return None
        # every pair inside each cell: for entry k of a cell, the entries after it
        after = np.repeat(starts + counts, counts) - np.arange(len(cell)) - 1
        first = np.repeat(np.arange(len(cell)), after)
        offsets = np.arange(after.sum()) - np.repeat(np.cumsum(after) - after, after)
        pairs_i.append(owner[first])
        pairs_j.append(owner[first + 1 + offsets])
    if big.size:
        pairs_i.append(np.repeat(big, n))
        pairs_j.append(np.tile(np.arange(n), big.size))
    i, j = np.concatenate(pairs_i), np.concatenate(pairs_j)
    i, j = np.minimum(i, j), np.maximum(i, j)
    key = np.unique(i[i != j] * n + j[i != j])               # a pair may share two cells
    return key // n, key % n


def screen_pairs(boxes: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Overlapping pairs of ``(N, 4)`` boxes ``(x0, y0, x1, y1)`` (touching is not overlap)."""
    b = np.asarray(boxes, float).reshape(-1, 4)
    i, j = _grid_pairs(b)  # type: ignore[misc]
    hit = (b[i, 0] < b[j, 2]) & (b[j, 0] < b[i, 2]) & (b[i, 1] < b[j, 3]) & (b[j, 1] < b[i, 3])
    return i[hit], j[hit]


def _angular_candidates(d: npt.NDArray[np.float64], half: npt.NDArray[np.float64],
                        budget: int | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """Pairs of labels that may overlap, from a grid over (azimuth, elevation) with boxes
    grown to cover each label's reach (None: more than ``budget``)."""
    reach = np.hypot(half[:, 0], half[:, 1])
    elevation = np.arcsin(np.clip(d[:, 2], -1.0, 1.0))
    azimuth = np.arctan2(d[:, 0], d[:, 1])
    # azimuth stretches by 1 / cos(elevation); near the zenith a label may span all of it
    wide = np.minimum(reach / np.maximum(np.cos(np.abs(elevation) + reach), 1e-3), np.pi)
    boxes = np.column_stack([azimuth - wide, elevation - reach, azimuth + wide,
                             elevation + reach])
    index = np.arange(len(d))
    for shift in (-2 * np.pi, 2 * np.pi):      # boxes across ±π also meet on the other side
        crosses = (boxes[:, 0] + shift < np.pi) & (boxes[:, 2] + shift > -np.pi)
        boxes = np.concatenate([boxes, boxes[crosses] + np.array([shift, 0.0, shift, 0.0])])
        index = np.concatenate([index, index[crosses]])
    pairs = _grid_pairs(boxes, budget)
    if pairs is None:
        return None
    i, j = index[pairs[0]], index[pairs[1]]
    keep = i != j
    unique = np.unique(np.minimum(i[keep], j[keep]) * len(d) + np.maximum(i[keep], j[keep]))
    return unique // len(d), unique % len(d)


def _angular_overlap(d: npt.NDArray[np.float64], r: npt.NDArray[np.float64],
                     u: npt.NDArray[np.float64], half: npt.NDArray[np.float64]
                     ) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """``overlap(i, j)``: in the tangent plane of either label, the other's centre lies
    closer than their summed half sizes along both axes (exact for small labels)."""

    def overlap(i: np.ndarray, j: np.ndarray) -> np.ndarray:
        cos = np.einsum("ij,ij->i", d[i], d[j])
        sw, sh = half[i, 0] + half[j, 0], half[i, 1] + half[j, 1]
        hit = np.zeros(i.shape, bool)
        for a, b in ((i, j), (j, i)):
            with np.errstate(divide="ignore", invalid="ignore"):
                x = np.einsum("ij,ij->i", d[b], r[a]) / cos
                y = np.einsum("ij,ij->i", d[b], u[a]) / cos
            hit |= (cos > 0) & (np.abs(x) < sw) & (np.abs(y) < sh)
        return hit

    return overlap


def angular_pairs(directions: npt.ArrayLike, right: npt.ArrayLike, up: npt.ArrayLike,
                  half_size: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Overlapping pairs of labels seen from one eye, in angles.

    Args:
        directions: ``(N, 3)`` unit vectors from the eye to each label's centre.
        right, up: ``(N, 3)`` unit vectors of each label's text directions (perpendicular to
            its direction).
        half_size: ``(N, 2)`` half width and half height in radians.
    """
    d = np.asarray(directions, float).reshape(-1, 3)
    r = np.asarray(right, float).reshape(-1, 3)
    u = np.asarray(up, float).reshape(-1, 3)
    half = np.asarray(half_size, float).reshape(-1, 2)
    i, j = _angular_candidates(d, half)  # type: ignore[misc]
    hit = _angular_overlap(d, r, u, half)(i, j)
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


CHUNK = 128


def chunked_keep(count: int, overlap: Callable[[np.ndarray, np.ndarray], np.ndarray],
                 priority: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """The greedy rule for crowds: labels in priority order, a chunk at a time, each checked
    against the labels kept so far (few, in a crowd) and then among themselves.

    ``overlap(a, b)`` answers for index arrays ``a`` and ``b`` the ``(len(a), len(b))``
    matrix of which labels overlap. Cost: labels × kept, whatever the number of overlapping
    pairs.
    """
    order = np.lexsort((np.arange(count), -np.asarray(priority, float)))
    keep = np.zeros(count, bool)
    kept = np.zeros(0, np.int64)
    for start in range(0, count, CHUNK):
        chunk = order[start:start + CHUNK]
        if kept.size:
            chunk = chunk[~overlap(chunk, kept).any(axis=1)]
        if not chunk.size:
            continue
        among = overlap(chunk, chunk)
        np.fill_diagonal(among, False)
        alive = np.ones(chunk.size, bool)
        chosen = []
        for k in range(chunk.size):
            if alive[k]:
                chosen.append(k)
                alive &= ~among[k]
        kept = np.concatenate([kept, chunk[chosen]])
        keep[chunk[chosen]] = True
    return keep


def declutter_screen(boxes: npt.ArrayLike, priority: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Keep mask for ``(N, 4)`` pixel boxes: no two kept boxes overlap."""
    b = np.asarray(boxes, float).reshape(-1, 4)
    x0, y0, x1, y1 = (np.ascontiguousarray(b[:, k]) for k in range(4))

    def matrix(i: np.ndarray, j: np.ndarray) -> np.ndarray:
        return ((x0[i][:, None] < x1[j][None, :]) & (x0[j][None, :] < x1[i][:, None])
                & (y0[i][:, None] < y1[j][None, :]) & (y0[j][None, :] < y1[i][:, None]))

    pairs = None if _crowd_expected(b) else _grid_pairs(b, budget=BUDGET * max(len(b), 1))
    if pairs is None:
        return chunked_keep(len(b), matrix, priority)
    i, j = pairs
    hit = (x0[i] < x1[j]) & (x0[j] < x1[i]) & (y0[i] < y1[j]) & (y0[j] < y1[i])
    return greedy_keep(len(b), (i[hit], j[hit]), priority)


def declutter_angular(directions: npt.ArrayLike, right: npt.ArrayLike, up: npt.ArrayLike,
                      half_size: npt.ArrayLike,
                      priority: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Keep mask for labels seen from one eye (see :func:`angular_pairs`)."""
    d = np.asarray(directions, float).reshape(-1, 3)
    r = np.asarray(right, float).reshape(-1, 3)
    u = np.asarray(up, float).reshape(-1, 3)
    half = np.asarray(half_size, float).reshape(-1, 2)
    overlap = _angular_overlap(d, r, u, half)

    def matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        cos = d[a] @ d[b].T
        sw = half[a, 0][:, None] + half[b, 0][None, :]
        sh = half[a, 1][:, None] + half[b, 1][None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            in_a = (np.abs((r[a] @ d[b].T) / cos) < sw) & (np.abs((u[a] @ d[b].T) / cos) < sh)
            in_b = (np.abs((d[a] @ r[b].T) / cos) < sw) & (np.abs((d[a] @ u[b].T) / cos) < sh)
        return (cos > 0) & (in_a | in_b)

    pairs = _angular_candidates(d, half, budget=BUDGET * max(len(d), 1))
    if pairs is None:
        return chunked_keep(len(d), matrix, priority)
    i, j = pairs
    hit = overlap(i, j)
    return greedy_keep(len(d), (i[hit], j[hit]), priority)


BUDGET = 24  # candidate pairs per label above which a crowd is decluttered chunk by chunk


def _crowd_expected(boxes: npt.NDArray[np.float64]) -> bool:
    """True when boxes spread evenly over their extent would overlap so much that the grid's
    candidate pairs are sure to exceed the budget (two boxes meet with probability about
    (w1 + w2)(h1 + h2) / area): skip building the grid."""
    n = len(boxes)
    if n < 64:
        return False
    extent = boxes[:, 2:] - boxes[:, :2]
    span = boxes[:, 2:].max(axis=0) - boxes[:, :2].min(axis=0)
    area = float(np.prod(np.maximum(span, 1e-9)))
    meet = float(np.prod(2 * extent.mean(axis=0))) / area
    return n * meet > 4 * BUDGET
