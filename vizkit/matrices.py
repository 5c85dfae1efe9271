"""Matrices and rotations: the one place vizkit builds them, through pyrr.

**Convention.** Column vectors, float64 on the CPU: a point ``p = (x, y, z, 1)`` goes to clip
space as ``clip = projection @ view @ model @ p``. Cameras, views, the dome's cube faces and the
pick pass all build their matrices here, so there is one convention in the package.

pyrr writes its matrices for row vectors (``p @ M``, translation in the last *row*); each pyrr
result is transposed exactly once, here, and nowhere else. Layers upload a column-vector matrix
with :func:`gl_uniform` (GLSL's ``mat4`` is column-major).

**Rotations** are pyrr quaternions ``(x, y, z, w)`` with the Hamilton product; positive angles
turn counter-clockwise seen from the tip of the axis (right-hand rule, as everywhere in GL).
:func:`rotation` makes one, :func:`compose` chains them (``compose(a, b)`` applies ``b``
first), :func:`rotate` turns vectors. Orbit cameras and the dome orientation (tilt, gaze) are
angles about axes, which is what quaternions say directly.

World units are metres in a projected CRS (SWEREF99 TM northings are ~7,000,000 m), which is
why everything stays float64 until a layer has subtracted its own origin
(:meth:`vizkit.view.ViewState.model_view_projection`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from pyrr import matrix44, quaternion

Vec3 = tuple[float, float, float]
Mat4 = npt.NDArray[np.float64]
Quat = npt.NDArray[np.float64]


def _vector(values: Sequence[float] | np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=np.float64)


# -- matrices (column vectors) ------------------------------------------------------------------
def look_at(eye: Sequence[float], target: Sequence[float], up: Sequence[float]) -> Mat4:
    """World → eye for a camera at ``eye`` looking at ``target`` (``up`` need not be exact)."""
    return matrix44.create_look_at(_vector(eye), _vector(target), _vector(up),
                                   dtype=np.float64).T


def view_from_axes(eye: Sequence[float], forward: Sequence[float],
                   up: Sequence[float]) -> Mat4:
    """World → eye for a camera at ``eye`` with an orthonormal ``forward`` and ``up``.

    The rotation is built at the origin and the translation applied after, so an eye millions
    of metres from the origin does not round the direction (``look_at(eye, eye + forward)``
    would).
    """
    rotation = look_at((0.0, 0.0, 0.0), forward, up)
    return rotation @ translation(-_vector(eye))


def perspective(fov_y: float, aspect: float, near: float, far: float) -> Mat4:
    """Eye → clip for a vertical field of view ``fov_y`` in degrees (gluPerspective)."""
    return matrix44.create_perspective_projection(fov_y, aspect, near, far,
                                                  dtype=np.float64).T


def frustum(left: float, right: float, bottom: float, top: float, near: float,
            far: float) -> Mat4:
    """Eye → clip for an off-centre frustum, bounds at the near plane (glFrustum)."""
    return matrix44.create_perspective_projection_from_bounds(
        left, right, bottom, top, near, far, dtype=np.float64).T


def translation(offset: Sequence[float]) -> Mat4:
    """Move points by ``offset`` (x, y, z)."""
    return matrix44.create_from_translation(_vector(offset), dtype=np.float64).T


def scaling(factors: Sequence[float]) -> Mat4:
    """Scale x, y and z by ``factors``."""
    return matrix44.create_from_scale(_vector(factors), dtype=np.float64).T


def gl_uniform(matrix: np.ndarray) -> np.ndarray:
    """A column-vector matrix laid out for a GLSL ``mat4`` uniform: float32, column-major."""
    return np.ascontiguousarray(np.asarray(matrix, np.float32).T)


def project_to_pixels(point: Sequence[float], view: Mat4, projection: Mat4,
                      size: tuple[int, int]) -> tuple[float, float]:
    """Pixel position (x right, y down from the top-left) of a world point."""
    clip = projection @ view @ np.array([*point, 1.0])
    ndc = clip[:3] / clip[3]
    width, height = size
    return ((ndc[0] + 1) * 0.5 * width, (1 - ndc[1]) * 0.5 * height)


# -- rotations (quaternions) --------------------------------------------------------------------
IDENTITY: Quat = quaternion.create(dtype=np.float64)


def rotation(axis: Sequence[float], degrees: float) -> Quat:
    """The rotation by ``degrees`` about ``axis`` (right-hand rule)."""
    axis = _vector(axis)
    return quaternion.create_from_axis_rotation(axis / np.linalg.norm(axis),
                                                math.radians(degrees), dtype=np.float64)


def compose(*rotations: Quat) -> Quat:
    """One rotation doing the last of ``rotations`` first: ``compose(a, b)`` is a after b."""
    result = IDENTITY
    for step in rotations:
        result = quaternion.cross(result, step)
    return result


def rotate(rotation_: Quat, vector: Sequence[float]) -> np.ndarray:
    """``vector`` (x, y, z) turned by a rotation."""
    return quaternion.apply_to_vector(rotation_, _vector(vector))
