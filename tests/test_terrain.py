"""Terrain layer: inputs (arrays, points, grids, series), appearance, change view, legend data.

Pixels are checked for meaning (where the peak lands, what colour a no-data cell has, that a
morph at fraction 0 and 1 is the pure step) and against small reference images.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import vizkit
from vizkit.camera import project_to_screen
from vizkit.clock import FrameState
from vizkit.colormap import Colormap
from vizkit.easing import get_easing
from vizkit.layers.legend import GROUND_COLOR, NO_DATA_GREY, ColorScale, nice_ticks
from vizkit.privacy import Policy
from vizkit.testing import TopDown, diff_images, shown

# Small made-up numbers that test binning and colours, not people: shown raw, on purpose.
SYNTHETIC = Policy.off("synthetic test values, no persons")

FRAME = FrameState(0.0, 1 / 30, 0)
VIRIDIS = Colormap("viridis").lut()
SIZE = (320, 180)


class Oblique(vizkit.Scene):
    """A lit terrain seen from the south-west at 35° (smooth made-up surfaces: shown raw)."""

    def __init__(self, values, **terrain_kw):
        super().__init__()
        self.values, self.terrain_kw = values, {"policy": SYNTHETIC, **terrain_kw}

    def setup(self, assets):
        self.terrain = self.add(vizkit.Terrain(self.values, extent=(0, 0, 6400, 4800),
                                               **self.terrain_kw))
        self.frame_all(azimuth=30, elevation=35, margin=0.8)


def render(offscreen, scene, *, release=True) -> np.ndarray:
    image = offscreen.render(scene, FRAME).rgb.astype(int)
    if release:
        scene.release()
    return image


def bump(rows=48, cols=64, at=(30, 40), height=100.0, width=30.0):
    y, x = np.mgrid[0:rows, 0:cols]
    return height * np.exp(-((x - at[1]) ** 2 + (y - at[0]) ** 2) / width)


def background(scene) -> np.ndarray:
    return np.round(np.array(scene.background) * 255)


# -- where things land --------------------------------------------------------------------------
def test_peak_lands_where_the_camera_projects_it_from_an_oblique_view(offscreen):
    # domain to the peak's value: only the peak takes the top colour (the default domain
    # ends at the 99.5th percentile, so a few cells round the peak would share it)
    scene = Oblique(bump(at=(12, 50)), ambient=1.0, colormap="magma", domain=(0.0, 100.0))
    image = render(offscreen, scene, release=False)
    expected = project_to_screen(scene.terrain.cell_centre(12, 50), scene.camera.view_matrix(),
                                 scene.camera.projection_matrix(SIZE[0] / SIZE[1]), SIZE)
    top = shown(Colormap("magma").lut()[255, :3])     # as the tone map shows it
    distance = np.abs(image - top).sum(axis=2)
    y, x = np.unravel_index(np.argmin(distance), distance.shape)
    scene.release()
    assert distance[y, x] < 15
    assert abs(x - expected[0]) <= 3 and abs(y - expected[1]) <= 3


# -- no data ------------------------------------------------------------------------------------
def no_data_values():
    values = np.full((40, 60), 50.0)
    values[15:25, 25:35] = np.nan        # the centre of the screen on a top-down view
    return values


def test_no_data_cells_are_holes_showing_the_background(offscreen):
    scene = TopDown.scene(no_data_values(), domain=(0.0, 100.0), no_data="hole")
    image = render(offscreen, scene)
    assert np.abs(image[90, 160] - background(scene)).max() <= 1
    assert np.abs(image[90, 160] - VIRIDIS[0, :3]).max() > 20          # not the colour of zero
    assert np.abs(image[90, 80] - VIRIDIS[128, :3]).max() <= 3         # data around it is drawn


def test_no_data_cells_are_a_calm_tint_by_default_and_never_zero(offscreen):
    # reach=None: the whole grid is the footprint (by default, ground and no-data cells are
    # drawn only within 2 cells of the data, and this block is 10 cells wide)
    scene = TopDown.scene(no_data_values(), domain=(0.0, 100.0), reach=None)
    image = render(offscreen, scene, release=False)
    assert scene.terrain.no_data == "grey"                           # the default
    scene.release()
    grey = np.round(np.array(NO_DATA_GREY[:3]) * 255)
    ground = np.round(np.array(GROUND_COLOR[:3]) * 255)
    assert np.abs(image[90, 160] - grey).max() <= 2
    assert np.abs(image[90, 160] - VIRIDIS[0, :3]).max() > 20
    # Zeros instead of NaN: nobody lives there — the ground colour, not the colour map's low
    # end and not the no-data tint.
    zeros = np.nan_to_num(no_data_values(), nan=0.0)
    image_zero = render(offscreen, TopDown.scene(zeros, domain=(0.0, 100.0), reach=None))
    assert np.abs(image_zero[90, 160] - ground).max() <= 2
    assert np.abs(image_zero[90, 160] - VIRIDIS[0, :3]).max() > 20
    assert np.abs(image_zero[90, 160] - grey).max() > 20


def test_hole_follows_the_cell_edges_not_a_wider_fan(offscreen):
    values = np.full((40, 60), 50.0)
    values[20, 30] = np.nan                     # a single cell: 10 m = ~6 px on screen
    scene = TopDown.scene(values, domain=(0.0, 100.0), no_data="hole")
    image = render(offscreen, scene)
    x, y = project_to_screen((305.0, 205.0, 0.0), scene.camera.view_matrix(),
                             scene.camera.projection_matrix(SIZE[0] / SIZE[1]), SIZE)
    x, y = int(x), int(y)
    assert np.abs(image[y, x] - background(scene)).max() <= 1           # the cell is a hole
    # two cells away (~12 px) the surface is intact
    for dx, dy in ((12, 0), (-12, 0), (0, 12), (0, -12)):
        assert np.abs(image[y + dy, x + dx] - VIRIDIS[128, :3]).max() <= 3


# -- time ---------------------------------------------------------------------------------------
def morph_scene(step, **kw):
    a, b = bump(at=(12, 20)), bump(at=(30, 45), height=80.0)
    values = np.stack([a, b]) if step is None else (a if step == 0 else b)
    return Oblique(values, domain=(0.0, 100.0), **kw)


@pytest.mark.parametrize("fraction", [0.0, 1.0])
def test_morph_at_fraction_0_and_1_equals_the_pure_steps(offscreen, fraction):
    scene = morph_scene(None)
    scene.ensure_setup()
    scene.terrain.time_index = fraction
    morph = render(offscreen, scene)
    pure = render(offscreen, morph_scene(int(fraction)))
    assert diff_images(morph.astype(np.uint8), pure.astype(np.uint8), 0).fraction_over == 0.0


def test_linear_morph_halfway_is_the_mean_surface(offscreen):
    # Plain light: the horizon light of a morph blends the two steps' light, which is not the
    # light of the mean surface (tests/test_look.py checks that blend).
    scene = morph_scene(None, easing="linear", light="plain")
    scene.ensure_setup()
    scene.terrain.time_index = 0.5
    morph = render(offscreen, scene)
    mean = (bump(at=(12, 20)) + bump(at=(30, 45), height=80.0)) / 2
    expected = render(offscreen, Oblique(mean, domain=(0.0, 100.0), light="plain"))
    diff = diff_images(morph.astype(np.uint8), expected.astype(np.uint8), 2)
    assert diff.fraction_over < 0.002
    assert diff_images(morph.astype(np.uint8), render(offscreen, morph_scene(0)).astype(
        np.uint8), 2).fraction_over > 0.05                              # and it did move


def test_smooth_easing_changes_the_middle_not_the_ends():
    terrain = vizkit.Terrain(np.stack([np.zeros((4, 4)), np.full((4, 4), 8.0)]),
                             extent=(0, 0, 4, 4), easing="smooth")
    assert terrain.value(1, 1, 0.25) == pytest.approx(8 * 0.15625)
    assert terrain.value(1, 1, 0.0) == 0.0 and terrain.value(1, 1, 1.0) == 8.0
    terrain.easing = get_easing("linear")
    assert terrain.value(1, 1, 0.25) == pytest.approx(2.0)


def test_animating_uploads_nothing_per_frame(offscreen):
    scene = morph_scene(None)
    offscreen.render(scene, FRAME)
    before = offscreen.gpu.upload_bytes
    for i in range(5):
        scene.terrain.time_index = i / 4
        scene.terrain.exaggeration = 1 + i
        offscreen.draw(scene, FrameState(i / 30, 1 / 30, i))
    assert offscreen.gpu.upload_bytes == before
    scene.release()


def test_time_labels_name_the_steps():
    terrain = vizkit.Terrain(np.zeros((3, 4, 4)), extent=(0, 0, 4, 4), times=[2019, 2020, 2021])
    assert terrain.step_of(2020) == 1 and terrain.step_of("2021") == 2
    terrain.time_index = 1.0
    assert terrain.time_label() == 2020
    terrain.time_index = 1.5
    assert terrain.time_label() == pytest.approx(2020.5)
    with pytest.raises(ValueError, match="2030"):
        terrain.step_of(2030)


# -- inputs -------------------------------------------------------------------------------------
def test_from_points_bins_and_sums_per_cell_and_year():
    frame = pd.DataFrame({
        "x": [5.0, 7.0, 15.0, 25.0, 5.0, 39.9],
        "y": [5.0, 6.0, 5.0, 25.0, 5.0, 19.0],
        "persons": [1.0, 2.0, 4.0, np.nan, 10.0, 3.0],
        "year": [2020, 2020, 2020, 2020, 2021, 2021],
    })
    terrain = vizkit.Terrain.from_points(frame, value="persons", cell_size=10.0, time="year",
                                         policy=SYNTHETIC)
    assert terrain.extent == (0.0, 0.0, 40.0, 30.0)
    assert terrain.values.shape == (2, 3, 4)
    assert terrain.times == (2020, 2021)
    assert terrain.values[0, 0, 0] == 3.0 and terrain.values[0, 0, 1] == 4.0
    assert np.isnan(terrain.values[0, 2, 2])                 # a suppressed count stays no data
    assert terrain.values[1, 0, 0] == 10.0 and terrain.values[1, 1, 3] == 3.0
    assert terrain.values[0, 1, 1] == 0.0                    # no points: fill (0 persons)
    assert terrain.label == "persons"


def test_from_points_fill_nan_and_given_extent():
    frame = pd.DataFrame({"x": [5.0, 500.0], "y": [5.0, 5.0], "value": [2.0, 9.0]})
    terrain = vizkit.Terrain.from_points(frame, cell_size=10.0, extent=(0, 0, 30, 20),
                                         policy=SYNTHETIC,
                                         fill=np.nan)
    assert terrain.values.shape == (1, 2, 3)
    assert terrain.values[0, 0, 0] == 2.0
    assert np.isnan(terrain.values[0, 1, 1])                 # the far point is outside


def test_a_data_grid_is_accepted_with_its_extent_times_and_provenance():
    import vizkit.data as vd

    frame = pd.DataFrame({"x": [1500.0, 2500.0, 1500.0], "y": [500.0, 500.0, 1500.0],
                          "a": [1.0, 2.0, 3.0], "b": [2.0, 4.0, 6.0]})
    ids = vd.inspire_id(frame["x"] - 500, frame["y"] - 500, 1000, 3006)
    grid = vd.grid_from_ids(ids, frame[["a", "b"]].to_numpy(), cell_size=1000,
                            times=("2020", "2021"))
    terrain = vizkit.Terrain(grid, policy=SYNTHETIC)
    assert terrain.extent == tuple(float(v) for v in grid.extent)
    assert terrain.values.shape == grid.values.shape
    assert terrain.provenance is grid.provenance
    assert terrain.times == ("2020", "2021")
    assert terrain.values[1, 0, 1] == 4.0                    # x 2000–3000, y 0–1000, "b"


def test_mark_no_data_makes_cells_holes_in_every_step_without_touching_the_input():
    values = np.full((2, 3, 4), 12.0)
    values[:, 0, 0] = 3.0                                     # hidden by the threshold
    terrain = vizkit.Terrain(values, extent=(0, 0, 4, 3))
    assert terrain.hidden[:, 0, 0].all()
    outside = np.zeros((3, 4), bool)
    outside[0, :2] = True
    terrain.mark_no_data(outside)
    assert np.isnan(terrain.values[:, 0, :2]).all() and not terrain.hidden[:, 0, :2].any()
    assert (terrain.values[:, 1:, :] == 12.0).all()
    assert values[0, 0, 1] == 12.0                            # the caller's array is untouched
    with pytest.raises(ValueError, match=r"mark_no_data needs an \(H, W\) = \(3, 4\) mask"):
        terrain.mark_no_data(np.zeros((4, 3), bool))


def test_from_points_bins_exactly_as_vizkit_data_grid_points():
    import vizkit.data as vd

    rng = np.random.default_rng(4)
    frame = pd.DataFrame({"x": rng.uniform(1_000, 9_000, 500), "y": rng.uniform(0, 5_000, 500),
                          "persons": rng.integers(0, 9, 500).astype(float)})
    terrain = vizkit.Terrain.from_points(frame, value="persons", cell_size=1_000.0,
                                         policy=SYNTHETIC)
    grid = vd.grid_points(frame["x"], frame["y"], frame["persons"], cell_size=1_000.0)
    assert terrain.extent == grid.extent
    assert np.array_equal(terrain.values[0], grid.values.astype(np.float32))


@pytest.mark.parametrize(("kwargs", "message"), [
    (dict(values=np.zeros((2, 3, 4, 5))), "values must be"),
    (dict(values=np.array([["a", "b"], ["c", "d"]])), "numeric"),
    (dict(values=np.zeros((3, 4, 4)), times=[2019, 2020]), "2 time labels for 3 time steps"),
    (dict(values=np.array([[1.0, np.inf], [0.0, 0.0]])), "infinity"),
    (dict(values=np.zeros((4, 4)), contours=-5), "contours"),
    (dict(values=np.zeros((4, 4)), no_data="zero"), "no_data"),
])
def test_bad_arrays_give_clear_errors(kwargs, message):
    values = kwargs.pop("values")
    with pytest.raises((ValueError, TypeError), match=message):
        vizkit.Terrain(values, extent=(0, 0, 4, 4), **kwargs)


def test_bad_point_tables_name_the_column_and_values():
    frame = pd.DataFrame({"x": [1.0, 2.0], "y": [1.0, 2.0], "pop": ["12", "n/a"]})
    with pytest.raises(TypeError, match=r"column 'pop' must be numeric.*'n/a'"):
        vizkit.Terrain.from_points(frame, value="pop", cell_size=1.0)
    with pytest.raises(ValueError, match=r"no column 'persons'.*x, y, pop"):
        vizkit.Terrain.from_points(frame, value="persons", cell_size=1.0)
    frame = pd.DataFrame({"x": [1.0, np.nan], "y": [1.0, 2.0], "v": [1.0, 2.0]})
    with pytest.raises(ValueError, match=r"column 'x' has missing values"):
        vizkit.Terrain.from_points(frame, value="v", cell_size=1.0)


# -- appearance ---------------------------------------------------------------------------------
def test_contour_lines_darken_the_surface_at_whole_intervals(offscreen):
    ramp = np.tile(np.linspace(0, 100, 60), (40, 1))         # value = x, 0 … 100 west → east
    plain = render(offscreen, TopDown.scene(ramp, domain=(0.0, 100.0), policy=SYNTHETIC))
    lined = render(offscreen, TopDown.scene(ramp, domain=(0.0, 100.0), contours=25.0,
                                            policy=SYNTHETIC,
                                      contour_color=(0, 0, 0, 1)))
    darker = (plain.sum(axis=2) - lined.sum(axis=2)) > 60
    columns = np.flatnonzero(darker[90])
    # Lines at 25, 50, 75 and 100 (the last column), evenly spaced across the screen.
    groups = np.split(columns, np.flatnonzero(np.diff(columns) > 2) + 1)
    assert len(groups) == 4
    centres = np.array([g.mean() for g in groups])
    assert np.ptp(np.diff(centres)) <= 3
    assert (darker.mean() < 0.1)                              # thin lines, not a dark wash


def test_change_view_uses_a_diverging_map_and_keeps_heights(offscreen):
    a = np.full((40, 60), 50.0)
    b = a.copy()
    b[:, :30] -= 40.0                                         # west falls, east rises
    b[:, 30:] += 40.0
    scene = TopDown.scene(np.stack([a, b]), times=[2013, 2023])
    scene.ensure_setup()
    scene.terrain.show_change(2013, 2023)
    image = render(offscreen, scene, release=False)
    vik = Colormap("vik").lut()
    assert np.abs(image[90, 110] - vik[0, :3]).max() <= 3     # −40 = the low end
    assert np.abs(image[90, 210] - shown(vik[255, :3])).max() <= 3   # +40 = the high end
    legend = scene.terrain.legend()
    assert legend.kind == "diverging" and legend.domain == (-40.0, 40.0)
    assert legend.colormap == "vik" and legend.label.startswith("Change 2013→2023")
    assert 0.0 in legend.ticks and legend.ticks == tuple(-t for t in reversed(legend.ticks))
    scene.terrain.show_values()
    assert scene.terrain.legend().kind == "linear"
    scene.release()


def test_user_colour_lists_are_colour_maps(offscreen):
    values = np.ones((40, 60))
    values[:, 30:] = 2.0
    image = render(offscreen, TopDown.scene(values, colormap=["#ff0000", "#0000ff"],
                                            domain=(1.0, 2.0), policy=SYNTHETIC))
    assert np.abs(image[90, 110] - shown((255, 0, 0))).max() <= 2
    assert np.abs(image[90, 210] - shown((0, 0, 255))).max() <= 2


def test_log_and_sqrt_scales_lift_small_counts(offscreen):
    values = np.array([[0.0, 10.0], [100.0, 1000.0]])
    for scale, expected in (("linear", 0.01), ("sqrt", np.sqrt(10) / np.sqrt(1000)),
                            ("log", np.log1p(10) / np.log1p(1000))):
        terrain = vizkit.Terrain(values, extent=(0, 0, 2, 2), scale=scale)
        assert terrain.level(10.0) == pytest.approx(expected)


# -- legend -------------------------------------------------------------------------------------
def test_legend_describes_the_colour_scale():
    terrain = vizkit.Terrain(np.array([[0.0, 10.0, np.nan, 30.0], [400.0, 1000.0, 50.0, 60.0]]),
                             extent=(0, 0, 4, 2), scale="log", colormap="cividis",
                             units="persons", label="Population", no_data="grey")
    legend = terrain.legend()
    assert isinstance(legend, ColorScale)
    assert legend.domain == (0.0, 1000.0) and legend.kind == "log"
    assert legend.ticks == (0.0, 1.0, 10.0, 100.0, 1000.0)
    assert legend.units == "persons" and legend.label == "Population"
    assert legend.colormap == "cividis" and legend.no_data_color is not None
    assert legend.colors.shape == (256, 4)
    assert legend.position(10.0) == pytest.approx(terrain.level(10.0))
    assert np.array_equal(legend.color(1000.0), Colormap("cividis").lut()[255])
    with pytest.raises(dataclasses.FrozenInstanceError):
        legend.units = "m"  # type: ignore[misc]
    assert legend.zero_color == GROUND_COLOR and legend.scale_note.startswith("log scale (as")
    assert legend.extends == "neither"
    holes = vizkit.Terrain(np.array([[np.nan, 10.0, 20.0]] * 2), extent=(0, 0, 3, 2),
                           no_data="hole").legend()
    complete = vizkit.Terrain(np.full((2, 2), 10.0), extent=(0, 0, 2, 2)).legend()
    assert holes.no_data_color is None and complete.no_data_color is None   # nothing to key


def test_nice_ticks_are_round_and_inside_the_domain():
    assert nice_ticks(0, 1647) == (0.0, 500.0, 1000.0, 1500.0)
    assert nice_ticks(3, 97, 5) == (25.0, 50.0, 75.0)
    assert nice_ticks(0, 9, 4) == (0.0, 5.0)
    assert nice_ticks(0, 1) == (0.0, 0.25, 0.5, 0.75, 1.0)


# -- reference images ---------------------------------------------------------------------------
def test_reference_terrain_with_holes_and_contours(offscreen, reference):
    values = bump(at=(20, 40), height=900.0, width=120.0) + bump(at=(30, 15), height=300.0)
    values[5:12, 8:20] = np.nan
    scene = Oblique(values, scale="sqrt", contours=200.0, units="persons")
    reference(offscreen.render(scene, FRAME), "terrain_holes_contours")
    scene.release()


def test_reference_terrain_change_view(offscreen, reference):
    a = bump(at=(20, 40), height=900.0, width=120.0)
    b = bump(at=(26, 30), height=1000.0, width=160.0)
    scene = Oblique(np.stack([a, b]), times=[2013, 2023])
    scene.ensure_setup()
    scene.terrain.time_index = 1.0
    scene.terrain.show_change(2013, 2023)
    reference(offscreen.render(scene, FRAME), "terrain_change")
    scene.release()


def test_pixel_normals_match_vertex_normals_on_a_fine_grid(offscreen):
    fine = bump(rows=240, cols=320, at=(150, 200), height=100.0, width=2000.0)
    smooth = render(offscreen, Oblique(fine, normals="vertex"))
    pixel = render(offscreen, Oblique(fine, normals="pixel"))
    diff = diff_images(smooth.astype(np.uint8), pixel.astype(np.uint8), 8)
    assert diff.fraction_over < 0.01
    assert vizkit.Terrain(np.ones((512, 512)), extent=(0, 0, 1, 1)).normals == "pixel"
    assert vizkit.Terrain(np.ones((64, 64)), extent=(0, 0, 1, 1)).normals == "vertex"


def test_change_view_and_no_data_work_with_pixel_normals(offscreen):
    a = np.full((40, 60), 50.0)
    b = a.copy()
    b[:, 30:] += 40.0
    b[15:25, 5:15] = np.nan                                    # no data in the later step
    scene = TopDown.scene(np.stack([a, b]), normals="pixel", domain=(0.0, 100.0),
                          no_data="hole")
    offscreen.render(scene, FRAME)
    uploaded = offscreen.gpu.upload_bytes
    scene.terrain.show_change(0, 1)
    image = render(offscreen, scene, release=False)
    vik = Colormap("vik").lut()
    assert np.abs(image[90, 210] - shown(vik[255, :3])).max() <= 3      # +40: the high end
    assert np.abs(image[90, 110] - shown(vik[128, :3])).max() <= 3      # no change: the middle
    x, y = project_to_screen((100.0, 200.0, 0.0), scene.camera.view_matrix(),
                             scene.camera.projection_matrix(SIZE[0] / SIZE[1]), SIZE)
    assert np.abs(image[int(y), int(x)] - background(scene)).max() <= 1   # NaN in step 1
    for i in range(3):                                          # animating uploads nothing
        scene.terrain.time_index = i / 2
        offscreen.draw(scene, FRAME)
    assert offscreen.gpu.upload_bytes - uploaded <= scene.terrain.values.nbytes
    scene.release()
