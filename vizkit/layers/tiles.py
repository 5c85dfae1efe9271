"""Sparse grids in tiles: where a grid's data is, and how its cells are stored and drawn.

A statistics grid is often mostly empty: Norway's 1 km population grid has 55,000 inhabited
squares in a bounding box of 1.75 million. A :class:`TileLayout` keeps only what is drawn:

* the **footprint** — cells with data (a value other than zero in some step); up to ``reach``
  cells around them, the ground they stand on (cells that are zero in some step; given a land
  mask, only land); and no-data cells (NaN in every step) that lie *between* data — data within
  ``2·reach + 1`` cells on both sides, along a row or a column, so gaps up to that wide are
  filled — like a suppressed count among its neighbours. A no-data cell at the edge of the
  data (a NaN sea round a raster's country, the squares outside a county) is not between
  data, so it is not drawn. Nothing outside the footprint is drawn;
* the **tiles** — square blocks of ``TILE × TILE`` cells that touch the footprint or the
  one-cell rim around it (the rim closes the surface's edge quads; it is flagged "outside" and
  cut away along cell edges). Cells are stored tile after tile, row-major inside a tile, so a
  series of ``T`` steps is a ``(T, n·TILE, TILE)`` array: memory, uploads and draw work grow
  with the tiles in use, not with the bounding box;
* the **page table** — ``(TH, TW)`` tile slots (−1: no tile) for lookups by cell.

A grid whose footprint needs most of its tiles anyway (a complete modelled surface) is stored
as **one tile** the size of the grid: then the stacked array *is* the dense ``(T, H, W)`` grid
and the fast dense drawing path applies unchanged.

``TILE`` is a multiple of the disclosure-control coarsening block
(:data:`~vizkit.layers.protection.COARSEN_FACTOR`), so ``grid="coarsen"`` blocks never straddle
tiles and protection can run on the stacked array directly.

GL-free; the terrain layer uploads what this module computes. The module stays whole (about
450 lines): the footprint rule, the two builders (dense masks, listed cells) and every lookup
must agree on one storage order, and are checked together in tests/test_terrain_sparse.py.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

TILE = 20               # cells a side of a tile
SPARSE_BELOW = 0.6      # grids whose footprint needs fewer of their tiles than this are tiled
CHUNK = 1 << 20         # cells per vectorised chunk when building indices (bounds temporaries)
OUTSIDE = np.float32(np.inf)     # GPU value code of a cell outside the footprint
HIDDEN = np.float32(-np.inf)     # GPU value code of a cell hidden by disclosure control


def _shifted(ndim: int, axis: int, shift: int) -> tuple[tuple[slice, ...], tuple[slice, ...]]:
    """Index tuples (lead, lag) that pair each cell with the one ``shift`` before it."""
    lead = [slice(None)] * ndim
    lag = [slice(None)] * ndim
    lead[axis], lag[axis] = slice(shift, None), slice(None, -shift)
    return tuple(lead), tuple(lag)


def dilate(mask: npt.NDArray[np.bool_], reach: int) -> npt.NDArray[np.bool_]:
    """``mask`` grown by ``reach`` cells in every direction (a square neighbourhood) over its
    last two axes (a grid, or a stack of tiles)."""
    out = np.array(mask, dtype=bool, copy=True)
    for axis in (-2, -1):  # separable: reach shifts per axis, each a whole-array OR
        grown = out.copy()
        for shift in range(1, min(reach, out.shape[axis] - 1) + 1):
            lead, lag = _shifted(out.ndim, axis, shift)
            grown[lead] |= out[lag]
            grown[lag] |= out[lead]
        out = grown
    return out


def between(data: npt.NDArray[np.bool_], reach: int) -> npt.NDArray[np.bool_]:
    """Cells with data within ``reach`` cells on both sides — west and east, or south and
    north (the cell itself not counted) — over the last two axes."""
    out = np.zeros(data.shape, bool)
    for axis in (-2, -1):
        before = np.zeros(data.shape, bool)   # data within reach on the lower side
        after = np.zeros(data.shape, bool)
        for shift in range(1, min(reach, data.shape[axis] - 1) + 1):
            lead, lag = _shifted(data.ndim, axis, shift)
            before[lead] |= data[lag]
            after[lag] |= data[lead]
        out |= before & after
    return out


GroundAt = Callable[[npt.NDArray[np.int64], npt.NDArray[np.int64]], npt.NDArray[np.bool_]]


def footprint_of(data: npt.NDArray[np.bool_], no_data: npt.NDArray[np.bool_] | None,
                 reach: int, ground: npt.NDArray[np.bool_] | None) -> npt.NDArray[np.bool_]:
    """The footprint (module docstring) of cells with ``data``, over the last two axes."""
    near = dilate(data, reach)
    if ground is not None:
        near &= ground
    if no_data is not None and no_data.any():
        near &= ~no_data
        nodata_ok = no_data & between(data, 2 * reach + 1)
        near |= nodata_ok if ground is None else nodata_ok & ground
    return data | near


@dataclass(frozen=True, eq=False)
class TileLayout:
    """Which cells of an ``(H, W)`` grid are stored and drawn (see the module docstring).

    Attributes:
        shape: ``(H, W)`` cells of the grid; row 0 is the southern row.
        tile: ``(rows, cols)`` cells per tile; equal to ``shape`` for a one-tile layout.
        origins: ``(n, 2)`` int64 ``(row, col)`` of each stored tile's first cell, row-major.
        pages: ``(TH, TW)`` int32 slot of the tile covering each block of cells, −1 for none.
        inside: ``(n, rows, cols)`` bool — the footprint: True where a cell is drawn.
    """

    shape: tuple[int, int]
    tile: tuple[int, int]
    origins: npt.NDArray[np.int64]
    pages: npt.NDArray[np.int32]
    inside: npt.NDArray[np.bool_]

    # -- building ----------------------------------------------------------------------------
    @classmethod
    def build(cls, data: npt.NDArray[np.bool_], *, reach: int | None,
              no_data: npt.NDArray[np.bool_] | None = None,
              ground: npt.NDArray[np.bool_] | None = None, tile: int = TILE,
              sparse_below: float = SPARSE_BELOW) -> TileLayout:
        """The layout of a dense grid with cells with data ``data`` ((H, W) bool).

        Args:
            data: True where some step has a value other than zero (or hidden).
            reach: cells of ground drawn around the data; ``None``: the whole grid is the
                footprint (a complete surface; given ``ground``, all of it and the data).
            no_data: ``(H, W)`` bool — cells without a value in any step (NaN); they are drawn
                only between data (see the module docstring). None: no such cells.
            ground: ``(H, W)`` bool — cells that may be ground (land), or None for all.
            tile: cells a side of a tile.
            sparse_below: store as tiles when fewer than this share of tiles is needed.
        """
        h, w = data.shape
        if reach is None:
            footprint = np.ones((h, w), bool) if ground is None else ground | data
        else:
            footprint = footprint_of(data, no_data, reach, ground)
        needed = dilate(footprint, 1)
        th, tw = -(-h // tile), -(-w // tile)
        padded = np.zeros((th * tile, tw * tile), bool)
        padded[:h, :w] = needed
        used = padded.reshape(th, tile, tw, tile).any(axis=(1, 3))
        if used.sum() >= sparse_below * used.size or h * w <= 4 * tile * tile:
            return cls.single(footprint)
        rows, cols = np.nonzero(used)
        pad_fp = np.zeros((th * tile, tw * tile), bool)
        pad_fp[:h, :w] = footprint
        inside = pad_fp.reshape(th, tile, tw, tile).transpose(0, 2, 1, 3)[rows, cols]
        return cls._tiled((h, w), tile, rows, cols, inside)

    @classmethod
    def from_cells(cls, shape: tuple[int, int], rows: npt.NDArray[np.int64],
                   cols: npt.NDArray[np.int64], data: npt.NDArray[np.bool_],
                   no_data: npt.NDArray[np.bool_], unlisted_no_data: bool, *, reach: int,
                   ground_at: GroundAt | None = None, tile: int = TILE,
                   sparse_below: float = SPARSE_BELOW) -> TileLayout | None:
        """The layout of a grid given as listed cells, never making an ``(H, W)`` array: tiles
        near the data are built as a stack with a margin of ``reach + 1`` cells.

        Args:
            shape: ``(H, W)`` of the grid.
            rows, cols: the listed cells.
            data: per listed cell, whether some step has a value other than zero.
            no_data: per listed cell, whether no step has a value.
            unlisted_no_data: whether the cells not listed are no data (else zero).
            reach, tile, sparse_below: as for :meth:`build` (``2·reach + 2 ≤ tile``).
            ground_at: ``(rows, cols) -> bool`` — whether cells may be ground (land).

        Returns:
            The layout, or None when most tiles are needed (then build it densely).
        """
        h, w = shape
        th, tw = -(-h // tile), -(-w // tile)
        margin = 2 * reach + 2   # data within 2·reach + 1 decides no-data cells; + the rim
        dr, dc = rows[data], cols[data]
        with_data = np.unique((dr // tile) * tw + dc // tile)
        near = [with_data]
        for dy in (-1, 0, 1):   # tiles next to a tile with data may hold its ground
            for dx in (-1, 0, 1):
                ty, tx = np.divmod(with_data, tw)
                ty, tx = ty + dy, tx + dx
                ok = (ty >= 0) & (ty < th) & (tx >= 0) & (tx < tw)
                near.append(ty[ok] * tw + tx[ok])
        candidates = np.unique(np.concatenate(near))
        if len(candidates) >= sparse_below * th * tw:
            return None
        n, side = len(candidates), tile + 2 * margin
        ty, tx = np.divmod(candidates, tw)
        stack_data = np.zeros((n, side, side), bool)
        stack_nan = np.full((n, side, side), unlisted_no_data)
        for dy in (-1, 0, 1):   # each listed cell into its tile and the margins around it
            for dx in (-1, 0, 1):
                tr, tc = rows // tile + dy, cols // tile + dx
                slot = np.searchsorted(candidates, tr * tw + tc)
                slot = np.minimum(slot, n - 1)
                lr = rows - tr * tile + margin
                lc = cols - tc * tile + margin
                ok = ((candidates[slot] == tr * tw + tc) & (tr >= 0) & (tr < th) & (tc >= 0)
                      & (tc < tw) & (lr >= 0) & (lr < side) & (lc >= 0) & (lc < side))
                stack_data[slot[ok], lr[ok], lc[ok]] = data[ok]
                stack_nan[slot[ok], lr[ok], lc[ok]] = no_data[ok]
        local = np.arange(side) - margin
        grid_r = ty[:, None] * tile + local[None, :]
        grid_c = tx[:, None] * tile + local[None, :]
        on_grid = (((grid_r >= 0) & (grid_r < h))[:, :, None]
                   & ((grid_c >= 0) & (grid_c < w))[:, None, :])
        stack_nan &= on_grid
        ground = None
        if ground_at is not None:
            ask = dilate(stack_data, reach) & ~stack_data & on_grid
            ground = np.zeros(ask.shape, bool)
            s, r, c = np.nonzero(ask)
            ground[s, r, c] = ground_at(grid_r[s, r], grid_c[s, c])
        footprint = footprint_of(stack_data, stack_nan, reach, ground) & on_grid
        own = slice(margin, margin + tile)
        needed = dilate(footprint, 1)[:, own, own]
        used = needed.any(axis=(1, 2))
        return cls._tiled((h, w), tile, ty[used], tx[used],
                          np.ascontiguousarray(footprint[used][:, own, own]))

    @classmethod
    def _tiled(cls, shape: tuple[int, int], tile: int, rows: npt.NDArray[np.int64],
               cols: npt.NDArray[np.int64], inside: npt.NDArray[np.bool_]) -> TileLayout:
        """A tiled layout of tiles (``rows``, ``cols`` in tiles, row-major order)."""
        th, tw = -(-shape[0] // tile), -(-shape[1] // tile)
        order = np.lexsort((cols, rows))
        rows, cols, inside = rows[order], cols[order], inside[order]
        pages = np.full((th, tw), -1, np.int32)
        pages[rows, cols] = np.arange(len(rows), dtype=np.int32)
        origins = np.stack([rows, cols], axis=1).astype(np.int64) * tile
        return cls(shape, (tile, tile), origins, pages, np.ascontiguousarray(inside))

    @staticmethod
    def candidates(data: npt.NDArray[np.bool_], reach: int) -> npt.NDArray[np.bool_]:
        """Cells that could be ground within ``reach`` of the data (the ones a land mask needs
        to answer for)."""
        return dilate(data, reach) & ~data

    @classmethod
    def single(cls, footprint: npt.NDArray[np.bool_]) -> TileLayout:
        """One tile the size of the grid (dense storage) with the given footprint."""
        h, w = footprint.shape
        return cls((h, w), (h, w), np.zeros((1, 2), np.int64), np.zeros((1, 1), np.int32),
                   np.ascontiguousarray(footprint, dtype=bool)[np.newaxis])

    # -- facts -------------------------------------------------------------------------------
    @property
    def tiled(self) -> bool:
        """True when stored as tiles (False: one tile, the dense grid)."""
        return self.tile != self.shape

    @property
    def count(self) -> int:
        """Number of stored tiles."""
        return len(self.origins)

    @property
    def stored_cells(self) -> int:
        """Cells stored (tiles × cells per tile)."""
        return self.count * self.tile[0] * self.tile[1]

    @property
    def complete(self) -> bool:
        """True when every stored cell is drawn (a complete dense surface)."""
        return bool(self.inside.all())

    @property
    def stacked_shape(self) -> tuple[int, int]:
        """``(n·rows, cols)``: one step's cells as a 2-D array, tiles stacked north-south."""
        return self.count * self.tile[0], self.tile[1]

    def footprint(self) -> npt.NDArray[np.bool_]:
        """``(H, W)`` bool: the drawn cells, as a dense mask (made on request)."""
        flat = self.inside.reshape(1, *self.stacked_shape)
        return self.scatter(flat, False)[0]

    def footprint_bounds(self) -> tuple[int, int, int, int] | None:
        """``(row0, col0, row1, col1)`` (exclusive ends) of the drawn cells, or None."""
        slots, rows, cols = np.nonzero(self.inside)
        if len(slots) == 0:
            return None
        r = self.origins[slots, 0] + rows
        c = self.origins[slots, 1] + cols
        return int(r.min()), int(c.min()), int(r.max()) + 1, int(c.max()) + 1

    # -- cells ↔ storage ---------------------------------------------------------------------
    def locate(self, rows: npt.ArrayLike, cols: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """Flat stored index of cells (row, col), −1 where a cell is not stored (vectorised)."""
        r = np.asarray(rows, dtype=np.int64)
        c = np.asarray(cols, dtype=np.int64)
        h, w = self.shape
        th, tw = self.tile
        ok = (r >= 0) & (r < h) & (c >= 0) & (c < w)
        rr, cc = np.where(ok, r, 0), np.where(ok, c, 0)
        slot = self.pages[rr // th, cc // tw].astype(np.int64)
        flat = (slot * th + rr % th) * tw + cc % tw
        return np.where(ok & (slot >= 0), flat, -1)

    def cells(self, flat: npt.ArrayLike) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Grid (row, col) of flat stored indices."""
        f = np.asarray(flat, dtype=np.int64)
        th, tw = self.tile
        slot, rest = np.divmod(f, th * tw)
        lr, lc = np.divmod(rest, tw)
        return self.origins[slot, 0] + lr, self.origins[slot, 1] + lc

    def gather(self, dense: npt.NDArray, fill: float | bool) -> npt.NDArray:
        """``(T, n·rows, cols)`` stored cells of a dense ``(T, H, W)`` array (``fill`` beyond
        the grid's edge). A one-tile layout returns ``dense`` itself."""
        if not self.tiled:
            return dense
        t = dense.shape[0]
        th, tw = self.tile
        h, w = self.shape
        out = np.full((t, self.count, th, tw), fill, dtype=dense.dtype)
        for slot, (r0, c0) in enumerate(self.origins):  # one slice per tile, vectorised
            r1, c1 = min(r0 + th, h), min(c0 + tw, w)
            out[:, slot, :r1 - r0, :c1 - c0] = dense[:, r0:r1, c0:c1]
        return out.reshape(t, self.count * th, tw)

    def gather_cells(self, rows: npt.ArrayLike, cols: npt.ArrayLike, values: npt.NDArray,
                     fill: float) -> npt.NDArray[np.float32]:
        """``(T, n·rows, cols)`` float32 from values ``(T, N)`` at cells ``(rows, cols)``;
        other stored cells get ``fill``. Cells that are not stored are dropped."""
        t = values.shape[0]
        out = np.full((t, self.stored_cells), fill, np.float32)
        flat = self.locate(rows, cols)
        keep = flat >= 0
        out[:, flat[keep]] = values[:, keep]
        return out.reshape(t, *self.stacked_shape)

    def regather(self, source: TileLayout, stacked: npt.NDArray, fill: float | bool
                 ) -> npt.NDArray:
        """Cells stored in ``source`` layout (``(T, …)``), moved to this layout."""
        if source is self:
            return stacked
        t = stacked.shape[0]
        flat = np.arange(self.stored_cells, dtype=np.int64)
        rows, cols = self.cells(flat)
        src = source.locate(rows, cols)
        out = np.full((t, self.stored_cells), fill, dtype=stacked.dtype)
        keep = src >= 0
        out[:, keep] = stacked.reshape(t, -1)[:, src[keep]]
        return out.reshape(t, *self.stacked_shape)

    def scatter(self, stacked: npt.NDArray, fill: float | bool) -> npt.NDArray:
        """Dense ``(T, H, W)`` from stored cells ``(T, n·rows, cols)``; ``fill`` elsewhere."""
        t = stacked.shape[0]
        h, w = self.shape
        if not self.tiled:
            return stacked
        th, tw = self.tile
        tiles = stacked.reshape(t, self.count, th, tw)
        out = np.full((t, h, w), fill, dtype=stacked.dtype)
        for slot, (r0, c0) in enumerate(self.origins):
            r1, c1 = min(r0 + th, h), min(c0 + tw, w)
            out[:, r0:r1, c0:c1] = tiles[:, slot, :r1 - r0, :c1 - c0]
        return out

    def centres(self, cell_size: tuple[float, float], origin: tuple[float, float]
                ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """World x, y (metres) of every stored cell's south-west corner, flat order."""
        rows, cols = self.cells(np.arange(self.stored_cells))
        return origin[0] + cols * cell_size[0], origin[1] + rows * cell_size[1]

    # -- drawing -----------------------------------------------------------------------------
    def quad_indices(self) -> npt.NDArray[np.uint32]:
        """Triangle indices (into the stored cells, as vertices at cell centres) of every quad
        of four stored cells with at least one drawn corner; counter-clockwise from above.

        Built in chunks of cells, so temporaries stay bounded on big grids.
        """
        th, tw = self.tile
        if not self.tiled and self.complete:  # the dense fast path: every quad
            return grid_indices(tw, th)
        inside = self.inside.reshape(-1)
        parts = []
        for start in range(0, self.stored_cells, CHUNK):
            a = np.arange(start, min(start + CHUNK, self.stored_cells), dtype=np.int64)
            rows, cols = self.cells(a)
            b = self.locate(rows, cols + 1)
            c = self.locate(rows + 1, cols)
            d = self.locate(rows + 1, cols + 1)
            ok = (b >= 0) & (c >= 0) & (d >= 0)
            a, b, c, d = a[ok], b[ok], c[ok], d[ok]
            drawn = inside[a] | inside[b] | inside[c] | inside[d]
            a, b, c, d = a[drawn], b[drawn], c[drawn], d[drawn]
            parts.append(np.stack([a, b, d, a, d, c], axis=1).ravel().astype(np.uint32))
        return np.concatenate(parts) if parts else np.zeros(0, np.uint32)

    def atlas_tiles(self) -> int:
        """Tiles per row of the atlas (a square-ish arrangement of the tiles with aprons)."""
        return 1 if not self.tiled else math.ceil(math.sqrt(self.count))

    def atlas_size(self) -> tuple[int, int]:
        """``(width, height)`` texels of the atlas: tiles with a one-texel apron around each."""
        th, tw = self.tile
        across = self.atlas_tiles()
        down = -(-self.count // across)
        return across * (tw + 2), down * (th + 2)

    def atlas_index(self) -> npt.NDArray[np.int64]:
        """``(height, width)`` flat stored index of the cell each atlas texel holds, −1 for
        none — aprons hold the neighbouring tiles' edge cells, so a texel's four neighbours
        are always at hand."""
        th, tw = self.tile
        across = self.atlas_tiles()
        width, height = self.atlas_size()
        ty, tx = np.divmod(np.arange(height), th + 2), np.divmod(np.arange(width), tw + 2)
        slot = ty[0][:, None] * across + tx[0][None, :]
        valid = slot < self.count
        slot = np.where(valid, slot, 0)
        rows = self.origins[slot, 0] + ty[1][:, None] - 1
        cols = self.origins[slot, 1] + tx[1][None, :] - 1
        return np.where(valid, self.locate(rows, cols), -1)


def grid_indices(width: int, height: int) -> npt.NDArray[np.uint32]:
    """Triangle indices of a ``width × height`` vertex grid, quad by quad, counter-clockwise
    seen from above (+z) with row index growing northwards."""
    if width < 2 or height < 2:
        raise ValueError(f"a terrain needs at least 2×2 cells, got {width}×{height}")
    rows, cols = np.meshgrid(np.arange(height - 1, dtype=np.uint32),
                             np.arange(width - 1, dtype=np.uint32), indexing="ij")
    a = (rows * width + cols).ravel()
    b, c, d = a + 1, a + width, a + width + 1
    return np.stack([a, b, d, a, d, c], axis=1).ravel()


def encode(shown: npt.NDArray[np.float32], hidden: npt.NDArray[np.bool_],
           inside: npt.NDArray[np.bool_]) -> npt.NDArray[np.float32]:
    """The values as the GPU reads them: finite = a value, NaN = no data, −inf = hidden by
    disclosure control, +inf = outside the footprint (``inside`` is per cell, all steps).

    Returns ``shown`` itself when there is nothing to mark (the dense, complete fast path).
    """
    flat_inside = inside.reshape(-1)
    if flat_inside.all() and not hidden.any():
        return shown
    out = np.array(shown, dtype=np.float32, copy=True)
    out[hidden] = HIDDEN
    out.reshape(out.shape[0], -1)[:, ~flat_inside] = OUTSIDE
    return out


__all__ = ["HIDDEN", "OUTSIDE", "SPARSE_BELOW", "TILE", "GroundAt", "TileLayout", "between",
           "dilate", "encode", "footprint_of", "grid_indices"]
