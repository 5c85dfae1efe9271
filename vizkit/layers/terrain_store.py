"""Where a terrain's cells live: its tile layout, its values in storage order, and what its
input holds outside the footprint.

A grid with no value other than zero anywhere (a flat plane; nobody anywhere) is all ground:
every cell with a value is drawn. :func:`place` turns a terrain's input — a dense
``(T, H, W)`` array or :class:`~vizkit.layers.terrain_inputs.GridCells` — into a
:class:`~vizkit.layers.tiles.TileLayout` and the values (and base counts) stacked in the
layout's order. Listed cells are placed without ever making an ``(H, W)`` array, so a sparse
grid over a continent costs its cells and their neighbourhood; a dense input is a dense array
already, so its footprint is found on dense masks.

:class:`Outside` answers for the cells outside the footprint (never drawn): 0 where the input
has a zero in some step, NaN where it has no value in any step — one bit per cell for a dense
input, a sorted list for listed cells.

GL-free.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from vizkit.layers.landmask import land_at
from vizkit.layers.terrain_inputs import GridCells
from vizkit.layers.tiles import TILE, TileLayout

Extent = tuple[float, float, float, float]


@dataclass(frozen=True, eq=False)
class Outside:
    """What a terrain's input holds at cells outside the footprint: 0 or NaN.

    Attributes:
        shape: ``(H, W)``.
        bits: dense input: packed bits, row-major, 1 = no value in any step; else None.
        listed: listed input: sorted flat ids of the listed cells; else None.
        listed_nan: per listed cell, True when it has no value in any step.
        unlisted_nan: whether cells not listed are no data.
    """

    shape: tuple[int, int]
    bits: npt.NDArray[np.uint8] | None = None
    listed: npt.NDArray[np.int64] | None = None
    listed_nan: npt.NDArray[np.bool_] | None = None
    unlisted_nan: bool = False

    @classmethod
    def of_mask(cls, no_data: npt.NDArray[np.bool_]) -> Outside:
        return cls(no_data.shape, bits=np.packbits(no_data.reshape(-1)))

    def no_data_at(self, flat: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        """Whether cells (flat ids, valid) have no value in any step."""
        if self.bits is not None:
            return ((self.bits[flat >> 3] >> (7 - (flat & 7))) & 1).astype(bool)
        assert self.listed is not None and self.listed_nan is not None
        at = np.minimum(np.searchsorted(self.listed, flat), max(len(self.listed) - 1, 0))
        hit = (self.listed[at] == flat) if len(self.listed) else np.zeros(flat.shape, bool)
        return np.where(hit, self.listed_nan[at] if len(self.listed) else False,
                        self.unlisted_nan)

    def values(self, rows: npt.NDArray[np.int64], cols: npt.NDArray[np.int64]
               ) -> npt.NDArray[np.float64]:
        """0 or NaN at cells (rows, cols); NaN beyond the grid."""
        h, w = self.shape
        ok = (rows >= 0) & (rows < h) & (cols >= 0) & (cols < w)
        flat = np.where(ok, rows * w + cols, 0)
        return np.where(ok & ~self.no_data_at(flat), 0.0, np.nan)

    def mask(self) -> npt.NDArray[np.bool_]:
        """``(H, W)`` no-data mask (made on request: one byte per cell)."""
        h, w = self.shape
        return self.no_data_at(np.arange(h * w, dtype=np.int64)).reshape(h, w)


@dataclass(frozen=True, eq=False)
class Placed:
    """A terrain's cells in storage: the layout, values and base counts ``(T, n·rows, cols)``
    float32 / float64 (None without a base), what lies outside, and the land lookup used."""

    layout: TileLayout
    values: npt.NDArray[np.float32]
    base: npt.NDArray[np.float64] | None
    outside: Outside


def place(raw: Any, base: Any, *, reach: int | None, land: Any, extent: Extent,
          crs: str | None, owner: str) -> Placed:
    """Lay out a terrain's cells (see the module docstring)."""
    h, w = (raw.shape if isinstance(raw, GridCells) else raw.shape[1:])
    ground_at = (None if land is None else
                 land_at(land, extent=extent, shape=(h, w), crs=crs, owner=owner))
    if isinstance(raw, GridCells):
        with np.errstate(invalid="ignore"):
            data = (np.isfinite(raw.values) & (raw.values != 0)).any(axis=0)
        no_data = np.isnan(raw.values).all(axis=0)
        flat = raw.rows * w + raw.cols
        order = np.argsort(flat)
        outside = Outside((h, w), listed=flat[order], listed_nan=no_data[order],
                          unlisted_nan=bool(np.isnan(raw.fill)))
        layout = None
        if not data.any():  # nobody anywhere: the ground itself is the picture
            layout = _flat_ground(outside.mask())
        elif reach is not None and 2 * reach + 2 <= TILE:
            layout = TileLayout.from_cells((h, w), raw.rows, raw.cols, data, no_data,
                                           bool(np.isnan(raw.fill)), reach=reach,
                                           ground_at=ground_at)
        if layout is None:  # most of the grid is needed: a dense layout after all
            layout = _dense_layout(_cells_mask((h, w), raw, data), outside.mask(), reach,
                                   ground_at)
        values = layout.gather_cells(raw.rows, raw.cols, raw.values, raw.fill)
        stacked_base = None
        if base is not None:
            stacked_base = layout.gather_cells(base.rows, base.cols, base.values,
                                               base.fill).astype(np.float64)
        return Placed(layout, values, stacked_base, outside)
    data = np.zeros((h, w), bool)
    no_data = np.ones((h, w), bool)
    for step in raw:  # a handful of steps, each vectorised
        data |= np.isfinite(step) & (step != 0)
        no_data &= np.isnan(step)
    layout = (_flat_ground(no_data) if not data.any()
              else _dense_layout(data, no_data, reach, ground_at))
    stacked_base = None if base is None else layout.gather(base, 0.0).astype(np.float64)
    return Placed(layout, layout.gather(raw, np.nan), stacked_base, Outside.of_mask(no_data))


