"""Polygon regions → the region DataFrame shared by the GeoJSON and TopoJSON readers.

Both readers walk their own document structure and hand every region to a
:class:`RegionBuilder` as raw rings (source coordinates, with the JSON path of each ring for
error messages). The builder checks ids and rings, projects all coordinates in one pyproj call
and computes areas and centroids with the shoelace formula on the concatenated rings
(``np.add.reduceat``), so no Python code runs per vertex. The frame's layout is documented in
:mod:`vizkit.data.geojson`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from pyproj import CRS

from vizkit.data.crs import WGS84, project
from vizkit.data.errors import DataError
from vizkit.data.provenance import Provenance, sidecar_provenance

Ring = npt.NDArray[np.float64]
Polygon = list[Ring]
#: One source polygon: its rings in source coordinates, each with its JSON path.
RawPolygon = Sequence[tuple[str, Any]]


class RegionBuilder:
    """Collects regions in source order, then builds the projected frame.

    Args:
        file: Path of the source file (None for an in-memory document), for error messages.
        id_property: Property that identifies a region.
        id_width: Left-pad ids with zeros to this width.
    """

    def __init__(self, file: str | None, id_property: str, id_width: int | None) -> None:
        self.file = file
        self.id_property = id_property
        self.id_width = id_width
        self.ids: list[str] = []
        self.props: list[dict[str, Any]] = []
        self.types: list[str] = []
        self.rings: list[Ring] = []
        self.ring_poly: list[int] = []  # polygon number of each ring
        self.poly_feat: list[int] = []  # region number of each polygon
        self.is_hole: list[bool] = []

    def add(self, field: str, props: Mapping[str, Any], gtype: str,
            polygons: Sequence[RawPolygon]) -> None:
        """Add one region.

        Args:
            field: JSON path of the feature or geometry (``"features[3]"``).
            props: Its properties, including the id property.
            gtype: ``"Polygon"`` or ``"MultiPolygon"``.
            polygons: Polygons, each a sequence of ``(ring_field, ring)`` with ``ring`` an
                ``(N, ≥2)`` array-like of source coordinates; ring 0 is the exterior.

        Raises:
            DataError: missing id, or a ring that is not at least three ``[x, y]`` positions.
        """
        key = self.id_property
        if key not in props or props[key] is None or str(props[key]).strip() == "":
            raise DataError(self.file, f"{field}.properties.{key}", "missing id property",
                            sorted(props))
        self.ids.append(id_text(props[key], self.id_width))
        self.props.append({k: v for k, v in props.items() if k != key})
        self.types.append(gtype)
        region = len(self.ids) - 1
        for poly in polygons:
            self.poly_feat.append(region)
            for r, (ring_field, ring) in enumerate(poly):
                self.rings.append(_ring(ring, self.file, ring_field))
                self.ring_poly.append(len(self.poly_feat) - 1)
                self.is_hole.append(r > 0)

    def frame(self, *, src: str, crs: str, provenance: Provenance | None, title: str = "",
              coords_field: str = "coordinates") -> pd.DataFrame:
        """Project, measure and return the region frame (see :mod:`vizkit.data.geojson`).

        ``coords_field`` names where the coordinates live (``"features"``, ``"arcs"``) in the
        error raised when they do not project.

        Raises:
            DataError: duplicate ids, or coordinates that do not project from ``src``.
        """
        file, ids = self.file, self.ids
        dupes = pd.Index(ids)[pd.Index(ids).duplicated()]
        if len(dupes):
            raise DataError(file, f"properties.{self.id_property}", "duplicate region id",
                            dupes[0])
        lengths = np.array([len(r) for r in self.rings], dtype=np.int64)
        xy = np.concatenate(self.rings) if self.rings else np.zeros((0, 2))
        px, py = project(xy[:, 0], xy[:, 1], src, crs)
        if not (np.isfinite(px).all() and np.isfinite(py).all()):
            raise DataError(file, coords_field, f"coordinates do not project from {src} to "
                            f"{crs}")
        area, cx, cy = ring_moments(px, py, lengths)
        sign = np.where(np.asarray(self.is_hole, dtype=bool), -1.0, 1.0)
        eff = sign * np.abs(area)  # exterior rings count positive, holes negative
        feat_of_ring = (np.asarray(self.poly_feat, dtype=np.int64)
                        [np.asarray(self.ring_poly, dtype=np.int64)])
        n = len(ids)
        tot = np.bincount(feat_of_ring, weights=eff, minlength=n)
        with np.errstate(invalid="ignore", divide="ignore"):
            gx = np.bincount(feat_of_ring, weights=eff * cx, minlength=n) / tot
            gy = np.bincount(feat_of_ring, weights=eff * cy, minlength=n) / tot
        geometry = _split(np.column_stack([px, py]), lengths, self.ring_poly, self.poly_feat, n)
        frame = pd.DataFrame(self.props, index=pd.Index(ids, name=self.id_property, dtype=str))
        frame["geometry"] = pd.Series(geometry, index=frame.index, dtype=object)
        frame["geometry_type"] = self.types
        frame["area"] = tot
        frame["centroid_x"] = gx
        frame["centroid_y"] = gy
        frame.attrs.update({
            "crs": crs, "source_crs": src, "id_property": self.id_property,
            "provenance": provenance or (sidecar_provenance(file) if file else None)
            or Provenance(file=file, title=title),
        })
        return frame


def legacy_crs(doc: Mapping[str, Any]) -> str | None:
    """The CRS named by a legacy (GeoJSON 2008) ``crs`` member, or None.

    WGS84 in any spelling (``EPSG:4326``, ``urn:ogc:def:crs:OGC:1.3:CRS84``) maps to
    :data:`~vizkit.data.crs.WGS84`: GeoJSON positions are lon/lat whatever the CRS's axis order.
    """
    name = ((doc.get("crs") or {}).get("properties") or {}).get("name")
    if not name:
        return None
    crs = CRS.from_user_input(name)
    if crs.to_epsg() == 4326 or "CRS84" in str(name):
        return WGS84
    return crs.to_string()


def id_text(value: Any, width: int | None) -> str:
    """A region id as text: ``3.0`` → ``"3"``, padded with zeros to ``width`` if given."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text.zfill(width) if width else text


def _ring(ring: Any, file: str | None, field: str) -> Ring:
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


def ring_moments(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64],
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
