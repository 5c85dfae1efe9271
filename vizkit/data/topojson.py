"""TopoJSON boundaries → the same region DataFrame as :func:`vizkit.data.read_geojson`.

TopoJSON (https://github.com/topojson/topojson-specification) stores each shared border once, as
an *arc*; a polygon ring lists the arcs it follows by index, ``~i`` (that is ``-i - 1``) for arc
``i`` walked backwards. A *quantized* topology has a ``transform``: its arc positions are
integers, delta-encoded along each arc, and a position is ``x * scale + translate``. Kartverket's
municipality boundaries are published this way (unquantized, WGS84).

Decoding follows the specification directly and is vectorised: all arcs are concatenated into
one ``(V, 2)`` array (a per-arc cumulative sum undoes delta encoding), each ring becomes an
index array into it, and the stitched rings go through the same checks, projection and
measurement as GeoJSON rings (:class:`vizkit.data._regions.RegionBuilder`).

Why not a library: PyPI's ``topojson`` package *encodes* GeoJSON into TopoJSON and has no reader
for an existing file; ``pytopojson`` (a port of topojson-client) was last released in 2022 and
decodes point by point in Python. The decoding is about sixty lines of numpy, fully specified.

What is read: the ``Polygon`` and ``MultiPolygon`` geometries of one named object (a
``GeometryCollection`` or a single geometry), their ``properties`` and ``id`` member (available
as ``id_property="id"`` when the properties have no ``id``), a legacy ``crs`` member as in
GeoJSON (not part of the specification; default WGS84 lon/lat). Points and lines are refused,
as for GeoJSON regions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from vizkit.data._load import Source, load_json
from vizkit.data._regions import RawPolygon, RegionBuilder, legacy_crs
from vizkit.data.crs import SWEREF99_TM, WGS84
from vizkit.data.errors import DataError
from vizkit.data.provenance import Provenance

_POLYGONAL = ("Polygon", "MultiPolygon")


def read_topojson(source: Source, id_property: str, *, object: str | None = None,
                  crs: str = SWEREF99_TM, src_crs: str | None = None,
                  id_width: int | None = None, provenance: Provenance | None = None
                  ) -> pd.DataFrame:
    """Read the (Multi)Polygon regions of one object of a TopoJSON topology.

    Args:
        source: Path to the file, or the parsed document.
        id_property: Property that identifies a region (``"kommunenummer"``), or ``"id"`` for
            the geometries' ``id`` member.
        object: Name of the object in ``objects`` (default: the only one).
        crs: Target CRS, metres. Default SWEREF99 TM (EPSG:3006).
        src_crs: CRS of the positions. Default: a legacy ``crs`` member, else WGS84 lon/lat.
        id_width: Left-pad ids with zeros to this width (``301`` → ``"0301"`` for width 4).
        provenance: Source and licence to attach. Default: a ``<name>.provenance.json``
            sidecar next to the file, if any.

    Returns:
        The frame :func:`vizkit.data.read_geojson` returns (one row per geometry, indexed by
        the id as a string), with ``attrs["topojson_object"]`` naming the object read.

    Raises:
        DataError: not a Topology, an unknown or ambiguous object, a bad ``transform``, arcs
            that are not position lists, an arc index out of range, arcs of a ring that do not
            join, a null or non-polygon geometry, a missing or duplicate id. The message names
            the file and the field (``objects.Kommuner.geometries[3].arcs[0][1]``).
    """
    doc, file = load_json(source)
    if not isinstance(doc, Mapping) or doc.get("type") != "Topology":
        raise DataError(file, "type", "expected a TopoJSON Topology (read_geojson reads "
                        "GeoJSON and TopoJSON)", doc.get("type") if isinstance(doc, Mapping)
                        else type(doc).__name__)
    return topology_frame(doc, file, id_property, object=object, crs=crs, src_crs=src_crs,
                          id_width=id_width, provenance=provenance)


def topology_frame(doc: Mapping[str, Any], file: str | None, id_property: str, *,
                   object: str | None, crs: str, src_crs: str | None, id_width: int | None,
                   provenance: Provenance | None) -> pd.DataFrame:
    """The region frame of a parsed Topology (shared by :func:`read_topojson` and
    :func:`vizkit.data.read_geojson`); arguments as for :func:`read_topojson`."""
    name, geometries, base = _select_object(doc, file, object)
    positions, offsets = decode_arcs(doc, file)
    stitch = _Stitcher(positions, offsets, file)
    builder = RegionBuilder(file, id_property, id_width)
    for i, geom in enumerate(geometries):  # loops over geometries and arc refs, not vertices
        field = f"{base}[{i}]" if base.endswith("geometries") else base
        if not isinstance(geom, Mapping):
            raise DataError(file, field, "not a TopoJSON geometry object")
        props = dict(geom.get("properties") or {})
        if "id" in geom and "id" not in props:
            props["id"] = geom["id"]
        gtype, arcs = geom.get("type"), geom.get("arcs")
        if gtype is None:
            raise DataError(file, f"{field}.type", "null or missing geometry")
        if gtype not in _POLYGONAL:
            raise DataError(file, f"{field}.type", "only Polygon and MultiPolygon regions are "
                            "supported", gtype)
        polys = [arcs] if gtype == "Polygon" else arcs
        if not isinstance(polys, list) or not polys or not all(
                isinstance(p, list) and p and all(isinstance(r, list) and r for r in p)
                for p in polys):
            raise DataError(file, f"{field}.arcs", "empty or malformed arc index lists")
        raw: list[RawPolygon] = []
        for k, poly in enumerate(polys):
            prefix = f"{field}.arcs" + (f"[{k}]" if gtype == "MultiPolygon" else "")
            raw.append([(f"{prefix}[{r}]", stitch.ring(refs, f"{prefix}[{r}]"))
                        for r, refs in enumerate(poly)])
        builder.add(field, props, gtype, raw)
    stitch.check_joins()
    frame = builder.frame(src=src_crs or legacy_crs(doc) or WGS84, crs=crs,
                          provenance=provenance, title=name, coords_field="arcs")
    frame.attrs["topojson_object"] = name
    return frame


def decode_arcs(doc: Mapping[str, Any], file: str | None = None
                ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """All arcs of a topology as absolute positions.

    Returns:
        ``(positions, offsets)``: ``(V, 2)`` float64 x, y (quantized arcs delta-decoded and
        transformed), and ``(A + 1,)`` int64 where arc ``a`` is
        ``positions[offsets[a]:offsets[a + 1]]``.

    Raises:
        DataError: ``arcs`` missing, an arc with fewer than 2 positions or non-numeric ones,
            a ``transform`` without two-number ``scale`` and ``translate``.
    """
    arcs = doc.get("arcs")
    if not isinstance(arcs, list):
        raise DataError(file, "arcs", "missing or not a list")
    parts: list[npt.NDArray[np.float64]] = []
    for a, arc in enumerate(arcs):  # one numpy conversion per arc
        try:
            arr = np.asarray(arc, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise DataError(file, f"arcs[{a}]", "arc positions must be [x, y] numbers") from exc
        if arr.ndim != 2 or arr.shape[1] < 2 or len(arr) < 2:
            raise DataError(file, f"arcs[{a}]", "an arc needs at least 2 [x, y] positions",
                            arr.shape if arr.ndim else None)
        parts.append(arr[:, :2])
    lengths = np.array([len(p) for p in parts], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    positions = np.concatenate(parts) if parts else np.zeros((0, 2))
    transform = doc.get("transform")
    if transform is not None:
        scale = _pair(transform, "scale", file)
        translate = _pair(transform, "translate", file)
        # delta decoding: a running sum over all arcs, restarted at each arc's first position
        total = np.cumsum(positions, axis=0)
        before = np.zeros((len(lengths), 2))
        before[1:] = total[offsets[1:-1] - 1]
        positions = (total - np.repeat(before, lengths, axis=0)) * scale + translate
    return positions, offsets


class _Stitcher:
    """Builds rings from arc references and remembers where consecutive arcs meet."""

    def __init__(self, positions: npt.NDArray[np.float64], offsets: npt.NDArray[np.int64],
                 file: str | None) -> None:
        self.positions, self.offsets, self.file = positions, offsets, file
        self.ends: list[int] = []     # last position index of the previous arc …
        self.starts: list[int] = []   # … and first position index of the next one
        self.fields: list[str] = []

    def ring(self, refs: Sequence[Any], field: str) -> npt.NDArray[np.float64]:
        """Positions of the ring that follows ``refs`` (first position of each later arc
        dropped, as the specification allows)."""
        pieces: list[npt.NDArray[np.int64]] = []
        n_arcs = len(self.offsets) - 1
        for k, ref in enumerate(refs):
            if isinstance(ref, bool) or not isinstance(ref, int):
                raise DataError(self.file, f"{field}[{k}]", "an arc index must be an integer",
                                ref)
            arc = ref if ref >= 0 else ~ref
            if arc >= n_arcs:
                raise DataError(self.file, f"{field}[{k}]", f"arc index out of range (the "
                                f"topology has {n_arcs} arcs)", ref)
            start, stop = int(self.offsets[arc]), int(self.offsets[arc + 1])
            seq = np.arange(start, stop) if ref >= 0 else np.arange(stop - 1, start - 1, -1)
            if pieces:
                self.ends.append(int(pieces[-1][-1]))
                self.starts.append(int(seq[0]))
                self.fields.append(f"{field}[{k}]")
                seq = seq[1:]
            pieces.append(seq)
        return self.positions[np.concatenate(pieces)]

    def check_joins(self) -> None:
        """Raise when an arc does not start where the previous arc of its ring ended."""
        if not self.ends:
            return
        a = self.positions[np.asarray(self.ends)]
        b = self.positions[np.asarray(self.starts)]
        tol = 1e-9 * np.maximum(1.0, np.abs(a))
        bad = np.flatnonzero((np.abs(a - b) > tol).any(axis=1))
        if len(bad):
            i = int(bad[0])
            raise DataError(self.file, self.fields[i], "this arc does not start where the "
                            "previous arc of the ring ends", [a[i].tolist(), b[i].tolist()])


def _select_object(doc: Mapping[str, Any], file: str | None, name: str | None
                   ) -> tuple[str, list[Any], str]:
    objects = doc.get("objects")
    if not isinstance(objects, Mapping) or not objects:
        raise DataError(file, "objects", "missing, empty or not an object")
    if name is None:
        if len(objects) > 1:
            raise DataError(file, "objects", "the topology holds several objects; pass "
                            "object=", sorted(objects))
        name = next(iter(objects))
    if name not in objects:
        raise DataError(file, "objects", f"no object named {name!r}", sorted(objects))
    obj = objects[name]
    if not isinstance(obj, Mapping):
        raise DataError(file, f"objects.{name}", "not a TopoJSON geometry object")
    if obj.get("type") == "GeometryCollection":
        geometries = obj.get("geometries")
        if not isinstance(geometries, list):
            raise DataError(file, f"objects.{name}.geometries", "missing or not a list")
        return name, geometries, f"objects.{name}.geometries"
    return name, [obj], f"objects.{name}"


def _pair(transform: Any, key: str, file: str | None) -> npt.NDArray[np.float64]:
    value = transform.get(key) if isinstance(transform, Mapping) else None
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        arr = np.zeros(0)
    if arr.shape != (2,) or not np.isfinite(arr).all():
        raise DataError(file, f"transform.{key}", "must be two numbers", value)
    return arr
