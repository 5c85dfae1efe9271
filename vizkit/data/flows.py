"""Origin–destination tables as flow cells: places, code lookup, row checks, aggregation.

The GL-free model under the flow layer, ``vizkit.Flows`` (usable on its own, e.g. to check an
OD table before drawing it):

* :func:`vizkit.data.places.read_places` — where the codes are, ``code → (x, y, z)`` metres,
  from a DataFrame, a mapping or anything with ``centroids`` (a regions layer).
* :func:`flow_cells` — an OD table (one row per origin, destination[, time][, category]) checked
  row by row, then summed into :class:`FlowCells`: F flows (origin, destination, category) ×
  B time bins of volume, and of the counts a measure rests on (``base``).
* :meth:`Places.with_pools` — the places plus one "other destinations" stub per origin, for
  flows pooled by disclosure control. A new table: nothing here edits its input.

What may be shown of the cells is decided above this module, in :mod:`vizkit.privacy.flows`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from vizkit.data.places import OTHER, POOL_PREFIX, FlowsError, Places, read_places, rows_text

SAME_PLACE = ("ring", "drop", "error")
ZERO_VOLUMES = ("error", "drop")


@dataclass(frozen=True)
class FlowCells:
    """An OD table summed into flows × time bins.

    Attributes:
        places: the places the indices below point into.
        origin, destination: (F,) int64 place indices; flows are sorted by (origin,
            destination, category).
        category: (F,) int64 index into ``categories`` (0 without a category column).
        volumes: (F, B) float64 — the summed volume of each flow in each bin (0 = none).
        base: (F, B) float64 — the counts a measure rests on (summed like the volumes), or
            None when the volumes are themselves the counts.
        time_bins: the B bin labels in order (``[None]`` without a time column).
        categories: category labels in order (empty without a category column).
        dropped_rows: positions in the OD table not drawn (zero volumes, same place).
    """

    places: Places
    origin: npt.NDArray[np.int64]
    destination: npt.NDArray[np.int64]
    category: npt.NDArray[np.int64]
    volumes: npt.NDArray[np.float64]
    base: npt.NDArray[np.float64] | None
    time_bins: list[Any]
    categories: list[Any]
    dropped_rows: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.origin)

    def labels(self) -> pd.DataFrame:
        """One row per (flow, bin), flows first: the cell's identity as text — ``origin``,
        ``destination`` (place codes), ``time`` (the bin label; only with a time column) and
        ``category`` (only with a category column). Disclosure control keys noise on it."""
        n_flows, n_bins = self.volumes.shape
        codes = self.places.codes.astype(str).to_numpy()
        out = {"origin": np.repeat(codes[self.origin], n_bins),
               "destination": np.repeat(codes[self.destination], n_bins)}
        if self.time_bins != [None]:
            out["time"] = np.tile(np.asarray([str(b) for b in self.time_bins], object), n_flows)
        if self.categories:
            labels = np.asarray([str(c) for c in self.categories], object)
            out["category"] = np.repeat(labels[self.category], n_bins)
        return pd.DataFrame(out)


def _pool_codes(places: Places, o_idx: np.ndarray, d_idx: np.ndarray, o_codes: np.ndarray,
                d_codes: np.ndarray) -> tuple[Places, np.ndarray, np.ndarray]:
    """Codes of flows already pooled upstream (:func:`vizkit.privacy.protect_flows`): a
    destination ``"other"`` is the origin's stub; ``"other:<code>"`` on either side (e.g. the
    trip home) is that place's stub. Returns new places (with the stubs) and indices."""
    if not ((o_idx < 0).any() or (d_idx < 0).any()):
        return places, o_idx, d_idx
    o_idx, d_idx = o_idx.copy(), d_idx.copy()
    o_text = pd.Series(o_codes).astype(str).to_numpy().astype(str)
    d_text = pd.Series(d_codes).astype(str).to_numpy().astype(str)
    real = pd.Index(places.codes.astype(str))
    requests = []  # (index array to fill, its rows, the origin owning each row's stub)
    bare = (d_idx < 0) & (o_idx >= 0) & (d_text == OTHER)
    if bare.any():
        requests.append((d_idx, np.flatnonzero(bare), o_idx[bare]))
    for idx, text in ((o_idx, o_text), (d_idx, d_text)):
        marked = (idx < 0) & np.char.startswith(text, POOL_PREFIX)
        if marked.any():
            owners = real.get_indexer([t[len(POOL_PREFIX):] for t in text[marked]])
            requests.append((idx, np.flatnonzero(marked)[owners >= 0], owners[owners >= 0]))
    if not requests:
        return places, o_idx, d_idx
    places, stubs = places.with_pools(np.concatenate([owners for _, _, owners in requests]))
    start = 0
    for idx, rows, _ in requests:
        idx[rows] = stubs[start:start + len(rows)]
        start += len(rows)
    return places, o_idx, d_idx


