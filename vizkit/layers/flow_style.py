"""How protected flows look: particles per flow, colours, sizes, rings — arrays for the GPU.

GL-free: :func:`draw_plan` turns the flows disclosure control left (:class:`FlowCells`) into
everything :class:`vizkit.layers.flows.Flows` uploads — particle counts per flow and time bin,
particles allocated per flow, the palette and each flow's palette row, size level and ring scale
— and :func:`flow_texels` / :func:`particle_pairs` pack them as the shaders read them
(``vizkit/shaders/flows/flow.glsl``). Everything here is computed from protected values only.

Volume → particles: a flow with volume ``v`` in a bin shows ``round_half_up(v ×
particles_per_unit)`` particles, and at least ``min_particles`` while ``v > 0``, so small flows
never vanish (their share is then overstated, as ``docs/flows.md`` says). Each flow is given
particles for its largest bin; other bins show a prefix of them (ranks below the count).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from cmap import Color

from vizkit.colormap import Colormap
from vizkit.data.flows import FlowCells
from vizkit.view import ViewState

#: Okabe–Ito colours (colour-blind safe), bright first, for categories on a dark background.
CATEGORY_COLORS = ("#e69f00", "#56b4e9", "#f0e442", "#009e73", "#cc79a7", "#d55e00",
                   "#0072b2", "#ffffff")
COLOR_BY = (None, "category", "volume")
REFERENCE_HEIGHT_PX = 720.0  # point sizes are given for a 720-pixel-high viewport …
REFERENCE_FOV_Y = 45.0       # … with a 45° vertical field of view (the default camera)
RING_SHARE = 0.025           # default ring radius: share of the places' extent
SMALLEST_RING = 0.3          # smallest ring radius, share of the largest
# Light (linear, before the tone map) the densest corridor reaches with exposure="auto": six
# times display white, deep in the tone map's shoulder — bright, never clipped (docs/look.md).
PEAK_LIGHT = 6.0
ARC_PEAK_LIGHT = 0.3         # the arcs meeting at the busiest place add up to at most this
STREAK_LIGHT = 0.25          # mean light a streak leaves over what it covers (particles.frag)
LINE_LIGHT = 0.5             # mean light along a line (linear fade from the head)
LINE_MAX_PX = 12.0           # a line's longest trail on screen (particles.vert)
POINT_LIGHT = 0.6            # mean light of a point over its square (soft disc or flat)


def pixel_scale(view: ViewState) -> float:
    """How many pixels a 1-pixel particle of a 720-pixel-high, 45° view covers in ``view``.

    Measured as pixels per unit of tangent at the view's centre (projection y-scale × half
    the viewport height), so it follows the resolution — a 1440-pixel-high frame doubles it —
    and stays equal across the cube faces of a dome, whose side faces are cut to fewer rows
    by an off-centre frustum: a height ratio would halve the particles on those faces.
    """
    focal_px = abs(float(view.projection[1][1])) * view.viewport[1] / 2.0
    reference = REFERENCE_HEIGHT_PX / 2.0 / math.tan(math.radians(REFERENCE_FOV_Y) / 2.0)
    return focal_px / reference


def round_half_up(x: npt.ArrayLike) -> npt.NDArray[np.float64]:
    return np.floor(np.asarray(x, np.float64) + 0.5)


def palette(color_by: str | None, color: object, colors: Any, colormap: str,
            cells: FlowCells, peak: np.ndarray, name: str
            ) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.float32]]:
    """``(256, 4) uint8`` palette and each flow's row in it (by category, volume or one colour).

    By volume, the log of each flow's peak volume spans rows 64–255: the darkest quarter of a
    colour map is left out, because additive black is invisible.
    """
    lut = np.zeros((256, 4), np.uint8)
    if color_by == "volume":
        lut[:] = Colormap(colormap).lut()
        level = np.log1p(peak)
        span = level.max() - level.min()
        level = (level - level.min()) / span if span > 0 else np.ones_like(level)
        return lut, np.round(64 + level * 191).astype(np.float32)
    if color_by == "category":
        chosen = category_colors(cells.categories, colors, name)
        for i, spec in enumerate(chosen):
            lut[i] = np.round(np.asarray(Color(spec).rgba) * 255)
        return lut, cells.category.astype(np.float32)
    lut[0] = np.round(np.asarray(Color(color).rgba) * 255)
    return lut, np.zeros(len(cells), np.float32)


def category_colors(categories: Sequence[Any], colors: Any, name: str) -> list[object]:
    """One colour per category: ``colors`` (a mapping or a list, cycled) or Okabe–Ito."""
    if len(categories) > 256:
        raise ValueError(f"{name}: at most 256 categories can be coloured")
    if colors is None:
        return [CATEGORY_COLORS[i % len(CATEGORY_COLORS)] for i in range(len(categories))]
    if isinstance(colors, Mapping):
        unknown = [c for c in categories if c not in colors]
        if unknown:
            raise ValueError(f"{name}: colors has no entry for categories {unknown}")
        return [colors[c] for c in categories]
    listed = list(colors)
    return [listed[i % len(listed)] for i in range(len(categories))]


def check_look(color_by: str | None, color: object, colors: Any, colormap: str,
               categories: Sequence[Any], name: str) -> None:
    """Refuse a bad colour, colour list or colour map at construction (the palette itself is
    made from the protected flows, later)."""
    try:
        if color_by == "volume":
            Colormap(colormap)
        elif color_by == "category":
            for spec in category_colors(categories, colors, name):
                Color(spec)
        else:
            Color(color)
    except (ValueError, KeyError, TypeError) as error:
        if str(error).startswith(name):
            raise
        raise ValueError(f"{name}: cannot use that colour or colour map: {error}") from None


def size_levels(peak: np.ndarray) -> npt.NDArray[np.float64]:
    """0–1 per flow: its log peak volume between the smallest and the largest flow's."""
    level = np.log1p(peak)
    span = level.max() - level.min()
    return (level - level.min()) / span if span > 0 else np.ones_like(level)


