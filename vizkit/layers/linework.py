"""Boundaries → base-map geometry: land triangles, coastline and border segments (GL-free).

The GL-free half of :class:`~vizkit.layers.basemap.BaseMap`, in four steps:

1. **Read** the regions as :class:`~vizkit.layers.regions.Regions` does
   (:func:`~vizkit.layers.prisms.read_region_geometry`: a :func:`vizkit.data.read_geojson`
   DataFrame, a GeoJSON path or dict, or ``code → rings`` in metres).
2. **Clean** them into a coverage (:func:`vizkit.data.land.clean_coverage`): sliver gaps closed,
   shared edges vertex-for-vertex identical.
3. **Classify every edge once.** All ring segments are put in canonical order (lower endpoint
   first) and counted with one ``np.unique``: a segment used by one region lies on the outline
   of the union — the **coastline** (or the edge of the mapped area); a segment used by two
   regions is a **border**, kept once, so no border is drawn twice. A border's *level* is the
   coarsest grouping whose groups differ on its two sides (0: only the regions differ).
4. **Triangulate** the land once with :func:`~vizkit.layers.prisms.triangulate_caps`
   (mapbox_earcut), the same code as the regions' caps.

**Coarser levels** (län over kommuner, fylker over kommuner) are *groupings of the regions*,
not second sets of lines: a column of the regions' DataFrame (``"lan_code"``), or boundaries
of larger regions, each region then belonging to the one it overlaps most. Stronger borders are
thus drawn along the regions' own edges. Published county and municipality files are usually
generalised differently (SCB's län file has 1,177 vertices, its kommuner 19,691): drawing both
outlines would give two wobbling lines side by side and a doubled coast.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from vizkit.data.land import (
    boundary_shapes,
    clean_coverage,
    default_gap_width,
    shapes_from_polygons,
    union_of,
)
from vizkit.layers.prisms import read_region_geometry, triangulate_caps

Segments = npt.NDArray[np.float64]  # (S, 4): x0, y0, x1, y1 in world metres


class Linework:
    """Land, coastline and borders of a set of regions, ready for the GPU.

    Attributes:
        codes: region codes (str), in the order of the boundaries.
        shapes: ``(R,)`` the cleaned regions (shapely MultiPolygons, metres).
        land: their union (shapely MultiPolygon).
        groups: one ``(R,) int64`` array per coarser level: the group of each region (``-1``:
            in no group of that level).
        origin: ``(x, y, 0)`` metres subtracted from every vertex (float32 stays precise).
        land_points: ``(N, 2) float32`` land vertices relative to :attr:`origin`.
        land_indices: ``(3 × triangles,) uint32``.
        coastline: ``(S, 4)`` segments of the land's outline, world metres.
        borders: per level (0 = between regions only, ``k`` = between groups of coarser level
            ``k``), ``(S, 4)`` segments, each shared edge once, in its strongest level only.
        gap_width: metres below which gaps between regions were closed.
    """

    def __init__(self, boundaries: Any, coarser: Sequence[Any] = (), *,
                 id_property: str | None = None, gap_width: float | None = None,
                 owner: str = "BaseMap"):
        self.owner = owner
        self.codes, polygons = read_region_geometry(boundaries, id_property, owner)
        per_region: list[list[Any]] = [[] for _ in self.codes]
        for row, rings in polygons:
            per_region[row].append(rings)
        raw = shapes_from_polygons(list(zip(self.codes, per_region, strict=True)), owner)
        self.gap_width = default_gap_width(raw) if gap_width is None else float(gap_width)
        try:
            self.shapes = clean_coverage(raw, self.gap_width)
        except ValueError as exc:
            raise ValueError(f"{owner}: {exc}") from None
        self.land = union_of(self.shapes)
        if self.land.is_empty:
            raise ValueError(f"{owner}: the boundaries hold no land (every region is empty)")
        self.groups = [self._grouping(boundaries, level, k)
                       for k, level in enumerate(coarser, start=1)]
        xmin, ymin, _, _ = self.land.bounds
        self.origin = (float(xmin), float(ymin), 0.0)
        self._triangulate()
        self.coastline, self.borders = self._classify()

    # -- facts -----------------------------------------------------------------------------
    @property
    def bounds(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """``((xmin, ymin), (xmax, ymax))`` of the land, world metres."""
        b = np.asarray(self.land.bounds, dtype=np.float64)
        return b[:2], b[2:]

    def relative(self, segments: Segments) -> npt.NDArray[np.float32]:
        """``(S, 4) float32`` segments relative to :attr:`origin` (what the GPU draws)."""
        shift = np.array([self.origin[0], self.origin[1]] * 2)
        return np.ascontiguousarray(segments - shift, dtype=np.float32)

    # -- building --------------------------------------------------------------------------
    def _grouping(self, boundaries: Any, level: Any, k: int) -> npt.NDArray[np.int64]:
        """Group of each region at a coarser level: a column's values, or the larger region
        (of other boundaries) each region overlaps most."""
        if isinstance(level, str):
            if not isinstance(boundaries, pd.DataFrame):
                raise TypeError(f"{self.owner}: coarser level {k} names a column ({level!r}), "
                                "but the boundaries are not a DataFrame")
            if level not in boundaries.columns:
                raise ValueError(f"{self.owner}: coarser level {k}: no column {level!r} in the "
                                 f"boundaries (columns: {', '.join(map(str, boundaries.columns))})")
            codes, _ = pd.factorize(boundaries[level].astype("string"), use_na_sentinel=True)
            return codes.astype(np.int64)
        larger = boundary_shapes(level, f"{self.owner}: coarser level {k}")
        tree = shapely.STRtree(larger)
        fine, coarse = tree.query(self.shapes, predicate="intersects")
        group = np.full(len(self.shapes), -1, dtype=np.int64)
        if len(fine) == 0:
            return group
        try:
            area = shapely.area(shapely.intersection(self.shapes[fine], larger[coarse]))
        except shapely.errors.GEOSException as exc:
            raise ValueError(f"{self.owner}: coarser level {k}: cannot overlay it on the "
                             f"regions ({exc})") from None
        order = np.lexsort((-area, fine))                    # per region, largest overlap first
        _, first = np.unique(fine[order], return_index=True)
        best = order[first]
        best = best[area[best] > 0]
        group[fine[best]] = coarse[best]
        return group

    def _triangulate(self) -> None:
        polygons: list[tuple[int, list[npt.NDArray[np.float64]]]] = []
        for row, shape in enumerate(self.shapes):
            for part in shapely.get_parts(shape):
                rings = [shapely.get_coordinates(part.exterior)]
                rings += [shapely.get_coordinates(r) for r in part.interiors]
                polygons.append((row, rings))
        caps = triangulate_caps(polygons, self.owner)
        shift = np.array(self.origin[:2])
        self.land_points = np.ascontiguousarray(caps.points - shift, dtype=np.float32)
        self.land_indices = caps.indices.astype(np.uint32)

    def _classify(self) -> tuple[Segments, list[Segments]]:
        """Coastline segments and border segments per level (see the module docstring)."""
        parts, part_region = shapely.get_parts(self.shapes, return_index=True)
        rings, ring_part = shapely.get_rings(parts, return_index=True)
        coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
        along = coord_ring[:-1] == coord_ring[1:]                 # consecutive points of a ring
        a, b = coords[:-1][along], coords[1:][along]
        region = part_region[ring_part[coord_ring[:-1][along]]]
        keep = (a != b).any(axis=1)
        a, b, region = a[keep], b[keep], region[keep]
        swap = (a[:, 0] > b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] > b[:, 1]))
        lo = np.where(swap[:, None], b, a)
        hi = np.where(swap[:, None], a, b)
        unique, inverse, counts = np.unique(np.column_stack([lo, hi]), axis=0,
                                            return_inverse=True, return_counts=True)
        order = np.argsort(inverse.ravel(), kind="stable")
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        first = region[order[starts]]
        second = region[order[np.minimum(starts + 1, len(order) - 1)]]
        coastline = unique[counts == 1]
        shared = (counts >= 2) & (first != second)              # same region twice: a slit
        level = np.zeros(len(unique), dtype=np.int64)
        for k, group in enumerate(self.groups, start=1):
            level[group[first] != group[second]] = k
        borders = [unique[shared & (level == k)] for k in range(len(self.groups) + 1)]
        return coastline, borders


__all__ = ["Linework", "Segments"]