def replace_no_data(placed: Placed, mask: npt.NDArray[np.bool_], *, reach: int | None,
                    land: Any, extent: Extent, crs: str | None, owner: str) -> Placed:
    """``placed`` with the cells of ``mask`` ((H, W) bool) made no data in every step."""
    old = placed.layout
    stored = old.gather(mask[np.newaxis], False)[0]
    values = placed.values.copy()  # copies: the caller's arrays are never written
    values[:, stored] = np.nan
    dense = old.scatter(values, np.nan)
    data = np.zeros(old.shape, bool)
    for step in dense:
        data |= np.isfinite(step) & (step != 0)
    no_data = placed.outside.mask() | mask
    ground_at = (None if land is None else
                 land_at(land, extent=extent, shape=old.shape, crs=crs, owner=owner))
    layout = _dense_layout(data, no_data, reach, ground_at)
    base = None
    if placed.base is not None:
        base = placed.base.copy()
        base[:, stored] = np.nan
        base = layout.regather(old, base, np.nan)
    return Placed(layout, layout.regather(old, values, np.nan), base,
                  Outside.of_mask(no_data))


def _flat_ground(no_data: npt.NDArray[np.bool_]) -> TileLayout:
    """A grid without any value other than zero (a flat plane, or nobody anywhere): every cell
    with a value is drawn — ground is all there is to show."""
    return TileLayout.build(np.zeros(no_data.shape, bool), reach=None, ground=~no_data)


def _dense_layout(data: npt.NDArray[np.bool_], no_data: npt.NDArray[np.bool_],
                  reach: int | None, ground_at: Any) -> TileLayout:
    ground = None
    if ground_at is not None:
        ask = (np.ones(data.shape, bool) if reach is None
               else TileLayout.candidates(data, reach))
        rows, cols = np.nonzero(ask)
        ground = np.zeros(data.shape, bool)
        ground[rows, cols] = ground_at(rows, cols)
    return TileLayout.build(data, reach=reach, no_data=no_data, ground=ground)


def _cells_mask(shape: tuple[int, int], cells: GridCells,
                data: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    mask = np.zeros(shape, bool)
    mask[cells.rows[data], cells.cols[data]] = True
    return mask


__all__ = ["Outside", "Placed", "place", "replace_no_data"]
