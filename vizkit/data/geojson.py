"""GeoJSON region polygons → a DataFrame of regions in a projected CRS.

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

``attrs``: ``crs`` (target), ``source_crs``, ``id_property``, ``provenance``.

Coordinates are projected in one pyproj call for the whole file; areas and centroids use the
shoelace formula on the concatenated rings (``np.add.reduceat``), so no Python code runs per
vertex. :func:`simplify_regions` simplifies for display with shapely (GEOS).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from pyproj import CRS

from vizkit.data._load import Source, load_json
from vizkit.data.crs import SWEREF99_TM, WGS84, project
from vizkit.data.errors import DataError
from vizkit.data.provenance import Provenance, sidecar_provenance

Ring = npt.NDArray[np.float64]
Polygon = list[Ring]


def read_geojson(source: Source, id_property: str, *, crs: str = SWEREF99_TM,
                 src_crs: str | None = None, id_width: int | None = None,
                 provenance: Provenance | None = None) -> pd.DataFrame:
    """Read a GeoJSON FeatureCollection of (Multi)Polygons.

    Args:
        source: Path to the file, or the parsed document.
        id_property: Feature property that identifies a region (e.g. ``"kommun"``, ``"id"``).
        crs: Target CRS, metres. Default SWEREF99 TM (EPSG:3006).
        src_crs: CRS of the file. Default: its legacy ``crs`` member if any, else WGS84 lon/lat
            (RFC 7946).
        id_width: Left-pad ids with zeros to this width (``3`` → ``"03"`` for width 2).
        provenance: Source and licence to attach (GeoJSON does not carry them). Default: a
            ``<name>.provenance.json`` sidecar next to the file, if any.

    Returns:
        DataFrame indexed by the id (str), see the module docstring.

    Raises:
        DataError: invalid JSON, not a FeatureCollection, a feature without the id property
            or with a duplicate id, a null or non-polygon geometry, malformed rings. The
            message names the file and the feature field.
    """
    doc, file = load_json(source)
    if not isinstance(doc, Mapping) or doc.get("type") != "FeatureCollection":
        raise DataError(file, "type", "expected a GeoJSON FeatureCollection",
                        doc.get("type") if isinstance(doc, Mapping) else type(doc).__name__)
    features = doc.get("features")
    if not isinstance(features, list):
        raise DataError(file, "features", "missing or not a list")
    src = src_crs or _legacy_crs(doc) or WGS84
    ids: list[str] = []
    props: list[dict[str, Any]] = []
    types: list[str] = []
    rings: list[npt.NDArray[np.float64]] = []
    ring_poly: list[int] = []  # polygon number of each ring
    poly_feat: list[int] = []  # feature number of each polygon
    is_hole: list[bool] = []
    for i, feat in enumerate(features):  # loops over features and rings, not vertices
        field = f"features[{i}]"
        if not isinstance(feat, Mapping):
            raise DataError(file, field, "not a GeoJSON Feature")
        p = feat.get("properties") or {}
        if id_property not in p or p[id_property] is None or str(p[id_property]).strip() == "":
            raise DataError(file, f"{field}.properties.{id_property}",
                            "missing id property", sorted(p))
        ids.append(_id_text(p[id_property], id_width))
        props.append({k: v for k, v in p.items() if k != id_property})
        geom = feat.get("geometry")
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
        types.append(gtype)
        for k, poly in enumerate(polys):
            poly_feat.append(i)
            for r, ring in enumerate(poly):
                rings.append(_ring(ring, file, f"{field}.geometry.coordinates"
                                   + (f"[{k}]" if gtype == "MultiPolygon" else "") + f"[{r}]"))
                ring_poly.append(len(poly_feat) - 1)
                is_hole.append(r > 0)
    dupes = pd.Index(ids)[pd.Index(ids).duplicated()]
    if len(dupes):
        raise DataError(file, f"properties.{id_property}", "duplicate region id", dupes[0])
    lengths = np.array([len(r) for r in rings], dtype=np.int64)
    xy = np.concatenate(rings) if rings else np.zeros((0, 2))
    px, py = project(xy[:, 0], xy[:, 1], src, crs)
    if not (np.isfinite(px).all() and np.isfinite(py).all()):
        raise DataError(file, "features", f"coordinates do not project from {src} to {crs}")
    area, cx, cy = _ring_moments(px, py, lengths)
    sign = np.where(np.asarray(is_hole, dtype=bool), -1.0, 1.0)
    eff = sign * np.abs(area)  # exterior rings count positive, holes negative
    feat_of_ring = np.asarray(poly_feat, dtype=np.int64)[np.asarray(ring_poly, dtype=np.int64)]
    n = len(features)
    tot = np.bincount(feat_of_ring, weights=eff, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        gx = np.bincount(feat_of_ring, weights=eff * cx, minlength=n) / tot
        gy = np.bincount(feat_of_ring, weights=eff * cy, minlength=n) / tot
    geometry = _split(np.column_stack([px, py]), lengths, ring_poly, poly_feat, n)
    frame = pd.DataFrame(props, index=pd.Index(ids, name=id_property, dtype=str))
    frame["geometry"] = pd.Series(geometry, index=frame.index, dtype=object)
    frame["geometry_type"] = types
    frame["area"] = tot
    frame["centroid_x"] = gx
    frame["centroid_y"] = gy
    frame.attrs.update({
        "crs": crs, "source_crs": src, "id_property": id_property,
        "provenance": provenance or (sidecar_provenance(file) if file else None)
        or Provenance(file=file, title=str(doc.get("name") or "")),
    })
    return frame


def _legacy_crs(doc: Mapping[str, Any]) -> str | None:
    name = ((doc.get("crs") or {}).get("properties") or {}).get("name")
    if not name:
        return None
    crs = CRS.from_user_input(name)
    if crs.to_epsg() == 4326 or "CRS84" in str(name):
        return WGS84  # axis order is lon/lat in GeoJSON regardless
    return crs.to_string()


def _id_text(value: Any, width: int | None) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text.zfill(width) if width else text


def _ring(ring: Any, file: str | None, field: str) -> npt.NDArray[np.float64]:
    try:
        arr = np.asarray(ring, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(file, field, "ring coordinates must be [x, y] numbers") from exc
    if arr.ndim != 2 or arr.shape[1] < 2 or len(arr) < 3:
        raise DataError(file, field, "a ring needs at least 3 [x, y] positions",
                        arr.shape if arr.ndim else None)
    arr = arr[:, :2]
    if not np.array_equal(arr[0], arr[-1]):
        arr = np.vstack([arr, arr[:1]])  # close it
    return arr


def _ring_moments(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64],
                  lengths: npt.NDArray[np.int64]
                  ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64],
                             npt.NDArray[np.float64]]:
    """Signed area and centroid of each closed ring of the concatenated coordinates."""
    if len(lengths) == 0:
        z = np.zeros(0)
        return z, z, z
    x0, y0 = x.mean(), y.mean()  # shift for precision
    xs, ys = x - x0, y - y0
    cross = xs[:-1] * ys[1:] - xs[1:] * ys[:-1]
    sx = (xs[:-1] + xs[1:]) * cross
    sy = (ys[:-1] + ys[1:]) * cross
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    ends = starts + lengths - 1  # pair (end, end+1) crosses into the next ring
    valid = np.ones(len(cross) + 1, dtype=bool)
    valid[ends] = False
    valid = valid[:-1]
    cross, sx, sy = cross * valid, sx * valid, sy * valid
    cross = np.append(cross, 0.0)
    sx, sy = np.append(sx, 0.0), np.append(sy, 0.0)
    a2 = np.add.reduceat(cross, starts)
    with np.errstate(invalid="ignore", divide="ignore"):
        cx = np.add.reduceat(sx, starts) / (3.0 * a2) + x0
        cy = np.add.reduceat(sy, starts) / (3.0 * a2) + y0
    return a2 / 2.0, cx, cy


def _split(xy: npt.NDArray[np.float64], lengths: npt.NDArray[np.int64], ring_poly: list[int],
           poly_feat: list[int], n: int) -> list[list[Polygon]]:
    pieces = np.split(xy, np.cumsum(lengths)[:-1]) if len(lengths) else []
    polys: list[Polygon] = [[] for _ in poly_feat]
    for ring, p in zip(pieces, ring_poly, strict=True):
        polys[p].append(ring)
    out: list[list[Polygon]] = [[] for _ in range(n)]
    for poly, f in zip(polys, poly_feat, strict=True):
        out[f].append(poly)
    return out


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
