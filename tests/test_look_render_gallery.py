"""The gallery's pictures (real open data, default settings) and the bundled scenes, checked
for meaning: no clipped white, a luminance spread above a floor (not a dark mush), nothing
drawn outside the data's footprint where it is defined, a domemaster's content on the front
sweet spot. Footprints and directions are computed here from the data and the camera."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely

import vizkit
from tests.test_look import (  # the look's image measures, shared with H-looks' checks
    CLIPPED_LIMIT,
    SPREAD_FLOOR,
    clipped_share,
    drawn_mask,
    footprint_on_screen,
    luminance,
    spread,
)
from vizkit.clock import FrameState
from vizkit.script import load_target
from vizkit.targets.dome import DomeRenderer
from vizkit.targets.offscreen import OffscreenRenderer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "docs"))
import gallery  # noqa: E402  (docs/gallery.py: the scenes the gallery renders)

SIZE = (480, 270)
FRAME = FrameState(gallery.SHOW_T, 1 / 30, round(gallery.SHOW_T * 30))
NEEDS_DATA = pytest.mark.skipif(not (ROOT / "assets" / "open").is_dir(),
                                reason="assets/open (the built open data) is absent")


def plain(scene_class):
    """The scene without its HUD, over a sky of its background colour, so every pixel that
    is not the background was drawn by a layer."""
    scene = scene_class()
    scene.hud_visible = False
    scene.sky = vizkit.Sky.uniform(scene.background)
    return scene


def render(gpu, scene, size=SIZE, frame=FRAME):
    renderer = OffscreenRenderer(size, gpu=gpu)
    try:
        return renderer.render(scene, frame).rgb
    finally:
        renderer.release()


def looks_right(image, scene) -> np.ndarray:
    drawn = drawn_mask(image, scene.background)
    assert clipped_share(image) < CLIPPED_LIMIT, "clipped white"
    assert drawn.mean() > 0.02, "the data is on the screen"
    assert spread(image, drawn) > SPREAD_FLOOR, "a luminance spread, not a dark mush"
    return drawn


@NEEDS_DATA
def test_norways_population_grid(gpu):
    scene = plain(gallery.NorwayGrid)
    image = render(gpu, scene)
    drawn = looks_right(image, scene)
    allowed = footprint_on_screen(scene, scene.terrain, SIZE)
    assert not (drawn & ~allowed).any(), "pixels drawn outside the grid's footprint"
    scene.release()


def projected(scene, points: np.ndarray, size) -> np.ndarray:
    view = scene.view_state(size, FRAME)
    clip = np.column_stack([points, np.ones(len(points))]) @ (view.projection @ view.view).T
    return np.column_stack([(clip[:, 0] / clip[:, 3] + 1) / 2 * size[0],
                            (1 - clip[:, 1] / clip[:, 3]) / 2 * size[1]])


@NEEDS_DATA
def test_swedens_kommuner_as_regions(gpu):
    scene = plain(gallery.SwedenRegions)
    image = render(gpu, scene)
    drawn = looks_right(image, scene)
    # every region's prism, from its outline on the ground to its cap, projected: the hull of
    # both rings covers all the prism can draw (the base map lies inside the outlines too)
    regions = scene.regions
    outlines = vizkit.data.read_geojson(gallery.OPEN / "se_kommuner.geojson", "code")
    shapes = []
    for code in regions.codes:
        top = regions.height(code)
        for polygon in outlines.loc[code, "geometry"]:
            ring = np.asarray(polygon[0], float)
            points = np.concatenate([np.column_stack([ring, np.zeros(len(ring))]),
                                     np.column_stack([ring, np.full(len(ring), top)])])
            shapes.append(shapely.MultiPoint(projected(scene, points, SIZE)).convex_hull)
    allowed = shapely.union_all(shapes).buffer(2.0)
    ys, xs = np.mgrid[0:SIZE[1], 0:SIZE[0]] + 0.5
    inside = shapely.contains_xy(allowed, xs, ys)
    assert not (drawn & ~inside).any(), f"{(drawn & ~inside).sum()} pixels off the kommuner"
    scene.release()


@NEEDS_DATA
def test_norways_commuting_flows(gpu):
    scene = plain(gallery.NorwayCommuting)
    image = render(gpu, scene)
    looks_right(image, scene)
    # the flows' light goes where people commute, not a uniform haze: around Oslo (most
    # commuters in the table) far more than around Tromsø (the north's largest town)
    scene.flows.visible = False
    without = render(gpu, scene)
    added = luminance(image) - luminance(without)
    codes = list(scene.flows.location_codes)

    def around(code: str) -> float:
        x, y = projected(scene, scene.flows.location_xyz[codes.index(code)][None, :], SIZE)[0]
        return float(added[int(y) - 8: int(y) + 9, int(x) - 8: int(x) + 9].mean())

    assert around("0301") > 3 * max(around("5401"), 0.5)
    scene.release()


def dome_directions(size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Elevation above the front spring line, azimuth from the front, inside mask (180°)."""
    c = (np.arange(size) + 0.5) / size * 2 - 1
    x, y_down = np.meshgrid(c, c)
    r = np.hypot(x, y_down)
    return 90.0 - np.minimum(r, 1.0) * 90.0, np.degrees(np.arctan2(x, y_down)), r <= 1.0


@NEEDS_DATA
def test_the_domemaster_puts_norway_on_the_front_sweet_spot(gpu):
    scene = plain(gallery.NorwayGrid)
    dome = DomeRenderer(512, gpu=gpu)
    try:
        image = dome.render(scene, FRAME).rgb
    finally:
        dome.release()
        scene.release()
    elevation, azimuth, inside = dome_directions(512)
    drawn = drawn_mask(image, scene.background) & inside
    assert clipped_share(image) < CLIPPED_LIMIT
    assert spread(image, drawn) > SPREAD_FLOOR
    assert (image[0, 0] == 0).all() and (image[-1, -1] == 0).all()     # black corners
    assert 20 <= np.median(elevation[drawn]) <= 50                      # the sweet spot …
    assert abs(np.median(azimuth[drawn])) <= 25                         # … in front
    assert (elevation[drawn] < 75).all()                                # none overhead


BUNDLED = sorted(p.stem for p in (ROOT / "scenes").glob("*.py"))


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_scenes_never_burn_out_and_are_not_a_dark_mush(gpu, name):
    target = load_target(ROOT / "scenes" / f"{name}.py")
    scene = target.create()
    scene.hud_visible = False
    t = float(getattr(target.scene_cls, "test_t", 0.0))
    image = render(gpu, scene, (480, 270), FrameState(t, 1 / 30, round(t * 30)))
    drawn = drawn_mask(image, scene.background)
    assert clipped_share(image) < CLIPPED_LIMIT
    assert spread(image, drawn) > SPREAD_FLOOR
    scene.release()


def test_the_checks_see_burn_out_and_mush(gpu):
    """Controls: a white-hot frame and a dark, flat one fail the measures above."""
    white = np.full((90, 160, 3), 255, np.uint8)
    assert clipped_share(white) >= CLIPPED_LIMIT
    mush = np.full((90, 160, 3), 30, np.uint8)
    mush[::2] = 34
    assert spread(mush, np.ones((90, 160), bool)) <= SPREAD_FLOOR
    assert math.isclose(clipped_share(mush), 0.0)
