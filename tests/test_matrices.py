"""vizkit.matrices: one convention (column vectors, float64, clip = P @ V @ p) for everyone.

Expected values come from what the matrices mean — where a point must land — not from pyrr.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from vizkit.camera import Camera, Orbit
from vizkit.matrices import (
    compose,
    frustum,
    gl_uniform,
    look_at,
    perspective,
    project_to_pixels,
    rotate,
    rotation,
    scaling,
    translation,
    view_from_axes,
)
from vizkit.render.picking import pick_matrix
from vizkit.view import ViewState


def apply(matrix: np.ndarray, point) -> np.ndarray:
    """Column-vector convention, written out: M @ (x, y, z, 1), divided by w."""
    p = matrix @ np.array([*point, 1.0])
    return p[:3] / p[3]


def test_look_at_puts_the_target_straight_ahead_on_minus_z():
    eye, target = (10.0, -20.0, 5.0), (13.0, -16.0, 5.0)       # 5 m away, level
    view = look_at(eye, target, (0, 0, 1))
    assert view.dtype == np.float64
    assert np.allclose(apply(view, target), (0, 0, -5))
    assert np.allclose(apply(view, eye), (0, 0, 0))
    assert np.allclose(apply(view, (10, -20, 6)), (0, 1, 0))    # world up is eye up
    # a point to the right of the look direction (x × up) is at +x in eye space
    right = np.cross(np.subtract(target, eye), (0, 0, 1))
    assert apply(view, np.add(eye, right))[0] > 0


def test_perspective_maps_the_field_of_view_edge_to_the_viewport_edge():
    projection = perspective(60.0, 2.0, 0.5, 100.0)
    depth = 10.0
    top = depth * math.tan(math.radians(30))
    assert np.allclose(apply(projection, (0, top, -depth))[:2], (0, 1))
    assert np.allclose(apply(projection, (2 * top, 0, -depth))[:2], (1, 0))   # aspect 2
    assert apply(projection, (0, 0, -0.5))[2] == pytest.approx(-1)            # near plane
    assert apply(projection, (0, 0, -100))[2] == pytest.approx(1)             # far plane


def test_an_off_centre_frustum_maps_its_bounds_to_the_viewport_corners():
    projection = frustum(-1.0, 1.0, 0.2, 1.0, 1.0, 50.0)
    assert np.allclose(apply(projection, (-1, 0.2, -1))[:2], (-1, -1))
    assert np.allclose(apply(projection, (2, 2, -2))[:2], (1, 1))


def test_translation_scaling_and_the_gl_layout():
    assert np.allclose(apply(translation((1, 2, 3)), (1, 1, 1)), (2, 3, 4))
    assert np.allclose(apply(scaling((2, 3, 4)), (1, 1, 1)), (2, 3, 4))
    m = translation((1, 2, 3))
    uniform = gl_uniform(m)
    assert uniform.dtype == np.float32 and uniform.flags["C_CONTIGUOUS"]
    # GLSL reads a mat4 column by column: the translation is the fourth column, elements 12–14
    assert list(uniform.ravel()[12:15]) == [1, 2, 3]


def test_rotations_follow_the_right_hand_rule_and_compose_right_to_left():
    quarter_z = rotation((0, 0, 1), 90)
    assert np.allclose(rotate(quarter_z, (1, 0, 0)), (0, 1, 0))
    quarter_x = rotation((1, 0, 0), 90)
    assert np.allclose(rotate(quarter_x, (0, 1, 0)), (0, 0, 1))
    both = compose(quarter_z, quarter_x)            # x first, then z
    assert np.allclose(rotate(both, (0, 1, 0)), rotate(quarter_z, rotate(quarter_x, (0, 1, 0))))
    assert np.allclose(rotate(both, (0, 1, 0)), (0, 0, 1))
    assert not np.allclose(rotate(compose(quarter_x, quarter_z), (0, 1, 0)), (0, 0, 1))


def test_an_exact_basis_view_far_from_the_origin_keeps_its_directions():
    eye = np.array([650_000.0, 6_650_000.0, 1_200.0])   # SWEREF99 TM, metres
    forward = np.array([0.0, math.sqrt(0.5), -math.sqrt(0.5)])
    up = np.array([0.0, math.sqrt(0.5), math.sqrt(0.5)])
    view = view_from_axes(eye, forward, up)
    assert np.allclose(apply(view, eye + 7.0 * forward), (0, 0, -7), atol=1e-9)
    assert np.allclose(apply(view, eye + 3.0 * up), (0, 3, 0), atol=1e-9)


@pytest.mark.parametrize("azimuth,elevation", [(0, 35), (90, 10), (-135, 60), (200, 89)])
def test_an_orbit_looks_at_its_target_from_the_compass_heading(azimuth, elevation):
    orbit = Orbit(target=(100.0, 200.0, 10.0), azimuth=azimuth, elevation=elevation,
                  distance=50.0)
    eye = np.array(orbit.eye())
    offset = np.subtract(orbit.target, eye)
    assert np.linalg.norm(offset) == pytest.approx(50.0)
    # the camera looks towards the compass heading (0 = north, 90 = east) ...
    heading = math.degrees(math.atan2(offset[0], offset[1]))
    assert (heading - azimuth + 180) % 360 - 180 == pytest.approx(0, abs=1e-9)
    # ... and down on the target by the elevation
    assert math.degrees(math.asin(-offset[2] / 50.0)) == pytest.approx(elevation)


def test_camera_view_state_and_pick_matrix_share_the_convention():
    camera = Camera(position=(0.0, -10.0, 0.0), target=(0.0, 0.0, 0.0), fov_y=90.0)
    size = (200, 100)
    view, projection = camera.view_matrix(), camera.projection_matrix(size[0] / size[1])
    # 10 m ahead, half the view height up: the top edge, centred
    assert np.allclose(project_to_pixels((0, 0, 10), view, projection, size), (100, 0))
    state = ViewState(view, projection, camera.position, size, None)  # type: ignore[arg-type]
    mvp = state.model_view_projection(origin=(0.0, 0.0, 10.0))
    assert np.allclose(apply(mvp.astype(float), (0, 0, 0))[:2], (0, 1), atol=1e-6)
    # the pick matrix blows the pixel at (150, 25) up to the whole viewport: its centre
    # lands at the origin of clip space
    x, y = 150.0, 25.0
    ndc = ((x + 0.5) / size[0] * 2 - 1, 1 - (y + 0.5) / size[1] * 2)
    assert np.allclose(apply(pick_matrix(x, y, size), (*ndc, 0.0))[:2], (0, 0))
