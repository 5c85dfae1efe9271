"""Land or water for the cells of a grid: what a terrain may draw as ground.

A terrain draws its data cells wherever they are, and around them — up to its ``reach`` — the
ground they stand on. Given ``land=``, only land is ground: a fjord or a lake next to a town stays
open (the base map, if any, shows the water). ``land`` may be

* an ``(H, W)`` bool array (True = land), cell for cell;
* boundaries: a DataFrame from :func:`vizkit.data.read_geojson`, a shapely (Multi)Polygon or a
  list of them — the land is :func:`vizkit.data.land.land_geometry` (the union of the regions,
  sliver gaps between neighbours closed); when a DataFrame and the grid both name their CRS and
  they differ, the land is projected to the grid's CRS;
* a :class:`vizkit.BaseMap` (its ``land``), or any object with ``land_mask(extent, shape)``.

A cell is land when its centre lies inside the land (a centre on the coast is water), as
:func:`vizkit.data.land_mask` decides. Only the cells asked about are tested (shapely's
vectorised ``contains_xy`` on the ground candidates round the data), so a sparse grid pays for
its neighbourhood, not its bounding box. GL-free.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

Extent = tuple[float, float, float, float]
LandAt = Callable[[npt.NDArray[np.int64], npt.NDArray[np.int64]], npt.NDArray[np.bool_]]


def land_at(land: Any, *, extent: Extent, shape: tuple[int, int], crs: str | None,
            owner: str) -> LandAt:
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
    geometry = _geometry(land, crs, owner)
    if geometry is not None:
        return _inside(geometry, extent, (h, w))
    if hasattr(land, "land_mask"):
        mask = np.asarray(land.land_mask(extent, (h, w)), dtype=bool)
        if mask.shape != (h, w):
            raise ValueError(f"{owner}: {type(land).__name__}.land_mask returned shape "
                             f"{mask.shape}, expected ({h}, {w})")
        return lambda rows, cols: mask[rows, cols]
    raise TypeError(f"{owner}: land must be an (H, W) bool array, boundaries (a DataFrame from "
                    "vizkit.data.read_geojson, shapely polygons), a vizkit.BaseMap or an object "
                    f"with land_mask(extent, shape), got {type(land).__name__}")


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


def _geometry(land: Any, crs: str | None, owner: str) -> Any:
    """The land as one shapely geometry in the grid's CRS, or None if ``land`` is no such."""
    import shapely  # a dependency; loaded only when boundaries are given

    from vizkit.data.land import land_geometry

    if isinstance(land, shapely.Geometry) or (
            isinstance(land, (list, tuple)) and land
            and all(isinstance(g, shapely.Geometry) for g in land)):
        return land_geometry(land)
    if isinstance(getattr(land, "land", None), shapely.Geometry):   # a BaseMap
        return land.land
    if not isinstance(land, pd.DataFrame):
        return None
    try:
        geometry = land_geometry(land)
    except ValueError as exc:
        raise ValueError(f"{owner}: land: {exc}") from None
    frame_crs = land.attrs.get("crs")
    if crs and frame_crs and str(crs).upper() != str(frame_crs).upper():
        from vizkit.data.crs import project

        def to_grid(xy: np.ndarray) -> np.ndarray:
            x, y = project(xy[:, 0], xy[:, 1], frame_crs, crs)
            return np.column_stack([x, y])

        geometry = shapely.transform(geometry, to_grid)
    return geometry


def _inside(geometry: Any, extent: Extent, shape: tuple[int, int]) -> LandAt:
    import shapely

    shapely.prepare(geometry)
    h, w = shape
    cx = (extent[2] - extent[0]) / w
    cy = (extent[3] - extent[1]) / h

    def at(rows: npt.NDArray[np.int64], cols: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        xs = extent[0] + (np.asarray(cols) + 0.5) * cx
        ys = extent[1] + (np.asarray(rows) + 0.5) * cy
        return np.asarray(shapely.contains_xy(geometry, xs, ys), dtype=bool)

    return at


__all__ = ["land_at", "land_mask"]