def _whole_counts(values: np.ndarray, column: str, name: str, describe: Callable[[int], str],
                  hint: str) -> None:
    with np.errstate(invalid="ignore"):
        bad = np.isfinite(values) & (values != np.floor(values))
    if bad.any():
        rows = np.flatnonzero(bad)
        raise FlowsError(f"{name}: column {column!r} holds counts, which are whole numbers; "
                         f"{len(rows)} row(s) are not: {rows_text(rows, describe)}{hint}")


def flow_cells(od: pd.DataFrame, places: Places, *, origin: str = "origin",
               destination: str = "destination", volume: str = "volume",
               time: str | None = None, time_bins: Sequence[Any] | None = None,
               category: str | None = None, base: str | npt.ArrayLike | None = None,
               require_whole: bool = True, same_place: str = "ring", zero_volumes: str = "error",
               name: str = "Flows") -> FlowCells:
    """Check an OD table row by row and sum it into flows × time bins.

    Args:
        od: one row per (origin, destination[, time][, category]); rows with the same keys
            are summed.
        places: where the codes are (:func:`read_places`).
        origin, destination, volume, time, category: column names (see :class:`Flows`).
        time_bins: the bins in order; default the time column's sorted distinct values.
        base: the counts a measure in ``volume`` rests on: a column name or an array of one
            count per row (whole, non-negative).
        require_whole: the volumes are counts (no ``base``, disclosure control on): each must
            be a whole number.
        same_place: rows with origin == destination: ``"ring"`` (kept), ``"drop"`` (warned),
            ``"error"``.
        zero_volumes: ``"error"`` or ``"drop"`` rows with volume 0.
        name: the layer named in error messages.

    Raises:
        FlowsError: naming the column, how many rows are bad and the first rows (0-based
            position, codes, value).
    """
    columns = [origin, destination, volume, *(c for c in (time, category) if c)]
    if isinstance(base, str):
        columns.append(base)
    missing = [c for c in columns if c not in od.columns]
    if missing:
        raise FlowsError(f"{name}: OD table lacks column(s) {missing}; columns are "
                         f"{list(od.columns)}")
    o_codes, d_codes = od[origin].to_numpy(), od[destination].to_numpy()
    o_idx, d_idx = places.lookup(od[origin]), places.lookup(od[destination])
    places, o_idx, d_idx = _pool_codes(places, o_idx, d_idx, o_codes, d_codes)
    unknown = (o_idx < 0) | (d_idx < 0)
    if unknown.any():
        rows = np.flatnonzero(unknown)
        known = places.codes[places.pool_of < 0]
        raise FlowsError(
            f"{name}: unknown location codes in {len(rows)} row(s): " + rows_text(
                rows, lambda r: f"row {r} ("
                + ", ".join(f"{col} '{codes[r]}'" for col, codes, idx in
                            ((origin, o_codes, o_idx), (destination, d_codes, d_idx))
                            if idx[r] < 0) + ")")
            + f"; known codes: {', '.join(map(str, known[:20]))}"
            + (" …" if len(known) > 20 else ""))
    raw = pd.to_numeric(od[volume], errors="coerce").to_numpy(np.float64)

    def describe(r: int) -> str:
        return f"row {r} ({o_codes[r]}→{d_codes[r]}: {od[volume].iloc[r]})"

    bad = ~np.isfinite(raw) | (raw < 0)
    if zero_volumes == "error":
        bad |= raw == 0
    if bad.any():
        rows = np.flatnonzero(bad)
        need = "positive" if zero_volumes == "error" else "zero or positive"
        raise FlowsError(f"{name}: column {volume!r} must be {need} and finite; "
                         f"{len(rows)} bad row(s): {rows_text(rows, describe)}")
    if require_whole:
        _whole_counts(raw, volume, name, describe,
                      "; for a measure (a share, a rate, trips spread over hours) pass base= "
                      "(the counts it rests on), or policy=Policy.off('why') for data about "
                      "no one")
    base_rows = None
    if base is not None:
        base_rows, label = _base_column(od, base, name)
        b_bad = ~np.isfinite(base_rows) | (base_rows < 0) | ((base_rows == 0) & (raw > 0))
        if b_bad.any():
            rows = np.flatnonzero(b_bad)
            raise FlowsError(f"{name}: base {label!r} must hold the counts each volume rests "
                             f"on (finite, positive where the volume is); {len(rows)} bad "
                             f"row(s): " + rows_text(rows, lambda r: f"row {r} ({o_codes[r]}→"
                                                     f"{d_codes[r]}: {base_rows[r]:g})"))
        _whole_counts(base_rows, label, name,
                      lambda r: f"row {r} ({o_codes[r]}→{d_codes[r]}: {base_rows[r]:g})", "")
    keep = raw > 0
    same = o_idx == d_idx
    if same.any() and same_place != "ring":
        rows = np.flatnonzero(same)
        text = (f"{name}: {len(rows)} row(s) with origin == destination: "
                f"{rows_text(rows, describe)}")
        if same_place == "error":
            raise FlowsError(text + "; pass same_place='ring' or 'drop'")
        warnings.warn(text + " dropped (same_place='drop')", stacklevel=3)
        keep &= ~same
    dropped = np.flatnonzero(~keep)
    o_idx, d_idx, raw = o_idx[keep], d_idx[keep], raw[keep]
    if category is not None:
        cat_codes, labels = pd.factorize(od[category].to_numpy()[keep], sort=True)
        categories = list(labels)
    else:
        cat_codes, categories = np.zeros(len(raw), np.int64), []
    if time is not None:
        values = od[time].to_numpy()[keep]
        bins = pd.Index(sorted(pd.unique(values)) if time_bins is None else list(time_bins))
        bin_idx = bins.get_indexer(values)
        if (bin_idx < 0).any():
            rows = np.flatnonzero(keep)[bin_idx < 0]
            raise FlowsError(f"{name}: column {time!r} has values outside time_bins: "
                             + rows_text(rows, lambda r: f"row {r} ({od[time].iloc[r]!r})"))
        bins_list = list(bins)
    else:
        bin_idx, bins_list = np.zeros(len(raw), np.int64), [None]
    n_cat, n_bins, n_loc = max(len(categories), 1), len(bins_list), len(places)
    key = (o_idx.astype(np.int64) * n_loc + d_idx) * n_cat + cat_codes
    flow_keys, flow_of_row = np.unique(key, return_inverse=True)
    n_flows = len(flow_keys)
    if n_flows == 0:
        raise FlowsError(f"{name}: no flows left to draw (all rows dropped)")
    cell = flow_of_row * n_bins + bin_idx

    def summed(weights: np.ndarray) -> np.ndarray:
        return np.bincount(cell, weights=weights,
                           minlength=n_flows * n_bins).reshape(n_flows, n_bins)

    return FlowCells(
        places=places, origin=(flow_keys // n_cat // n_loc).astype(np.int64),
        destination=(flow_keys // n_cat % n_loc).astype(np.int64),
        category=(flow_keys % n_cat).astype(np.int64), volumes=summed(raw),
        base=None if base_rows is None else summed(base_rows[keep]),
        time_bins=bins_list, categories=categories, dropped_rows=dropped)


def _base_column(od: pd.DataFrame, base: str | npt.ArrayLike, name: str
                 ) -> tuple[np.ndarray, str]:
    if isinstance(base, str):
        return pd.to_numeric(od[base], errors="coerce").to_numpy(np.float64), base
    values = np.asarray(base)
    if values.shape != (len(od),):
        raise FlowsError(f"{name}: base must be a column name or one count per OD row "
                         f"({len(od)}), got shape {values.shape}")
    return pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(np.float64), "base"


__all__ = ["OTHER", "SAME_PLACE", "ZERO_VOLUMES", "FlowCells", "FlowsError", "Places",
           "flow_cells", "read_places"]
