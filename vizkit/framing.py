"""Dome framing: where a scene made for a screen sits on a dome, found from its bounds.

A screen scene looks down on its subject through a 45° window; on a dome the same camera puts
the subject low on the front rim and fills two thirds of the dome with sky. The audience of a
planetarium facing the front looks, without effort, at the **front sweet spot**: about 20°–50°
above the front spring line and 40° either side (:data:`SWEET_SPOT`). :func:`dome_framing`
turns and moves the scene's viewer so that the scene's *footprint* — the rectangle of its
bounds at their lowest height; what stands on it (peaks, prisms, arcs) rises above it, into
the dome — covers that region:

1. **turn** the viewer about the vertical so the footprint is centred left to right;
2. **move** it along its line of sight (never back) to the farthest place from which rays
   through the sweet spot all meet the footprint — but never so close that the footprint spans
   more than :data:`FRAMED_SPAN` degrees up the dome or :data:`FRAMED_HALF_WIDTH` either side
   (a footprint that cannot cover it, a long narrow country, stops there). Both are found by
   bisection, so the place moves smoothly as a tour moves the camera;
3. **gaze**: turn the world about the viewer's right so the footprint's vertical middle lands
   :data:`SWEET_SPOT_ELEVATION` above the front spring line.

The look direction never rolls and the motion of the camera over time is kept (a tour stays a
tour). GL-free: numpy and :mod:`vizkit.fisheye` only.
"""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING

import numpy as np

from vizkit.fisheye import DOME_RANGES, DomeError, DomeSpec, viewer_basis
from vizkit.matrices import rotate, rotation

if TYPE_CHECKING:
    from vizkit.camera import Camera

SWEET_SPOT_ELEVATION = 35.0   # degrees above the front spring line: the sweet spot's centre
#: (lowest, highest elevation, half width), degrees: what the framing fills
SWEET_SPOT = (20.0, 50.0, 40.0)
FRAMED_SPAN = 70.0            # degrees up the dome the footprint spans at most (0°–70°) …
FRAMED_HALF_WIDTH = 75.0      # … and either side of the front
FRAMINGS = ("auto", "gaze", "camera")
EASE = 0.04                   # width of the smooth minimum, share of the distance to the content
_UP = (0.0, 0.0, 1.0)


def footprint_extent(eye: np.ndarray, corners: np.ndarray, right: np.ndarray,
                     ahead: np.ndarray, up: np.ndarray) -> tuple[float, float, float, float]:
    """``(lowest, highest, leftmost, rightmost)``: the corners' elevations above the look
    direction (in its vertical plane) and azimuths from it (right positive), degrees; ``nan``
    when a corner is not in front of the viewer."""
    d = corners - eye
    forward, across, above = d @ ahead, d @ right, d @ up
    if (forward <= 1e-9 * np.linalg.norm(d, axis=1)).any():
        return math.nan, math.nan, math.nan, math.nan
    elevation = np.degrees(np.arctan2(above, forward))
    azimuth = np.degrees(np.arctan2(across, forward))
    return (float(elevation.min()), float(elevation.max()), float(azimuth.min()),
            float(azimuth.max()))


def sweet_spot_rays(right: np.ndarray, ahead: np.ndarray, up: np.ndarray,
                    gaze: float) -> np.ndarray:
    """World directions of a 5 × 5 grid over :data:`SWEET_SPOT` for a dome whose look
    direction lands ``gaze`` degrees above the front spring line."""
    turn = rotation(right, -gaze)
    front, axis = rotate(turn, ahead), rotate(turn, up)
    low, high, half = SWEET_SPOT
    e, a = np.meshgrid(np.radians(np.linspace(low, high, 5)),
                       np.radians(np.linspace(-half, half, 5)))
    e, a = e.reshape(-1, 1), a.reshape(-1, 1)
    return np.cos(e) * np.cos(a) * front + np.cos(e) * np.sin(a) * right + np.sin(e) * axis


