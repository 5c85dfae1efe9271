"""Flows: origin–destination (OD) tables as streams of stateless GPU particles.

An OD table (origin, destination, volume; optionally a time bin and a category) becomes
particles streaming along arcs between places. Everything is uploaded once:

* a **particle buffer** of ``(flow index, seed)`` pairs, 8 bytes per particle — the seed is also
  the particle's rank within its flow;
* a **flow texture** with each flow's endpoints, location ids and style;
* a **count texture** with each flow's particle count per time bin.

The vertex shader derives every particle's position from those and ``u_time``
(``vizkit/shaders/flows/particles.vert``), so a frame costs a handful of uniforms whatever the
number of particles, and the same ``t`` always gives the same picture.

Volume → particles: a flow with volume ``v`` in a bin shows ``round_half_up(v ×
particles_per_unit)`` particles, and **at least** ``min_particles`` (default 1) while ``v > 0``,
so small flows never vanish; the share of a small flow is then overstated, which the docs say
(``docs/flows.md``). Between bins the count is interpolated linearly before rounding. Each flow
is given particles for its largest bin; the others show a prefix of them (ranks below the
count), so a day of hourly bins plays as a pulse without any upload.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import moderngl
import numpy as np
import numpy.typing as npt
import pandas as pd
from cmap import Color

from vizkit.colormap import Colormap
from vizkit.gpu import GpuContext, ResourceGroup
from vizkit.layers.base import Layer
from vizkit.layers.protection import DEFAULT_POLICY, Policy, check_policy, looks_like_counts
from vizkit.privacy import protect_flows
from vizkit.view import ViewState

log = logging.getLogger("vizkit.privacy")
OTHER = "other"  # destination label of flows pooled by disclosure control

#: Okabe–Ito colours (colour-blind safe), bright first, for categories on a dark background.
CATEGORY_COLORS = ("#e69f00", "#56b4e9", "#f0e442", "#009e73", "#cc79a7", "#d55e00",
                   "#0072b2", "#ffffff")
TEXTURE_WIDTH = 4096  # flow and count textures wrap rows at this width
ARC_SEGMENTS = 48
REFERENCE_HEIGHT_PX = 720.0  # point sizes are given for a 720-pixel-high viewport …
REFERENCE_FOV_Y = 45.0       # … with a 45° vertical field of view (the default camera)
SOFT_POINT_PX = 3.0  # points at least this wide on screen are soft discs, smaller ones flat
TRAILS = ("streaks", "points")
SAME_PLACE = ("ring", "drop", "error")
ZERO_VOLUMES = ("error", "drop")
_MAX_LISTED = 8


class FlowsError(ValueError):
    """Bad OD input; the message names the layer, the column, the rows and the values."""


@dataclass(frozen=True)
class ParticleSample:
    """Particle state read back from the GPU for one time (see :meth:`Flows.particles_at`).

    Attributes:
        position: ``(P, 3) float64`` world metres.
        visible: ``(P,) bool`` — shown at that time bin.
        flow: ``(P,) int64`` index into :attr:`Flows.flows`.
        rank: ``(P,) int64`` rank of the particle within its flow (its seed).
    """

    position: npt.NDArray[np.float64]
    visible: npt.NDArray[np.bool_]
    flow: npt.NDArray[np.int64]
    rank: npt.NDArray[np.int64]


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


def _round_half_up(x: npt.ArrayLike) -> np.ndarray:
    return np.floor(np.asarray(x, np.float64) + 0.5)


def _rows_text(rows: np.ndarray, describe: Any) -> str:
    listed = ", ".join(describe(int(r)) for r in rows[:_MAX_LISTED])
    more = len(rows) - _MAX_LISTED
    return listed + (f" and {more} more" if more > 0 else "")


def location_table(locations: Any, name: str = "Flows") -> tuple[pd.Index, np.ndarray]:
    """Codes and ``(L, 3)`` float64 positions (x, y, z metres) from any supported form.

    Accepted: a DataFrame with ``x``, ``y`` (optional ``z``) columns and the codes in a
    ``code`` column or the index; a mapping ``code → (x, y[, z])``; an object with a
    ``centroids`` attribute or method returning either (a regions layer).
    """
    if hasattr(locations, "centroids") and not isinstance(locations, (pd.DataFrame, Mapping)):
        centroids = locations.centroids
        return location_table(centroids() if callable(centroids) else centroids, name)
    if isinstance(locations, pd.DataFrame):
        frame = locations
        if "code" in frame.columns:
            frame = frame.set_index("code")
        missing = [c for c in ("x", "y") if c not in frame.columns]
        if missing:
            raise FlowsError(f"{name}: locations table lacks column(s) {missing}; it needs "
                             f"x, y (metres) and the codes in 'code' or the index; columns "
                             f"are {list(locations.columns)}")
        xyz = np.zeros((len(frame), 3))
        xyz[:, 0] = frame["x"].to_numpy(np.float64)
        xyz[:, 1] = frame["y"].to_numpy(np.float64)
        if "z" in frame.columns:
            xyz[:, 2] = frame["z"].to_numpy(np.float64)
        codes = pd.Index(frame.index)
    elif isinstance(locations, Mapping):
        codes = pd.Index(list(locations.keys()))
        rows = [tuple(v) for v in locations.values()]
        if any(len(r) not in (2, 3) for r in rows):
            raise FlowsError(f"{name}: locations must map code → (x, y) or (x, y, z)")
        xyz = np.array([(*r, 0.0)[:3] for r in rows], np.float64).reshape(-1, 3)
    else:
        raise TypeError(f"{name}: locations must be a DataFrame (code, x, y), a mapping "
                        f"code → (x, y) or have .centroids; got {type(locations).__name__}")
    if codes.has_duplicates:
        dup = codes[codes.duplicated()].unique()[:_MAX_LISTED]
        raise FlowsError(f"{name}: location codes appear twice: {[str(c) for c in dup]}")
    bad = ~np.isfinite(xyz).all(axis=1)
    if bad.any():
        raise FlowsError(f"{name}: locations without finite coordinates: "
                         f"{[str(c) for c in codes[bad][:_MAX_LISTED]]}")
    return codes, xyz


def _lookup(codes: pd.Index, values: pd.Series) -> np.ndarray:
    """Location index per value (-1 when unknown); codes compared as text if types differ."""
    integer = pd.api.types.is_integer_dtype
    if (integer(codes.dtype) and integer(values.dtype) and len(codes)
            and codes.is_monotonic_increasing and codes.is_unique
            and codes[-1] - codes[0] == len(codes) - 1):
        # zone numbers 0…N-1 (transport-model OD matrices): the code is the index
        index = values.to_numpy(np.int64) - int(codes[0])
        return np.where((index >= 0) & (index < len(codes)), index, -1)
    index = codes.get_indexer(values)
    numeric = pd.api.types.is_numeric_dtype
    if (index < 0).any() and numeric(codes.dtype) != numeric(values.dtype):
        index = pd.Index(codes.astype(str)).get_indexer(values.astype(str))
    return index


class Flows(Layer):
    """Origin–destination flows drawn as particles streaming along arcs.

    Args:
        od: the OD table, one row per (origin, destination[, time][, category]); rows with the
            same keys are summed.
        locations: where the codes are: a DataFrame (``code`` column or index, ``x``, ``y``,
            optional ``z``; metres), a mapping ``code → (x, y[, z])``, or an object with
            ``.centroids`` giving either (a regions layer).
        origin, destination, volume: column names in ``od``.
        time: optional time-bin column (hour of day, date…). Bins are its sorted distinct values
            (or ``time_bins``); a flow missing from a bin has volume 0 there.
        time_bins: the bins in order, to fix the set (e.g. ``range(24)``).
        category: optional category column (travel mode…); flows are per category and coloured
            by it (``colors``).
        particles_per_unit: particles per unit of volume; default: so that all flows at their
            largest bin total about ``target_particles``.
        target_particles: see above (default 50,000).
        min_particles: particles shown by any flow whose (interpolated) volume is positive.
        same_place: rows whose origin equals their destination: ``"ring"`` (default: particles
            circle the place; the largest such flow at ``ring_radius``, smaller ones on rings
            whose area is proportional to volume, at least 0.3 × ``ring_radius``), ``"drop"``
            (removed with a warning naming the rows) or ``"error"``.
        zero_volumes: ``"error"`` (default) or ``"drop"`` rows with volume 0. Negative, NaN
            and infinite volumes are always errors.
        color: colour of every flow when there is no category and ``color_by`` is None.
        colors: category → colour (mapping), or a list in category order; default Okabe–Ito.
        color_by: ``"category"`` (default with a category), ``"volume"`` (``colormap`` over
            the flows' log volume) or None (``color``).
        colormap: for ``color_by="volume"``.
        size_px: particle width in pixels for a 720-pixel-high view with a 45° field of view,
            scaled with the view's pixels per radian (:func:`pixel_scale`: a 4K dome face
            looks like a 720p frame); a pair ``(small, large)`` sizes flows by volume.
        trail: ``"streaks"`` (default: each particle draws a tail fading behind it) or
            ``"points"`` (heads only, cheapest).
        tail: tail length as a share of the trip (streaks).
        trip_seconds: seconds a particle takes from origin to destination.
        speed_jitter: ± share by which particle speeds vary.
        arc_height: arc peak above the chord, share of the chord length (distance).
        bend: sideways offset of the arc's middle, share of the chord, to the right of travel.
        spread: ribbon width of a flow's particles, share of the chord.
        policy: disclosure control on the aggregated (flow, time bin) counts before anything
            is drawn (default: flows below 5 are pooled per origin into one flow to "other
            destinations", drawn as a short arc pointing away from the map's centre).
            ``Policy.off(reason)`` is the explicit, logged opt-out.
        counts: whether volumes are counts (``None``: whole numbers are); fractional volumes
            (e.g. a day spread over hours) are left alone — protect the count table first.
        ring_radius: metres, of the largest ring; default 2.5 % of the locations' extent.
        show_arcs: draw faint static arcs beneath the particles.
        arc_alpha: brightness of those arcs.
        intensity: brightness multiplier (additive: overlapping particles add up).
        ring_light: extra brightness multiplier for origin == destination rings (their
            particles crowd a small circle; below 1 keeps them from outshining the arcs).
        dim: brightness of flows not touching the selected place (:meth:`select`).
        ground: a :class:`~vizkit.layers.terrain.Terrain`; endpoints are lifted onto its surface
            (``heights_at``, once, at construction) plus ``altitude`` metres.
        altitude: metres added to every endpoint's height.
        bins_per_second: drive :attr:`time_bin` from scene time: ``time_bin = t ×
            bins_per_second`` (wrapped when ``cyclic``). Default None: set ``time_bin`` yourself.
        cyclic: the bins wrap (hours of a day): bin 23.5 is halfway from the last to the first.
    """

    draw_order = 1

    def __init__(self, od: pd.DataFrame, locations: Any, *, origin: str = "origin",
                 destination: str = "destination", volume: str = "volume",
                 time: str | None = None, time_bins: Sequence[Any] | None = None,
                 category: str | None = None,
                 particles_per_unit: float | None = None, target_particles: int = 50_000,
                 min_particles: int = 1, same_place: str = "ring", zero_volumes: str = "error",
                 color: object = "#ffb347", colors: Mapping[Any, object] | Sequence[object] |
                 None = None, color_by: str | None = None, colormap: str = "magma",
                 size_px: float | tuple[float, float] = (2.0, 3.5), trail: str = "streaks",
                 tail: float = 0.06, trip_seconds: float = 8.0, speed_jitter: float = 0.1,
                 arc_height: float = 0.2, bend: float = 0.12, spread: float = 0.03,
                 ring_radius: float | None = None, show_arcs: bool = False,
                 arc_alpha: float = 0.12, intensity: float = 0.6, ring_light: float = 1.0,
                 dim: float = 0.12,
                 ground: Any = None, altitude: float = 0.0,
                 bins_per_second: float | None = None, cyclic: bool = False,
                 policy: Policy = DEFAULT_POLICY, counts: bool | None = None,
                 name: str | None = None, provenance: object = None):
        super().__init__(name=name or "Flows",
                         provenance=provenance if provenance is not None
                         else getattr(od, "attrs", {}).get("provenance"))
        n = self.name
        if not isinstance(od, pd.DataFrame):
            raise TypeError(f"{n}: od must be a pandas DataFrame, got {type(od).__name__}")
        for option, value, allowed in (("trail", trail, TRAILS),
                                       ("same_place", same_place, SAME_PLACE),
                                       ("zero_volumes", zero_volumes, ZERO_VOLUMES)):
            if value not in allowed:
                raise ValueError(f"{n}: {option} must be one of {allowed}, got {value!r}")
        columns = [origin, destination, volume, *(c for c in (time, category) if c)]
        missing = [c for c in columns if c not in od.columns]
        if missing:
            raise FlowsError(f"{n}: OD table lacks column(s) {missing}; columns are "
                             f"{list(od.columns)}")
        self.location_codes, self.location_xyz = location_table(locations, n)
        if ground is not None:
            self.location_xyz[:, 2] += np.asarray(
                ground.heights_at(self.location_xyz[:, 0], self.location_xyz[:, 1]), float)
        self.location_xyz[:, 2] += float(altitude)
        self._has_heights = bool(np.any(self.location_xyz[:, 2] != 0))

        # -- validate rows (vectorised; messages list at most a few rows) ------------------
        o_idx = _lookup(self.location_codes, od[origin])
        d_idx = _lookup(self.location_codes, od[destination])
        o_codes, d_codes = od[origin].to_numpy(), od[destination].to_numpy()
        o_idx, d_idx = self._resolve_pooled(o_codes, o_idx, d_codes, d_idx)
        unknown = (o_idx < 0) | (d_idx < 0)
        if unknown.any():
            rows = np.flatnonzero(unknown)
            raise FlowsError(
                f"{n}: unknown location codes in {len(rows)} row(s): " + _rows_text(
                    rows, lambda r: f"row {r} ("
                    + ", ".join(f"{col} '{codes[r]}'" for col, codes, idx in
                                ((origin, o_codes, o_idx), (destination, d_codes, d_idx))
                                if idx[r] < 0) + ")")
                + f"; known codes: {', '.join(map(str, self.location_codes[:20]))}"
                + (" …" if len(self.location_codes) > 20 else ""))
        raw = pd.to_numeric(od[volume], errors="coerce").to_numpy(np.float64)

        def describe(r: int) -> str:
            return f"row {r} ({o_codes[r]}→{d_codes[r]}: {od[volume].iloc[r]})"

        bad = ~np.isfinite(raw) | (raw < 0)
        if zero_volumes == "error":
            bad |= raw == 0
        if bad.any():
            rows = np.flatnonzero(bad)
            need = "positive" if zero_volumes == "error" else "zero or positive"
            raise FlowsError(f"{n}: column {volume!r} must be {need} and finite; "
                             f"{len(rows)} bad row(s): {_rows_text(rows, describe)}")
        keep = raw > 0
        same = o_idx == d_idx
        if same.any() and same_place != "ring":
            rows = np.flatnonzero(same)
            text = (f"{n}: {len(rows)} row(s) with origin == destination: "
                    f"{_rows_text(rows, describe)}")
            if same_place == "error":
                raise FlowsError(text + "; pass same_place='ring' or 'drop'")
            warnings.warn(text + " dropped (same_place='drop')", stacklevel=2)
            keep &= ~same
        self.dropped_rows = np.flatnonzero(~keep)  # positions in ``od`` not drawn

        # -- aggregate rows into flows × bins -------------------------------------------------
        o_idx, d_idx, raw = o_idx[keep], d_idx[keep], raw[keep]
        if category is not None:
            cat_codes, self.categories = pd.factorize(od[category].to_numpy()[keep], sort=True)
            self.categories = list(self.categories)
        else:
            cat_codes, self.categories = np.zeros(len(raw), np.int64), []
        n_cat = max(len(self.categories), 1)
        if time is not None:
            values = od[time].to_numpy()[keep]
            bins = pd.Index(sorted(pd.unique(values)) if time_bins is None else list(time_bins))
            bin_idx = bins.get_indexer(values)
            if (bin_idx < 0).any():
                rows = np.flatnonzero(keep)[bin_idx < 0]
                raise FlowsError(f"{n}: column {time!r} has values outside time_bins: "
                                 + _rows_text(rows, lambda r: f"row {r} ({od[time].iloc[r]!r})"))
            self.time_bins = list(bins)
        else:
            bin_idx, self.time_bins = np.zeros(len(raw), np.int64), [None]
        n_bins = len(self.time_bins)
        n_loc = len(self.location_codes)
        key = (o_idx.astype(np.int64) * n_loc + d_idx) * n_cat + cat_codes
        flow_keys, flow_of_row = np.unique(key, return_inverse=True)
        n_flows = len(flow_keys)
        if n_flows == 0:
            raise FlowsError(f"{n}: no flows left to draw (all rows dropped)")
        volumes = np.bincount(flow_of_row * n_bins + bin_idx, weights=raw,
                              minlength=n_flows * n_bins).reshape(n_flows, n_bins)
        flow_o = (flow_keys // n_cat // n_loc).astype(np.int64)
        flow_d = (flow_keys // n_cat % n_loc).astype(np.int64)
        flow_c = (flow_keys % n_cat).astype(np.int64)

        # -- disclosure control on the aggregated flows × bins, before anything is drawn ------
        policy = check_policy(policy, n)
        self.privacy_statement = ""
        self.hidden_flows = 0  # (flow, bin) cells hidden or pooled into "other destinations"
        if looks_like_counts(volumes) if counts is None else counts:
            volumes, flow_o, flow_d, flow_c = self._protect(volumes, flow_o, flow_d, flow_c,
                                                            policy)
        elif od.attrs.get("privacy"):  # protected upstream (vizkit.privacy.protect_flows)
            prior = od.attrs["privacy"]
            self.privacy_statement = str(prior.get("statement", "") if isinstance(prior, dict)
                                         else prior)
        else:
            log.info("%s: volumes are not counts (not all whole numbers); disclosure control "
                     "not applied — protect the count table first, or pass counts=True", n)
        self.volumes = volumes  # (F, B) float64
        self.flow_origin, self.flow_destination, self.flow_category = flow_o, flow_d, flow_c

        peak = volumes.max(axis=1)
        if particles_per_unit is None:
            particles_per_unit = target_particles / max(float(peak.sum()), 1e-30)
        if not particles_per_unit > 0:
            raise ValueError(f"{n}: particles_per_unit must be positive, "
                             f"got {particles_per_unit!r}")
        self.particles_per_unit = float(particles_per_unit)
        self.min_particles = int(min_particles)
        self._counts = (volumes * self.particles_per_unit).astype(np.float32)  # (F, B)
        # from the float32 counts the shader sees, so the peak bin shows every particle
        self.allocated = np.maximum(_round_half_up(self._counts.max(axis=1)),
                                    self.min_particles).astype(np.int64)  # particles per flow
        self._particle_count = int(self.allocated.sum())  # once: draw must stay O(1)

        # -- style ----------------------------------------------------------------------------
        self.color_by = color_by or ("category" if category is not None else None)
        if self.color_by not in (None, "category", "volume"):
            raise ValueError(f"{n}: color_by must be 'category', 'volume' or None, "
                             f"got {color_by!r}")
        if self.color_by == "category" and category is None:
            raise ValueError(f"{n}: color_by='category' needs a category column")
        self._palette, self._palette_index = self._make_palette(color, colors, colormap, peak)
        sizes = (float(size_px), float(size_px)) if np.isscalar(size_px) else size_px
        self.size_px = (float(sizes[0]), float(sizes[1]))
        log_peak = np.log1p(peak)
        span = log_peak.max() - log_peak.min()
        self._size_level = ((log_peak - log_peak.min()) / span if span > 0
                            else np.ones_like(log_peak))
        self.trail, self.tail = trail, float(tail)
        self.trip_seconds, self.speed_jitter = float(trip_seconds), float(speed_jitter)
        self.arc_height, self.bend, self.spread = float(arc_height), float(bend), float(spread)
        lo, hi = self.location_xyz.min(axis=0), self.location_xyz.max(axis=0)
        extent = float(np.hypot(*(hi - lo)[:2])) or 1.0
        self.ring_radius = 0.025 * extent if ring_radius is None else float(ring_radius)
        # rings: area ∝ volume — the largest origin == destination flow gets ring_radius
        ring = self.flow_origin == self.flow_destination
        self._ring_scale = np.ones(len(peak))
        if ring.any():
            self._ring_scale[ring] = np.clip(np.sqrt(peak[ring] / peak[ring].max()), 0.3, 1.0)
        self._rings_uniform = bool(np.all(self._ring_scale == 1.0))  # once: not per frame
        self.show_arcs, self.arc_alpha = bool(show_arcs), float(arc_alpha)
        self.intensity, self.dim = float(intensity), float(dim)
        self.ring_light = float(ring_light)
        self.bins_per_second, self.cyclic = bins_per_second, bool(cyclic)
        self.origin = (float(lo[0]), float(lo[1]), 0.0)
        self._time_bin = 0.0
        self._t = 0.0
        self._selected = -1
        self._selected_code: Any = None
        self._variants: dict[tuple[str, bool], tuple[Any, moderngl.VertexArray]] = {}
        self._active: dict[int, frozenset[str]] = {}

    # -- facts --------------------------------------------------------------------------------
    def _resolve_pooled(self, o_codes: np.ndarray, o_idx: np.ndarray, d_codes: np.ndarray,
                        d_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Places for flows pooled by disclosure control: a destination ``"other"`` (as
        :func:`vizkit.privacy.protect_flows` writes it) is ``"other:<origin>"``; a code
        ``"other:<code>"`` on either side (e.g. the return trip home) is that place's stub."""
        o_idx, d_idx = o_idx.copy(), d_idx.copy()
        o_text = pd.Series(o_codes).astype(str).to_numpy()
        d_text = pd.Series(d_codes).astype(str).to_numpy()
        bare = (d_idx < 0) & (o_idx >= 0) & (d_text == OTHER)
        if bare.any():
            d_idx[bare] = self._other_places(o_idx[bare])
        known = pd.Index(self.location_codes.astype(str))
        prefix = OTHER + ":"
        for idx, text in ((o_idx, o_text), (d_idx, d_text)):
            explicit = (idx < 0) & np.char.startswith(text.astype(str), prefix)
            if explicit.any():
                base = known.get_indexer([t[len(prefix):] for t in text[explicit]])
                rows = np.flatnonzero(explicit)[base >= 0]
                idx[rows] = self._other_places(base[base >= 0])
        return o_idx, d_idx

    def _other_places(self, origins: np.ndarray) -> np.ndarray:
        """Location indices of "other destinations" of these origins, added when missing.

        Each sits 12 % of the map's span from its origin, pointing away from the centre of all
        locations, so a pooled flow is a short arc out of town — visible, and never mistaken
        for a flow to a real place. Its code is ``other:<origin code>``.
        """
        wanted = pd.Index([f"{OTHER}:{self.location_codes[i]}" for i in np.unique(origins)])
        new = wanted.difference(self.location_codes, sort=False)
        if len(new):
            sources = self.location_codes.get_indexer([c.split(":", 1)[1] for c in new])
            xy = self.location_xyz[:, :2]
            centre = xy.mean(axis=0)
            span = max(float(np.ptp(xy[:, 0])), float(np.ptp(xy[:, 1])), 1.0)
            away = xy[sources] - centre
            length = np.linalg.norm(away, axis=1, keepdims=True)
            away = np.where(length > 0, away / np.maximum(length, 1e-12), [[1.0, 0.0]])
            stubs = np.column_stack([xy[sources] + 0.12 * span * away,
                                     self.location_xyz[sources, 2]])
            self.location_codes = self.location_codes.append(new)
            self.location_xyz = np.vstack([self.location_xyz, stubs])
        names = [f"{OTHER}:{self.location_codes[i]}" for i in origins]
        return self.location_codes.get_indexer(names).astype(np.int64)

    def _protect(self, volumes: np.ndarray, flow_o: np.ndarray, flow_d: np.ndarray,
                 flow_c: np.ndarray, policy: Policy
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Apply ``policy`` to every (flow, bin) count; return the flows left to draw.

        Small flows are pooled per origin, category and bin into one flow to "other
        destinations" (or removed, as the policy says), so each origin's total stays honest.
        A pooled flow is drawn as a short arc from its origin pointing away from the map's
        centre, to a place named ``other:<origin>`` — marked, never silently missing.
        """
        n_flows, n_bins = volumes.shape
        table = pd.DataFrame({"origin": np.repeat(flow_o, n_bins),
                              "destination": np.repeat(flow_d, n_bins),
                              "category": np.repeat(flow_c, n_bins),
                              "bin": np.tile(np.arange(n_bins), n_flows),
                              "volume": volumes.ravel()})
        table = table[table["volume"] > 0]
        shown = protect_flows(table, count="volume", policy=policy, by=("category", "bin"))
        self.hidden_flows = int(shown["suppressed"].sum())
        self.privacy_statement = policy.flow_statement()
        shown = shown[np.isfinite(shown["volume"]) & (shown["volume"] > 0)]
        if shown.empty:
            raise FlowsError(f"{self.name}: disclosure control hid every flow "
                             f"({policy.flow_statement()})")
        is_other = (shown["destination"].astype(str) == "other").to_numpy()
        origins = shown["origin"].to_numpy(np.int64)
        dest = np.where(is_other, -1, pd.to_numeric(shown["destination"].where(~is_other, -1))
                        ).astype(np.int64)
        if is_other.any():
            dest[is_other] = self._other_places(origins[is_other])
        n_loc, n_cat = len(self.location_codes), max(len(self.categories), 1)
        category = shown["category"].to_numpy(np.int64)
        key = (origins * n_loc + dest) * n_cat + category
        keys, flow_of_row = np.unique(key, return_inverse=True)
        protected = np.bincount(flow_of_row * n_bins + shown["bin"].to_numpy(np.int64),
                                weights=shown["volume"].to_numpy(np.float64),
                                minlength=len(keys) * n_bins).reshape(len(keys), n_bins)
        return (protected, (keys // n_cat // n_loc).astype(np.int64),
                (keys // n_cat % n_loc).astype(np.int64), (keys % n_cat).astype(np.int64))

    @property
    def particle_count(self) -> int:
        """Particles allocated (uploaded once): each flow's count at its largest bin."""
        return self._particle_count

    @property
    def flows(self) -> pd.DataFrame:
        """One row per flow: origin, destination, category, peak volume, particles."""
        return pd.DataFrame({
            "origin": self.location_codes[self.flow_origin],
            "destination": self.location_codes[self.flow_destination],
            "category": ([self.categories[c] for c in self.flow_category]
                         if self.categories else None),
            "peak_volume": self.volumes.max(axis=1),
            "particles": self.allocated,
        })

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        xyz = self.location_xyz
        chord = np.hypot(*(xyz[self.flow_destination] - xyz[self.flow_origin])[:, :2].T)
        top = xyz[:, 2].max() + max(float(chord.max()) * self.arc_height,
                                    0.3 * self.ring_radius)
        lo, hi = xyz.min(axis=0).copy(), xyz.max(axis=0).copy()
        lo[:2] -= self.ring_radius
        hi[:2] += self.ring_radius
        hi[2] = top
        return lo, hi

    # -- time -----------------------------------------------------------------------------------
    @property
    def time_bin(self) -> float:
        """The (fractional) time bin shown: 7.5 is halfway from bin 7 to bin 8. Uniform: free."""
        return self._time_bin

    @time_bin.setter
    def time_bin(self, value: float) -> None:
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"{self.name}: time_bin must be finite, got {value!r}")
        self._time_bin = value

    def _bins_and_mix(self, time_bin: float) -> tuple[int, int, float]:
        n = len(self.time_bins)
        if self.cyclic:
            x = float(time_bin) % n
            b0 = min(math.floor(x), n - 1)
            return b0, (b0 + 1) % n, x - b0
        x = min(max(float(time_bin), 0.0), float(n - 1))
        b0 = min(math.floor(x), n - 1)
        b1 = min(b0 + 1, n - 1)
        return b0, b1, (x - b0) if b1 != b0 else 0.0

    def set_time(self, t: float) -> None:
        """Particles move with scene time ``t``; with ``bins_per_second`` the bin follows too."""
        self._t = float(t)
        if self.bins_per_second is not None:
            self.time_bin = self._t * float(self.bins_per_second)

    def visible_counts(self, time_bin: float | None = None) -> npt.NDArray[np.int64]:
        """Particles each flow shows at a (fractional) time bin — the shader's rule on the CPU."""
        b0, b1, mix = self._bins_and_mix(self._time_bin if time_bin is None else time_bin)
        a, b = self._counts[:, b0], self._counts[:, b1]
        c = a * np.float32(1.0 - mix) + b * np.float32(mix)
        return np.where(c > 0, np.maximum(_round_half_up(c), self.min_particles),
                        0).astype(np.int64)

    # -- selection ------------------------------------------------------------------------------
    @property
    def selected(self) -> Any:
        """The highlighted location code, or None."""
        return self._selected_code

    def select(self, code: Any) -> None:
        """Highlight every flow from or to ``code`` and dim the rest; None clears. Uniform: free."""
        if code is None:
            self._selected, self._selected_code = -1, None
            return
        index = _lookup(self.location_codes, pd.Series([code]))[0]
        if index < 0:
            raise ValueError(f"{self.name}: cannot select unknown location {code!r}; known: "
                             f"{', '.join(map(str, self.location_codes[:20]))}")
        self._selected, self._selected_code = int(index), code

    # -- GPU --------------------------------------------------------------------------------------
    def _make_palette(self, color: object, colors: Any, colormap: str,
                      peak: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lut = np.zeros((256, 4), np.uint8)
        if self.color_by == "volume":
            lut[:] = Colormap(colormap).lut()
            level = np.log1p(peak)
            span = level.max() - level.min()
            level = (level - level.min()) / span if span > 0 else np.ones_like(level)
            # keep the darkest quarter of the map out: additive black is invisible
            return lut, np.round(64 + level * 191).astype(np.float32)
        if self.color_by == "category":
            if len(self.categories) > 256:
                raise ValueError(f"{self.name}: at most 256 categories can be coloured")
            if colors is None:
                chosen = [CATEGORY_COLORS[i % len(CATEGORY_COLORS)]
                          for i in range(len(self.categories))]
            elif isinstance(colors, Mapping):
                unknown = [c for c in self.categories if c not in colors]
                if unknown:
                    raise ValueError(f"{self.name}: colors has no entry for categories "
                                     f"{unknown}")
                chosen = [colors[c] for c in self.categories]
            else:
                chosen = [list(colors)[i % len(colors)] for i in range(len(self.categories))]
            for i, spec in enumerate(chosen):
                lut[i] = np.round(np.asarray(Color(spec).rgba) * 255)
            return lut, self.flow_category.astype(np.float32)
        lut[0] = np.round(np.asarray(Color(color).rgba) * 255)
        return lut, np.zeros(len(self.flow_category), np.float32)

    def _flow_texels(self) -> np.ndarray:
        """``(F, 3, 4) float32``: endpoints relative to the origin, heights and location ids,
        style (layout in ``vizkit/shaders/flows/flow.glsl``)."""
        xyz = self.location_xyz - np.asarray(self.origin)
        out = np.zeros((len(self.flow_origin), 3, 4), np.float32)
        out[:, 0, :2] = xyz[self.flow_origin, :2]
        out[:, 0, 2:] = xyz[self.flow_destination, :2]
        out[:, 1, 0] = xyz[self.flow_origin, 2]
        out[:, 1, 1] = xyz[self.flow_destination, 2]
        out[:, 1, 2] = self.flow_origin
        out[:, 1, 3] = self.flow_destination
        out[:, 2, 0] = self._palette_index
        out[:, 2, 1] = self._size_level
        out[:, 2, 2] = self._ring_scale
        return out

    def _particles(self) -> np.ndarray:
        """``(P, 2) uint32``: (flow index, rank) for every allocated particle."""
        counts = self.allocated
        flow = np.repeat(np.arange(len(counts), dtype=np.uint32), counts)
        starts = np.cumsum(counts) - counts
        rank = np.arange(len(flow), dtype=np.int64) - np.repeat(starts, counts)
        return np.stack([flow, rank.astype(np.uint32)], axis=1)

    @staticmethod
    def _wrapped_texture(gpu: GpuContext, group: ResourceGroup, values: np.ndarray,
                         components: int) -> moderngl.Texture:
        flat = np.ascontiguousarray(values, np.float32).reshape(-1, components)
        rows = max(1, math.ceil(len(flat) / TEXTURE_WIDTH))
        width = TEXTURE_WIDTH if rows > 1 else max(len(flat), 1)
        if rows > 16384:
            raise ValueError(f"too many flows × time bins for one texture ({len(flat)} texels)")
        padded = np.zeros((rows * width, components), np.float32)
        padded[:len(flat)] = flat
        return gpu.texture(group, (width, rows), components, padded, dtype="f4",
                           filter_linear=False)

    @property
    def uniform_style(self) -> bool:
        """One colour and one size for every flow: the shader skips the per-flow style."""
        return (self.color_by is None and self.size_px[0] == self.size_px[1]
                and self._rings_uniform)

    def _particle_variant(self, width_px: float) -> tuple[Any, moderngl.VertexArray]:
        """Program and vertex array for the trail and the particles' size on screen
        (variants: ``STREAKS``; ``SOFT_POINTS`` for points 3 px or wider — smaller ones are
        drawn flat, which skips the point-sprite path of CPU rasterisers; ``UNIFORM_STYLE``)."""
        soft = self.trail == "points" and width_px >= SOFT_POINT_PX
        key = (self.trail, soft)
        found = self._variants.get(key)
        if found is None:
            assert self._gpu is not None and self._group is not None
            defines: dict[str, object] = {}
            if self.trail == "streaks":
                defines["STREAKS"] = 1
            if soft:
                defines["SOFT_POINTS"] = 1
            if self.uniform_style:
                defines["UNIFORM_STYLE"] = 1
            program = self._gpu.program("flows/particles.vert", "flows/particles.frag", defines)
            fmt = "u4 u4/i" if self.trail == "streaks" else "u4 u4"
            vao = self._gpu.vertex_array(self._group, program,
                                         [(self._particle_buf, fmt, "a_flow", "a_seed")])
            found = self._variants[key] = (program, vao)
        return found

    def release(self) -> None:
        self._variants = {}
        self._active = {}
        super().release()

    def _set(self, program: Any, **uniforms: object) -> None:
        """``program.set`` for the uniforms the variant kept: the first call checks every name
        against the sources (typos fail); later calls skip names the compiler optimised away,
        whose per-frame source search would cost more than the whole draw at small counts."""
        active = self._active.get(id(program))
        if active is None:
            program.set(**uniforms)
            self._active[id(program)] = frozenset(name for name in uniforms
                                                  if name in program.gl)
            return
        program.set(**{k: v for k, v in uniforms.items() if k in active})

    def upload(self, gpu: GpuContext, group: ResourceGroup) -> None:
        self._variants = {}
        self._flows_tex = self._wrapped_texture(gpu, group, self._flow_texels(), 4)
        self._counts_tex = self._wrapped_texture(gpu, group, self._counts, 1)
        self._palette_tex = gpu.texture(group, (256, 1), 4, self._palette, filter_linear=False)
        self._particle_buf = gpu.buffer(group, self._particles())
        self._arcs_program = gpu.program("flows/arcs.vert", "flows/arcs.frag")
        self._arcs_vao = gpu.vertex_array(group, self._arcs_program, [])

    def _flow_uniforms(self) -> dict[str, object]:
        b0, b1, mix = self._bins_and_mix(self._time_bin)
        return dict(t_flows=0, t_counts=1, t_palette=2, u_bins=len(self.time_bins),
                    u_bin0=b0, u_bin1=b1, u_bin_mix=float(mix),
                    u_min_particles=float(self.min_particles), u_arc_height=self.arc_height,
                    u_bend=self.bend, u_spread=self.spread, u_ring_radius=self.ring_radius,
                    u_selected=self._selected, u_dim=self.dim,
                    u_heights_or_ids=bool(self._selected >= 0 or self._has_heights))

    def _bind_textures(self) -> None:
        self._flows_tex.use(location=0)
        self._counts_tex.use(location=1)
        self._palette_tex.use(location=2)

    def draw(self, view: ViewState) -> None:
        if view.pass_name != "color" or not self.prepared:
            return
        assert self._gpu is not None
        ctx = self._gpu.ctx
        mvp = ViewState.gl_matrix(view.model_view_projection(self.origin))
        shared = self._flow_uniforms()
        self._bind_textures()
        px_scale = pixel_scale(view)
        program, vao = self._particle_variant(max(self.size_px) * px_scale)
        self._set(
            program,
            u_mvp=mvp, u_time=self._t, u_trip=self.trip_seconds,
            u_speed_jitter=self.speed_jitter, u_tail=self.tail,
            u_size_px=self.size_px, u_px_scale=px_scale,
            u_viewport=tuple(float(v) for v in view.viewport), u_intensity=self.intensity,
            u_ring_light=self.ring_light,
            u_color=tuple(float(c) / 255.0 for c in self._palette[0, :3]),
            **shared)
        # Additive particles test depth against the opaque layers but write none (so they
        # never hide each other). The bound framebuffer is re-entered through a scope with
        # depth writes off; leaving the scope restores the renderer's framebuffer, its masks
        # and its enable flags. Blend functions have no getter: reset to moderngl's default.
        target = ctx.detect_framebuffer()
        target.viewport = (0, 0, *view.viewport)
        target.depth_mask = False
        flags = moderngl.DEPTH_TEST | moderngl.BLEND | moderngl.PROGRAM_POINT_SIZE
        try:
            with ctx.scope(target, enable_only=flags):
                ctx.blend_func = moderngl.ONE, moderngl.ONE
                if self.show_arcs:
                    self._set(self._arcs_program, u_mvp=mvp, u_segments=ARC_SEGMENTS,
                              u_arc_alpha=self.arc_alpha, **shared)
                    self._arcs_vao.render(moderngl.LINE_STRIP, vertices=ARC_SEGMENTS + 1,
                                          instances=len(self.flow_origin))
                if self.trail == "streaks":
                    vao.render(moderngl.TRIANGLE_STRIP, vertices=4,
                               instances=self.particle_count)
                else:
                    vao.render(moderngl.POINTS, vertices=self.particle_count)
        finally:
            ctx.blend_func = moderngl.DEFAULT_BLENDING

    # -- read-back --------------------------------------------------------------------------------
    def particles_at(self, t: float | None = None, *, time_bin: float | None = None,
                     phase: float | None = None, gpu: GpuContext | None = None
                     ) -> ParticleSample:
        """Particle positions computed by the layer's own vertex shader, read back through
        transform feedback (for tests, exports and checks).

        Args:
            t: scene time (default: the last :meth:`set_time`).
            time_bin: the bin to evaluate visibility at (default: :attr:`time_bin`).
            phase: put every particle at this phase of its arc (0 = origin, 1 = destination).
            gpu: context to use when the layer has not been drawn yet.
        """
        gpu = self._gpu or gpu
        if gpu is None:
            raise ValueError(f"{self.name}: particles_at needs a gpu (the layer is not prepared)")
        self.prepare(gpu)
        program = gpu.program("flows/particles.vert", None, {"PROBE": 1},
                              varyings=("v_position", "v_visible"))
        saved = self._time_bin
        if time_bin is not None:
            self._time_bin = float(time_bin)
        try:
            shared = self._flow_uniforms()
        finally:
            self._time_bin = saved
        group = gpu.group(f"{self.name}.probe")
        try:
            vao = gpu.vertex_array(group, program,
                                   [(self._particle_buf, "u4 u4", "a_flow", "a_seed")])
            out = group.own(gpu.ctx.buffer(reserve=max(self.particle_count, 1) * 16))
            # a complete (1×1) framebuffer: Mesa refuses draws, even rasterless ones, without
            fbo = group.own(gpu.ctx.framebuffer([group.own(gpu.ctx.renderbuffer((1, 1)))]))
            self._bind_textures()
            program.set(u_time=self._t if t is None else float(t), u_trip=self.trip_seconds,
                        u_speed_jitter=self.speed_jitter,
                        u_probe_phase=-1.0 if phase is None else float(phase), **shared)
            with gpu.ctx.scope(fbo, enable_only=moderngl.NOTHING):
                vao.transform(out, moderngl.POINTS, vertices=self.particle_count)
            data = np.frombuffer(out.read(), np.float32).reshape(-1, 4)
        finally:
            group.release()
        particles = self._particles()
        return ParticleSample(position=data[:, :3].astype(np.float64) + np.asarray(self.origin),
                              visible=data[:, 3] > 0.5, flow=particles[:, 0].astype(np.int64),
                              rank=particles[:, 1].astype(np.int64))
