"""The look: defaults that follow the data, soft light, protected cells that read calmly.

Rules are checked against numbers computed here (percentiles, orders of magnitude, diagonals);
light against the same scene with the feature off; protected cells by the colours on screen;
and the pictures themselves by their meaning — no clipped white, nothing outside the data's
footprint, a luminance spread above a floor, cells of each kind told apart by colour — on
synthetic scenes, the bundled scenes and Statistics Norway's 1 km grid.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import vizkit
from vizkit.camera import project_to_screen
from vizkit.clock import FrameState
from vizkit.colormap import Colormap
from vizkit.layers.autoscale import DOMAIN_PERCENTILE, PEAK_SHARE, choose
from vizkit.layers.legend import GROUND_COLOR, HIDDEN_COLOR, HIDDEN_FILL, NO_DATA_GREY
from vizkit.layers.light import Light
from vizkit.layers.tiles import dilate
from vizkit.privacy import Policy
from vizkit.script import load_target

ROOT = Path(__file__).resolve().parent.parent
NORWAY = ROOT.parent / "shared" / "data" / "open" / "norway" / "ssb_grid_1km"
FRAME = FrameState(0.0, 1 / 30, 0)
SIZE = (320, 180)
SYNTHETIC = Policy.off("synthetic test values, no persons")
CLIPPED_LIMIT = 0.005       # share of clipped-white pixels allowed
SPREAD_FLOOR = 40.0         # luminance p95 − p5 of drawn pixels (0–255): not a dark mush


def luminance(rgb: np.ndarray) -> np.ndarray:
    return rgb[..., :3].astype(float) @ np.array([0.2126, 0.7152, 0.0722])


def drawn_mask(rgb: np.ndarray, background) -> np.ndarray:
    bg = np.round(np.asarray(background) * 255)
    return np.abs(rgb[..., :3].astype(int) - bg).max(axis=2) > 3


def clipped_share(rgb: np.ndarray) -> float:
    return float((rgb[..., :3].min(axis=2) >= 250).mean())


def spread(rgb: np.ndarray, drawn: np.ndarray) -> float:
    lum = luminance(rgb)[drawn]
    return float(np.percentile(lum, 95) - np.percentile(lum, 5))


def footprint_on_screen(scene, terrain, size) -> np.ndarray:
    """Pixels the footprint can cover: the screen box of every drawn cell's column (its square
    from the ground to the highest of its neighbours), rasterised — derived from the layout's
    footprint and the camera, not from the shaders."""
    fp = terrain.layout.footprint()
    rows, cols = np.nonzero(fp)
    (x0, y0), (cx, cy) = terrain.extent[:2], terrain.cell_size
    centre_x, centre_y = x0 + (cols + 0.5) * cx, y0 + (rows + 0.5) * cy
    top = np.zeros(len(rows))
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            top = np.maximum(top, terrain.heights_at(centre_x + dc * cx, centre_y + dr * cy))
    xs = np.stack([x0 + cols * cx, x0 + (cols + 1) * cx])
    ys = np.stack([y0 + rows * cy, y0 + (rows + 1) * cy])
    corners = np.array([(xs[i], ys[j], z) for i in (0, 1) for j in (0, 1)
                        for z in (np.zeros(len(rows)), top)])          # (8, 3, N)
    view = scene.view_state(size, FRAME)
    matrix = view.projection @ view.view
    points = np.concatenate([corners.transpose(0, 2, 1).reshape(-1, 3),
                             np.ones((corners.shape[0] * len(rows), 1))], axis=1)
    clip = points @ matrix.T
    w = clip[:, 3]
    px = ((clip[:, 0] / w + 1) / 2 * size[0]).reshape(8, -1)
    py = ((1 - clip[:, 1] / w) / 2 * size[1]).reshape(8, -1)
    front = (w.reshape(8, -1) > 0).all(axis=0)
    left = np.clip(np.floor(px.min(axis=0)), 0, size[0]).astype(int)[front]
    right = np.clip(np.ceil(px.max(axis=0)), 0, size[0]).astype(int)[front]
    upper = np.clip(np.floor(py.min(axis=0)), 0, size[1]).astype(int)[front]
    lower = np.clip(np.ceil(py.max(axis=0)), 0, size[1]).astype(int)[front]
    acc = np.zeros((size[1] + 1, size[0] + 1), np.int64)
    np.add.at(acc, (upper, left), 1)
    np.add.at(acc, (upper, right), -1)
    np.add.at(acc, (lower, left), -1)
    np.add.at(acc, (lower, right), 1)
    return dilate(acc.cumsum(axis=0).cumsum(axis=1)[:size[1], :size[0]] > 0, 1)


# -- defaults that follow the data --------------------------------------------------------------
def test_the_scale_is_chosen_from_the_distribution_and_stated():
    rng = np.random.default_rng(0)
    even = rng.uniform(40, 60, 5000)                                   # one magnitude
    tail = rng.lognormal(3.0, 0.8, 5000)                               # ~1.5 decades, skewed
    wide = 10 ** rng.uniform(0, 4, 5000)                               # four decades
    for values, kind in ((even, "linear"), (tail, "sqrt"), (wide, "log")):
        p1, p99 = np.percentile(values, [1, 99])
        assert choose(values, scale=None, domain=None).kind == kind, (kind, p99 / p1)
    choice = choose(wide, scale=None, domain=None)
    decades = math.log10(np.percentile(wide, 99) / np.percentile(wide, 1))
    assert f"the values span {decades:.1f} orders of magnitude" in choice.note
    assert choice.height_kind == "sqrt"                               # heights stay legible
    assert choose(even - 50, scale=None, domain=None).kind == "linear"   # signed values
    given = choose(wide, scale="linear", domain=None)
    assert given.kind == given.height_kind == "linear" and "as given" in given.note


def test_the_colour_domain_is_robust_and_heights_reach_the_peak():
    rng = np.random.default_rng(1)
    values = np.concatenate([rng.uniform(1, 100, 5000), [1e6] * 10, np.zeros(3000)])
    choice = choose(values, scale="linear", domain=None)
    top = np.percentile(values[values > 0], DOMAIN_PERCENTILE)
    assert choice.domain == (0.0, pytest.approx(top))
    assert choice.extends == "max" and choice.peak == 1e6
    assert "99.5th percentile" in choice.note
    few = choose(np.array([1.0, 5.0, 700.0]), scale=None, domain=None)
    assert few.domain == (0.0, 700.0) and few.extends == "neither"


def test_the_peak_rises_a_share_of_the_footprints_diagonal():
    values = np.zeros((300, 500))
    values[100:120, 50:60] = 5.0
    values[200:210, 400:450] = 80.0
    terrain = vizkit.Terrain(values, extent=(0, 0, 50_000, 30_000), policy=SYNTHETIC)
    rows, cols = np.nonzero(dilate(values > 0, 1))     # the data and one cell of ground
    diagonal = math.hypot((cols.max() + 1 - cols.min()) * 100, (rows.max() + 1 - rows.min()) * 100)
    assert terrain.max_height == pytest.approx(PEAK_SHARE * diagonal)
    assert terrain.bounds()[1][2] == pytest.approx(PEAK_SHARE * diagonal)
    given = vizkit.Terrain(values, extent=(0, 0, 50_000, 30_000), policy=SYNTHETIC,
                           max_height=123.0, scale="sqrt", domain=(0.0, 50.0))
    assert given.max_height == 123.0 and given.scale == "sqrt" and given.domain == (0.0, 50.0)
    squares = {"A": [[[0, 0], [3000, 0], [3000, 4000], [0, 4000]]]}
    regions = vizkit.Regions(squares, {"A": 10.0}, policy=SYNTHETIC)
    assert regions.max_height == pytest.approx(PEAK_SHARE * 5000.0)


# -- light --------------------------------------------------------------------------------------
class Tower(vizkit.Scene):
    """A plain (value 10) with a tall square tower in the middle, seen from the south-east;
    the sun stands low in the west."""

    def __init__(self, **kw):
        super().__init__()
        self.kw = kw

    def setup(self, assets):
        values = np.full((60, 60), 10.0)
        values[28:32, 28:32] = 1000.0
        kw = dict(scale="linear", max_height=2000.0, sun=(-1.0, 0.0, 0.45), policy=SYNTHETIC)
        kw.update(self.kw)
        self.terrain = self.add(vizkit.Terrain(values, extent=(0, 0, 6000, 6000), **kw))
        self.frame_all(azimuth=160, elevation=55, margin=0.9)

    def lum_at(self, image, x, y) -> float:
        sx, sy = project_to_screen((x, y, self.terrain.heights_at([x], [y])[0]),
                                   self.camera.view_matrix(),
                                   self.camera.projection_matrix(SIZE[0] / SIZE[1]), SIZE)
        patch = image[int(sy) - 1:int(sy) + 2, int(sx) - 1:int(sx) + 2]
        return float(luminance(patch).mean())


def tower_image(offscreen, **light):
    base = dict(occlusion=0.0, shadows=0.0, sky=False, exposure=1.0)
    base.update(light)
    scene = Tower(light=Light(**base))
    image = offscreen.render(scene, FRAME).rgb
    return scene, image


def test_occlusion_darkens_the_foot_of_a_tower_and_nothing_far_away(offscreen):
    scene, plain = tower_image(offscreen)
    _, occluded = tower_image(offscreen, occlusion=0.9)
    foot, far = (3350.0, 2650.0), (1000.0, 5000.0)
    assert scene.lum_at(occluded, *foot) < 0.85 * scene.lum_at(plain, *foot)
    assert abs(scene.lum_at(occluded, *far) - scene.lum_at(plain, *far)) <= 2.0
    scene.release()


def test_shadows_fall_away_from_the_sun_and_never_go_black(offscreen):
    scene, plain = tower_image(offscreen)
    _, shaded = tower_image(offscreen, shadows=0.6)
    east, west = (3700.0, 3000.0), (2300.0, 3000.0)        # the sun is in the west
    sunlit, shadowed = scene.lum_at(plain, *east), scene.lum_at(shaded, *east)
    assert shadowed < 0.8 * sunlit
    # never black: the sky's share (ambient 0.35) and 40 % of the sun remain in full shadow
    assert shadowed > 0.35 * sunlit
    assert abs(scene.lum_at(shaded, *west) - scene.lum_at(plain, *west)) <= 2.0
    scene.release()


def test_tone_mapping_keeps_bright_colours_from_clipping(gpu):
    """The frame's one tone map (the renderer's final pass) keeps a surface lit far above
    white from clipping; the 8-bit pipeline without it (precision u1) clips."""
    from vizkit.look import quality_named
    from vizkit.targets.offscreen import OffscreenRenderer

    white = Light(occlusion=0.0, shadows=0.0, sky=False, exposure=2.5)
    hdr = quality_named("laptop").but(samples=0)       # the layer's own light, no MSAA
    for quality, clipped in ((hdr.but(precision="u1"), True), (hdr, False)):
        renderer = OffscreenRenderer((320, 180), quality=quality, gpu=gpu)
        scene = Tower(light=white, colormap=["#f4f0e8", "#fffef8"])
        image = renderer.render(scene, FRAME).rgb
        assert (clipped_share(image) > 0.05) == clipped
        scene.release()
        renderer.release()


def test_the_horizon_light_is_made_once_per_step_and_blended_in_morphs(offscreen):
    a = np.full((40, 40), 10.0)
    b = a.copy()
    a[18:22, 10:14] = 900.0
    b[18:22, 26:30] = 900.0

    class Morph(vizkit.Scene):
        def setup(self, assets):
            self.terrain = self.add(vizkit.Terrain(np.stack([a, b]), extent=(0, 0, 4000, 4000),
                                                   scale="linear", easing="linear",
                                                   policy=SYNTHETIC))
            self.frame_all(azimuth=180, elevation=60)

    scene = Morph()
    images = {}
    for t in (0.0, 0.5, 1.0, 0.25, 0.0):
        scene.ensure_setup()
        scene.terrain.time_index = t
        images[t] = offscreen.render(scene, FRAME).rgb.astype(float)
    state = scene.terrain._gpu_state
    assert state.light_passes == 2                          # one per step, kept
    scene.terrain.exaggeration = 1.5                        # new heights: lit again
    offscreen.render(scene, FRAME)
    assert state.light_passes == 3
    scene.release()


# -- protected, zero and no-data cells ----------------------------------------------------------
def protected_scene(height: float, hidden_size: int = 10):
    """Top-down on cells of 10 m: a block of hidden counts (1–4 persons), a zero block, a
    no-data block between data, and data (20 persons) round them; camera at ``height``."""
    values = np.full((40, 60), 20.0)
    values[5:5 + hidden_size, 5:5 + hidden_size] = 3.0        # hidden (below 5)
    values[5:15, 25:28] = 0.0                                 # nobody (ground within reach)
    values[5:8, 45:48] = np.nan                               # no data, between data

    class Protected(vizkit.Scene):
        def setup(self, assets):
            self.terrain = self.add(vizkit.Terrain(values, extent=(0, 0, 600, 400),
                                                   max_height=1.0, ambient=1.0, reach=2))
            self.orbit = None
            self.camera.target = (300, 200, 0)
            self.camera.position = (300, 200, height)
            self.camera.near, self.camera.far = 1.0, 10 * height

        def at(self, image, x, y):
            sx, sy = project_to_screen((x, y, 0.0), self.camera.view_matrix(),
                                       self.camera.projection_matrix(SIZE[0] / SIZE[1]), SIZE)
            return image[int(sy), int(sx)].astype(int)

    return Protected()


def test_zero_no_data_and_hidden_cells_are_told_apart_by_colour(offscreen):
    scene = protected_scene(520.0)
    image = offscreen.render(scene, FRAME).rgb
    samples = {"hidden": scene.at(image, 100, 100), "zero": scene.at(image, 265, 100),
               "no data": scene.at(image, 465, 65), "data": scene.at(image, 300, 300)}
    expected = {"hidden": np.array(HIDDEN_COLOR[:3]) * HIDDEN_FILL,
                "zero": np.array(GROUND_COLOR[:3]), "no data": np.array(NO_DATA_GREY[:3])}
    for kind, rgb in expected.items():                          # unlit: the exact colours
        assert np.abs(samples[kind] - np.round(rgb * 255)).max() <= 2, kind
    low = Colormap("viridis").lut()[0, :3].astype(int)
    names = list(samples)
    for i, one in enumerate(names):
        assert np.abs(samples[one] - low).max() >= 20 or one == "data"
        for other in names[i + 1:]:
            assert np.abs(samples[one] - samples[other]).max() >= 20, (one, other)
    legend = scene.terrain.legend()
    assert legend.hidden_color == HIDDEN_COLOR and legend.zero_color == GROUND_COLOR
    assert legend.no_data_color == NO_DATA_GREY
    scene.release()


def test_hidden_cells_show_fine_lines_up_close_and_one_calm_tint_from_afar(offscreen):
    fill = np.round(np.array(HIDDEN_COLOR[:3]) * HIDDEN_FILL * 255)
    line = np.round(np.array(HIDDEN_COLOR[:3]) * 255)
    near = protected_scene(60.0, hidden_size=30)             # a cell is ~14 px across
    image = offscreen.render(near, FRAME).rgb.astype(int)
    patch = image[40:140, 60:260].reshape(-1, 3)
    is_line = np.abs(patch - line).max(axis=1) <= 12
    is_fill = np.abs(patch - fill).max(axis=1) <= 3
    assert 0.1 < is_line.mean() < 0.5 and is_fill.mean() > 0.3
    near.release()
    far = protected_scene(2000.0, hidden_size=30)            # a cell is ~1 px across
    image = offscreen.render(far, FRAME).rgb.astype(int)
    sx, sy = project_to_screen((200.0, 200.0, 0.0), far.camera.view_matrix(),
                               far.camera.projection_matrix(SIZE[0] / SIZE[1]), SIZE)
    block = image[int(sy) - 3:int(sy) + 4, int(sx) - 3:int(sx) + 4].reshape(-1, 3)
    assert (np.abs(block - fill).max(axis=1) <= 3).mean() > 0.95
    far.release()


def test_regions_have_sky_light_a_contact_shade_and_marked_hidden_regions(offscreen):
    squares = {f"0{300 + i}": [[[i * 3000, 0], [i * 3000 + 2000, 0], [i * 3000 + 2000, 2000],
                                [i * 3000, 2000]]] for i in range(3)}
    values = {"0300": 400.0, "0301": 2.0, "0302": float("nan")}   # shown, hidden, no data

    class Prisms(vizkit.Scene):
        def __init__(self, light):
            super().__init__()
            self.light = light

        def setup(self, assets):
            self.regions = self.add(vizkit.Regions(squares, values, light=self.light,
                                                   max_height=3000.0, scale="linear"))
            self.frame_all(azimuth=0, elevation=20, margin=0.9)

        def lum(self, image, xyz):
            sx, sy = project_to_screen(xyz, self.camera.view_matrix(),
                                       self.camera.projection_matrix(SIZE[0] / SIZE[1]), SIZE)
            return float(luminance(image[int(sy) - 1:int(sy) + 2,
                                         int(sx) - 1:int(sx) + 2]).mean())

    plain, soft = Prisms("plain"), Prisms(Light(exposure=1.0, sky=False))
    images = [offscreen.render(s, FRAME).rgb for s in (plain, soft)]
    wall_low, wall_high = (1000.0, 0.0, 150.0), (1000.0, 0.0, 2800.0)   # the south wall
    assert abs(plain.lum(images[0], wall_low) - plain.lum(images[0], wall_high)) <= 2
    assert soft.lum(images[1], wall_low) < 0.8 * soft.lum(images[1], wall_high)
    hidden = soft.lum(images[1], (4000.0, 1000.0, 0.0))
    no_data = soft.lum(images[1], (7000.0, 1000.0, 0.0))
    assert abs(hidden - no_data) >= 5 and soft.regions.legend().hidden_color == HIDDEN_COLOR
    for scene in (plain, soft):
        scene.release()


# -- the pictures: real data and the bundled scenes ---------------------------------------------
@pytest.mark.parametrize("name", ["heightfield", "population_terrain", "regions"])
def test_bundled_terrain_and_regions_scenes_pass_the_look_checks(name, offscreen):
    scene = load_target(ROOT / "scenes" / f"{name}.py").create()
    scene.hud_visible = False       # the picture itself: captions and legends are not data
    t = float(getattr(scene, "test_t", 1.0))
    image = offscreen.render(scene, FrameState(t, 1 / scene.fps, round(t * scene.fps))).rgb
    drawn = drawn_mask(image, scene.background)
    assert clipped_share(image) < CLIPPED_LIMIT
    assert spread(image, drawn) > SPREAD_FLOOR, f"{name}: a dark mush"
    terrain = next((layer for layer in scene.layers if isinstance(layer, vizkit.Terrain)), None)
    if terrain is not None:
        allowed = footprint_on_screen(scene, terrain, SIZE)
        assert not (drawn & ~allowed).any(), f"{name}: pixels drawn outside the footprint"
    scene.release()


@pytest.mark.skipif(not NORWAY.is_dir(), reason="../shared/data/open (Norway's 1 km grid) is "
                    "absent: the real-data look checks need it")
def test_norways_1km_grid_with_default_settings_looks_right(offscreen):
    import vizkit.data as vd

    table = vd.read_csv(NORWAY / "NOR1000M_POP_2019.csv")
    grid = vd.grid_from_frame(table, "SSBID1000M", "pop_tot", cell_size=1000)

    class Norway(vizkit.Scene):
        def setup(self, assets):
            self.terrain = self.add(vizkit.Terrain(grid))
            self.frame_all(azimuth=-20, elevation=45, margin=0.55)

    scene = Norway()
    size = (640, 360)
    from vizkit.targets.offscreen import OffscreenRenderer

    renderer = OffscreenRenderer(size, samples=0, gpu=offscreen.gpu)
    image = renderer.render(scene, FRAME).rgb
    terrain = scene.terrain
    drawn = drawn_mask(image, scene.background)
    assert terrain.layout.tiled and terrain.layout.stored_cells < 0.3 * grid.values.size
    assert clipped_share(image) < CLIPPED_LIMIT
    assert spread(image, drawn) > SPREAD_FLOOR
    assert drawn.mean() > 0.02                                  # Norway is on the screen
    allowed = footprint_on_screen(scene, terrain, size)
    assert not (drawn & ~allowed).any(), "pixels drawn outside the footprint"
    legend = terrain.legend()
    shown = terrain.values[0][np.isfinite(terrain.values[0]) & (terrain.values[0] > 0)]
    assert legend.kind == "log" and legend.domain[1] == pytest.approx(
        np.percentile(shown, DOMAIN_PERCENTILE), rel=1e-4)
    assert "orders of magnitude" in legend.scale_note and legend.extends == "max"
    assert legend.hidden_color is not None and "Values below 5" in legend.note
    renderer.release()
    scene.release()