def margin(eye: np.ndarray, rays: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> float:
    """How far inside the footprint (the rectangle ``lo``–``hi`` in x, y at height ``lo[2]``)
    ``rays`` from ``eye`` meet it, metres: positive when all of them do. A smooth minimum
    (log-sum-exp over 2 % of the footprint's diagonal) over the rays and the four sides, so the
    framing it decides changes smoothly with the camera; a ray that misses the ground counts
    as a diagonal outside."""
    diagonal = float(np.hypot(*(hi - lo)[:2])) or 1.0
    down = rays[:, 2] < -1e-12
    t = np.where(down, (lo[2] - eye[2]) / np.where(down, rays[:, 2], -1.0), -1.0)
    x, y = eye[0] + t * rays[:, 0], eye[1] + t * rays[:, 1]
    sides = np.stack([x - lo[0], hi[0] - x, y - lo[1], hi[1] - y], axis=1)
    sides = np.where((t > 0)[:, None], sides, -diagonal)
    soft = 0.02 * diagonal
    least = float(sides.min())
    with np.errstate(under="ignore"):  # far-inside sides weigh nothing: exp underflows to 0
        return least - soft * float(np.log(np.exp(-(sides - least) / soft).sum()))


def flip(holds, low: float, high: float, rounds: int = 40) -> float:
    """Where ``holds(x)`` stops being true between ``low`` (true) and ``high`` (false)."""
    for _ in range(rounds):
        middle = 0.5 * (low + high)
        low, high = (middle, high) if holds(middle) else (low, middle)
    return low if holds(low) and not holds(high) else high


def dome_framing(camera: Camera, bounds: tuple[np.ndarray, np.ndarray] | None, spec: DomeSpec,
                 *, framing: str = "auto", level: bool = False, roll: bool = False,
                 points: np.ndarray | None = None) -> tuple[Camera, float]:
    """The dome's viewer and gaze for a scene camera and the scene's bounds (world metres).

    ``points`` (``(N, 3)``, the scene's ``ground_points()``): where the data stands; when
    given, the footprint is their box and they are what is centred and measured — the shape
    of a diagonal country, not its box's empty corners.

    ``framing``: ``"auto"`` — turn, move and gaze as the module says; ``"gaze"`` — only the
    gaze; ``"camera"`` — none (the look direction ``tilt`` above the spring line: straight
    ahead at eye level). ``spec.gaze``, when given, is the gaze whatever the framing. Without
    bounds, or with a corner of the footprint beside or behind the viewer (a viewer inside the
    content), the camera is kept and the gaze defaults to ``spec.tilt``.

    Returns the viewer (a copy of ``camera``; the same object when it does not move) and the
    gaze in degrees above the front spring line, within ``DOME_RANGES["gaze"]``.
    """
    if framing not in FRAMINGS:
        raise DomeError(f"dome framing must be one of {FRAMINGS}, got {framing!r}")
    if bounds is None or framing == "camera":
        return camera, spec.gaze_elevation
    lo, hi = (np.asarray(b, float) for b in bounds)
    corners = np.array([[x, y, lo[2]] for x in (lo[0], hi[0]) for y in (lo[1], hi[1])])
    if points is not None and len(points) >= 3:
        corners = np.asarray(points, float)
        lo = np.array([*corners[:, :2].min(axis=0), corners[:, 2].min()])
        hi = np.array([*corners[:, :2].max(axis=0), corners[:, 2].max()])
    eye = np.asarray(camera.position, float)
    basis = viewer_basis(camera, level=level, roll=roll)
    low, high, left, far_right = footprint_extent(eye, corners, *basis)
    if math.isnan(low):
        return camera, spec.gaze_elevation
    limits = DOME_RANGES["gaze"]

    def gaze_at(low: float, high: float) -> float:
        if spec.gaze is not None:
            return spec.gaze
        return min(limits.high, max(limits.low, SWEET_SPOT_ELEVATION - 0.5 * (low + high)))

    def centred(viewer: Camera, left: float, far_right: float) -> Camera:
        if abs(left + far_right) <= 1e-6:
            return viewer
        at = np.asarray(viewer.position, float)
        look = rotate(rotation(_UP, -0.5 * (left + far_right)),
                      np.asarray(viewer.target, float) - at)
        return dataclasses.replace(viewer, target=tuple(float(v) for v in at + look))

    viewer = camera
    if framing == "auto":
        viewer = centred(camera, left, far_right)       # 1. the footprint centred sideways
        basis = viewer_basis(viewer, level=level, roll=roll)
        right, ahead, up = basis

        def state(step: float) -> tuple[bool, bool]:
            """(within the span limits, every sweet-spot ray meets the footprint)"""
            low, high, left, far_right = footprint_extent(eye + step * ahead, corners, *basis)
            if math.isnan(low) or (high - low > FRAMED_SPAN
                                   or max(-left, far_right) > FRAMED_HALF_WIDTH):
                return False, False
            rays = sweet_spot_rays(right, ahead, up, gaze_at(low, high))
            return True, margin(eye + step * ahead, rays, lo, hi) >= 0.0

        # 2. by bisection, so the place moves smoothly with the camera (a tour must not jump);
        # where covering becomes possible the viewer eases away from the limit (a hyperbola
        # with zero slope there) instead of turning at once
        step = 0.0
        if state(0.0)[0] and not state(0.0)[1]:
            nearest = float(((corners - eye) @ ahead).min())
            limit = flip(lambda s: state(s)[0], 0.0, nearest)        # the span limits
            step = limit
            if state(limit)[1]:
                cover = flip(lambda s: not state(s)[1], 0.0, limit)  # the sweet spot covered
                ease = EASE * nearest
                x = (limit - cover) / ease
                step = max(0.0, limit - ease * (math.hypot(x, 1.0) - 1.0))
        if step > 0.0:
            shift = ahead * step
            viewer = dataclasses.replace(
                viewer, position=tuple(float(v) for v in eye + shift),
                target=tuple(float(v) for v in np.asarray(viewer.target, float) + shift))
            # nearer, the perspective moved the footprint's sides: centre it again
            _, _, left, far_right = footprint_extent(eye + shift, corners, *basis)
            if not math.isnan(left):
                viewer = centred(viewer, left, far_right)
                basis = viewer_basis(viewer, level=level, roll=roll)
    low, high, _, _ = footprint_extent(np.asarray(viewer.position, float), corners, *basis)
    return viewer, gaze_at(low, high)                   # 3. the gaze
