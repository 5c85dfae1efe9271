"""Regions: statistics per region (municipalities, say) as extruded, lit prisms.

Geometry is GeoJSON-like — a FeatureCollection (dict or file path), the DataFrame of
:func:`vizkit.data.read_geojson`, or a mapping ``code → rings`` — with coordinates in metres.
Caps are triangulated once with mapbox_earcut (holes and multipolygons included); walls are
one quad per ring edge with a flat outward normal. Values are joined by region code.

Values of all time steps go to the GPU once, as a float texture array indexed by region id
(one layer per step); the vertex shader reads its region's value for steps ``i`` and ``i + 1``
and blends them, so animating 2,000 regions costs a few uniforms per frame, like the terrain.

Costs of change: :attr:`Regions.time_index`, :attr:`Regions.exaggeration`, the sun, the
no-data style and :meth:`Regions.show_change` are uniforms; new values mean a new layer.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import mapbox_earcut
import moderngl
import numpy as np
import numpy.typing as npt
import pandas as pd

from vizkit.colormap import DIVERGING_DEFAULT, Colormap
from vizkit.easing import Easing, get_easing
from vizkit.gpu import GpuContext, ResourceGroup
from vizkit.layers.base import Layer, PickRecord
from vizkit.layers.legend import NO_DATA_GREY, scaled
from vizkit.layers.protection import DEFAULT_POLICY, Policy, protect_steps
from vizkit.layers.terrain import SCALES, TimeSteps, _labels, numeric_column, time_steps
from vizkit.view import ViewState

TEXTURE_WIDTH = 1024  # region values are laid out in rows of this many texels per step
Ring = npt.NDArray[np.float64]


class Regions(TimeSteps, Layer):
    """Extruded regions whose height and colour follow a value per region (and time step).

    Args:
        geometry: a GeoJSON FeatureCollection (dict, or path to a ``.geojson`` file) in metres,
            the DataFrame returned by :func:`vizkit.data.read_geojson` (index = code,
            ``geometry`` column), or a mapping ``code → polygon`` where a polygon is a list of
            rings (exterior first, then holes; each ``(N, 2)`` metres) — or a list of such
            polygons (a multipolygon), or a GeoJSON geometry dict.
        data: values by region: a DataFrame with columns ``code``, ``value`` (and ``time``), a
            Series indexed by code, or a mapping ``code → value`` / ``code → [value per step]``.
            ``None``: take ``value`` (and ``time``) from the geometry DataFrame itself.
        code, value, time: column names in ``data``. Codes are compared as strings ("0381").
        id_property: feature property holding the code in a FeatureCollection (default: the
            feature's ``id``, else a ``code`` property).
        colormap, scale, domain, easing, times, units, label, sun, ambient: as for
            :class:`~vizkit.layers.terrain.Terrain`; ``domain`` defaults to ``(min(0, low),
            high)`` so prism heights stay proportional to the values.
        max_height: metres at the top of the domain (default 8 % of the larger side).
        base_height: metres every region with data rises at least (keeps zeros visible).
        exaggeration: multiplier on heights (a uniform).
        no_data: regions without a value: ``"grey"`` (flat grey at ground level, default) or
            ``"hole"`` (not drawn).
        policy: disclosure control applied to count values before upload (default: values
            below 5 are not shown); hidden regions are drawn flat grey. ``Policy.off(reason)``
            is the explicit, logged opt-out. See :mod:`vizkit.layers.protection`.
        counts: whether the values are counts (``None``: non-negative whole numbers are).
    """

    def __init__(self, geometry: Any, data: Any = None, *, code: str = "code",
                 value: str = "value", time: str | None = None, id_property: str | None = None,
                 colormap: str | Sequence[object] | Colormap = "viridis",
                 scale: str = "linear", domain: tuple[float, float] | None = None,
                 max_height: float | None = None, base_height: float = 0.0,
                 exaggeration: float = 1.0, sun: Sequence[float] = (-0.5, -0.6, 0.75),
                 ambient: float = 0.35, easing: str | Easing = "smooth",
                 times: Sequence[Any] | None = None, units: str = "", label: str = "",
                 no_data: str = "grey", policy: Policy = DEFAULT_POLICY,
                 counts: bool | None = None, name: str | None = None,
                 provenance: object = None):
        super().__init__(name=name or "Regions", provenance=provenance)
        if provenance is None and isinstance(geometry, pd.DataFrame):
            self.provenance = geometry.attrs.get("provenance")
        self.codes, polygons = _read_geometry(geometry, id_property, self.name)
        if data is None and isinstance(geometry, pd.DataFrame):
            if value not in geometry.columns:
                raise ValueError(f"{self.name}: no data given and the geometry has no column "
                                 f"{value!r} to take values from")
            data = geometry.reset_index(names=code) if code not in geometry.columns else geometry
        if data is None:
            raise ValueError(f"{self.name}: no values given (data=None)")
        values, labels = _join(data, self.codes, code, value, time, self.name)
        if scale not in SCALES:
            raise ValueError(f"{self.name}: scale must be one of {sorted(SCALES)}, got {scale!r}")
        with np.errstate(under="ignore"):  # tiny values round to 0 in float32
            raw = np.ascontiguousarray(values, dtype=np.float32)  # (T, R)
        # Disclosure control before anything else sees the values: the raw ones are not kept.
        protected = protect_steps(raw, policy, counts, self.name, grid=False)
        self.values = np.ascontiguousarray(protected.values)
        self.hidden = protected.hidden
        self.privacy_statement = protected.statement
        if self.hidden.any() and no_data == "hole":
            no_data = "grey"  # hidden regions are marked, never silently missing
        self.hidden_color = NO_DATA_GREY  # hidden regions are drawn flat grey (legend)
        self.times = _labels(times if times is not None else labels, self.steps, self.name)
        self.mesh = build_prism_mesh(polygons, self.name)
        self.origin = self.mesh.origin
        self.scale = scale
        self.colormap = Colormap(colormap)
        finite = np.isfinite(self.values)
        if domain is None:
            domain = ((min(0.0, float(np.nanmin(self.values))), float(np.nanmax(self.values)))
                      if finite.any() else (0.0, 1.0))
        self.domain = (float(domain[0]), float(domain[1]))
        lo, hi = self.mesh.bounds
        size = float(max(hi[0] - lo[0], hi[1] - lo[1]))
        self.max_height = 0.08 * size if max_height is None else float(max_height)
        self.base_height = float(base_height)
        self.exaggeration = float(exaggeration)
        self.sun, self.ambient = sun, float(ambient)
        self.easing = get_easing(easing)
        self.units, self.label = units, label or value
        if no_data not in ("grey", "hole"):
            raise ValueError(f"{self.name}: no_data must be 'grey' or 'hole', got {no_data!r}")
        self.no_data = no_data
        self.time_index = 0.0
        self.change: tuple[int, int] | None = None
        self.change_colormap = Colormap(DIVERGING_DEFAULT)
        self.change_range = 1.0
        self.pick_id = 0
        self._vaos: dict[str, moderngl.VertexArray] = {}
        self._programs: dict[str, Any] = {}

    # -- facts -----------------------------------------------------------------------------
    @property
    def steps(self) -> int:
        return self.values.shape[0]

    @property
    def vertex_count(self) -> int:
        return len(self.mesh.region)

    def index_of(self, code: object) -> int:
        """Row of a region code in :attr:`codes`."""
        try:
            return self.codes.index(str(code))
        except ValueError:
            raise ValueError(f"{self.name}: no region {code!r}") from None

    def value(self, code: object, step: float | None = None) -> float:
        """The value drawn for a region at a fractional time step (default: the current one)."""
        r = self.index_of(code)
        s0, s1, mix = self._steps_and_mix(self.time_index if step is None else step)
        return float(self._blend(self.values[s0, r], self.values[s1, r], mix))

    def height(self, code: object, step: float | None = None) -> float:
        """World height (metres) of a region's cap at a fractional time step."""
        v = self.value(code, step)
        if math.isnan(v):
            return 0.0
        lo, hi = scaled(np.array(self.domain, float), self.scale)
        level = float(np.clip((scaled(np.array([v]), self.scale)[0] - lo)
                              / max(hi - lo, 1e-30), 0.0, 1.0))
        return (self.base_height + level * self.max_height) * self.exaggeration

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = self.mesh.bounds
        top = (self.base_height + self.max_height) * self.exaggeration
        return (np.array([lo[0], lo[1], 0.0]), np.array([hi[0], hi[1], top]))

    def set_time(self, t: float) -> None:
        """Not driven by scene time by default: set :attr:`time_index` in ``update``."""

    def pick_record(self, element: int) -> PickRecord:
        """The record of region row ``element`` at the current time."""
        code = self.codes[int(element)]
        change = None
        if self.change is not None:
            a, b = self.change
            change = float(self.values[b, element] - self.values[a, element])
        return PickRecord(self.name, code, self.value(code), self.time_label(), change)

    # -- GPU -------------------------------------------------------------------------------
    def upload(self, gpu: GpuContext, group: ResourceGroup) -> None:
        steps, count = self.values.shape
        width = min(count, TEXTURE_WIDTH)
        rows = -(-count // width)
        table = np.full((steps, rows * width), np.nan, np.float32)
        table[:, :count] = self.values
        self._tex_width = width
        self._values_tex = gpu.texture_array(group, (width, rows, steps), 1, table, dtype="f4")
        self._upload_colormaps(gpu, group)
        self._has_no_data = bool(np.isnan(self.values).any())
        self._vertices = gpu.buffer(group, self.mesh.vertices)
        self._region_ids = gpu.buffer(group, self.mesh.region)
        self._indices = gpu.buffer(group, self.mesh.indices)
        self._vaos = {}

    def _vao(self, pass_name: str) -> moderngl.VertexArray:
        vao = self._vaos.get(pass_name)
        if vao is None:
            assert self._gpu is not None and self._group is not None
            defines = self._variant(pass_name, self._has_no_data)
            program = self._gpu.program("regions/regions.vert", "regions/regions.frag",
                                        defines=defines)
            layout = (("2f 1f 12x", "a_position", "a_top") if pass_name == "pick"  # no normals
                      else ("2f 1f 3f", "a_position", "a_top", "a_normal"))
            content = [(self._vertices, *layout), (self._region_ids, "1u", "a_region")]
            vao = self._gpu.vertex_array(self._group, program, content,
                                         index_buffer=self._indices)
            self._vaos[pass_name], self._programs[pass_name] = vao, program
        return vao

    def draw(self, view: ViewState) -> None:
        if view.pass_name not in ("color", "pick") or self._gpu is None:
            return
        if view.pass_name == "pick" and not self.pick_id:
            return
        vao = self._vao(view.pass_name)
        program = self._programs[view.pass_name]
        step0, step1, mix = self._steps_and_mix(self.time_index)
        lo, hi = scaled(np.array(self.domain, float), self.scale)
        self._values_tex.use(location=0)
        uniforms: dict[str, object] = dict(
            u_mvp=ViewState.gl_matrix(view.model_view_projection(self.origin)),
            t_values=0, u_tex_width=self._tex_width,
            u_step0=step0, u_step1=step1, u_mix=float(mix),
            u_domain=(float(lo), float(hi)),
            u_base_height=self.base_height * self.exaggeration,
            u_max_height=self.max_height * self.exaggeration,
            u_change=int(self.change is not None), u_change_steps=self.change or (0, 0),
            u_change_range=self.change_range)
        if view.pass_name == "pick":
            uniforms["u_pick_layer"] = int(self.pick_id)
            uniforms["u_pick_no_data"] = float(self.no_data == "grey")  # grey regions answer
        else:
            (self._change_tex if self.change is not None else self._colormap_tex).use(location=1)
            sun = np.asarray(self.sun, float)
            uniforms.update(
                t_colormap=1, u_to_sun=tuple(sun / np.linalg.norm(sun)), u_ambient=self.ambient,
                u_no_data=NO_DATA_GREY if self.no_data == "grey" else (0.0, 0.0, 0.0, 0.0))
        program.set(**uniforms)
        vao.render(moderngl.TRIANGLES)


# -- geometry ----------------------------------------------------------------------------------
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


def build_prism_mesh(polygons: list[tuple[int, list[Ring]]], owner: str = "Regions"
                     ) -> PrismMesh:
    """Triangulate caps and build walls for ``(region row, [exterior, hole, …])`` polygons.

    Rings may be closed (first point repeated) or open. One earcut call per polygon; everything
    else (walls, normals, orientation) is vectorised over all rings at once.
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
    indices = np.concatenate([*cap_tris, wall_tris.ravel()]).astype(np.uint32)
    return PrismMesh(origin, vertices, region, indices, (lo, hi))


def _read_geometry(geometry: Any, id_property: str | None, owner: str
                   ) -> tuple[list[str], list[tuple[int, list[Ring]]]]:
    """Codes (str, in order) and ``(region row, rings)`` polygons from any accepted input."""
    if isinstance(geometry, (str, Path)):
        path = Path(geometry)
        try:
            geometry = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ValueError(f"{owner}: cannot read GeoJSON {path}: {exc}") from None
    if isinstance(geometry, pd.DataFrame):
        if "geometry" not in geometry.columns:
            raise ValueError(f"{owner}: the regions DataFrame has no 'geometry' column "
                             "(expected the output of vizkit.data.read_geojson)")
        items = list(zip((str(c) for c in geometry.index), geometry["geometry"], strict=True))
    elif isinstance(geometry, Mapping) and geometry.get("type") == "FeatureCollection":
        items = []
        for i, feature in enumerate(geometry.get("features") or []):
            props = feature.get("properties") or {}
            if id_property is not None:
                if id_property not in props:
                    raise ValueError(f"{owner}: feature {i} has no property {id_property!r}")
                key = props[id_property]
            else:
                key = feature.get("id", props.get("code"))
                if key is None:
                    raise ValueError(f"{owner}: feature {i} has no id; pass id_property=")
            items.append((_code(key), feature.get("geometry")))
    elif isinstance(geometry, Mapping):
        items = [(_code(k), g) for k, g in geometry.items()]
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


def _code(value: Any) -> str:
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


def _join(data: Any, codes: list[str], code: str, value: str, time: str | None,
          owner: str) -> tuple[npt.NDArray[np.float64], list[Any] | None]:
    """Values as ``(T, R)`` in geometry order (NaN where a region has no value)."""
    if isinstance(data, pd.Series):
        data = pd.DataFrame({code: data.index, value: data.to_numpy()})
    elif isinstance(data, Mapping):
        keys = list(data)
        lengths = {np.size(data[k]) for k in keys}
        if any(np.ndim(data[k]) >= 1 for k in keys):
            if len(lengths) != 1:
                raise ValueError(f"{owner}: every region needs the same number of time steps, "
                                 f"got lengths {sorted(lengths)}")
            steps = lengths.pop()
            frame = pd.DataFrame({code: np.repeat([_code(k) for k in keys], steps),
                                  time or "step": np.tile(np.arange(steps), len(keys)),
                                  value: np.concatenate([np.ravel(np.asarray(data[k], dtype=object))
                                                         for k in keys])})
            return _join(frame, codes, code, value, time or "step", owner)[0], None
        data = pd.DataFrame({code: keys, value: [data[k] for k in keys]})
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"{owner}: data must be a DataFrame, Series or mapping, got "
                        f"{type(data).__name__}")
    if code not in data.columns and data.index.name == code:
        data = data.reset_index()
    for column in (code, value, *(() if time is None else (time,))):
        if column not in data.columns:
            raise ValueError(f"{owner}: no column {column!r} in the data (columns: "
                             f"{', '.join(map(str, data.columns))})")
    numbers = numeric_column(data, value, owner)
    keys = np.array([_code(k) for k in data[code].to_numpy()], dtype=object)
    rows = pd.Index(codes).get_indexer(keys)
    unknown = sorted(set(keys[rows < 0]))
    if unknown:
        shown = ", ".join(repr(c) for c in unknown[:10]) + (" …" if len(unknown) > 10 else "")
        have = ", ".join(codes[:8]) + (" …" if len(codes) > 8 else "")
        raise ValueError(f"{owner}: column {code!r} has {len(unknown)} code(s) not in the "
                         f"geometry: {shown} (geometry codes: {have})")
    if time is None:
        labels, step = None, np.zeros(len(data), np.int64)
    else:
        labels, step = time_steps(data[time])
    flat = step * len(codes) + rows
    counts = np.bincount(flat, minlength=(1 if labels is None else len(labels)) * len(codes))
    if (counts > 1).any():
        dup = np.flatnonzero(counts > 1)
        which = sorted({codes[i % len(codes)] for i in dup})[:10]
        raise ValueError(f"{owner}: column {code!r} repeats code(s) {', '.join(which)}"
                         + (f" within one {time!r}" if time else "") + "; one value per region"
                         + (" and time step" if time else "") + " please")
    out = np.full((1 if labels is None else len(labels), len(codes)), np.nan)
    out.reshape(-1)[flat] = numbers
    return out, labels
