"""Region geometry → extruded prisms: the GL-free half of the regions layer.

:func:`read_region_geometry` takes what :class:`~vizkit.layers.regions.Regions` accepts — GeoJSON
(a path or a parsed FeatureCollection) through :func:`vizkit.data.read_geojson`, which projects
it to metres; the DataFrame ``read_geojson`` returns; or a mapping ``code → rings`` in metres —
and returns codes and polygons. :func:`build_prism_mesh` triangulates the caps once with
mapbox_earcut (holes and multipolygons included) and builds the walls, one quad per ring edge
with a flat outward normal, vectorised over all rings. The caps' triangulation,
:func:`triangulate_caps`, is also the base map's land fill (:mod:`vizkit.layers.linework`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import mapbox_earcut
import numpy as np
import numpy.typing as npt
import pandas as pd

from vizkit.data.geojson import read_geojson

Ring = npt.NDArray[np.float64]


class PrismMesh:
    """Triangles of all prisms: caps (earcut) and walls (a quad per ring edge).

    Attributes:
        origin: (x, y, 0) metres subtracted from every vertex (float32 stays precise).
        vertices: ``(V, 6) float32``: x, y (relative to origin), top (0 ground / 1 cap),
            normal x, y, z.
        region: ``(V,) uint32`` region row of each vertex.
        indices: ``(3 × triangles,) uint32``.
        bounds: ((xmin, ymin), (xmax, ymax)) in world metres.
    """

    def __init__(self, origin: tuple[float, float, float], vertices: npt.NDArray[np.float32],
                 region: npt.NDArray[np.uint32], indices: npt.NDArray[np.uint32],
                 bounds: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]):
        self.origin, self.vertices, self.region, self.indices = origin, vertices, region, indices
        self.bounds = bounds


class CapTriangles:
    """Flat caps of polygons, triangulated with mapbox_earcut (holes cut out).

    Attributes:
        rings: every ring kept, open (first point not repeated), ``(N, 2) float64`` metres,
            polygon after polygon, each polygon's exterior first.
        ring_region: region row of each ring.
        ring_hole: whether each ring is a hole.
        indices: ``(3 × triangles,) int64`` into the concatenation of :attr:`rings`.
    """

    def __init__(self, rings: list[Ring], ring_region: list[int], ring_hole: list[bool],
                 indices: npt.NDArray[np.int64]):
        self.rings, self.ring_region, self.ring_hole = rings, ring_region, ring_hole
        self.indices = indices

    @property
    def points(self) -> npt.NDArray[np.float64]:
        """``(N, 2)`` all ring points in order (what :attr:`indices` index)."""
        return np.concatenate(self.rings) if self.rings else np.zeros((0, 2))


def triangulate_caps(polygons: list[tuple[int, list[Ring]]], owner: str = "Regions"
                     ) -> CapTriangles:
    """Triangulate ``(region row, [exterior, hole, …])`` polygons: one earcut call each.

    Rings may be closed (first point repeated) or open; degenerate holes (under 3 points) are
    dropped; an exterior under 3 points or a non-finite coordinate is an error naming the row.
    """
    rings: list[Ring] = []
    ring_region: list[int] = []
    ring_hole: list[bool] = []
    cap_tris: list[npt.NDArray[np.int64]] = []
    offset = 0
    for region, poly in polygons:
        clean = []
        for k, ring in enumerate(poly):
            r = np.asarray(ring, dtype=np.float64)[:, :2]
            if len(r) > 1 and np.array_equal(r[0], r[-1]):
                r = r[:-1]
            if len(r) < 3:
                if k == 0:
                    raise ValueError(f"{owner}: region row {region}: an exterior ring needs at "
                                     f"least 3 distinct points, got {len(r)}")
                continue  # a degenerate hole: nothing to cut
            if not np.isfinite(r).all():
                raise ValueError(f"{owner}: region row {region}: ring {k} has non-finite "
                                 "coordinates")
            clean.append(r)
        coords = np.concatenate(clean)
        ends = np.cumsum([len(r) for r in clean]).astype(np.uint32)
        tris = mapbox_earcut.triangulate_float64(coords, ends).astype(np.int64)
        cap_tris.append(tris + offset)
        offset += len(coords)
        rings.extend(clean)
        ring_region.extend([region] * len(clean))
        ring_hole.extend([False] + [True] * (len(clean) - 1))
    indices = np.concatenate(cap_tris) if cap_tris else np.zeros(0, np.int64)
    return CapTriangles(rings, ring_region, ring_hole, indices)


def build_prism_mesh(polygons: list[tuple[int, list[Ring]]], owner: str = "Regions"
                     ) -> PrismMesh:
    """Triangulate caps and build walls for ``(region row, [exterior, hole, …])`` polygons.

    Rings may be closed (first point repeated) or open. One earcut call per polygon
    (:func:`triangulate_caps`); everything else (walls, normals, orientation) is vectorised
    over all rings at once.
    """
    caps = triangulate_caps(polygons, owner)
    rings, ring_region, ring_hole = caps.rings, caps.ring_region, caps.ring_hole
    if not rings:
        raise ValueError(f"{owner}: no polygons to draw")
    xy = np.concatenate(rings)
    lengths = np.array([len(r) for r in rings], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    ring_of = np.repeat(np.arange(len(rings)), lengths)
    region_of = np.asarray(ring_region, dtype=np.int64)[ring_of]
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    origin = (float(lo[0]), float(lo[1]), 0.0)
    local = xy - lo

    # next point along each ring (wrapping), signed ring areas (shoelace, vectorised)
    idx = np.arange(len(xy))
    nxt = idx + 1
    last = starts + lengths - 1
    nxt[last] = starts
    cross = local[:, 0] * local[nxt, 1] - local[nxt, 0] * local[:, 1]
    area = np.add.reduceat(cross, starts) / 2.0
    hole = np.asarray(ring_hole)
    outward = np.where((area > 0) != hole, 1.0, -1.0)[ring_of]  # +1: (dy, -dx) points out
    d = local[nxt] - local
    length = np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-12)
    normal = np.stack([d[:, 1] * outward / length, -d[:, 0] * outward / length,
                       np.zeros(len(d))], axis=1)

    cap = np.zeros((len(xy), 6))
    cap[:, :2], cap[:, 2], cap[:, 5] = local, 1.0, 1.0
    walls = np.zeros((len(xy), 4, 6))
    walls[:, 0, :2], walls[:, 1, :2] = local, local[nxt]
    walls[:, 2, :2], walls[:, 3, :2] = local[nxt], local
    walls[:, 2:, 2] = 1.0
    walls[:, :, 3:] = normal[:, None, :]
    vertices = np.concatenate([cap, walls.reshape(-1, 6)]).astype(np.float32)
    region = np.concatenate([region_of, np.repeat(region_of, 4)]).astype(np.uint32)
    base = len(xy) + 4 * idx
    wall_tris = np.stack([base, base + 1, base + 2, base, base + 2, base + 3], axis=1)
    indices = np.concatenate([caps.indices, wall_tris.ravel()]).astype(np.uint32)
    return PrismMesh(origin, vertices, region, indices, (lo, hi))


def read_region_geometry(geometry: Any, id_property: str | None, owner: str
                   ) -> tuple[list[str], list[tuple[int, list[Ring]]]]:
    """Codes (str, in order) and ``(region row, rings)`` polygons from any accepted input.

    GeoJSON (a path or a parsed FeatureCollection) goes through
    :func:`vizkit.data.read_geojson`, which projects it to metres and names file and field in
    its errors; a mapping ``code → rings`` is taken as metres.
    """
    if isinstance(geometry, (str, Path)) or (isinstance(geometry, Mapping)
                                             and geometry.get("type") == "FeatureCollection"):
        geometry = read_geojson(geometry, id_property or "code")
    if isinstance(geometry, pd.DataFrame):
        if "geometry" not in geometry.columns:
            raise ValueError(f"{owner}: the regions DataFrame has no 'geometry' column "
                             "(expected the output of vizkit.data.read_geojson)")
        items = list(zip((str(c) for c in geometry.index), geometry["geometry"], strict=True))
    elif isinstance(geometry, Mapping):
        items = [(region_code(k), g) for k, g in geometry.items()]
    else:
        raise TypeError(f"{owner}: geometry must be a FeatureCollection (dict or path), a "
                        f"read_geojson DataFrame or a mapping code → rings, got "
                        f"{type(geometry).__name__}")
    codes = [c for c, _ in items]
    index = pd.Index(codes)
    dupes = sorted(set(index[index.duplicated()]))
    if dupes:
        raise ValueError(f"{owner}: duplicate region codes in the geometry: {', '.join(dupes)}")
    polygons: list[tuple[int, list[Ring]]] = []
    for row, (c, geom) in enumerate(items):
        for poly in _polygons(geom, f"{owner}: region {c!r}"):
            polygons.append((row, poly))
    return codes, polygons


def region_code(value: Any) -> str:
    """A region code as text: ``3`` and ``3.0`` both become ``"3"``; "0381" keeps its zero."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _polygons(geom: Any, where: str) -> list[list[Ring]]:
    """A geometry (GeoJSON dict, polygon = rings, or multipolygon) as a list of polygons."""
    if isinstance(geom, Mapping):
        kind, coords = geom.get("type"), geom.get("coordinates")
        if kind == "Polygon":
            return [_rings(coords, where)]
        if kind == "MultiPolygon":
            return [_rings(p, where) for p in coords or []]
        raise ValueError(f"{where}: geometry type {kind!r} is not a Polygon or MultiPolygon")
    if geom is None or len(geom) == 0:
        raise ValueError(f"{where}: empty geometry")
    depth = _depth(geom)
    if depth == 3:  # [ring, ring, …] with ring = [[x, y], …]
        return [_rings(geom, where)]
    if depth == 4:
        return [_rings(p, where) for p in geom]
    raise ValueError(f"{where}: expected rings of [x, y] points (a polygon) or a list of "
                     "polygons")


def _depth(obj: Any) -> int:
    depth = 0
    while isinstance(obj, (list, tuple, np.ndarray)) and len(obj):
        if isinstance(obj, np.ndarray):
            return depth + obj.ndim
        obj, depth = obj[0], depth + 1
    return depth


def _rings(coords: Any, where: str) -> list[Ring]:
    out = []
    for k, ring in enumerate(coords or []):
        try:
            arr = np.asarray(ring, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"{where}: ring {k} coordinates must be [x, y] numbers") from None
        if arr.ndim != 2 or arr.shape[1] < 2:
            raise ValueError(f"{where}: ring {k} must be a list of [x, y] points")
        out.append(arr[:, :2])
    if not out:
        raise ValueError(f"{where}: a polygon without rings")
    return out


__all__ = ["CapTriangles", "PrismMesh", "Ring", "build_prism_mesh", "read_region_geometry",
           "region_code", "triangulate_caps"]
