"""GeoJSON (and TopoJSON) region polygons → a DataFrame of regions in a projected CRS.

:func:`read_geojson` returns one row per feature, indexed by the id property as a **string**
(integer ids such as the county ``l_id`` 3 become ``"3"``, or ``"03"`` with ``id_width=2``).
Columns: the other properties, then

- ``geometry``: a list of polygons, each a list of rings, each a closed ``(N, 2)`` float64 array
  of ``x, y`` metres in the target CRS (first point repeated last, as in GeoJSON). Ring 0 of a
  polygon is its exterior, the others are holes;
- ``geometry_type``: ``"Polygon"`` or ``"MultiPolygon"``;
- ``area``: m², holes subtracted;
- ``centroid_x``, ``centroid_y``: area-weighted centroid in metres (computed in the projected
  CRS, holes subtracted, all parts of a multipolygon weighted by area).

``attrs``: ``crs`` (target), ``source_crs``, ``id_property``, ``provenance`` (and
``topojson_object`` for TopoJSON).

**TopoJSON** is a first-class boundary format: :func:`read_geojson` reads a ``Topology``
document too (it dispatches on ``type``; ``object=`` names the object when a topology holds
several), and :func:`vizkit.data.read_topojson` is the same reader for TopoJSON only. Both give
the same frame, so a caller need not know which format a boundary file uses.

Coordinates are projected in one pyproj call for the whole file; areas and centroids use the
shoelace formula on the concatenated rings (``np.add.reduceat``), so no Python code runs per
vertex (:mod:`vizkit.data._regions`). :func:`simplify_regions` simplifies for display with
shapely (GEOS).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from vizkit.data._load import Source, load_json
from vizkit.data._regions import Polygon, RegionBuilder, Ring, legacy_crs
from vizkit.data.crs import SWEREF99_TM, WGS84
from vizkit.data.errors import DataError
from vizkit.data.provenance import Provenance
from vizkit.data.topojson import topology_frame


def read_geojson(source: Source, id_property: str, *, crs: str = SWEREF99_TM,
                 src_crs: str | None = None, id_width: int | None = None,
                 provenance: Provenance | None = None, object: str | None = None
                 ) -> pd.DataFrame:
    """Read a GeoJSON FeatureCollection (or a TopoJSON Topology) of (Multi)Polygons.

    Args:
        source: Path to the file, or the parsed document.
        id_property: Feature property that identifies a region (e.g. ``"kommun"``, ``"id"``).
        crs: Target CRS, metres. Default SWEREF99 TM (EPSG:3006).
        src_crs: CRS of the file. Default: its legacy ``crs`` member if any, else WGS84 lon/lat
            (RFC 7946).
        id_width: Left-pad ids with zeros to this width (``3`` → ``"03"`` for width 2).
        provenance: Source and licence to attach (GeoJSON does not carry them). Default: a
            ``<name>.provenance.json`` sidecar next to the file, if any.
        object: For a TopoJSON document only: the named object to read (default: the only
            one). Refused for GeoJSON, where it would do nothing.

    Returns:
        DataFrame indexed by the id (str), see the module docstring.

    Raises:
        DataError: invalid JSON, neither a FeatureCollection nor a Topology, a feature without
            the id property or with a duplicate id, a null or non-polygon geometry, malformed
            rings. The message names the file and the feature field.
    """
    doc, file = load_json(source)
    if isinstance(doc, Mapping) and doc.get("type") == "Topology":
        return topology_frame(doc, file, id_property, object=object, crs=crs, src_crs=src_crs,
                              id_width=id_width, provenance=provenance)
    if not isinstance(doc, Mapping) or doc.get("type") != "FeatureCollection":
        raise DataError(file, "type", "expected a GeoJSON FeatureCollection or a TopoJSON "
                        "Topology", doc.get("type") if isinstance(doc, Mapping)
                        else type(doc).__name__)
    if object is not None:
        raise DataError(file, "object", "object= names a TopoJSON object; this file is a "
                        "GeoJSON FeatureCollection", object)
    features = doc.get("features")
    if not isinstance(features, list):
        raise DataError(file, "features", "missing or not a list")
    builder = RegionBuilder(file, id_property, id_width)
    for i, feat in enumerate(features):  # loops over features and rings, not vertices
        field = f"features[{i}]"
        if not isinstance(feat, Mapping):
            raise DataError(file, field, "not a GeoJSON Feature")
        geom = feat.get("geometry")
        props = feat.get("properties") or {}
        if not isinstance(geom, Mapping):
            raise DataError(file, f"{field}.geometry", "null or missing geometry")
        gtype, coords = geom.get("type"), geom.get("coordinates")
        if gtype == "Polygon":
            polys = [coords]
        elif gtype == "MultiPolygon":
            polys = coords if isinstance(coords, list) else None
        else:
            raise DataError(file, f"{field}.geometry.type", "only Polygon and MultiPolygon "
                            "regions are supported", gtype)
        if not polys or not all(isinstance(pl, list) and pl for pl in polys):
            raise DataError(file, f"{field}.geometry.coordinates", "empty or malformed")
        base = f"{field}.geometry.coordinates"
        builder.add(field, props, gtype, [
            [(base + (f"[{k}]" if gtype == "MultiPolygon" else "") + f"[{r}]", ring)
             for r, ring in enumerate(poly)]
            for k, poly in enumerate(polys)])
    src = src_crs or legacy_crs(doc) or WGS84
    return builder.frame(src=src, crs=crs, provenance=provenance,
                         title=str(doc.get("name") or ""), coords_field="features")


def region_rings(regions: pd.DataFrame) -> dict[str, npt.NDArray[Any]]:
    """Flatten ``regions["geometry"]`` into arrays for a GPU layer or a triangulator.

    Returns:
        ``{"xy": (V, 2) float64 metres (all rings, closed), "ring_offsets": (R + 1,) int64,
        "polygon_offsets": (P + 1,) int64 into rings, "polygon_region": (P,) int64 row number
        of ``regions``}``.
    """
    rings: list[Ring] = []
    poly_sizes: list[int] = []
    poly_region: list[int] = []
    for row, polys in enumerate(regions["geometry"]):
        for poly in polys:
            rings.extend(poly)
            poly_sizes.append(len(poly))
            poly_region.append(row)
    lengths = np.array([len(r) for r in rings], dtype=np.int64)
    return {
        "xy": np.concatenate(rings) if rings else np.zeros((0, 2)),
        "ring_offsets": np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        "polygon_offsets": np.concatenate([[0], np.cumsum(poly_sizes)]).astype(np.int64),
        "polygon_region": np.asarray(poly_region, dtype=np.int64),
    }


def simplify_regions(regions: pd.DataFrame, tolerance: float) -> pd.DataFrame:
    """Simplify region outlines for display (Douglas–Peucker with topology kept, via shapely).

    Each region is simplified on its own, so borders shared by two regions may no longer match
    exactly; ``area`` and centroids stay those of the full-detail geometry.

    Args:
        regions: Frame from :func:`read_geojson`.
        tolerance: Largest allowed deviation, in metres of the frame's CRS.

    Returns:
        A copy with simplified ``geometry`` (rings still closed, holes kept where they survive).
    """
    import shapely  # a dependency; imported here so reading GeoJSON does not load GEOS

    geoms = [shapely.MultiPolygon([shapely.Polygon(p[0], p[1:]) for p in polys])
             for polys in regions["geometry"]]
    simple = shapely.simplify(np.asarray(geoms, dtype=object), tolerance, preserve_topology=True)
    out = regions.copy()
    out["geometry"] = pd.Series([_from_shapely(g) for g in simple], index=regions.index,
                                dtype=object)
    return out


def _from_shapely(geom: Any) -> list[Polygon]:
    parts = getattr(geom, "geoms", [geom])
    return [[np.asarray(p.exterior.coords)[:, :2]] + [np.asarray(r.coords)[:, :2]
                                                     for r in p.interiors]
            for p in parts if not p.is_empty]
