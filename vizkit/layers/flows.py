"""Flows: origin–destination (OD) tables as streams of stateless GPU particles.

An OD table (origin, destination, volume; optionally a time bin and a category) becomes
particles streaming along arcs between places. Three modules, one job each:

* :mod:`vizkit.data.flows` checks the table and sums it into flows × time bins (GL-free);
* :mod:`vizkit.privacy.flows` decides what of them may be shown — small flows pooled per origin
  into "other destinations" — when the layer's policy is final (:meth:`Flows.bind_policy`);
* :mod:`vizkit.layers.flow_style` turns the protected flows into particles, colours and sizes;

* :mod:`vizkit.layers.flow_gpu` uploads them once and draws them: per frame, a handful of
  uniforms whatever the number of particles, and the same ``t`` always gives the same picture.

This module is the layer scripts use: its arguments, the policy binding, the facts of what is
drawn, time bins and selection. It runs past 400 lines because the arguments' documentation,
which scripts read, is a fifth of it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from vizkit.data.flows import (
    OTHER,
    SAME_PLACE,
    ZERO_VOLUMES,
    FlowCells,
    FlowsError,
    flow_cells,
    read_places,
)
from vizkit.gpu import GpuContext, ResourceGroup
from vizkit.layers import flow_style
from vizkit.layers.base import Layer
from vizkit.layers.flow_gpu import FlowGpu, ParticleSample
from vizkit.layers.flow_style import COLOR_BY, DrawPlan, pixel_scale
from vizkit.privacy import DEFAULT_POLICY, Policy
from vizkit.privacy.flows import protect_flow_cells
from vizkit.view import ViewState

TRAILS = ("lines", "streaks", "points")
_UNSET: Any = object()

__all__ = ["OTHER", "Flows", "FlowsError", "ParticleSample", "pixel_scale"]


def effective_policy(scene: Policy, explicit: Policy | None) -> Policy:
    """The policy a layer applies: the scene's, made stricter by an explicit one; only an
    explicit ``Policy.off(reason)`` weakens it."""
    if explicit is None:
        return scene
    if not explicit.enabled or not scene.enabled:
        return explicit
    return scene.tightened(explicit)


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
        trail: ``"lines"`` (default: each particle draws a one-pixel line fading to its tail,
            carrying the light of its width; about 1.4× points on a CPU rasteriser),
            ``"streaks"`` (a soft capsule as wide as the particle, fading to its tail; several
            times the cost) or ``"points"`` (heads only, cheapest).
        tail: tail length as a share of the trip (lines and streaks).
        trip_seconds: seconds a particle takes from origin to destination.
        speed_jitter: ± share by which particle speeds vary.
        arc_height: arc peak above the chord, share of the chord length (distance).
        bend: sideways offset of the arc's middle, share of the chord, to the right of travel.
        spread: ribbon width of a flow's particles, share of the chord.
        policy: disclosure control on the (flow, time bin) cells. None (default): the scene's
            policy (:meth:`bind_policy`; ``DEFAULT_POLICY`` outside a scene); a policy given
            here can only make it stricter. Flows below ``k`` are pooled per origin (and time
            bin and category) into one flow to "other destinations", drawn as a short arc
            pointing away from the map's centre (:mod:`vizkit.privacy.flows`).
            ``Policy.off(reason)`` is the explicit, logged opt-out.
        base: the volumes are a *measure* (trips spread over hours by a profile, a rate) and
            this column (or array, one per row) holds the counts each rests on: the policy's
            threshold and pooling run on those counts and the measure is drawn as given.
            Without ``base`` the volumes are counts and must be whole numbers.
        ring_radius: metres, of the largest ring; default 2.5 % of the locations' extent.
        show_arcs: draw faint static arcs beneath the particles.
        arc_alpha: brightness of those arcs.
        exposure: ``"auto"`` (default): particles are dimmed by how densely they meet at the
            busiest place, so no density burns out (particles add up in linear light; the
            final tone map compresses the brightest — see
            :func:`~vizkit.layers.flow_style.density_exposure` and docs/look.md); arcs are
            dimmed likewise. A number: that multiplier for both, whatever the density.
        intensity: brightness multiplier on top of ``exposure``.
        ring_light: extra brightness multiplier for origin == destination rings (their
            particles crowd a small circle; below 1 keeps them from outshining the arcs).
        dim: brightness of flows not touching the selected place (:meth:`select`), as a share
            of their display brightness (light is linear: the shader scales it by
            ``dim ** 2.2``, the sRGB curve's power).
        ground: a :class:`~vizkit.layers.terrain.Terrain` (anything with ``heights_at(x, y)``);
            endpoints are lifted onto its surface (once, at construction) plus ``altitude``.
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
                 size_px: float | tuple[float, float] = (2.0, 3.5), trail: str = "lines",
                 tail: float = 0.06, trip_seconds: float = 8.0, speed_jitter: float = 0.1,
                 arc_height: float = 0.2, bend: float = 0.12, spread: float = 0.03,
                 ring_radius: float | None = None, show_arcs: bool = False,
                 arc_alpha: float = 0.12, exposure: float | str = "auto",
                 intensity: float = 1.0, ring_light: float = 1.0,
                 dim: float = 0.12,
                 ground: Any = None, altitude: float = 0.0,
                 bins_per_second: float | None = None, cyclic: bool = False,
                 policy: Policy | None = None, base: str | npt.ArrayLike | None = None,
                 counts: Any = _UNSET, name: str | None = None, provenance: object = None):
        super().__init__(name=name or "Flows",
                         provenance=provenance if provenance is not None
                         else getattr(od, "attrs", {}).get("provenance"))
        n = self.name
        if counts is not _UNSET:
            raise TypeError(f"{n}: counts= is gone: volumes are counts unless base= names the "
                            f"counts a measure rests on; policy=Policy.off('why') draws raw "
                            f"values")
        if not isinstance(od, pd.DataFrame):
            raise TypeError(f"{n}: od must be a pandas DataFrame, got {type(od).__name__}")
        if policy is not None and not isinstance(policy, Policy):
            raise TypeError(f"{n}: policy must be a vizkit.privacy.Policy (or None for the "
                            f"scene's), got {type(policy).__name__}")
        for option, value, allowed in (("trail", trail, TRAILS),
                                       ("same_place", same_place, SAME_PLACE),
                                       ("zero_volumes", zero_volumes, ZERO_VOLUMES),
                                       ("color_by", color_by, COLOR_BY)):
            if value not in allowed:
                raise ValueError(f"{n}: {option} must be one of {allowed}, got {value!r}")
        self.color_by = color_by or ("category" if category is not None else None)
        if self.color_by == "category" and category is None:
            raise ValueError(f"{n}: color_by='category' needs a category column")
        places = read_places(locations, n)
        if ground is not None:
            places = places.lifted(self._ground_heights(ground, places.xyz))
        places = places.lifted(np.full(len(places), float(altitude)))
        self._cells: FlowCells = flow_cells(
            od, places, origin=origin, destination=destination, volume=volume, time=time,
            time_bins=time_bins, category=category, base=base,
            require_whole=base is None and (policy is None or policy.enabled),
            same_place=same_place, zero_volumes=zero_volumes, name=n)
        self._per = [c for c in (time, category) if c]
        self._policy_arg = policy
        self._effective: Policy | None = None
        self._plan: DrawPlan | None = None
        self._look = dict(particles_per_unit=particles_per_unit,
                          target_particles=int(target_particles),
                          min_particles=int(min_particles), color_by=self.color_by,
                          color=color, colors=colors, colormap=colormap,
                          ring_radius=ring_radius)
        flow_style.check_look(self.color_by, color, colors, colormap,  # here, not at add
                              self._cells.categories, n)
        sizes = (float(size_px), float(size_px)) if np.isscalar(size_px) else size_px
        self.size_px = (float(sizes[0]), float(sizes[1]))  # type: ignore[index]
        self.min_particles = int(min_particles)
        self.trail, self.tail = trail, float(tail)
        self.trip_seconds, self.speed_jitter = float(trip_seconds), float(speed_jitter)
        self.arc_height, self.bend, self.spread = float(arc_height), float(bend), float(spread)
        self.show_arcs, self.arc_alpha = bool(show_arcs), float(arc_alpha)
        if not (exposure == "auto" or (isinstance(exposure, (int, float))
                                       and not isinstance(exposure, bool)
                                       and math.isfinite(exposure) and exposure > 0)):
            raise ValueError(f"{n}: exposure must be 'auto' or a positive number, got "
                             f"{exposure!r}")
        self.exposure = exposure if exposure == "auto" else float(exposure)
        self.intensity, self.dim = float(intensity), float(dim)
        self._density: tuple[tuple[object, ...], tuple[float, float]] | None = None
        self.ring_light = float(ring_light)
        self.bins_per_second, self.cyclic = bins_per_second, bool(cyclic)
        self._has_heights = bool(np.any(places.xyz[:, 2] != 0))
        self._time_bin = 0.0
        self._t = 0.0
        self._selected = -1
        self._selected_code: Any = None
        self._gl: FlowGpu | None = None

    def _ground_heights(self, ground: Any, xyz: np.ndarray) -> np.ndarray:
        heights_at = getattr(ground, "heights_at", None)
        if not callable(heights_at):
            raise TypeError(f"{self.name}: ground must be a Terrain (anything with "
                            f"heights_at(x, y)), got {type(ground).__name__}")
        heights = np.asarray(heights_at(xyz[:, 0], xyz[:, 1]), np.float64).reshape(-1)
        if heights.shape != (len(xyz),) or not np.isfinite(heights).all():
            raise ValueError(f"{self.name}: ground.heights_at must give one finite height per "
                             f"location ({len(xyz)}); got {heights[:8]!r}")
        return heights

    # -- disclosure control: when the policy is final ----------------------------------------
    def bind_policy(self, policy: Policy) -> None:
        """Take the scene's policy (``scene.add`` calls this): protect the flows with it, made
        stricter by the layer's own ``policy=``. A different result re-protects and re-uploads."""
        effective = effective_policy(policy, self._policy_arg)
        if (self._plan is not None and effective == self._effective
                and effective.reason == self._effective.reason):
            return
        protected = protect_flow_cells(self._cells, effective, per=self._per, name=self.name)
        self._plan = flow_style.draw_plan(protected.cells, name=self.name, **self._look)
        self._effective, self._statement = effective, protected.statement
        self._hidden_cells = protected.hidden
        self.invalidate()

    @property
    def plan(self) -> DrawPlan:
        """What is drawn; protected with ``DEFAULT_POLICY`` first if never bound to a scene."""
        if self._plan is None:
            self.bind_policy(DEFAULT_POLICY)
        assert self._plan is not None
        return self._plan

    @property
    def policy(self) -> Policy:
        """The effective disclosure policy (see ``policy=``)."""
        self.plan  # noqa: B018 - protects on first need
        assert self._effective is not None
        return self._effective

    @property
    def privacy_statement(self) -> str:
        """What disclosure control did to these flows, for the on-screen credits."""
        self.plan  # noqa: B018 - protects on first need
        return self._statement

    @property
    def hidden_flows(self) -> int:
        """(flow, time bin) cells hidden or pooled into "other destinations"."""
        self.plan  # noqa: B018 - protects on first need
        return self._hidden_cells

    # -- facts (of the protected flows) -------------------------------------------------------
    @property
    def location_codes(self) -> pd.Index:
        """Codes of the places drawn, "other destinations" stubs (``other:<code>``) last."""
        return self.plan.cells.places.codes

    @property
    def location_xyz(self) -> npt.NDArray[np.float64]:
        """(L, 3) world metres of :attr:`location_codes` (lifted onto ``ground``)."""
        return self.plan.cells.places.xyz

    @property
    def volumes(self) -> npt.NDArray[np.float64]:
        """(F, B) protected volume of each flow in each bin (0 where hidden or pooled)."""
        return self.plan.cells.volumes

    flow_origin = property(lambda self: self.plan.cells.origin,
                           doc="(F,) index into :attr:`location_codes` of each flow's origin.")
    flow_destination = property(lambda self: self.plan.cells.destination,
                                doc="(F,) index into :attr:`location_codes`.")
    flow_category = property(lambda self: self.plan.cells.category,
                             doc="(F,) index into :attr:`categories`.")
    allocated = property(lambda self: self.plan.allocated,
                         doc="(F,) particles uploaded per flow (its largest bin).")
    particles_per_unit = property(lambda self: self.plan.particles_per_unit,
                                  doc="Particles per unit of volume.")
    ring_radius = property(lambda self: self.plan.ring_radius,
                           doc="Metres, of the largest origin == destination ring.")
    origin = property(lambda self: self.plan.origin,
                      doc="World (x, y, z) the uploaded positions are relative to.")
    time_bins = property(lambda self: self._cells.time_bins, doc="Bin labels in order.")
    categories = property(lambda self: self._cells.categories, doc="Category labels.")
    dropped_rows = property(lambda self: self._cells.dropped_rows,
                            doc="Positions in the OD table not drawn (zero, same place).")

    @property
    def particle_count(self) -> int:
        """Particles allocated (uploaded once): each flow's count at its largest bin."""
        return self.plan.particle_count

    @property
    def flows(self) -> pd.DataFrame:
        """One row per flow drawn: origin, destination, category, peak volume, particles."""
        plan = self.plan
        cells = plan.cells
        return pd.DataFrame({
            "origin": cells.places.codes[cells.origin],
            "destination": cells.places.codes[cells.destination],
            "category": ([cells.categories[c] for c in cells.category]
                         if cells.categories else None),
            "peak_volume": cells.volumes.max(axis=1),
            "particles": plan.allocated,
        })

    def ground_points(self) -> np.ndarray:
        """The places the drawn flows connect (every k-th, 4,096 at most)."""
        cells = self.plan.cells
        used = np.unique(np.concatenate([cells.origin, cells.destination]))
        xyz = cells.places.xyz[used]
        return xyz[:: max(1, len(xyz) // 4096)].astype(np.float64)

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        cells, ring = self.plan.cells, self.ring_radius
        xyz = cells.places.xyz
        chord = np.hypot(*(xyz[cells.destination] - xyz[cells.origin])[:, :2].T)
        top = xyz[:, 2].max() + max(float(chord.max()) * self.arc_height, 0.3 * ring)
        lo, hi = xyz.min(axis=0).copy(), xyz.max(axis=0).copy()
        lo[:2] -= ring
        hi[:2] += ring
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
        return flow_style.bins_and_mix(time_bin, len(self.time_bins), self.cyclic)

    def set_time(self, t: float) -> None:
        """Particles move with scene time ``t``; with ``bins_per_second`` the bin follows too."""
        self._t = float(t)
        if self.bins_per_second is not None:
            self.time_bin = self._t * float(self.bins_per_second)

    def visible_counts(self, time_bin: float | None = None) -> npt.NDArray[np.int64]:
        """Particles each flow shows at a (fractional) time bin — the shader's rule on the CPU."""
        b0, b1, mix = self._bins_and_mix(self._time_bin if time_bin is None else time_bin)
        return flow_style.visible_counts(self.plan.counts, b0, b1, mix, self.min_particles)

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
        index = self.plan.cells.places.lookup(pd.Series([code]))[0]
        if index < 0:
            raise ValueError(f"{self.name}: cannot select unknown location {code!r}; known: "
                             f"{', '.join(map(str, self.location_codes[:20]))}")
        self._selected, self._selected_code = int(index), code

    # -- GPU --------------------------------------------------------------------------------------
    @property
    def uniform_style(self) -> bool:
        """One colour and one size for every flow: the shader skips the per-flow style."""
        return (self.color_by is None and self.size_px[0] == self.size_px[1]
                and bool(np.all(self.plan.ring_scale == 1.0)))

    def release(self) -> None:
        self._gl = None
        super().release()

    def upload(self, gpu: GpuContext, group: ResourceGroup) -> None:
        plan = self.plan
        self._gl = FlowGpu(gpu, group, plan, self.uniform_style)
        self._ring, self._origin = plan.ring_radius, plan.origin  # read per frame

    def _flow_uniforms(self) -> dict[str, object]:
        b0, b1, mix = self._bins_and_mix(self._time_bin)
        return dict(t_flows=0, t_counts=1, t_palette=2, u_bins=len(self.time_bins),
                    u_bin0=b0, u_bin1=b1, u_bin_mix=float(mix),
                    u_min_particles=float(self.min_particles), u_arc_height=self.arc_height,
                    u_bend=self.bend, u_spread=self.spread, u_ring_radius=self._ring,
                    u_selected=self._selected, u_dim=self.dim ** 2.2,
                    u_heights_or_ids=bool(self._selected >= 0 or self._has_heights))

    def light(self) -> tuple[float, float]:
        """``(particles, arcs)`` brightness multipliers: :attr:`exposure` (``"auto"``: from
        the density where flows meet, :func:`flow_style.density_exposure`) times
        :attr:`intensity` for particles, times ``arc_alpha`` for arcs. Cached per look."""
        if self.exposure != "auto":
            value = float(self.exposure)
            return value * self.intensity, value * self.arc_alpha
        key = (id(self.plan), self.trail, self.tail, max(self.size_px), self.spread,
               self.ring_light, self.arc_alpha)
        if self._density is None or self._density[0] != key:
            self._density = (key, flow_style.density_exposure(
                self.plan, trail=self.trail, tail=self.tail, size_px=max(self.size_px),
                spread=self.spread, ring_light=self.ring_light, arc_alpha=self.arc_alpha))
        particles, arcs = self._density[1]
        return particles * self.intensity, arcs * self.arc_alpha

    def draw(self, view: ViewState) -> None:
        if view.pass_name != "color" or self._gl is None:
            return
        px_scale = pixel_scale(view)
        particle_light, arc_light = self.light()
        self._gl.draw(
            view, ViewState.gl_matrix(view.model_view_projection(self._origin)),
            trail=self.trail, size_px=max(self.size_px) * px_scale, show_arcs=self.show_arcs,
            arc_alpha=arc_light, shared=self._flow_uniforms(),
            particle=dict(u_time=self._t, u_trip=self.trip_seconds,
                          u_speed_jitter=self.speed_jitter, u_tail=self.tail,
                          u_size_px=self.size_px, u_px_scale=px_scale,
                          u_viewport=tuple(float(v) for v in view.viewport),
                          u_intensity=particle_light, u_ring_light=self.ring_light))

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
        gpu.make_current()  # an entry point: another context may be current (a snapshot's)
        self.prepare(gpu)
        assert self._gl is not None
        saved = self._time_bin
        if time_bin is not None:
            self._time_bin = float(time_bin)
        try:
            shared = self._flow_uniforms()
        finally:
            self._time_bin = saved
        return self._gl.probe(self.name, dict(
            u_time=self._t if t is None else float(t), u_trip=self.trip_seconds,
            u_speed_jitter=self.speed_jitter, u_probe_phase=-1.0 if phase is None else float(phase),
            **shared), self.plan)
