"""Perspective camera and orbit controller (z is up; x east, y north; units are metres).

Matrices use the column-vector convention (``clip = projection @ view @ point``) in float64 on
the CPU. Layers combine them with their own origin in float64 before uploading float32, which
keeps projected coordinates (SWEREF99 TM northings of ~7,000,000 m) free of float32 jitter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from pyrr import matrix44

Vec3 = tuple[float, float, float]
Mat4 = npt.NDArray[np.float64]


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
        return np.asarray(matrix44.create_look_at(eye, target, up), float).T

    def projection_matrix(self, aspect: float) -> Mat4:
        """Eye → clip for a viewport of the given width / height."""
        return np.asarray(matrix44.create_perspective_projection(
            self.fov_y, aspect, self.near, self.far), float).T

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

    def eye(self) -> Vec3:
        az, el = math.radians(self.azimuth), math.radians(self.elevation)
        horizontal = self.distance * math.cos(el)
        tx, ty, tz = self.target
        return (tx - horizontal * math.sin(az), ty - horizontal * math.cos(az),
                tz + self.distance * math.sin(el))

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


def project_to_screen(point: Vec3, view: Mat4, projection: Mat4,
                      size: tuple[int, int]) -> tuple[float, float]:
    """Pixel position (x right, y down from the top-left) of a world point."""
    clip = projection @ view @ np.array([*point, 1.0])
    ndc = clip[:3] / clip[3]
    width, height = size
    return ((ndc[0] + 1) * 0.5 * width, (1 - ndc[1]) * 0.5 * height)