def ring_scales(cells: FlowCells, peak: np.ndarray) -> npt.NDArray[np.float64]:
    """Ring radius per flow as a share of the largest: area ∝ volume for origin ==
    destination flows (at least ``SMALLEST_RING``), 1 for the others."""
    scale = np.ones(len(peak))
    ring = cells.origin == cells.destination
    if ring.any():
        scale[ring] = np.clip(np.sqrt(peak[ring] / peak[ring].max()), SMALLEST_RING, 1.0)
    return scale


@dataclass(frozen=True)
class DrawPlan:
    """Everything a flow layer uploads, from the protected flows.

    Attributes:
        cells: the protected flows (places include "other destinations" stubs).
        counts: (F, B) float32 particles per flow and bin before rounding (the shader's input).
        allocated: (F,) int64 particles uploaded per flow (its largest bin, at least the minimum).
        particles_per_unit: particles per unit of volume.
        palette: (256, 4) uint8; palette_index: (F,) its row per flow.
        size_level: (F,) 0–1; ring_scale: (F,) share of ``ring_radius``.
        ring_radius: metres, of the largest ring.
        origin: world (x, y, z) the flow texture's positions are relative to.
    """

    cells: FlowCells
    counts: npt.NDArray[np.float32]
    allocated: npt.NDArray[np.int64]
    particles_per_unit: float
    palette: npt.NDArray[np.uint8]
    palette_index: npt.NDArray[np.float32]
    size_level: npt.NDArray[np.float64]
    ring_scale: npt.NDArray[np.float64]
    ring_radius: float
    origin: tuple[float, float, float]

    @property
    def particle_count(self) -> int:
        return int(self.allocated.sum())


