"""Camera intents: gestures → orbit, pan and zoom of a :class:`vizkit.camera.Orbit`, within limits.

The layer between the gesture recogniser and the camera. It turns

- a one-finger *drag* into an **orbit** (turn around the target and tilt, as the mouse does),
- a two-finger *pan* into a **pan** (the ground follows the fingers),
- a *pinch* into a **zoom** (spreading fingers come closer),
- a *rotate* into a turn of the **azimuth** (the map turns with the fingers),

and keeps the camera where an exhibit makes sense — never under the ground, never lost in space:

- elevation stays within ``[min_elevation, max_elevation]`` and the eye at least
  ``ground_clearance`` × radius above the ground (hard limits: nothing is drawn from below);
- the distance stays within ``[min_distance, max_distance]`` × scene radius and the target within
  ``target_radius`` × scene radius (horizontally) of the scene's centre. These limits are *soft*
  while fingers are down — past them a gesture moves the camera only ``rubber`` as far, up to
  ``max_overshoot`` beyond — and the camera eases back inside over ``ease_seconds`` after the
  gesture ends, as a pure function of time (:meth:`OrbitNavigator.update`).

Several visitors: the camera follows one group at a time. The first group whose gesture moves it
*owns* it until all that group's gestures have ended; gestures of other groups are left to the
scene (they return ``None`` here). That keeps two people pinching at opposite sides from fighting
over one camera.

Everything is GL-free and driven by the gestures' own times, so a test can replay a gesture and
check the orbit exactly.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, fields

from vizkit.camera import Orbit
from vizkit.easing import smooth
from vizkit.input.gestures import Gesture, GestureKind, GesturePhase

Vec3 = tuple[float, float, float]
GroundHeight = Callable[[float, float], float]


@dataclass(frozen=True)
class NavigationSettings:
    """Limits and gains of touch navigation (factors multiply the scene radius).

    Attributes:
        orbit_degrees_per_side: degrees turned by a one-finger drag across the short side.
        min_distance, max_distance: eye distance limits, × scene radius.
        target_radius: how far the target may wander from the scene centre, × scene radius.
        min_elevation, max_elevation: degrees above the horizon (hard limits).
        ground_clearance: least height of the eye above the ground, × scene radius.
        rubber: share of a step applied past a soft limit (0–1).
        max_overshoot: how far past a soft limit a gesture may pull, as a fraction of it.
        ease_seconds: time to ease back inside the limits after a gesture ends.
    """

    orbit_degrees_per_side: float = 180.0
    min_distance: float = 0.2
    max_distance: float = 4.0
    target_radius: float = 1.0
    min_elevation: float = 8.0
    max_elevation: float = 89.0
    ground_clearance: float = 0.02
    rubber: float = 0.3
    max_overshoot: float = 0.2
    ease_seconds: float = 0.35

    def __post_init__(self) -> None:
        for spec in fields(self):
            value = getattr(self, spec.name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise ValueError(f"NavigationSettings.{spec.name} must be a positive number, "
                                 f"got {value!r}")
        if not self.min_distance < self.max_distance:
            raise ValueError(f"NavigationSettings: min_distance {self.min_distance} must be "
                             f"below max_distance {self.max_distance}")
        if not 0 < self.min_elevation < self.max_elevation <= 90:
            raise ValueError(f"NavigationSettings: need 0 < min_elevation < max_elevation ≤ 90,"
                             f" got {self.min_elevation}, {self.max_elevation}")
        if self.rubber > 1:
            raise ValueError(f"NavigationSettings.rubber must be in (0, 1], got {self.rubber}")


@dataclass(frozen=True)
class CameraIntent:
    """What a gesture asked of the camera (applied already; returned for logs and tests).

    Attributes:
        kind: ``"orbit"``, ``"pan"``, ``"zoom"`` or ``"turn"`` (azimuth from a rotate).
        t: seconds; group: the gesture group that owns the camera (-1: the mouse wheel).
        azimuth, elevation: degrees added (orbit, turn).
        pan: metres the target moved, world (x east, y north).
        zoom: factor the distance was divided by (> 1: closer).
    """

    kind: str
    t: float
    group: int
    azimuth: float = 0.0
    elevation: float = 0.0
    pan: tuple[float, float] = (0.0, 0.0)
    zoom: float = 1.0


class OrbitNavigator:
    """Applies gestures to an :class:`~vizkit.camera.Orbit` within limits around a scene.

    Args:
        orbit: the orbit to drive (``scene.orbit``).
        scene_radius: metres; the limits scale with it (``Orbit.scene_radius`` after
            ``Scene.frame_all()``).
        centre: the scene's centre on the ground (defaults to the orbit's target now).
        settings: :class:`NavigationSettings`.
        fov_y: the camera's vertical field of view, degrees (sets how far a pan moves).
        aspect: width / height of the view (sets which side is the short side).
        ground_height: metres of ground at world ``(x, y)``; defaults to flat ground at the
            centre's height. Pass a terrain sampler to keep the eye above hills.
    """

    def __init__(self, orbit: Orbit, scene_radius: float, *, centre: Vec3 | None = None,
                 settings: NavigationSettings | None = None, fov_y: float = 45.0,
                 aspect: float = 16 / 9, ground_height: GroundHeight | None = None):
        if not (math.isfinite(scene_radius) and scene_radius > 0):
            raise ValueError(f"scene_radius must be positive metres, got {scene_radius!r}")
        self.orbit = orbit
        self.radius = float(scene_radius)
        self.centre: Vec3 = tuple(float(v) for v in (centre or orbit.target))  # type: ignore[assignment]
        self.settings = settings or NavigationSettings()
        self.fov_y, self.aspect = fov_y, aspect
        self.ground_height = ground_height or (lambda x, y: self.centre[2])
        self.owner: int | None = None
        self._active: set[GestureKind] = set()
        self._settle: tuple[float, float, tuple[float, float]] | None = None  # t0, d0, xy0

    # -- limits ------------------------------------------------------------------------------
    @property
    def distance_limits(self) -> tuple[float, float]:
        s = self.settings
        return s.min_distance * self.radius, s.max_distance * self.radius

    def inside(self) -> bool:
        """Whether the orbit is within every soft limit (the hard ones always hold)."""
        lo, hi = self.distance_limits
        return (lo * (1 - 1e-9) <= self.orbit.distance <= hi * (1 + 1e-9)
                and self._target_offset() <= self.settings.target_radius * self.radius
                * (1 + 1e-9))

    # -- gestures ----------------------------------------------------------------------------
    def handle(self, gesture: Gesture) -> CameraIntent | None:
        """Apply one gesture; ``None`` when it does not move the camera (taps, other groups)."""
        kind = gesture.kind
        if kind not in (GestureKind.DRAG, GestureKind.PAN, GestureKind.PINCH,
                        GestureKind.ROTATE):
            return None
        if self.owner is None:
            if gesture.phase is not GesturePhase.BEGIN:
                return None
            self.owner = gesture.group
        elif gesture.group != self.owner:
            return None
        if gesture.phase is GesturePhase.BEGIN:
            self._active.add(kind)
            self._settle = None  # a gesture interrupts easing back
            return None
        if gesture.phase is GesturePhase.END:
            self._active.discard(kind)
            if not self._active:
                self.owner = None
                self._settle = (gesture.t, self.orbit.distance, self._target_xy())
            return None
        if kind is GestureKind.DRAG:
            return self._orbit(gesture)
        if kind is GestureKind.PAN:
            return self._pan(gesture)
        if kind is GestureKind.PINCH:
            return self._zoom(gesture)
        return self._turn(gesture)

    @property
    def busy(self) -> bool:
        """Whether a visitor holds the camera or it is still easing back inside the limits."""
        return self.owner is not None or self._settle is not None

    def wheel(self, steps: float, t: float, *, per_step: float = 1.1) -> CameraIntent:
        """A mouse wheel: ``steps`` notches closer (negative: farther), ``per_step`` each.

        Within the same soft distance limits as a pinch: past one a notch moves ``rubber`` as
        far, and the camera eases back inside from ``t`` on (unless a gesture holds it).
        """
        steps = min(max(float(steps), -100.0), 100.0)  # a wild wheel event must not zero it
        intent = self._zoom_by(per_step ** steps, t, self.owner if self.owner is not None
                               else -1)
        if self.owner is None:
            self._settle = (t, self.orbit.distance, self._target_xy())
        return intent

    def update(self, now: float) -> bool:
        """Ease back inside the soft limits after release; ``True`` while still easing."""
        if self._settle is None:
            return False
        t0, distance0, xy0 = self._settle
        s = self.settings
        f = smooth(min(1.0, max(0.0, (now - t0) / s.ease_seconds)))
        lo, hi = self.distance_limits
        goal_distance = min(hi, max(lo, distance0))
        goal_xy = self._clamp_xy(xy0, s.target_radius * self.radius)
        orbit = self.orbit
        orbit.distance = distance0 + (goal_distance - distance0) * f
        z = orbit.target[2]
        orbit.target = (xy0[0] + (goal_xy[0] - xy0[0]) * f,
                        xy0[1] + (goal_xy[1] - xy0[1]) * f, z)
        self._keep_above_ground()
        if f >= 1.0:
            self._settle = None
            return False
        return True

    # -- intents -----------------------------------------------------------------------------
    def _orbit(self, g: Gesture) -> CameraIntent:
        gain = self.settings.orbit_degrees_per_side
        before = self.orbit.elevation
        self.orbit.azimuth = (self.orbit.azimuth - g.dx * gain) % 360.0
        self._set_elevation(before + g.dy * gain)
        return CameraIntent("orbit", g.t, g.group, azimuth=-g.dx * gain,
                            elevation=self.orbit.elevation - before)

    def _turn(self, g: Gesture) -> CameraIntent:
        degrees = math.degrees(g.rotation)
        self.orbit.azimuth = (self.orbit.azimuth + degrees) % 360.0
        self._keep_above_ground()
        return CameraIntent("turn", g.t, g.group, azimuth=degrees)

    def _zoom(self, g: Gesture) -> CameraIntent:
        return self._zoom_by(g.scale, g.t, g.group)

    def _zoom_by(self, scale: float, t: float, group: int) -> CameraIntent:
        s = self.settings
        lo, hi = self.distance_limits
        before = self.orbit.distance
        log_step = -math.log(scale) if scale > 0 else 0.0  # spreading: closer
        wanted = before * math.exp(log_step)
        if (wanted > hi and log_step > 0) or (wanted < lo and log_step < 0):
            wanted = before * math.exp(log_step * s.rubber)
        wanted = min(hi * (1 + s.max_overshoot), max(lo * (1 - s.max_overshoot), wanted))
        self.orbit.distance = wanted
        self._keep_above_ground()
        return CameraIntent("zoom", t, group, zoom=before / self.orbit.distance)

    def _pan(self, g: Gesture) -> CameraIntent:
        s = self.settings
        orbit = self.orbit
        view_height = 2 * orbit.distance * math.tan(math.radians(self.fov_y) / 2)
        metres = view_height * min(1.0, self.aspect)  # world metres per short side
        az = math.radians(orbit.azimuth)
        right = (math.cos(az), -math.sin(az))
        forward = (math.sin(az), math.cos(az))
        depth = min(3.0, 1.0 / max(math.sin(math.radians(orbit.elevation)), 1e-3))
        step = (-right[0] * g.dx * metres + forward[0] * g.dy * metres * depth,
                -right[1] * g.dx * metres + forward[1] * g.dy * metres * depth)
        xy = self._target_xy()
        new = (xy[0] + step[0], xy[1] + step[1])
        limit = s.target_radius * self.radius
        if self._offset(new) > limit and self._offset(new) > self._offset(xy):
            new = (xy[0] + step[0] * s.rubber, xy[1] + step[1] * s.rubber)
        new = self._clamp_xy(new, limit * (1 + s.max_overshoot))
        orbit.target = (new[0], new[1], orbit.target[2])
        self._keep_above_ground()
        return CameraIntent("pan", g.t, g.group, pan=(new[0] - xy[0], new[1] - xy[1]))

    # -- helpers -----------------------------------------------------------------------------
    def _target_xy(self) -> tuple[float, float]:
        return (float(self.orbit.target[0]), float(self.orbit.target[1]))

    def _offset(self, xy: tuple[float, float]) -> float:
        return math.hypot(xy[0] - self.centre[0], xy[1] - self.centre[1])

    def _target_offset(self) -> float:
        return self._offset(self._target_xy())

    def _clamp_xy(self, xy: tuple[float, float], limit: float) -> tuple[float, float]:
        offset = self._offset(xy)
        if offset <= limit:
            return xy
        k = limit / offset
        return (self.centre[0] + (xy[0] - self.centre[0]) * k,
                self.centre[1] + (xy[1] - self.centre[1]) * k)

    def _set_elevation(self, elevation: float) -> None:
        s = self.settings
        self.orbit.elevation = min(s.max_elevation, max(s.min_elevation, elevation))
        self._keep_above_ground()

    def _keep_above_ground(self) -> None:
        """Raise the elevation (hard) until the eye clears the ground under it.

        The eye moves towards the target as it rises, so the clear elevation is searched: up in
        one-degree steps to the first that clears, then bisected back to the lowest that does.
        """
        s = self.settings
        orbit = self.orbit
        orbit.elevation = min(s.max_elevation, max(s.min_elevation, orbit.elevation))
        clearance = s.ground_clearance * self.radius

        def clear(elevation: float) -> bool:
            orbit.elevation = elevation
            ex, ey, ez = orbit.eye()
            return ez >= self.ground_height(ex, ey) + clearance

        low = orbit.elevation
        if clear(low):
            return
        high = low
        while not clear(high):
            if high >= s.max_elevation:
                return  # as high as allowed: the best there is
            low, high = high, min(s.max_elevation, high + 1.0)
        for _ in range(12):
            middle = (low + high) / 2
            if clear(middle):
                high = middle
            else:
                low = middle
        orbit.elevation = high
