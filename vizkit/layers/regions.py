"""Regions: statistics per region (municipalities, say) as extruded, lit prisms.

Geometry is read by :func:`vizkit.data.read_geojson` — which projects it to metres (SWEREF99
TM by default; a GeoJSON file is WGS84 longitude/latitude unless it says otherwise) — from a
FeatureCollection (dict or file path); its DataFrame and a mapping ``code → rings`` in metres
are accepted as they are. :mod:`vizkit.layers.prisms` turns it into one prism mesh (caps
triangulated with mapbox_earcut, walls with outward normals). Values are joined by region code
and pass disclosure control (:mod:`vizkit.layers.protection`).

Values of all time steps go to the GPU once, as a float texture array indexed by region id
(one layer per step); the vertex shader reads its region's value for steps ``i`` and ``i + 1``
and blends them, so animating 2,000 regions costs a few uniforms per frame, like the terrain.

Light (:mod:`vizkit.layers.light`): sky light from a hemisphere and a soft contact shade at
the foot of the walls, tone-mapped. Defaults follow the data (:mod:`vizkit.layers.autoscale`):
scale, colour domain and the tallest prism's height. Hidden regions lie flat with the protected
pattern; regions without a value lie flat in a calm no-data tint (or are left out).

Costs of change: :attr:`Regions.time_index`, :attr:`Regions.exaggeration`, the sun, the light,
the no-data style and :meth:`Regions.show_change` are uniforms; new values mean a new layer.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import moderngl
import numpy as np
import numpy.typing as npt
import pandas as pd

from vizkit.colormap import DIVERGING_DEFAULT, Colormap
from vizkit.easing import Easing, get_easing
from vizkit.gpu import GpuContext, ResourceGroup
from vizkit.layers.autoscale import peak_height
from vizkit.layers.base import Layer, PickRecord
from vizkit.layers.legend import HIDDEN_COLOR, NO_DATA_GREY
from vizkit.layers.light import Light
from vizkit.layers.prisms import build_prism_mesh, read_region_geometry, region_code
from vizkit.layers.protection import (
    REMOVED,
    DisclosureControlled,
    StepProtection,
    explicit_policy,
    label_text,
    reject_counts_keyword,
    require_counts,
)
from vizkit.layers.tiles import HIDDEN
from vizkit.layers.timesteps import TimeSteps, numeric_column, time_labels, time_steps
from vizkit.privacy import Policy
from vizkit.view import ViewState

TEXTURE_WIDTH = 1024  # region values are laid out in rows of this many texels per step


class Regions(TimeSteps, DisclosureControlled, Layer):
    """Extruded regions whose height and colour follow a value per region (and time step).

    Args:
        geometry: a GeoJSON FeatureCollection (a path to a ``.geojson`` file, or the parsed
            dict), read with :func:`vizkit.data.read_geojson` — projected to metres (SWEREF99
            TM), so a WGS84 file is drawn in metres, not degrees; the DataFrame that
            :func:`~vizkit.data.read_geojson` returns (index = code, ``geometry`` column); or
            a mapping ``code → polygon`` in metres, where a polygon is a list of rings
            (exterior first, then holes; each ``(N, 2)``) — or a list of such polygons (a
            multipolygon), or a GeoJSON geometry dict.
        data: values by region: a DataFrame with columns ``code``, ``value`` (and ``time``), a
            Series indexed by code, or a mapping ``code → value`` / ``code → [value per step]``.
            ``None``: take ``value`` (and ``time``) from the geometry DataFrame itself.
        code, value, time: column names in ``data``. Codes are compared as strings ("0381").
        id_property: the feature property holding the code in a FeatureCollection (default
            ``"code"``).
        colormap, scale, domain, easing, times, units, label, sun, ambient, light: as for
            :class:`~vizkit.layers.terrain.Terrain` — the scale and colour domain follow the
            shown values (:mod:`vizkit.layers.autoscale`); the colour domain and heights start
            at ``min(0, low)``, so prism heights stay proportional to the values.
        max_height: metres of the tallest prism (default 4 % of the regions' diagonal).
        base_height: metres every region with data rises at least (keeps zeros visible).
        exaggeration: multiplier on heights (a uniform).
        no_data: regions without a value: ``"grey"`` (flat grey at ground level, default) or
            ``"hole"`` (not drawn).
        policy: disclosure control (see :mod:`vizkit.layers.protection`). ``None`` (default):
            the scene's policy, bound by ``scene.add``; a :class:`~vizkit.privacy.Policy`
            makes it stricter; ``Policy.off(reason)`` is the explicit, logged opt-out. Hidden
            regions lie flat, marked with the protected pattern.
        base: for a measure (a density, a rate, a mean): the counts it rests on — a column of
            ``data`` (a DataFrame), or values in any form ``data`` takes, joined by code the
            same way. Regions whose base is below ``k`` are hidden; the measure is shown
            unperturbed. Without ``base`` the values must be counts (whole numbers ≥ 0).
    """

    def __init__(self, geometry: Any, data: Any = None, *, code: str = "code",
                 value: str = "value", time: str | None = None, id_property: str | None = None,
                 colormap: str | Sequence[object] | Colormap = "viridis",
                 scale: str | None = None, domain: tuple[float, float] | None = None,
                 max_height: float | None = None, base_height: float = 0.0,
                 exaggeration: float = 1.0, sun: Sequence[float] = (-0.5, -0.6, 0.75),
                 ambient: float = 0.35, light: Light | str = "soft",
                 easing: str | Easing = "smooth",
                 times: Sequence[Any] | None = None, units: str = "", label: str = "",
                 no_data: str = "grey", policy: Policy | None = None, base: Any = None,
                 name: str | None = None, provenance: object = None, counts: Any = REMOVED):
        super().__init__(name=name or "Regions", provenance=provenance)
        reject_counts_keyword(counts, self.name)
        own = explicit_policy(policy, self.name)
        if provenance is None and isinstance(geometry, pd.DataFrame):
            self.provenance = geometry.attrs.get("provenance")
        self.codes, polygons = read_region_geometry(geometry, id_property, self.name)
        if data is None and isinstance(geometry, pd.DataFrame):
            if value not in geometry.columns:
                raise ValueError(f"{self.name}: no data given and the geometry has no column "
                                 f"{value!r} to take values from")
            data = geometry.reset_index(names=code) if code not in geometry.columns else geometry
        if data is None:
            raise ValueError(f"{self.name}: no values given (data=None)")
        check = own is None or own.enabled  # a layer knows what it draws: counts, or a measure
        values, labels = _join(data, self.codes, code, value, time, self.name,
                               counts=check and base is None)
        base_counts = None
        if base is not None:
            base_counts, base_labels = _join_base(base, data, self.codes, code, value, time,
                                                  self.name, check)
            if base_counts.shape != values.shape or base_labels != labels:
                raise ValueError(f"{self.name}: base has {base_counts.shape[0]} time step(s) "
                                 f"{base_labels or ''}, the values {values.shape[0]} "
                                 f"{labels or ''}; they must match")
        with np.errstate(under="ignore"):  # tiny values round to 0 in float32
            raw = np.ascontiguousarray(values, dtype=np.float32)  # (T, R)
        self._shape = raw.shape
        self.times = time_labels(times if times is not None else labels, self.steps, self.name)
        # Disclosure control runs when the policy is final (scene.add) or first needed; the
        # raw values stay inside the protection, never drawn, picked or read out.
        self._protection = StepProtection(raw, owner=self.name, policy=own, base=base_counts,
                                          kind="cells", identity=self._region_identity,
                                          total_of="all regions")
        self.hidden_color = HIDDEN_COLOR  # hidden regions carry the protected pattern
        self.mesh = build_prism_mesh(polygons, self.name)
        self.origin = self.mesh.origin
        self.scale = scale  # None: chosen from the shown values (autoscale)
        self.colormap = Colormap(colormap)
        self.domain = domain  # None: (min(0, low), 99.5th percentile) of the shown values
        lo, hi = self.mesh.bounds
        self.diagonal = float(np.hypot(hi[0] - lo[0], hi[1] - lo[1]))
        self.max_height = peak_height(self.diagonal) if max_height is None else float(max_height)
        self.base_height = float(base_height)
        self.exaggeration = float(exaggeration)
        self.sun, self.ambient, self.light = sun, float(ambient), light
        self.easing = get_easing(easing)
        self.units, self.label = units, label or value
        if no_data not in ("grey", "hole"):
            raise ValueError(f"{self.name}: no_data must be 'grey' or 'hole', got {no_data!r}")
        self._no_data = no_data
        self.time_index = 0.0
        self.change: tuple[int, int] | None = None
        self.change_colormap = Colormap(DIVERGING_DEFAULT)
        self.pick_id = 0
        self._vaos: dict[tuple, tuple[moderngl.VertexArray, Any]] = {}

    @property
    def no_data(self) -> str:
        """Regions without a value: ``"grey"`` (a calm no-data tint) or ``"hole"`` (a
        uniform). Regions hidden by disclosure control are always drawn, with the protected
        pattern — marked, never silently missing."""
        return self._no_data

    @no_data.setter
    def no_data(self, mode: str) -> None:
        if mode not in ("grey", "hole"):
            raise ValueError(f"{self.name}: no_data must be 'grey' or 'hole', got {mode!r}")
        self._no_data = mode

    def _region_identity(self, step: int) -> pd.DataFrame:
        """What identifies each region's cell of a step, for cell keys: its code and the time
        label, as text — as ``Policy.protect`` keys a table of ``code`` and ``time`` text."""
        return pd.DataFrame({"code": pd.Series(self.codes, dtype=object),
                             "time": self._step_identity(step)})

    # -- facts -----------------------------------------------------------------------------
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
        level = float(self.level_of(np.array([v]), heights=True)[0])
        return (self.base_height + level * self.max_height) * self.exaggeration

    def ground_points(self) -> np.ndarray:
        """The prisms' outline vertices at ground level, every k-th (4,096 at most)."""
        xy = self.mesh.vertices[:, :2].astype(np.float64)
        xy = xy[:: max(1, len(xy) // 4096)] + np.asarray(self.mesh.origin[:2])
        return np.column_stack([xy, np.zeros(len(xy))])

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
        table[:, :count][np.asarray(self.hidden)] = HIDDEN  # marked, never silently missing
        self._tex_width = width
        self._values_tex = gpu.texture_array(group, (width, rows, steps), 1, table, dtype="f4")
        self._upload_colormaps(gpu, group)
        self._has_no_data = not bool(np.isfinite(table[:, :count]).all())
        self._vertices = gpu.buffer(group, self.mesh.vertices)
        self._region_ids = gpu.buffer(group, self.mesh.region)
        self._indices = gpu.buffer(group, self.mesh.indices)
        self._vaos = {}

    def _defines(self, pass_name: str, light: Light) -> dict[str, object]:
        defines = self._variant(pass_name, self._has_no_data)
        if pass_name == "color" and self.ambient < 1.0:  # ambient 1: unlit
            defines.update(light.defines(horizon=False))
            if light.contact > 0.0:
                defines["CONTACT"] = 1
        return defines

    def _vao(self, pass_name: str, light: Light) -> tuple[moderngl.VertexArray, Any]:
        defines = self._defines(pass_name, light)
        key = (pass_name, tuple(sorted(defines.items())))
        hit = self._vaos.get(key)
        if hit is None:
            assert self._gpu is not None and self._group is not None
            program = self._gpu.program("regions/regions.vert", "regions/regions.frag",
                                        defines=defines)
            layout = (("2f 1f 12x", "a_position", "a_top") if pass_name == "pick"  # no normals
                      else ("2f 1f 3f", "a_position", "a_top", "a_normal"))
            content = [(self._vertices, *layout), (self._region_ids, "1u", "a_region")]
            vao = self._gpu.vertex_array(self._group, program, content,
                                         index_buffer=self._indices)
            hit = self._vaos[key] = (vao, program)
        return hit

    def draw(self, view: ViewState) -> None:
        if view.pass_name not in ("color", "pick") or self._gpu is None:
            return
        if view.pass_name == "pick" and not self.pick_id:
            return
        light = self.light_for(view)   # plain under the draft preset
        vao, program = self._vao(view.pass_name, light)
        step0, step1, mix = self._steps_and_mix(self.time_index)
        colour, heights = self._scaled_domains()
        self._values_tex.use(location=0)
        uniforms: dict[str, object] = dict(
            u_mvp=ViewState.gl_matrix(view.model_view_projection(self.origin)),
            t_values=0, u_tex_width=self._tex_width,
            u_step0=step0, u_step1=step1, u_mix=float(mix),
            u_domain=colour, u_heights=heights,
            u_base_height=self.base_height * self.exaggeration,
            u_max_height=self.max_height * self.exaggeration,
            u_change=int(self.change is not None), u_change_steps=self.change or (0, 0),
            u_change_range=self.change_range)
        if view.pass_name == "pick":
            uniforms["u_pick_layer"] = int(self.pick_id)
            uniforms["u_pick_no_data"] = float(self.no_data == "grey")  # grey regions answer
        else:
            (self._change_tex if self.change is not None else self._colormap_tex).use(location=1)
            top = (self.base_height + self.max_height) * self.exaggeration
            uniforms.update(
                t_colormap=1, u_to_sun=self.sun, u_ambient=self.ambient,
                u_light=light.uniform() if self.ambient < 1.0 else (0, 0, 1, 0),
                u_contact=light.contact,
                u_contact_m=max(0.12 * top, 1e-6), u_pattern_m=max(self.diagonal / 240, 1e-6),
                u_hidden_color=self.hidden_color[:3],
                u_no_data=NO_DATA_GREY if self._no_data == "grey" else (0.0, 0.0, 0.0, 0.0))
        program.set(**uniforms)
        vao.render(moderngl.TRIANGLES)


def _join(data: Any, codes: list[str], code: str, value: str, time: str | None,
          owner: str, *, counts: bool = False, what: str = "values"
          ) -> tuple[npt.NDArray[np.float64], list[Any] | None]:
    """Values as ``(T, R)`` in geometry order (NaN where a region has no value).

    ``counts``: the values must be counts (whole, ≥ 0); an error names column, row and value.
    """
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
            frame = pd.DataFrame({code: np.repeat([region_code(k) for k in keys], steps),
                                  time or "step": np.tile(np.arange(steps), len(keys)),
                                  value: np.concatenate([np.ravel(np.asarray(data[k], dtype=object))
                                                         for k in keys])})
            return _join(frame, codes, code, value, time or "step", owner, counts=counts,
                         what=what)[0], None
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
    keys = np.array([region_code(k) for k in data[code].to_numpy()], dtype=object)
    rows = pd.Index(codes).get_indexer(keys)
    unknown = sorted(set(keys[rows < 0]))
    if unknown:
        shown = ", ".join(repr(c) for c in unknown[:10]) + (" …" if len(unknown) > 10 else "")
        have = ", ".join(codes[:8]) + (" …" if len(codes) > 8 else "")
        raise ValueError(f"{owner}: column {code!r} has {len(unknown)} code(s) not in the "
                         f"geometry: {shown} (geometry codes: {have})")
    if counts:
        require_counts(numbers, owner, lambda i: f"column {value!r}, row "
                       f"{label_text(data.index[i])} (code {keys[i]!r}"
                       + (f", {time} {label_text(data[time].iloc[i])})" if time else ")"),
                       what=what)
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


def _join_base(base: Any, data: Any, codes: list[str], code: str, value: str,
               time: str | None, owner: str, check: bool
               ) -> tuple[npt.NDArray[np.float64], list[Any] | None]:
    """The base counts of a measure as ``(T, R)``: a column of ``data``, or its own table."""
    if isinstance(base, str):
        if not isinstance(data, pd.DataFrame):
            raise TypeError(f"{owner}: base={base!r} names a column, but data is a "
                            f"{type(data).__name__}; pass the base counts in the same form as "
                            "data instead")
        return _join(data, codes, code, base, time, owner, counts=check, what="base counts")
    return _join(base, codes, code, value, time, owner, counts=check, what="base counts")