def draw_plan(cells: FlowCells, *, particles_per_unit: float | None, target_particles: int,
              min_particles: int, color_by: str | None, color: object, colors: Any,
              colormap: str, ring_radius: float | None, name: str) -> DrawPlan:
    """Particles, colours, sizes and rings for protected flows (see the module doc)."""
    peak = cells.volumes.max(axis=1)
    if particles_per_unit is None:
        particles_per_unit = target_particles / max(float(peak.sum()), 1e-30)
    if not particles_per_unit > 0:
        raise ValueError(f"{name}: particles_per_unit must be positive, "
                         f"got {particles_per_unit!r}")
    counts = (cells.volumes * float(particles_per_unit)).astype(np.float32)
    # from the float32 counts the shader sees, so the peak bin shows every particle
    allocated = np.maximum(round_half_up(counts.max(axis=1)), min_particles).astype(np.int64)
    lut, index = palette(color_by, color, colors, colormap, cells, peak, name)
    xyz = cells.places.xyz
    lo, hi = xyz.min(axis=0), xyz.max(axis=0)
    extent = float(np.hypot(*(hi - lo)[:2])) or 1.0
    return DrawPlan(cells=cells, counts=counts, allocated=allocated,
                    particles_per_unit=float(particles_per_unit), palette=lut,
                    palette_index=index, size_level=size_levels(peak),
                    ring_scale=ring_scales(cells, peak),
                    ring_radius=RING_SHARE * extent if ring_radius is None else float(ring_radius),
                    origin=(float(lo[0]), float(lo[1]), 0.0))


def flow_texels(plan: DrawPlan) -> npt.NDArray[np.float32]:
    """``(F, 3, 4) float32``: endpoints relative to the origin, heights and location ids,
    style (layout in ``vizkit/shaders/flows/flow.glsl``)."""
    cells = plan.cells
    xyz = cells.places.xyz - np.asarray(plan.origin)
    out = np.zeros((len(cells), 3, 4), np.float32)
    out[:, 0, :2] = xyz[cells.origin, :2]
    out[:, 0, 2:] = xyz[cells.destination, :2]
    out[:, 1, 0] = xyz[cells.origin, 2]
    out[:, 1, 1] = xyz[cells.destination, 2]
    out[:, 1, 2] = cells.origin
    out[:, 1, 3] = cells.destination
    out[:, 2, 0] = plan.palette_index
    out[:, 2, 1] = plan.size_level
    out[:, 2, 2] = plan.ring_scale
    return out


def particle_pairs(allocated: np.ndarray) -> npt.NDArray[np.uint32]:
    """``(P, 2) uint32``: (flow index, rank) for every allocated particle."""
    flow = np.repeat(np.arange(len(allocated), dtype=np.uint32), allocated)
    starts = np.cumsum(allocated) - allocated
    rank = np.arange(len(flow), dtype=np.int64) - np.repeat(starts, allocated)
    return np.stack([flow, rank.astype(np.uint32)], axis=1)


def corridor_load(cells: FlowCells, weights: np.ndarray) -> float:
    """The largest sum of ``weights`` (F, B) over the flows of one corridor — the flows
    between the same two places, both ways and every category — in any bin."""
    low = np.minimum(cells.origin, cells.destination).astype(np.int64)
    high = np.maximum(cells.origin, cells.destination).astype(np.int64)
    _, corridor = np.unique(low * (int(high.max(initial=0)) + 1) + high, return_inverse=True)
    load = np.zeros((int(corridor.max(initial=0)) + 1, weights.shape[1]))
    np.add.at(load, corridor.reshape(-1), weights)
    return float(load.max(initial=0.0))


def place_degree(cells: FlowCells) -> int:
    """The most flows that start or end at one place (a flow from a place to itself once)."""
    ends = np.concatenate([cells.origin, cells.destination[cells.destination != cells.origin]])
    return int(np.bincount(ends).max(initial=0)) if len(ends) else 0


