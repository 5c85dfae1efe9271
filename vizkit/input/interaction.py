"""A scene's default camera interaction, and who drives the camera: the script or a visitor.

Every scene gets the same defaults for mouse, touch and TUIO alike: one-finger (left-button)
drags orbit, two-finger pans (right-button drags) pan, pinches and the wheel zoom, and rotates
turn — all through one :class:`~vizkit.input.navigation.OrbitNavigator`, so the limits hold
whatever the input (never under the terrain, never lost in space, eased back inside on
release). :class:`Interaction` owns that navigator for the scene's orbit.

**The hand-over rule.** Many scenes drive their orbit from ``update`` — a ``Timeline`` tour
that sets the azimuth every frame. Left alone, the script would undo every touch on the next
frame. So a visitor who moves the camera takes it over:

1. While a visitor's gesture holds the camera, while it eases back inside its limits, and for
   ``resume_seconds`` after the last touch, whatever ``update`` does to the orbit is undone each
   frame: the camera stays where the visitor put it (the rest of the scene — time, layers, the
   HUD — keeps running).
2. Then the script's camera returns, blended from where the visitor left it over
   ``blend_seconds`` (smoothstep), with no jump; a touch during the blend takes it over again.

A scene whose ``update`` does not touch the orbit never notices the rule. Scripts that want
something else handle ``on_gesture`` (or the pointer events) themselves and return
``vizkit.HANDLED``; the kiosk's attract loop can read :attr:`Interaction.last_touch` and
:attr:`Interaction.visitor_has_camera`.

Everything here is GL-free and driven by explicit times (the live loop's input clock), so a
test replays it exactly.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, fields

from vizkit.camera import Orbit
from vizkit.easing import smooth
from vizkit.input.gestures import Gesture
from vizkit.input.navigation import (
    CameraIntent,
    GroundHeight,
    NavigationSettings,
    OrbitNavigator,
    Vec3,
)

IntentListener = Callable[[CameraIntent, str], None]


@dataclass(frozen=True)
class HandoverSettings:
    """When the script's camera returns after a visitor let go (seconds)."""

    resume_seconds: float = 8.0
    blend_seconds: float = 2.5

    def __post_init__(self) -> None:
        for spec in fields(self):
            value = getattr(self, spec.name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise ValueError(f"HandoverSettings.{spec.name} must be a positive number of "
                                 f"seconds, got {value!r}")


@dataclass(frozen=True)
class OrbitPose:
    """The four numbers that place an orbit: target (metres), azimuth, elevation (degrees),
    distance (metres)."""

    target: Vec3
    azimuth: float
    elevation: float
    distance: float

    @classmethod
    def of(cls, orbit: Orbit) -> OrbitPose:
        target = tuple(float(v) for v in orbit.target)
        return cls(target, float(orbit.azimuth), float(orbit.elevation),  # type: ignore[arg-type]
                   float(orbit.distance))

    def put(self, orbit: Orbit) -> None:
        orbit.target = self.target
        orbit.azimuth, orbit.elevation, orbit.distance = (self.azimuth, self.elevation,
                                                          self.distance)

    def mix(self, other: OrbitPose, f: float) -> OrbitPose:
        """``f`` of the way to ``other`` (azimuth the short way round, distance
        geometrically, so a zoom blends evenly)."""
        turn = (other.azimuth - self.azimuth + 180.0) % 360.0 - 180.0
        target = tuple(a + (b - a) * f for a, b in zip(self.target, other.target, strict=True))
        distance = self.distance * (other.distance / self.distance) ** f \
            if self.distance > 0 and other.distance > 0 else other.distance
        return OrbitPose(target, (self.azimuth + turn * f) % 360.0,  # type: ignore[arg-type]
                         self.elevation + (other.elevation - self.elevation) * f, distance)


class Interaction:
    """The default camera interaction of one scene (see the module docstring).

    Args:
        navigation: limits and gains of the navigator.
        handover: when the script's camera returns.

    Attributes:
        navigator: the navigator of the orbit last attached (``None`` before).
        now: the input clock's time, set by the live loop each frame (:meth:`tick`).
        last_touch: when a visitor last moved the camera (``None``: the script drives).
        listeners: ``listener(intent, source)`` for every camera intent applied (the event
            log registers one).
    """

    def __init__(self, navigation: NavigationSettings | None = None,
                 handover: HandoverSettings | None = None):
        self.navigation = navigation or NavigationSettings()
        self.handover = handover or HandoverSettings()
        self.navigator: OrbitNavigator | None = None
        self.now = 0.0
        self.last_touch: float | None = None
        self.listeners: list[IntentListener] = []
        self._held: OrbitPose | None = None

    # -- the navigator ---------------------------------------------------------------------
    def attach(self, orbit: Orbit, *, radius: float, centre: Vec3,
               ground_height: GroundHeight | None = None, fov_y: float = 45.0,
               aspect: float = 16 / 9) -> OrbitNavigator:
        """The navigator of ``orbit`` (made on first use, and again for a new orbit)."""
        navigator = self.navigator
        if navigator is None or navigator.orbit is not orbit:
            navigator = self.navigator = OrbitNavigator(
                orbit, radius, centre=centre, settings=self.navigation, fov_y=fov_y,
                aspect=aspect, ground_height=ground_height)
        return navigator

    @property
    def visitor_has_camera(self) -> bool:
        """Whether a visitor's camera overrides the script's now (rule 1 of the hand-over)."""
        if self.last_touch is None:
            return False
        busy = self.navigator is not None and self.navigator.busy
        return busy or self.now - self.last_touch < self.handover.resume_seconds

    # -- input -----------------------------------------------------------------------------
    def gesture(self, gesture: Gesture, navigator: OrbitNavigator) -> CameraIntent | None:
        """Apply a gesture through ``navigator``; ``None`` when it does not move the camera."""
        owner = navigator.owner
        intent = navigator.handle(gesture)
        if gesture.group in (owner, navigator.owner):  # the visitor who holds the camera
            self._touched(gesture.t)
        if intent is not None:
            self._tell(intent, gesture.source)
        return intent

    def wheel(self, steps: float, navigator: OrbitNavigator, *, source: str = "mouse",
              per_step: float = 1.1) -> CameraIntent:
        """A mouse wheel of ``steps`` notches at the current time."""
        intent = navigator.wheel(steps, self.now, per_step=per_step)
        self._touched(self.now)
        self._tell(intent, source)
        return intent

    def _touched(self, t: float) -> None:
        self.last_touch = t if self.last_touch is None else max(self.last_touch, t)

    def _tell(self, intent: CameraIntent, source: str) -> None:
        for listener in list(self.listeners):
            listener(intent, source)

    # -- frames ----------------------------------------------------------------------------
    def tick(self, now: float) -> None:
        """Once per frame, before the scene advances: the time, and easing back inside."""
        self.now = float(now)
        if self.navigator is not None:
            self.navigator.update(self.now)

    def before_update(self, orbit: Orbit | None) -> OrbitPose | None:
        """The orbit as the visitor left it, before the script's ``update`` runs."""
        return OrbitPose.of(orbit) if orbit is not None and self.last_touch is not None \
            else None

    def after_update(self, orbit: Orbit | None, before: OrbitPose | None) -> None:
        """Apply the hand-over rule to what ``update`` did to ``orbit``."""
        if orbit is None or before is None or self.last_touch is None:
            return
        if self.visitor_has_camera:
            before.put(orbit)
            self._held = before
            return
        idle = self.now - self.last_touch - self.handover.resume_seconds
        f = idle / self.handover.blend_seconds
        if f >= 1.0 or self._held is None:
            self.last_touch, self._held = None, None  # the script drives again
            return
        self._held.mix(OrbitPose.of(orbit), smooth(max(0.0, f))).put(orbit)
