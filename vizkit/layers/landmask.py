"""Land or water for the cells of a grid: what a terrain may draw as ground.

A terrain draws its data cells wherever they are, and around them — up to its ``reach`` — the
ground they stand on. Given ``land=``, only land is ground: a fjord or a lake next to a town stays
open (the base map, if any, shows the water). ``land`` may be

* an ``(H, W)`` bool array (True = land), cell for cell;
* an object with ``land_mask(extent, shape) -> (H, W) bool`` — a :class:`vizkit.BaseMap`, say;
* a boundaries DataFrame from :func:`vizkit.data.read_geojson` (a ``geometry`` column of
  polygons in metres): a cell is land when its centre lies inside the union of the polygons
  (shapely's vectorised ``contains_xy``). When the frame and the grid both name their CRS and
  they differ, the polygons are projected to the grid's CRS first.

Only the cells asked about are tested (the ground candidates around the data), so a sparse grid
pays for its neighbourhood, not its bounding box. GL-free.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

Extent = tuple[float, float, float, float]


def land_at(land: Any, *, extent: Extent, shape: tuple[int, int], crs: str | None,
            owner: str) -> Callable[[npt.NDArray[np.int64], npt.NDArray[np.int64]],
                                    npt.NDArray[np.bool_]]:
    """A function ``(rows, cols) -> bool`` telling which cells are land (vectorised).

    Raises:
        ValueError / TypeError naming the layer and what was wrong with ``land``.
    """
    h, w = shape
    if isinstance(land, np.ndarray):
        mask = np.asarray(land)
        if mask.shape != (h, w) or mask.dtype != bool:
            raise ValueError(f"{owner}: land must be an (H, W) = ({h}, {w}) bool array, got "
                             f"shape {mask.shape} dtype {mask.dtype}")
        return lambda rows, cols: mask[rows, cols]
    if hasattr(land, "land_mask") and not isinstance(land, pd.DataFrame):
        mask = np.asarray(land.land_mask(extent, (h, w)), dtype=bool)
        if mask.shape != (h, w):
            raise ValueError(f"{owner}: {type(land).__name__}.land_mask returned shape "
                             f"{mask.shape}, expected ({h}, {w})")
        return lambda rows, cols: mask[rows, cols]
    if isinstance(land, pd.DataFrame):
        return _from_boundaries(land, extent, (h, w), crs, owner)
    raise TypeError(f"{owner}: land must be an (H, W) bool array, a boundaries DataFrame from "
                    f"vizkit.data.read_geojson or an object with land_mask(extent, shape), got "
                    f"{type(land).__name__}")


def land_mask(land: Any, *, extent: Extent, shape: tuple[int, int], crs: str | None,
              candidates: npt.NDArray[np.bool_] | None, owner: str) -> npt.NDArray[np.bool_]:
    """``(H, W)`` bool: True where a cell is land (only ``candidates`` are tested when given;
    the others are False)."""
    at = land_at(land, extent=extent, shape=shape, crs=crs, owner=owner)
    rows, cols = (np.nonzero(candidates) if candidates is not None
                  else np.indices(shape).reshape(2, -1))
    mask = np.zeros(shape, bool)
    mask[rows, cols] = at(rows, cols)
    return mask


def _from_boundaries(frame: pd.DataFrame, extent: Extent, shape: tuple[int, int],
                     crs: str | None, owner: str
                     ) -> Callable[[npt.NDArray[np.int64], npt.NDArray[np.int64]],
                                   npt.NDArray[np.bool_]]:
    import shapely  # a dependency; loaded only when boundaries are given

    if "geometry" not in frame.columns:
        raise ValueError(f"{owner}: land has no 'geometry' column (expected the output of "
                         "vizkit.data.read_geojson)")
    frame_crs = frame.attrs.get("crs")
    project = None
    if crs and frame_crs and str(crs).upper() != str(frame_crs).upper():
        from vizkit.data.crs import project as project_xy

        def project(ring: np.ndarray) -> np.ndarray:
            x, y = project_xy(ring[:, 0], ring[:, 1], frame_crs, crs)
            return np.column_stack([x, y])

    parts = []
    for code, polygons in zip(frame.index, frame["geometry"], strict=True):
        for rings in polygons or []:
            rings = [np.asarray(r, float)[:, :2] for r in rings]
            if project is not None:
                rings = [project(r) for r in rings]
            try:
                parts.append(shapely.Polygon(rings[0], rings[1:]))
            except (ValueError, shapely.errors.GEOSException) as exc:
                raise ValueError(f"{owner}: land polygon of {code!r} is malformed: {exc}") from None
    h, w = shape
    if not parts:
        return lambda rows, cols: np.zeros(np.shape(rows), bool)
    union = shapely.union_all(shapely.make_valid(np.asarray(parts, dtype=object)))
    shapely.prepare(union)
    cx = (extent[2] - extent[0]) / w
    cy = (extent[3] - extent[1]) / h

    def at(rows: npt.NDArray[np.int64], cols: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        xs = extent[0] + (np.asarray(cols) + 0.5) * cx
        ys = extent[1] + (np.asarray(rows) + 0.5) * cy
        return np.asarray(shapely.contains_xy(union, xs, ys), dtype=bool)

    return at


__all__ = ["land_at", "land_mask"]
