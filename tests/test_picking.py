"""Picking through the id buffer: the right cell or region, its value now, and nothing else."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import vizkit
from vizkit.camera import project_to_screen
from vizkit.clock import FrameState
from vizkit.privacy import Policy
from vizkit.render.picking import Picker, PickRecord, pick_matrix

# Smooth made-up surfaces and round numbers that test picking, not people: shown raw.
SYNTHETIC = Policy.off("synthetic test values, no persons")
FRAME = FrameState(0.0, 1 / 30, 0)
SIZE = (320, 180)


def bump(rows=40, cols=60, at=(12, 40), height=100.0, width=40.0):
    y, x = np.mgrid[0:rows, 0:cols]
    return height * np.exp(-((x - at[1]) ** 2 + (y - at[0]) ** 2) / width)


class Landscape(vizkit.Scene):
    """A terrain (2 steps, a NaN hole) and a row of region prisms in front of it."""

    def setup(self, assets):
        a = bump() + 5.0
        b = bump(at=(25, 20)) + 5.0
        values = np.stack([a, b])
        values[:, 30:36, 5:12] = np.nan
        # linear heights and holes for no data, as these tests were designed (the defaults
        # would choose a sqrt scale and draw the NaN block as a no-data tint)
        self.terrain = self.add(vizkit.Terrain(values, extent=(0, 0, 6000, 4000),
                                               times=[2020, 2021], max_height=800.0,
                                               scale="linear", no_data="hole",
                                               policy=SYNTHETIC))
        boxes = {f"0{300 + i}": [[[x, -1500], [x + 800, -1500], [x + 800, -700],
                                  [x, -700], [x, -1500]]]
                 for i, x in enumerate(range(0, 6000, 1500))}
        values = {code: [100.0 * (i + 1), 50.0 * (i + 1)] for i, code in enumerate(boxes)}
        boxes["0900"] = [[[2500, 1500], [3500, 1500], [3500, 2500], [2500, 2500]]]  # on top
        values["0900"] = [400.0, 400.0]
        self.regions = self.add(vizkit.Regions(boxes, values, times=[2020, 2021],
                                               max_height=600.0))
        self.frame_all(azimuth=10, elevation=35, margin=0.85)

    def screen(self, point):
        return project_to_screen(point, self.camera.view_matrix(),
                                 self.camera.projection_matrix(SIZE[0] / SIZE[1]), SIZE)


@pytest.fixture
def landscape(offscreen):
    scene = Landscape()
    offscreen.render(scene, FRAME)
    picker = Picker(offscreen.gpu)
    view = scene.view_state(SIZE, FRAME)
    yield scene, picker, view
    picker.release()
    scene.release()


def test_picking_returns_the_terrain_cell_under_the_pointer(landscape):
    scene, picker, view = landscape
    terrain = scene.terrain
    for row, col in ((12, 40), (5, 5), (30, 45), (38, 58)):
        x, y = scene.screen(terrain.cell_centre(row, col))
        record = picker.pick(scene, view, x, y)
        assert record is not None
        assert record.layer == "Terrain"
        assert abs(record.element[0] - row) <= 1 and abs(record.element[1] - col) <= 1
        r, c = record.element
        assert record.value == pytest.approx(float(terrain.values[0, r, c]))
        assert record.time == 2020


def test_picked_values_follow_the_current_time(landscape):
    scene, picker, view = landscape
    scene.terrain.time_index = 1.0
    x, y = scene.screen(scene.terrain.cell_centre(25, 20))
    record = picker.pick(scene, view, x, y)
    assert record.element == (25, 20)
    assert record.value == pytest.approx(105.0) and record.time == 2021
    scene.terrain.time_index = 0.5
    x, y = scene.screen(scene.terrain.cell_centre(25, 20))
    record = picker.pick(scene, view, x, y)
    assert record.time == pytest.approx(2020.5)
    assert record.value == pytest.approx(scene.terrain.value(25, 20))


def test_picking_returns_the_region_code_and_value(landscape):
    scene, picker, view = landscape
    for i, code in enumerate(scene.regions.codes[:4]):
        x0 = 1500 * i
        x, y = scene.screen((x0 + 400, -1100, scene.regions.height(code)))
        record = picker.pick(scene, view, x, y)
        assert record == PickRecord("Regions", code, 100.0 * (i + 1), 2020, None)
    scene.regions.show_change(2020, 2021)
    x, y = scene.screen((400, -1100, scene.regions.height("0300")))
    assert picker.pick(scene, view, x, y).change == pytest.approx(-50.0)


def test_holes_and_background_pick_nothing(landscape):
    scene, picker, view = landscape
    x, y = scene.screen((850, 3300, 0.0))                      # the NaN block's middle
    assert picker.pick(scene, view, x, y) is None
    assert picker.pick(scene, view, 2, 2) is None              # sky
    assert picker.pick(scene, view, -5, 10) is None            # outside the view
    assert picker.pick(scene, view, SIZE[0], 10) is None


def test_the_nearest_surface_wins(landscape):
    scene, picker, view = landscape
    # A 600 m prism standing on the terrain hides the cells behind its cap.
    x, y = scene.screen((3000, 2000, scene.regions.height("0900")))
    assert picker.pick(scene, view, x, y).element == "0900"
    scene.regions.visible = False
    record = picker.pick(scene, view, x, y)
    assert record is not None and record.layer == "Terrain"
    assert record.element[0] > 20 and 25 <= record.element[1] <= 35       # the ground behind


def test_picking_leaves_the_colour_picture_alone(landscape, offscreen):
    scene, picker, view = landscape
    before = offscreen.render(scene, FRAME).rgb.copy()
    picker.pick(scene, view, 160, 90)
    after = offscreen.render(scene, FRAME).rgb
    assert np.array_equal(before, after)


def test_pick_matrix_maps_the_pixel_to_the_whole_viewport():
    m = pick_matrix(10, 20, (100, 50))
    # the centre of pixel (10, 20) from the top-left, in NDC
    ndc = np.array([2 * 10.5 / 100 - 1, 1 - 2 * 20.5 / 50, 0.3, 1.0])
    assert np.allclose((m @ ndc)[:2], 0.0)
    edge = ndc + np.array([1 / 100, 1 / 50, 0, 0])               # half a pixel up-right
    assert np.allclose((m @ edge)[:2], 1.0)


def test_pick_convenience_and_record_is_frozen(offscreen):
    scene = Landscape()
    offscreen.render(scene, FRAME)            # layers now live in the session context
    x, y = scene.screen(scene.terrain.cell_centre(12, 40))
    record = vizkit.pick(scene, x, y, SIZE)   # finds that context through the layers
    assert record is not None and record.element == (12, 40)
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.value = 0.0  # type: ignore[misc]
    scene.release()
