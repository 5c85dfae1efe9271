"""Secondary suppression: hide complementary cells so hidden values cannot be derived from totals.

A table shown with its totals is a system of linear equations: each row and column sums to its
total. If a row has one hidden cell, subtracting the shown cells from the total recovers it. This
module works on the **extended table** — the cells plus a total column, a total row and the grand
total — and hides extra cells until no hidden value (cell or total) is determined.

The heuristic (2-D; the 1-D case is one line):

1. *Lines.* A row or column of the extended table must not hide exactly one entry, nor hide only
   entries of 1 (hidden cells are never zero, so a line hiding ``m`` entries summing to ``m``
   would give them all away). Such lines hide one more entry: the smallest shown non-zero entry
   in the line, preferring one whose crossing line already hides something. All such lines are
   fixed at once per round (vectorised).
2. *Cycles.* Hidden entries are edges of a bipartite graph (rows × columns). With all line sums
   known, an entry is determined exactly iff its edge lies on no cycle — a **bridge**. Bridges are
   found with Tarjan's algorithm; each is closed by hiding the smallest shown entry that joins
   the two sides it separates.
3. *Bounds.* Hidden entries are at least 1, which can still pin a block of hidden 1s (two rows
   of hidden 1s whose other hidden entries are fixed by a column). An interval attack (bounds
   propagated along every line until they settle, vectorised) finds entries whose lower and
   upper bound meet; their rows get one more hidden entry. Then back to 1, until nothing
   changes.

Every hidden entry ends on a cycle of hidden entries, so adding ``+t`` and ``-t`` alternately
round the cycle gives another table with the same totals, and no bound derived line by line
meets: the value is not recoverable exactly. It is a heuristic (not an optimal pattern, and
not proven against every linear-programming attack); the tests attack its output.
"""

from __future__ import annotations

import logging

import numpy as np
import numpy.typing as npt

from vizkit.privacy.threshold import primary_suppression

log = logging.getLogger("vizkit.privacy")


