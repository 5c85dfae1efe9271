"""Examples are tests: every script in scenes/ declares how it is tested, and is rendered.

``# vizkit-test: compare`` renders the scene at its ``test_t`` (default 1 s) and compares the
frame with ``tests/reference/scenes/<name>.png``; ``run`` only renders it and checks it is not
blank; ``off`` must say why on the same line.

A reference can be regenerated from a wrong picture (four were, in a speed-up commit), so the
scenes whose references moved also get a check of meaning (:data:`MEANING`), derived from the
data files and the camera, not from the layers' own code: the highest square is drawn in the
top colour of viridis where the camera puts it; the busiest commuting destination glows
brightest.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import vizkit
import vizkit.data as vd
from vizkit.clock import FrameState
from vizkit.script import load_target
from vizkit.testing import lit_fraction

ROOT = Path(__file__).resolve().parent.parent
SCENES = sorted((ROOT / "scenes").glob("*.py"))
MODE = re.compile(r"^# vizkit-test: (compare|run|off)\b(.*)$", re.MULTILINE)


def test_there_are_scenes_and_each_declares_its_test_mode():
    assert SCENES, "scenes/ has no scripts"
    for script in SCENES:
        match = MODE.search(script.read_text(encoding="utf-8"))
        assert match, f"{script.name}: add a '# vizkit-test: compare|run|off' line"
        if match.group(1) == "off":
            assert match.group(2).strip(), f"{script.name}: say why the scene is not tested"


@pytest.mark.parametrize("script", SCENES, ids=[s.stem for s in SCENES])
def test_scene_renders(script, offscreen, reference):
    mode = MODE.search(script.read_text(encoding="utf-8"))
    if mode is None or mode.group(1) == "off":
        pytest.skip(f"{script.name} is not rendered by the suite (see its vizkit-test line)")
    target = load_target(script)
    scene = target.create()
    t = float(getattr(scene, "test_t", 1.0))
    frame = FrameState(t, 1 / scene.fps, round(t * scene.fps))
    image = offscreen.render(scene, frame)
    scene.hud_visible = False  # the meaning is the data's: legends repeat its colours
    world = offscreen.render(scene, frame)
    scene.release()
    assert lit_fraction(image, scene.background) > 0.05, f"{script.name} renders a blank frame"
    if mode.group(1) == "compare":
        reference(image, f"scenes/{script.stem}")
    if script.stem in MEANING:
        MEANING[script.stem](scene, frame, world.rgb.astype(float))


# --- what the pictures must mean -------------------------------------------------------------

VIRIDIS_TOP = (253, 231, 37)      # viridis at 1.0 (matplotlib's table), yellow


def to_pixel(scene, frame, size, xyz) -> np.ndarray:
    """Pixel (x from the left, y from the top) where the scene's camera puts world ``xyz``."""
    view = scene.view_state(size, frame)
    clip = view.projection @ view.view @ np.append(np.asarray(xyz, float), 1.0)
    return np.array([(clip[0] / clip[3] + 1) / 2 * size[0],
                     (1 - clip[1] / clip[3]) / 2 * size[1]])


def surface_top(terrain, values: np.ndarray, x: float, y: float) -> tuple[float, float, float]:
    """World point on the terrain's surface over (x, y): the square's centre, at the height a
    square-root (or linear) scale gives its value within the terrain's height domain."""
    (x0, y0), (cx, cy) = terrain.extent[:2], terrain.cell_size
    col, row = int((x - x0) // cx), int((y - y0) // cy)     # row 0 is the southern-most
    value = np.nan_to_num(values[row, col])
    lo, hi = terrain.height_domain          # heights run to the peak (colours may stop short)
    f = np.sqrt if terrain.height_scale == "sqrt" else (lambda v: v)
    level = (f(value) - f(lo)) / (f(hi) - f(lo))
    return (x0 + (col + 0.5) * cx, y0 + (row + 0.5) * cy,
            level * terrain.max_height * terrain.exaggeration)


def shown_values(terrain) -> np.ndarray:
    index = terrain.time_index
    assert float(index).is_integer(), "check a frame that rests on one time step"
    return np.asarray(terrain.values, float)[int(index)]


def highest_square_is_top_colour_where_the_camera_puts_it(scene, frame, rgb) -> None:
    terrain = next(layer for layer in scene.layers if isinstance(layer, vizkit.Terrain))
    values = shown_values(terrain)
    row, col = np.unravel_index(np.nanargmax(values), values.shape)
    (x0, y0), (cx, cy) = terrain.extent[:2], terrain.cell_size
    top = surface_top(terrain, values, x0 + (col + 0.5) * cx, y0 + (row + 0.5) * cy)
    peak = to_pixel(scene, frame, rgb.shape[1::-1], top)
    # pixels in viridis' top colour by hue (lighting scales brightness only). The colour
    # domain ends at a high percentile, so the top colour covers the few highest squares
    # (the peak among them): one of them is drawn where the highest square is.
    hue = rgb / np.maximum(rgb.max(axis=2, keepdims=True), 1)
    target = np.asarray(VIRIDIS_TOP) / max(VIRIDIS_TOP)
    distance = np.where(rgb.max(axis=2) > 60, np.linalg.norm(hue - target, axis=2), np.inf)
    y, x = np.unravel_index(np.argmin(distance), distance.shape)
    assert distance[y, x] < 0.15, f"no pixel in viridis' top colour (closest {rgb[y, x]})"
    rows, cols = np.indices(distance.shape)
    near = np.hypot(cols - peak[0], rows - peak[1]) <= 4
    assert distance[near].min() < 0.15, f"the highest square at {peak.round(1)} is not top"


def busiest_destination_glows_brightest(scene, frame, rgb) -> None:
    root = Path(__file__).resolve().parent.parent / "assets"
    towns = vd.read_csv(root / "uppsala_towns.csv", codes=["kommun"])
    trips = vd.read_csv(root / "uppsala_commuting_od.csv", codes=["origin", "destination"])
    busiest = trips.groupby("destination")["volume"].sum().idxmax()   # "0380", Uppsala
    terrain = next(layer for layer in scene.layers if isinstance(layer, vizkit.Terrain))
    values = np.asarray(terrain.values, float)[int(terrain.time_index)]
    x, y = vd.project(towns["lon"], towns["lat"])
    luminance = rgb.mean(axis=2)
    rows, cols = np.indices(luminance.shape)
    glow = {}
    for code, tx, ty in zip(towns["kommun"], x, y, strict=True):
        px, py = to_pixel(scene, frame, rgb.shape[1::-1], surface_top(terrain, values, tx, ty))
        glow[code] = luminance[(cols - px) ** 2 + (rows - py) ** 2 <= 10 ** 2].mean()
    others = max(v for code, v in glow.items() if code != busiest)
    assert glow[busiest] > 1.5 * others, f"brightness around each town: {glow}"


MEANING: dict[str, Callable[..., None]] = {
    "heightfield": highest_square_is_top_colour_where_the_camera_puts_it,
    "population_terrain": highest_square_is_top_colour_where_the_camera_puts_it,
    "commuting_flows": busiest_destination_glows_brightest,
    "flagship": busiest_destination_glows_brightest,
}