def density_exposure(plan: DrawPlan, *, trail: str, tail: float, size_px: float,
                     spread: float, ring_light: float,
                     arc_alpha: float) -> tuple[float, float]:
    """``(particles, arcs)``: brightness multipliers so that dense flows never burn out.

    Particles add up: where many ride the same line, every pixel of it is covered many times.
    Measured where the places' extent fills a 720-pixel-high view (so it does not change with
    the camera or the resolution — point sizes follow the same rule):

    * **along** a flow's line, ``n`` streaks cover each point ``n × tail`` times (phases are
      evenly spread; lines no longer than :data:`LINE_MAX_PX`); ``n`` points cover it
      ``n × size_px / arc length in pixels`` times;
    * **across** it, the particles share the ribbon (``spread`` of the chord, about half of it
      near the places) or a ring's band (``1.2 ×`` its radius): overlap divides by the band's
      width in particle widths, when that is more than one.

    The densest *corridor* (the flows between two places, both ways, all categories), in its
    busiest bin (so brightness does not pulse through the day), is scaled to
    :data:`PEAK_LIGHT` — in the tone map's shoulder: bright, not clipped; a corridor with a
    sixth of its particles shows about display white. Sparse layers keep full brightness (the
    multiplier is at most 1). Arcs — one faint line per flow — are scaled so those meeting at
    one place add up to at most :data:`ARC_PEAK_LIGHT`.
    """
    cells = plan.cells
    xyz = cells.places.xyz
    extent = float(np.hypot(*(xyz.max(axis=0) - xyz.min(axis=0))[:2])) or 1.0
    px_per_m = REFERENCE_HEIGHT_PX / extent
    ring = cells.origin == cells.destination
    chord = np.hypot(*(xyz[cells.destination] - xyz[cells.origin])[:, :2].T)
    across_px = np.where(ring, 1.2 * plan.ring_scale * plan.ring_radius,
                         0.5 * float(spread) * chord) * px_per_m
    width = 1.0 if trail == "lines" else float(size_px)
    weights = plan.counts.astype(np.float64) / np.maximum(1.0, across_px / width)[:, None]
    weights[ring] *= float(ring_light)
    length = np.where(ring, 2 * math.pi * plan.ring_radius * plan.ring_scale, chord)
    arc_px = np.maximum(length * px_per_m, 1.0)
    if trail == "lines":    # one pixel wide, the light of the width, at most LINE_MAX_PX long
        along = np.minimum(float(tail), LINE_MAX_PX / arc_px)
        weights *= (along * LINE_LIGHT * float(size_px))[:, None]
    elif trail == "streaks":
        weights *= float(tail) * STREAK_LIGHT
    else:
        weights *= np.minimum(1.0, float(size_px) / arc_px)[:, None] * POINT_LIGHT
    densest = corridor_load(cells, weights)
    particles = min(1.0, PEAK_LIGHT / densest) if densest > 0 else 1.0
    meeting = arc_alpha * place_degree(cells)
    arcs = min(1.0, ARC_PEAK_LIGHT / meeting) if meeting > 0 else 1.0
    return particles, arcs


def bins_and_mix(time_bin: float, n_bins: int, cyclic: bool) -> tuple[int, int, float]:
    """The two bins a fractional ``time_bin`` blends and how far it is from the first:
    wrapped when ``cyclic`` (23.5 of 24 blends 23 and 0), else clamped to the ends."""
    if cyclic:
        x = float(time_bin) % n_bins
        b0 = min(math.floor(x), n_bins - 1)
        return b0, (b0 + 1) % n_bins, x - b0
    x = min(max(float(time_bin), 0.0), float(n_bins - 1))
    b0 = min(math.floor(x), n_bins - 1)
    b1 = min(b0 + 1, n_bins - 1)
    return b0, b1, (x - b0) if b1 != b0 else 0.0


def visible_counts(counts: np.ndarray, bin0: int, bin1: int, mix: float,
                   min_particles: int) -> npt.NDArray[np.int64]:
    """Particles each flow shows between two bins — the vertex shader's rule on the CPU."""
    c = counts[:, bin0] * np.float32(1.0 - mix) + counts[:, bin1] * np.float32(mix)
    return np.where(c > 0, np.maximum(round_half_up(c), min_particles), 0).astype(np.int64)
