"""BaseMap: land, coastline and borders beneath the data — the context of a statistical map.

From region boundaries already read by :mod:`vizkit.data` (kommuner, say, grouped by län for
stronger borders) it draws a muted **land fill**, a thin light **coastline** (the outline of the
union of all regions) and fainter **borders** (edges shared by two regions, each drawn once) as
anti-aliased lines of a constant width in pixels. :mod:`vizkit.layers.linework` builds the
geometry (GL-free); this module uploads it once and draws it.

**Beneath the data, without z-fighting.** The base map lies on the ground plane, z = 0, where a
flat terrain's ground and grey (hidden or no-data) regions lie too. It is drawn after the opaque
layers (:attr:`BaseMap.draw_order` 0.5: before blended ones such as flows), with each vertex
moved along its own view ray (its pixel stays put, only its depth changes —
``shaders/basemap/ground.glsl``): the land fill one pixel's worth *away* from the eye, so it
only fills pixels where nothing was drawn on or above the ground, and the lines half their
width plus a pixel *towards* the eye, so they win ties with flat ground but hide behind
anything the data raises above it. A slide relative to the distance keeps this true at any
zoom, and it is never less than a few steps of the depth buffer at that distance.

**Lines drawn once per pixel.** Segments are screen-space quads with analytic coverage of a
capsule (``shaders/basemap/lines.frag``). Neighbouring segments overlap at their joints, and a
detailed coastline puts many segments in one pixel; blending each would darken joints and
thicken dense coasts. Each line set (coastline, each border level) is therefore drawn in two
passes: the largest coverage per pixel goes into destination alpha (blend MIN), then the colour
is blended once with it and alpha restored to 1.

Costs of change: colours, widths and opacities are uniforms (free); new boundaries mean a new
layer. Not pickable; no legend (context, not data).
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import moderngl
import numpy as np
import numpy.typing as npt
import pandas as pd
from cmap import Color

from vizkit.data.geojson import read_geojson
from vizkit.data.land import mask_of
from vizkit.gpu import GpuContext, ResourceGroup
from vizkit.layers.base import Layer
from vizkit.layers.linework import Linework
from vizkit.look import linear_rgba as linear
from vizkit.view import ViewState

LAND_COLOR = (0.135, 0.148, 0.170, 1.0)     # muted blue-grey, a step above the dark background
LINE_COLOR = (0.78, 0.81, 0.85, 1.0)        # light grey for coast and borders
COASTLINE_WIDTH = 1.2                       # px
COASTLINE_OPACITY = 0.65
BORDER_WIDTHS = (0.8, 1.1, 1.4)             # px: between regions, then coarser groupings
BORDER_OPACITIES = (0.28, 0.5, 0.65)
DEPTH_BITS = 24                             # depth renderbuffers of every vizkit target

RGBA = tuple[float, float, float, float]


class BaseMap(Layer):
    """Land fill, coastline and borders of region boundaries, drawn beneath the data.

    Args:
        boundaries: the regions: a :func:`vizkit.data.read_geojson` DataFrame (projected
            metres), a GeoJSON path or FeatureCollection dict (read with ``read_geojson``), or
            a mapping ``code → polygon`` in metres — what :class:`~vizkit.Regions` takes. Their
            union is the land; its outline is the coastline; edges two regions share are
            borders.
        *coarser: coarser levels whose borders are drawn stronger, finest first: a column of
            ``boundaries`` holding each region's group (``"lan_code"``, a str), or boundaries
            of larger regions (län, fylker: a DataFrame, a ``pathlib.Path`` or a parsed
            document), each region belonging to the one it overlaps most. Their
            outlines are not drawn: stronger borders follow the regions' own edges (see
            :mod:`vizkit.layers.linework` for why).
        id_property: feature property holding the code, for a path or dict (default ``"code"``).
        gap_width: metres; gaps between regions narrower than this are land (default 0.02 % of
            the larger side of the extent: 300 m for Sweden).
        land_color, line_color: colours (``"#2b2f36"``, a name, or RGB(A) in 0–1). Uniform.
        coastline_width, coastline_opacity: pixels of the output and 0–1. Uniform.
        border_widths, border_opacities: one per level (regions, then each coarser level), or
            one number for all. Default: 0.8 / 1.1 / 1.4 px at 0.28 / 0.5 / 0.65. Uniform.
        name: layer name.
        provenance: credit for the geometry (default: the boundaries' ``Provenance``, and the
            coarser levels' in :attr:`provenances`).
    """

    draw_order = 0.5      # after opaque layers (it fills only what they left), before blended

    def __init__(self, boundaries: Any, *coarser: Any, id_property: str | None = None,
                 gap_width: float | None = None,
                 land_color: object = LAND_COLOR, line_color: object = LINE_COLOR,
                 coastline_width: float = COASTLINE_WIDTH,
                 coastline_opacity: float = COASTLINE_OPACITY,
                 border_widths: float | Sequence[float] | None = None,
                 border_opacities: float | Sequence[float] | None = None,
                 name: str | None = None, provenance: object = None):
        super().__init__(name=name or "BaseMap", provenance=provenance)
        boundaries = _read(boundaries, id_property)
        coarser = tuple(_read(level, id_property) if not isinstance(level, str) else level
                        for level in coarser)
        self.linework = Linework(boundaries, coarser, id_property=id_property,
                                 gap_width=gap_width, owner=self.name)
        self.origin = self.linework.origin
        found = [p for p in (_provenance_of(b) for b in (boundaries, *coarser)) if p is not None]
        if provenance is None and found:
            self.provenance = found[0]
        self._provenances = tuple(dict.fromkeys([self.provenance, *found]))
        self.levels = len(coarser) + 1
        self.land_color = land_color
        self.line_color = line_color
        self.coastline_width = coastline_width
        self.coastline_opacity = coastline_opacity
        self.border_widths = border_widths  # type: ignore[assignment]
        self.border_opacities = border_opacities  # type: ignore[assignment]
        self._vaos: dict[str, moderngl.VertexArray] = {}
        self._counts: dict[str, int] = {}

    # -- settings (uniforms: free to change per frame) -------------------------------------
    @property
    def land_color(self) -> RGBA:
        """RGBA 0–1 of the land fill."""
        return self._land_color

    @land_color.setter
    def land_color(self, value: object) -> None:
        self._land_color = _rgba(value, "land_color", self.name)

    @property
    def line_color(self) -> RGBA:
        """RGBA 0–1 of coastline and borders (their opacities multiply its alpha)."""
        return self._line_color

    @line_color.setter
    def line_color(self, value: object) -> None:
        self._line_color = _rgba(value, "line_color", self.name)

    @property
    def coastline_width(self) -> float:
        """Pixels of the output (on a dome: of the domemaster)."""
        return self._coastline_width

    @coastline_width.setter
    def coastline_width(self, value: float) -> None:
        self._coastline_width = _number(value, "coastline_width", self.name, positive=True)

    @property
    def coastline_opacity(self) -> float:
        return self._coastline_opacity

    @coastline_opacity.setter
    def coastline_opacity(self, value: float) -> None:
        self._coastline_opacity = _number(value, "coastline_opacity", self.name)

    @property
    def border_widths(self) -> tuple[float, ...]:
        """Pixels of the output per border level (regions first, then each coarser level).
        Set one number for all, one per level, or ``None`` for the defaults."""
        return self._border_widths

    @border_widths.setter
    def border_widths(self, value: float | Sequence[float] | None) -> None:
        self._border_widths = _per_level(value, BORDER_WIDTHS, self.levels, "border_widths",
                                         self.name, positive=True)

    @property
    def border_opacities(self) -> tuple[float, ...]:
        """0–1 per border level, as :attr:`border_widths`."""
        return self._border_opacities

    @border_opacities.setter
    def border_opacities(self, value: float | Sequence[float] | None) -> None:
        self._border_opacities = _per_level(value, BORDER_OPACITIES, self.levels,
                                            "border_opacities", self.name)

    # -- facts -----------------------------------------------------------------------------
    @property
    def land(self) -> Any:
        """The land: union of the cleaned regions (a shapely MultiPolygon, metres)."""
        return self.linework.land

    @property
    def provenances(self) -> tuple[object, ...]:
        """Every dataset the base map draws from (boundaries, then coarser levels)."""
        return tuple(p for p in self._provenances if p is not None)

    def land_mask(self, extent: tuple[float, float, float, float],
                  shape: tuple[int, int]) -> npt.NDArray[np.bool_]:
        """``(H, W) bool``: cells of ``extent`` (metres, outer edges) split into ``shape`` whose
        centre is on this map's land; row 0 is the southern row, as for ``Terrain``. The same
        as :func:`vizkit.data.land_mask` on the boundaries."""
        return mask_of(self.land, extent, shape, owner=f"{self.name}.land_mask")

    def legend(self) -> None:
        """A base map is context, not data: no colour scale."""
        return None

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = self.linework.bounds
        return np.array([lo[0], lo[1], 0.0]), np.array([hi[0], hi[1], 0.0])

    def line_sets(self) -> list[tuple[str, npt.NDArray[np.float64], float, float]]:
        """``(name, (S, 4) segments, width px, opacity)`` per set drawn, bottom first: the
        borders from finest to coarsest, then the coastline."""
        sets = [(f"borders{k}", seg, self.border_widths[k], self.border_opacities[k])
                for k, seg in enumerate(self.linework.borders)]
        sets.append(("coastline", self.linework.coastline, self.coastline_width,
                     self.coastline_opacity))
        return sets

    # -- GPU -------------------------------------------------------------------------------
    def upload(self, gpu: GpuContext, group: ResourceGroup) -> None:
        self._vaos, self._counts = {}, {}
        land = gpu.program("basemap/land.vert", "basemap/land.frag")
        lines = gpu.program("basemap/lines.vert", "basemap/lines.frag")
        self._land_program, self._lines_program = land, lines
        points = gpu.buffer(group, self.linework.land_points)
        indices = gpu.buffer(group, self.linework.land_indices)
        self._vaos["land"] = gpu.vertex_array(group, land, [(points, "2f", "a_position")],
                                              index_buffer=indices)
        for name, segments, _, _ in self.line_sets():
            if len(segments) == 0:
                continue
            buffer = gpu.buffer(group, self.linework.relative(segments))
            self._vaos[name] = gpu.vertex_array(group, lines,
                                                [(buffer, "4f/i", "a_segment")])
            self._counts[name] = len(segments)

    def draw(self, view: ViewState) -> None:
        if view.pass_name != "color" or self._gpu is None:
            return  # not pickable: clicks go through to the data
        ctx = self._gpu.ctx
        model_view = view.view @ _translation(self.origin)
        projection = np.asarray(view.projection, dtype=np.float64)
        width_px, height_px = view.viewport
        ground = dict(u_model_view=ViewState.gl_matrix(model_view),
                      u_projection=ViewState.gl_matrix(projection),
                      u_px_tan=2.0 / (abs(projection[1, 1]) * height_px),
                      u_depth_step=4.0 / (_near(projection) * 2.0**DEPTH_BITS))
        framebuffer = ctx.detect_framebuffer()  # a reference: never released, never deleted
        try:
            # land: opaque, or "over" on colour keeping destination alpha (1) for the lines
            if self.land_color[3] < 1.0:
                ctx.enable(moderngl.BLEND)
                ctx.blend_equation = moderngl.FUNC_ADD
                ctx.blend_func = (moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA,
                                  moderngl.ZERO, moderngl.ONE)
            if self.land_color[3] > 0.0:
                self._land_program.set(u_color=linear(self.land_color), **ground)
                self._vaos["land"].render(moderngl.TRIANGLES)
            ctx.enable(moderngl.BLEND)
            framebuffer.depth_mask = False  # lines test depth but leave it to the data
            self._lines_program.set(u_viewport=(float(width_px), float(height_px)),
                                    u_angular=int(view.angular), **ground)
            for name, _, width, opacity in self.line_sets():
                if name not in self._vaos or opacity <= 0.0:
                    continue
                r, g, b, a = self.line_color
                self._lines_program.set(u_width=float(width),
                                        u_color=linear((r, g, b, a * opacity)))
                vao, count = self._vaos[name], self._counts[name]
                ctx.blend_equation = (moderngl.FUNC_ADD, moderngl.MIN)
                ctx.blend_func = (moderngl.ZERO, moderngl.ONE, moderngl.ONE, moderngl.ONE)
                self._lines_program.set(u_pass=0)
                vao.render(moderngl.TRIANGLE_STRIP, vertices=4, instances=count)
                ctx.blend_equation = moderngl.FUNC_ADD
                ctx.blend_func = (moderngl.ONE_MINUS_DST_ALPHA, moderngl.DST_ALPHA,
                                  moderngl.ONE, moderngl.ZERO)
                self._lines_program.set(u_pass=1)
                vao.render(moderngl.TRIANGLE_STRIP, vertices=4, instances=count)
        finally:
            framebuffer.depth_mask = True
            ctx.blend_equation = moderngl.FUNC_ADD
            ctx.blend_func = moderngl.DEFAULT_BLENDING
            ctx.disable(moderngl.BLEND)


def _read(boundaries: Any, id_property: str | None) -> Any:
    """A GeoJSON/TopoJSON path or parsed document read with ``read_geojson`` (so its
    provenance comes along); anything else as it is."""
    if isinstance(boundaries, Path) or (isinstance(boundaries, str) and boundaries) or (
            isinstance(boundaries, Mapping)
            and boundaries.get("type") in ("FeatureCollection", "Topology")):
        return read_geojson(boundaries, id_property or "code")
    return boundaries


def _provenance_of(boundaries: Any) -> object:
    return boundaries.attrs.get("provenance") if isinstance(boundaries, pd.DataFrame) else None


def _translation(origin: tuple[float, float, float]) -> np.ndarray:
    out = np.eye(4)
    out[:3, 3] = origin
    return out


def _near(projection: np.ndarray) -> float:
    """The near plane of a GL perspective matrix (column vectors): ``P[2,3] / (P[2,2] − 1)``."""
    return float(projection[2, 3] / (projection[2, 2] - 1.0))


def _rgba(value: object, field: str, owner: str) -> RGBA:
    """A colour as RGBA 0–1: a name or hex string (cmap), or 3–4 numbers in 0–1 (``(1, 1, 1)``
    is white here, whereas cmap would read integers as 0–255)."""
    try:
        if isinstance(value, str):
            rgba = tuple(float(v) for v in Color(value).rgba)
        else:
            numbers = [float(v) for v in value]  # type: ignore[attr-defined]
            if len(numbers) not in (3, 4) or not all(0.0 <= v <= 1.0 for v in numbers):
                raise ValueError
            rgba = (*numbers, 1.0)[:4] if len(numbers) == 3 else tuple(numbers)
    except Exception:
        raise ValueError(f"{owner}: {field} must be a colour ('#2b2f36', a name, or RGB(A) in "
                         f"0–1), got {value!r}") from None
    return rgba  # type: ignore[return-value]


def _number(value: object, field: str, owner: str, *, positive: bool = False) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = float("nan")
    ok = np.isfinite(number) and (number > 0 if positive else 0.0 <= number <= 1.0)
    if not ok:
        want = "a number of pixels > 0" if positive else "a number from 0 to 1"
        raise ValueError(f"{owner}: {field} must be {want}, got {value!r}")
    return number


def _per_level(value: float | Sequence[float] | None, defaults: Sequence[float], levels: int,
               field: str, owner: str, *, positive: bool = False) -> tuple[float, ...]:
    """One value per border level: given per level, one for all, or the defaults (the last
    default repeats for levels beyond them)."""
    if value is None:
        values = [defaults[min(k, len(defaults) - 1)] for k in range(levels)]
    elif isinstance(value, numbers.Real):
        values = [value] * levels
    else:
        values = list(value)
        if len(values) != levels:
            raise ValueError(f"{owner}: {field} needs one value per border level ({levels}: the "
                             f"regions and {levels - 1} coarser), got {len(values)}")
    return tuple(_number(v, field, owner, positive=positive) for v in values)


__all__ = ["BaseMap"]