def add_totals(table: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Extended table: (C,) → (C+1,) with the total last; (R, C) → (R+1, C+1) with margins."""
    t = np.asarray(table, dtype=np.float64)
    if t.ndim == 1:
        return np.append(t, t.sum())
    if t.ndim == 2:
        rows = t.sum(axis=1, keepdims=True)
        return np.block([[t, rows], [t.sum(axis=0, keepdims=True), rows.sum(keepdims=True)]])
    raise ValueError(f"secondary suppression needs a 1-D or 2-D table, got shape {t.shape}")


def secondary_suppression(
    table: npt.ArrayLike,
    *,
    k: int = 5,
    primary: npt.ArrayLike | None = None,
) -> npt.NDArray[np.bool_]:
    """Suppression pattern for a table shown with its totals.

    Args:
        table: (C,) or (R, C) raw non-negative counts (without totals).
        k: threshold for primary suppression of cells *and totals*.
        primary: optional bool mask of the same shape as ``table`` (or of the extended table)
            marking cells already hidden; default ``0 < n < k``.

    Returns:
        Bool mask of the extended table ((C+1,) or (R+1, C+1), totals last): True = hidden.
        Includes the primary cells.
    """
    ext = add_totals(table)
    hidden = primary_suppression(ext, k)
    if primary is not None:
        p = np.asarray(primary, dtype=bool)
        if p.shape == ext.shape:
            hidden |= p
        else:
            inner = hidden[:-1] if ext.ndim == 1 else hidden[:-1, :-1]
            inner |= p
    if ext.ndim == 1:
        return _one_line(ext, hidden)
    return _two_way(ext, hidden)


def _needs_more(values: np.ndarray, hidden: np.ndarray, axis: int) -> np.ndarray:
    m = hidden.sum(axis=axis)
    s = np.where(hidden, values, 0.0).sum(axis=axis)
    return (m == 1) | ((m >= 2) & (s <= m))


def _one_line(ext: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    hidden = hidden.copy()
    if _needs_more(ext[None, :], hidden[None, :], axis=1)[0]:
        cost = np.where((ext > 0) & ~hidden, ext, np.inf)
        if np.isfinite(cost).any():
            hidden[int(np.argmin(cost))] = True
    return hidden


def _fix_lines(ext: np.ndarray, hidden: np.ndarray) -> bool:
    """One vectorised pass over rows then columns; True if anything was hidden."""
    changed = False
    for axis in (1, 0):
        lines = np.flatnonzero(_needs_more(ext, hidden, axis))
        if lines.size == 0:
            continue
        crossing = hidden.sum(axis=1 - axis) > 0  # lines of the other direction hiding something
        weight = np.where(crossing, 1.0, 2.0)
        vals = ext if axis == 1 else ext.T
        hid = hidden if axis == 1 else hidden.T
        cost = np.where((vals > 0) & ~hid, vals * weight[None, :], np.inf)[lines]
        pick = np.argmin(cost, axis=1)
        ok = np.isfinite(cost[np.arange(lines.size), pick])
        hid[lines[ok], pick[ok]] = True  # hid is a view of hidden
        changed |= bool(ok.any())
    return changed


def _bridges(
    n_nodes: int, eu: np.ndarray, ev: np.ndarray
) -> tuple[list[tuple[int, int]], np.ndarray, np.ndarray, np.ndarray]:
    """Bridges of an undirected graph (iterative Tarjan).

    Returns:
        (list of (edge index, child node)), entry times ``tin``, last entry time in each subtree
        ``tout`` and component id ``comp`` per node (-1 for isolated nodes).
    """
    m = eu.size
    src = np.concatenate([eu, ev])
    order = np.argsort(src, kind="stable")
    dst = np.concatenate([ev, eu])[order].tolist()
    eid = np.concatenate([np.arange(m), np.arange(m)])[order].tolist()
    start = np.searchsorted(src[order], np.arange(n_nodes + 1)).tolist()
    tin = [-1] * n_nodes
    low = [0] * n_nodes
    tout = [0] * n_nodes
    comp = [-1] * n_nodes
    found: list[tuple[int, int]] = []
    timer = 0
    for root in range(n_nodes):
        if tin[root] != -1 or start[root] == start[root + 1]:
            continue
        tin[root] = low[root] = timer
        timer += 1
        comp[root] = root
        stack = [[root, -1, start[root]]]
        while stack:
            frame = stack[-1]
            node, pedge, it = frame
            if it < start[node + 1]:
                frame[2] = it + 1
                e = eid[it]
                if e == pedge:
                    continue
                nxt = dst[it]
                if tin[nxt] == -1:
                    tin[nxt] = low[nxt] = timer
                    timer += 1
                    comp[nxt] = root
                    stack.append([nxt, e, start[nxt]])
                elif tin[nxt] < low[node]:
                    low[node] = tin[nxt]
            else:
                stack.pop()
                tout[node] = timer - 1
                if stack:
                    parent = stack[-1][0]
                    if low[node] < low[parent]:
                        low[parent] = low[node]
                    if low[node] > tin[parent]:
                        found.append((pedge, node))
    return found, np.array(tin), np.array(tout), np.array(comp)


def _fix_bridges(ext: np.ndarray, hidden: np.ndarray) -> bool:
    n_rows, n_cols = ext.shape
    ri, ci = np.nonzero(hidden)
    found, tin, tout, comp = _bridges(n_rows + n_cols, ri, ci + n_rows)
    if not found:
        return False
    candidates = (ext > 0) & ~hidden
    changed = False
    for edge, child in found:
        r, c = int(ri[edge]), int(ci[edge])
        side_b = (comp == comp[child]) & (tin >= tin[child]) & (tin <= tout[child])
        side_a = (comp == comp[child]) & ~side_b
        rows_a, cols_a = side_a[:n_rows], side_a[n_rows:]
        rows_b, cols_b = side_b[:n_rows], side_b[n_rows:]
        join = (rows_a[:, None] & cols_b[None, :]) | (rows_b[:, None] & cols_a[None, :])
        cost = np.where(join & candidates, ext, np.inf)
        if not np.isfinite(cost).any():
            # No entry joins the two sides: widen the pattern from the bridge's own lines.
            cost = np.full(ext.shape, np.inf)
            cost[r, :] = np.where(candidates[r, :], ext[r, :], np.inf)
            cost[:, c] = np.where(candidates[:, c], ext[:, c], np.inf)
            if not np.isfinite(cost).any():
                log.warning("secondary suppression: hidden entry (%d, %d) cannot be protected "
                            "further (no shown non-zero entry left)", r, c)
                continue
        idx = np.unravel_index(int(np.argmin(cost)), ext.shape)
        hidden[idx] = True
        candidates[idx] = False
        changed = True
    return changed


def interval_bounds(
    ext: np.ndarray, hidden: np.ndarray, rounds: int = 100
) -> tuple[np.ndarray, np.ndarray]:
    """What an attacker can bound: ``(lo, hi)`` per entry of the extended table.

    Shown entries are exact; hidden ones start at ``[1, inf)`` and are narrowed line by line
    (each line: its cells sum to its total) until nothing changes.
    """
    lo = np.where(hidden, 1.0, ext)
    hi = np.where(hidden, np.inf, ext)
    coef = np.ones(ext.shape)
    for _ in range(rounds):
        before_lo, before_hi = lo.copy(), hi.copy()
        for axis in (1, 0):
            c = coef.copy()
            if axis == 1:
                c[:, -1] = -1.0
            else:
                c[-1, :] = -1.0
            cmin = np.where(c > 0, lo, -hi)
            cmax = np.where(c > 0, hi, -lo)
            fin_min = np.where(np.isinf(cmin), 0.0, cmin)
            fin_max = np.where(np.isinf(cmax), 0.0, cmax)
            inf_min = np.isinf(cmin).sum(axis=axis, keepdims=True) - np.isinf(cmin)
            inf_max = np.isinf(cmax).sum(axis=axis, keepdims=True) - np.isinf(cmax)
            smin = np.where(inf_min > 0, -np.inf, fin_min.sum(axis=axis, keepdims=True) - fin_min)
            smax = np.where(inf_max > 0, np.inf, fin_max.sum(axis=axis, keepdims=True) - fin_max)
            # c * x = -(sum of the others): x in [-smax, -smin] for c = 1, [smin, smax] for c = -1
            new_lo = np.where(c > 0, -smax, smin)
            new_hi = np.where(c > 0, -smin, smax)
            lo = np.where(hidden, np.maximum(lo, new_lo), lo)
            hi = np.where(hidden, np.minimum(hi, new_hi), hi)
        if np.array_equal(lo, before_lo) and np.array_equal(hi, before_hi):
            break
    return lo, hi


def _fix_pinned(ext: np.ndarray, hidden: np.ndarray) -> bool:
    lo, hi = interval_bounds(ext, hidden)
    pinned = hidden & (lo >= hi - 1e-9)
    if not pinned.any():
        return False
    candidates = (ext > 0) & ~hidden
    for axis in (1, 0):  # rows holding a pinned entry first; columns if rows have nothing left
        lines = np.flatnonzero(pinned.any(axis=axis))
        vals = ext if axis == 1 else ext.T
        cand = candidates if axis == 1 else candidates.T
        hid = hidden if axis == 1 else hidden.T  # a view: writing hid writes hidden
        cost = np.where(cand, vals, np.inf)[lines]
        pick = np.argmin(cost, axis=1)
        ok = np.isfinite(cost[np.arange(lines.size), pick])
        if ok.any():
            hid[lines[ok], pick[ok]] = True
            return True
    log.warning("secondary suppression: %d hidden entries stay pinned (no shown non-zero "
                "entry left to hide)", int(pinned.sum()))
    return False


def _two_way(ext: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    hidden = hidden.copy()
    for _ in range(ext.size + 1):
        while _fix_lines(ext, hidden):
            pass
        if _fix_bridges(ext, hidden):
            continue
        if not _fix_pinned(ext, hidden):
            break
    return hidden
