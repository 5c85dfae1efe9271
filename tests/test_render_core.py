"""The render pipeline end to end: pixels with meaning (colours, positions, holes)."""

from __future__ import annotations

import numpy as np
import pytest

import vizkit
from vizkit.camera import project_to_screen
from vizkit.clock import FrameState
from vizkit.colormap import Colormap
from vizkit.privacy import Policy
from vizkit.targets.offscreen import OffscreenRenderer
from vizkit.testing import TopDown, lit_fraction, shown

FRAME = FrameState(0.0, 1 / 30, 0)
VIRIDIS = Colormap("viridis").lut()


def render(renderer: OffscreenRenderer, scene: vizkit.Scene) -> vizkit.Image:
    """Render one frame and release the scene's GPU resources."""
    image = renderer.render(scene, FRAME)
    scene.release()
    return image


class Oblique(vizkit.Scene):
    def __init__(self, values, **kw):
        super().__init__()
        self.values, self.kw = values, kw

    def setup(self, assets):
        self.terrain = self.add(vizkit.Terrain(
            self.values, extent=(0, 0, 6400, 4800), ambient=1.0,
            policy=Policy.off("synthetic test surface, not about people"), **self.kw))
        self.frame_all(azimuth=30, elevation=35, margin=0.8)


def peak_values(rows=48, cols=64, at=(30, 40)):
    y, x = np.mgrid[0:rows, 0:cols]
    return 100 * np.exp(-((x - at[1]) ** 2 + (y - at[0]) ** 2) / 30.0)


def test_known_cells_have_their_colour_map_colours(offscreen):
    values = np.full((40, 60), 10.0)  # the bottom of the domain (zero would be ground)
    values[:, 30:] = 100.0
    image = render(offscreen, TopDown.scene(values, domain=(10.0, 100.0))).rgb.astype(int)
    # West half (left on screen) is the bottom of viridis, east half the top (as the tone map
    # shows it: its yellow is brighter than the knee).
    assert np.abs(image[90, 110] - VIRIDIS[0, :3]).max() <= 2
    assert np.abs(image[90, 210] - shown(VIRIDIS[255, :3])).max() <= 2


def test_north_is_up_on_a_top_down_view(offscreen):
    values = np.full((40, 60), 10.0)  # the bottom of the domain (zero would be ground)
    values[30:, :] = 100.0           # the northern quarter (high row index) is high
    image = render(offscreen, TopDown.scene(values, domain=(10.0, 100.0))).rgb.astype(int)
    assert np.abs(image[25, 160] - shown(VIRIDIS[255, :3])).max() <= 2  # upper part
    assert np.abs(image[130, 160] - VIRIDIS[0, :3]).max() <= 2


def test_known_peak_lands_where_the_camera_projects_it(offscreen):
    scene = Oblique(peak_values())
    image = render(offscreen, scene).rgb.astype(int)
    expected = project_to_screen(scene.terrain.cell_centre(30, 40), scene.camera.view_matrix(),
                                 scene.camera.projection_matrix(320 / 180), (320, 180))
    distance = np.abs(image - shown(VIRIDIS[255, :3])).sum(axis=2)
    y, x = np.unravel_index(np.argmin(distance), distance.shape)
    assert distance[y, x] < 12
    assert abs(x - expected[0]) <= 3 and abs(y - expected[1]) <= 3


def test_no_data_cells_are_holes_not_zero(offscreen):
    values = np.full((40, 60), 50.0)
    values[15:25, 25:35] = np.nan
    scene = TopDown.scene(values, domain=(0.0, 100.0))
    image = render(offscreen, scene).rgb.astype(int)
    background = np.round(np.array(scene.background) * 255)
    assert np.abs(image[90, 160] - background).max() <= 1          # the hole's centre
    assert np.abs(image[90, 160] - VIRIDIS[0, :3]).max() > 20      # ... not drawn as zero
    assert np.abs(image[90, 80] - VIRIDIS[128, :3]).max() <= 3     # the data around it is drawn


def test_same_scene_and_time_give_identical_pixels(gpu):
    images = []
    for _ in range(2):
        renderer = OffscreenRenderer((200, 120), samples=4, gpu=gpu)
        images.append(render(renderer, Oblique(peak_values())).pixels)
        renderer.release()
    assert np.array_equal(images[0], images[1])


def test_resize_keeps_the_picture_and_scales_positions(gpu):
    scene = Oblique(peak_values())
    renderer = OffscreenRenderer((320, 180), samples=0, gpu=gpu)
    small = renderer.render(scene, FRAME)
    renderer.resize((640, 360))
    large = render(renderer, scene)
    renderer.release()
    assert small.size == (320, 180) and large.size == (640, 360)

    def peak(image):
        distance = np.abs(image.rgb.astype(int) - VIRIDIS[255, :3]).sum(axis=2)
        return np.array(np.unravel_index(np.argmin(distance), distance.shape))

    assert np.abs(peak(large) - 2 * peak(small)).max() <= 3
    assert lit_fraction(small, scene.background) == pytest.approx(
        lit_fraction(large, scene.background), abs=0.01)


def test_msaa_softens_edges_only(gpu):
    images = {}
    for samples in (0, 4):
        renderer = OffscreenRenderer((320, 180), samples=samples, gpu=gpu)
        images[samples] = render(renderer, Oblique(peak_values())).rgb.astype(int)
        renderer.release()
    differs = np.abs(images[0] - images[4]).max(axis=2) > 8
    assert 0 < differs.mean() < 0.05


def test_terrain_rejects_bad_input_with_named_fields():
    with pytest.raises(ValueError, match=r"values must be \(H, W\) or \(T, H, W\)"):
        vizkit.Terrain(np.zeros(5), extent=(0, 0, 1, 1))
    with pytest.raises(TypeError, match="values must be numeric, got dtype <U1"):
        vizkit.Terrain(np.array([["a", "b"], ["c", "d"]]), extent=(0, 0, 1, 1))
    with pytest.raises(ValueError, match=r"extent must be \(xmin, ymin, xmax, ymax\)"):
        vizkit.Terrain(np.zeros((2, 2)), extent=(0, 0, -1, 1))
    with pytest.raises(ValueError, match="unknown colour map 'nope'"):
        vizkit.Terrain(np.zeros((2, 2)), extent=(0, 0, 1, 1), colormap="nope")


def test_snapshot_returns_an_image_that_shows_in_notebooks():
    scene = Oblique(peak_values())
    image = scene.snapshot(0.0, (160, 90), samples=0)
    scene.release()
    assert image.size == (160, 90)
    assert image._repr_png_().startswith(b"\x89PNG")
    assert lit_fraction(image, scene.background) > 0.1
