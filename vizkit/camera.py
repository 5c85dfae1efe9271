"""Perspective camera and orbit controller (z is up; x east, y north; units are metres).

Matrices and rotations come from :mod:`vizkit.matrices` (column vectors, float64,
``clip = projection @ view @ point``). Layers combine them with their own origin in float64
before uploading float32, which keeps projected coordinates (SWEREF99 TM northings of
~7,000,000 m) free of float32 jitter.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from vizkit.matrices import (
    Mat4,
    Quat,
    Vec3,
    compose,
    look_at,
    perspective,
    project_to_pixels,
    rotate,
    rotation,
)

__all__ = ["Camera", "Mat4", "Orbit", "Vec3", "project_to_screen"]


@dataclass
class Camera:
    """A perspective camera.

    Attributes:
        position: eye position, metres.
        target: the point looked at, metres.
        up: the up direction (z up by default).
        fov_y: vertical field of view, degrees.
        near, far: clip distances, metres (``far / near`` below ~1e5 keeps depth precise).
    """

    position: Vec3 = (0.0, -10.0, 6.0)
    target: Vec3 = (0.0, 0.0, 0.0)
    up: Vec3 = (0.0, 0.0, 1.0)
    fov_y: float = 45.0
    near: float = 0.1
    far: float = 1000.0

    def view_matrix(self) -> Mat4:
        """World → eye, column-vector convention."""
        eye = np.asarray(self.position, float)
        target = np.asarray(self.target, float)
        if np.allclose(eye, target):
            raise ValueError("camera position and target coincide")
        up = np.asarray(self.up, float)
        forward = target - eye
        if np.linalg.norm(np.cross(forward, up)) < 1e-9 * np.linalg.norm(forward):
            up = np.array([0.0, 1.0, 0.0])  # looking straight down: north is up on screen
        return look_at(eye, target, up)

    def projection_matrix(self, aspect: float) -> Mat4:
        """Eye → clip for a viewport of the given width / height."""
        return perspective(self.fov_y, aspect, self.near, self.far)

    def fit_clip_to(self, radius: float) -> None:
        """Set near/far so a scene of the given radius around the target stays inside."""
        distance = float(np.linalg.norm(np.subtract(self.position, self.target)))
        self.far = distance + 2.5 * radius
        self.near = max(self.far / 5000.0, 1e-3)


@dataclass
class Orbit:
    """Orbit controller: places a camera around a target by angles and distance.

    Attributes:
        target: the orbit centre, metres.
        azimuth: compass heading the camera looks towards, degrees (0 = north is up on screen,
            90 = looking east).
        elevation: angle of the camera above the target's horizon, degrees (90 = straight down).
        distance: metres from target to eye.
    """

    target: Vec3 = (0.0, 0.0, 0.0)
    azimuth: float = 0.0
    elevation: float = 35.0
    distance: float = 10.0
    min_distance: float = 1e-3
    max_distance: float = 1e9
    min_elevation: float = 2.0
    max_elevation: float = 89.9
    drag_degrees_per_px: float = 0.3
    zoom_per_scroll: float = 1.1
    scene_radius: float | None = field(default=None)

    def orientation(self) -> Quat:
        """The rotation that turns "looking north, level" into this orbit's look direction:
        pitched down by ``elevation``, then turned clockwise (seen from above) by ``azimuth``."""
        return compose(rotation((0.0, 0.0, 1.0), -self.azimuth),
                       rotation((1.0, 0.0, 0.0), -self.elevation))

    def eye(self) -> Vec3:
        """The camera position: ``distance`` back from the target along the look direction."""
        look = rotate(self.orientation(), (0.0, 1.0, 0.0))
        x, y, z = np.asarray(self.target, float) - self.distance * look
        return (float(x), float(y), float(z))

    def apply(self, camera: Camera) -> None:
        """Write position and target into ``camera`` (and fit its clip planes)."""
        self.elevation = min(self.max_elevation, max(self.min_elevation, self.elevation))
        self.distance = min(self.max_distance, max(self.min_distance, self.distance))
        camera.target = tuple(float(v) for v in self.target)
        camera.position = self.eye()
        radius = self.scene_radius if self.scene_radius is not None else self.distance
        camera.fit_clip_to(radius)

    # -- input -----------------------------------------------------------------------------
    def drag(self, dx_px: float, dy_px: float) -> None:
        """Rotate by a pointer drag of ``dx, dy`` pixels (y up)."""
        self.azimuth = (self.azimuth - dx_px * self.drag_degrees_per_px) % 360.0
        self.elevation -= dy_px * self.drag_degrees_per_px
        self.elevation = min(self.max_elevation, max(self.min_elevation, self.elevation))

    def zoom(self, steps: float) -> None:
        """Move closer (positive steps) or farther (negative)."""
        steps = min(max(float(steps), -100.0), 100.0)  # a wild wheel event must not zero it
        self.distance /= self.zoom_per_scroll ** steps
        self.distance = min(self.max_distance, max(self.min_distance, self.distance))


project_to_screen = project_to_pixels   # pixel (x right, y down) of a world point
