"""Disclosure control inside layers: the scene's policy reaches every layer, layers know whether
they draw counts or measures, the statement says exactly what was applied, noise follows a
cell's identity, and nothing one frame shows gives a hidden value away."""

from __future__ import annotations

import logging
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import vizkit
from vizkit.camera import project_to_screen
from vizkit.clock import FrameState
from vizkit.exhibit import ExhibitConfig
from vizkit.layers.legend import HIDDEN_COLOR, HIDDEN_FILL
from vizkit.privacy import DEFAULT_POLICY, NoiseTable, Policy
from vizkit.render.picking import Picker
from vizkit.script import load_target
from vizkit.testing import TopDown

ROOT = Path(__file__).resolve().parent.parent
FRAME = FrameState(0.0, 1 / 30, 0)
SIZE = (320, 180)
K = DEFAULT_POLICY.k
NOISY = DEFAULT_POLICY.with_(noise=NoiseTable(), rounding=3, random_rounding=True, seed=11)


def counts_grid() -> np.ndarray:
    """40 × 60 persons per square: a left half of small counts 1–4, a right half of 20s."""
    rng = np.random.default_rng(3)
    values = np.where(np.arange(60) < 30, rng.integers(1, 5, (40, 60)), 20).astype(float)
    values[:, 28:32] = 0.0          # a band of empty squares: zero is shown as zero
    return values


def top_down_with_credits(values, **kw):
    """The shared top-down test scene, plus the credits line."""
    scene = TopDown.scene(values, **kw)
    setup = scene.setup

    def setup_with_credits(assets):
        setup(assets)
        scene.credits = scene.add(vizkit.Attribution([scene.terrain]))

    scene.setup = setup_with_credits
    return scene


def squares(n: int, size: float = 8.0) -> dict[str, list]:
    """``n`` square regions in a row, codes 0300, 0301, …"""
    return {f"03{i:02d}": [[[i * 10, 0], [i * 10 + size, 0], [i * 10 + size, size],
                            [i * 10, size]]] for i in range(n)}


class InScene(vizkit.Scene):
    """A scene whose policy is an exhibit's ``min_count`` (as `vizkit run <exhibit>` sets it)."""

    def __init__(self, min_count: int):
        super().__init__()
        self.exhibit = ExhibitConfig(folder=ROOT, scene=ROOT / "scene.py", min_count=min_count)


# -- counts: hidden, marked, and never read out --------------------------------------------------
def test_no_shown_terrain_value_is_below_k():
    terrain = vizkit.Terrain(counts_grid(), extent=(0, 0, 600, 400))
    shown = terrain.values[np.isfinite(terrain.values)]
    assert not ((shown > 0) & (shown < K)).any()
    assert (shown == 0).any() and (shown == 20).any()
    assert terrain.hidden.sum() == 40 * 28          # every small count, and only those
    assert np.isnan(terrain.values[terrain.hidden]).all()
    legend = terrain.legend()
    assert legend.domain == (0.0, 20.0) and legend.note == "Values below 5 are not shown."
    assert legend.hidden_color == HIDDEN_COLOR     # hidden cells are marked, not holes
    with pytest.raises(ValueError, match="read-only"):
        terrain.values[0, 0, 0] = 3.0              # what is shown cannot be edited behind it


def test_hidden_cells_are_marked_holes_stay_holes_and_picks_read_protected_values(offscreen):
    values = counts_grid()
    values[2:8, 40:50] = np.nan                              # no data, not between data: a hole
    scene = top_down_with_credits(values)
    image = offscreen.render(scene, FRAME).rgb.astype(int)
    # Hidden squares carry the protected pattern; at ~6 px a square its fine lines have faded
    # into the calm fill (tests/test_look.py sees the lines up close).
    fill = np.round(np.array(HIDDEN_COLOR[:3]) * HIDDEN_FILL * 255)
    left = image[60:120, 60:120].reshape(-1, 3)
    assert (np.abs(left - fill).max(axis=1) <= 3).mean() > 0.95
    assert np.abs(image[90, 250] - fill).max() > 40          # right half: drawn in colour
    background = np.round(np.array(scene.background) * 255)
    x, y = project_to_screen((450.0, 50.0, 0.0), scene.camera.view_matrix(),
                             scene.camera.projection_matrix(SIZE[0] / SIZE[1]), SIZE)
    assert np.abs(image[int(y), int(x)] - background).max() <= 2   # no data: a hole
    picker = Picker(offscreen.gpu)
    view = scene.view_state(SIZE, FRAME)
    hidden = picker.pick(scene, view, 90, 90)
    shown = picker.pick(scene, view, 250, 90)
    picker.release()
    assert hidden is not None and np.isnan(hidden.value)
    assert shown is not None and shown.value == 20.0
    assert "Values below 5 are not shown." in scene.credits.text
    scene.release()


def test_regions_protect_their_counts_and_say_so():
    values = {"0300": [3, 12], "0301": [0, 4], "0302": [7, 9], "0303": [1, 1]}
    regions = vizkit.Regions(squares(4), values, times=[2023, 2024])
    shown = regions.values[np.isfinite(regions.values)]
    assert not ((shown > 0) & (shown < K)).any()
    assert regions.hidden.sum() == 4
    assert regions.privacy_statement == "Values below 5 are not shown."
    assert regions.legend().domain[1] == 12.0
    assert np.isnan(regions.pick_record(0).value)            # 0300 in 2023: 3, hidden


def test_rounding_policies_reach_the_layer():
    policy = DEFAULT_POLICY.with_(rounding=5)
    terrain = vizkit.Terrain(np.array([[3.0, 7.0], [12.0, 26.0]]), extent=(0, 0, 2, 2),
                             policy=policy)
    shown = terrain.values[0]
    assert np.isnan(shown[0, 0])
    assert (shown[np.isfinite(shown)] % 5 == 0).all()
    assert terrain.privacy_statement == (
        "Values below 5 are not shown. Other values are rounded to a multiple of 5, so parts "
        "need not add up to totals.")


# -- a layer knows what it draws -----------------------------------------------------------------
def test_values_that_are_not_counts_are_an_error_naming_layer_cell_and_value():
    density = counts_grid() / 3.0                     # persons per hectare: not counts
    with pytest.raises(ValueError, match=r"^Terrain: values\[0, 0\] \(row 0 from the south, "
                                         r"column 0\) = 1\.3333334 is not a whole number "
                                         r"\(and \d+ more\).*base=.*Policy\.off"):
        vizkit.Terrain(density, extent=(0, 0, 600, 400))
    series = np.stack([counts_grid(), counts_grid()])
    series[1, 5, 7] = -2.0
    with pytest.raises(ValueError, match=r"^Density: values\[1, 5, 7\] \(step 1, row 5, "
                                         r"column 7\) = -2\.0 is negative"):
        vizkit.Terrain(series, extent=(0, 0, 600, 400), name="Density")
    points = pd.DataFrame({"x": [5.0, 15.0, 25.0], "y": [5.0, 5.0, 15.0],
                           "persons": [3.0, 2.5, 7.0]}, index=[10, 11, 12])
    with pytest.raises(ValueError, match=r"column 'persons', row 11 = 2\.5 is not a whole"):
        vizkit.Terrain.from_points(points, value="persons", cell_size=10.0)
    table = pd.DataFrame({"kommun": ["0300", "0301"], "year": ["2024", "2024"],
                          "persons": [12.0, -1.0]}, index=["a", "b"])
    with pytest.raises(ValueError, match=r"^Regions: column 'persons', row 'b' \(code '0301', "
                                         r"year '2024'\) = -1\.0 is negative"):
        vizkit.Regions(squares(2), table, code="kommun", value="persons", time="year")
    # Data not about people is shown as it is only when the layer says so.
    off = vizkit.Terrain(density, extent=(0, 0, 600, 400), policy=Policy.off("air quality"))
    assert np.array_equal(off.values[0], density.astype(np.float32))


def test_the_counts_keyword_is_gone_and_says_what_replaced_it():
    with pytest.raises(TypeError, match=r"counts= was removed.*base=.*Policy\.off"):
        vizkit.Terrain(counts_grid(), extent=(0, 0, 600, 400), counts=True)
    with pytest.raises(TypeError, match=r"counts= was removed"):
        vizkit.Regions(squares(2), {"0300": 5, "0301": 7}, counts=False)


def test_a_measure_hides_cells_whose_base_is_below_k_and_is_shown_unperturbed():
    persons = np.array([[2.0, 40.0, 0.0], [120.0, 7.0, 4.0]])
    employed = np.array([[1.0, 30.0, 0.0], [90.0, 6.0, 4.0]])
    share = np.divide(employed, persons, out=np.full_like(persons, np.nan), where=persons > 0)
    terrain = vizkit.Terrain(share, extent=(0, 0, 3, 2), base=persons, policy=NOISY,
                             label="Employment rate")
    shown = terrain.values[0]
    assert np.isnan(shown[0, 0]) and np.isnan(shown[1, 2])           # bases 2 and 4 < 5
    assert terrain.hidden[0].tolist() == [[True, False, False], [False, False, True]]
    keep = ~terrain.hidden[0] & np.isfinite(share)
    assert np.array_equal(shown[keep], share[keep].astype(np.float32))  # no noise, no rounding
    assert terrain.privacy_statement == (
        "Values based on counts below 5 are not shown. The values themselves are shown "
        "without noise or rounding.")
    with pytest.raises(ValueError, match=r"base\[0, 0\] .* = 2\.5 is not a whole number"):
        vizkit.Terrain(share, extent=(0, 0, 3, 2), base=persons + 0.5)
    with pytest.raises(ValueError, match="base has shape"):
        vizkit.Terrain(share, extent=(0, 0, 3, 2), base=persons[:, :2])


def test_regions_and_points_take_the_base_of_a_measure_by_column():
    table = pd.DataFrame({"kommun": ["0300", "0301", "0302"], "persons": [3, 250, 40],
                          "km2": [2.0, 10.0, 8.0]})
    table["density"] = table["persons"] / table["km2"]
    regions = vizkit.Regions(squares(3), table, code="kommun", value="density", base="persons")
    assert np.isnan(regions.value("0300"))                            # 3 persons: hidden
    assert regions.value("0301") == pytest.approx(25.0) and regions.value("0302") == 5.0
    assert regions.privacy_statement == "Values based on counts below 5 are not shown."
    with pytest.raises(ValueError, match=r"column 'density'.* = 1\.5 is not a whole number"):
        vizkit.Regions(squares(3), table, code="kommun", value="density")
    points = pd.DataFrame({"x": [5.0, 15.0, 25.0, 5.0], "y": [5.0, 5.0, 15.0, 15.0],
                           "rate": [0.5, 0.25, 0.1, 0.9], "n": [4, 8, 50, 10]})
    terrain = vizkit.Terrain.from_points(points, value="rate", base="n", cell_size=10.0)
    assert np.isnan(terrain.values[0, 0, 0]) and terrain.values[0, 0, 1] == 0.25
    assert terrain.values[0, 1, 2] == pytest.approx(0.1)
    twice = pd.concat([points, points.iloc[:1]])
    with pytest.raises(ValueError, match=r"1 cell\(s\) hold more than one row.*cannot be summed"):
        vizkit.Terrain.from_points(twice, value="rate", base="n", cell_size=10.0)


# -- the scene's policy is every layer's default -------------------------------------------------
def test_the_scene_policy_reaches_every_layer_added_to_it():
    values = np.array([[0.0, 4.0, 7.0], [9.0, 12.0, 30.0]])
    scene = InScene(min_count=10)
    terrain = scene.add(vizkit.Terrain(values, extent=(0, 0, 3, 2)))
    regions = scene.add(vizkit.Regions(squares(3), {"0300": 7, "0301": 12, "0302": 0}))
    assert terrain.policy.k == 10 and regions.policy.k == 10
    assert np.isnan(terrain.values[0]).tolist() == [[False, True, True], [True, False, False]]
    assert np.isnan(regions.values[0]).tolist() == [True, False, False]
    assert terrain.privacy_statement == "Values below 10 are not shown."
    assert terrain.legend().domain == (0.0, 30.0)
    alone = vizkit.Terrain(values, extent=(0, 0, 3, 2))     # never added: the default, k = 5
    assert alone.policy == DEFAULT_POLICY and np.isfinite(alone.values[0, 0, 2])


def test_an_own_policy_only_tightens_the_scene_policy_and_only_off_weakens_it(caplog):
    values = np.array([[0.0, 4.0, 7.0], [9.0, 12.0, 31.0]])
    scene = InScene(min_count=10)
    laxer = scene.add(vizkit.Terrain(values, extent=(0, 0, 3, 2), policy=Policy(k=3)))
    assert laxer.policy.k == 10 and np.isnan(laxer.values[0, 0, 2])    # 7 stays hidden
    rounded = scene.add(vizkit.Terrain(values, extent=(0, 0, 3, 2),
                                       policy=DEFAULT_POLICY.with_(rounding=5)))
    assert (rounded.policy.k, rounded.policy.rounding) == (10, 5)
    assert rounded.values[0, 1].tolist()[1:] == [10.0, 30.0]
    with caplog.at_level(logging.WARNING, logger="vizkit.privacy"):
        raw = scene.add(vizkit.Terrain(values, extent=(0, 0, 3, 2),
                                       policy=Policy.off("counts of trees, not people")))
    assert np.array_equal(raw.values[0], values)
    assert raw.privacy_statement == ("Raw values are shown without disclosure protection "
                                     "(counts of trees, not people).")
    assert sum("counts of trees" in r.getMessage() for r in caplog.records) >= 2  # made, applied
    with pytest.raises(TypeError, match=r"policy must be a vizkit\.privacy\.Policy or None"):
        vizkit.Terrain(values, extent=(0, 0, 3, 2), policy="off")


def test_tightened_takes_the_stricter_of_each_field():
    scene = Policy(k=10, rounding=3, noise=NoiseTable(2, 1.0), seed=7)
    own = Policy(k=5, rounding=5, random_rounding=True, noise=NoiseTable(3, 0.5),
                 secondary=True, grid="coarsen", flows="remove", seed=99)
    both = scene.tightened(own)
    assert both == Policy(k=10, rounding=5, random_rounding=True, noise=NoiseTable(3, 1.0),
                          secondary=True, grid="coarsen", flows="remove", seed=7)
    assert DEFAULT_POLICY.tightened(None) == DEFAULT_POLICY
    assert DEFAULT_POLICY.tightened(Policy.off("x")) == DEFAULT_POLICY   # off adds nothing
    assert Policy.off("x").tightened(scene) == scene
    assert Policy(seed=0).tightened(Policy(seed=5)).seed == 5


def test_binding_another_policy_protects_again_and_drops_gpu_resources(offscreen):
    values = np.where(np.arange(60) < 30, 7.0, 40.0) * np.ones((40, 1))
    scene = top_down_with_credits(values)
    first = offscreen.render(scene, FRAME).rgb.astype(int)
    terrain = scene.terrain
    assert terrain.prepared and not terrain.hidden.any()
    terrain.bind_policy(DEFAULT_POLICY.with_(k=10))          # another scene's policy
    assert not terrain.prepared                               # the old upload is gone
    assert terrain.hidden[0, :, :30].all() and terrain.privacy_statement.startswith(
        "Values below 10")
    scene.credits.refresh([terrain])
    second = offscreen.render(scene, FRAME).rgb.astype(int)
    fill = np.round(np.array(HIDDEN_COLOR[:3]) * HIDDEN_FILL * 255)
    left = second[60:120, 60:120].reshape(-1, 3)
    marked = np.abs(left - fill).max(axis=1) <= 3
    assert marked.mean() > 0.95 and np.abs(first[60:120, 60:120] - second[60:120, 60:120]
                                           ).max() > 40
    assert "Values below 10 are not shown." in scene.credits.text
    terrain.bind_policy(DEFAULT_POLICY.with_(k=10))           # the same policy: nothing to do
    assert terrain.prepared
    scene.release()


# -- the statement says exactly what was applied -------------------------------------------------
def test_statements_name_only_what_was_applied():
    values = np.array([[0.0, 3.0, 8.0, 9.0], [40.0, 50.0, 60.0, 70.0]])
    plain = vizkit.Terrain(values, extent=(0, 0, 4, 2))
    assert "worked out" not in plain.privacy_statement           # no totals were protected
    secondary = vizkit.Terrain(values, extent=(0, 0, 4, 2),
                               policy=DEFAULT_POLICY.with_(secondary=True))
    assert secondary.privacy_statement == (
        "Values below 5 are not shown. Some other values are also hidden, so hidden values "
        "cannot be worked out from the total over all squares.")
    assert secondary.hidden.sum() == 2                           # 3 and the smallest other, 8
    coarse = vizkit.Terrain(np.pad(values, ((0, 8), (0, 6)), constant_values=20.0),
                            extent=(0, 0, 10, 10), policy=DEFAULT_POLICY.with_(grid="coarsen"))
    assert coarse.privacy_statement == ("Squares below 5 are shown merged into their block of "
                                        "5 × 5 squares; blocks below 5 are not shown.")
    with pytest.raises(ValueError, match=r"secondary suppression with grid='coarsen' is not "
                                         "supported"):
        _ = vizkit.Terrain(values, extent=(0, 0, 4, 2), policy=DEFAULT_POLICY.with_(
            grid="coarsen", secondary=True)).values
    with pytest.raises(ValueError, match=r"grid='coarsen' cannot merge a measure"):
        _ = vizkit.Terrain(values / 100, extent=(0, 0, 4, 2), base=values,
                           policy=DEFAULT_POLICY.with_(grid="coarsen")).values
    regions = vizkit.Regions(squares(3), {"0300": 3, "0301": 12, "0302": 40},
                             policy=DEFAULT_POLICY.with_(secondary=True, noise=NoiseTable()))
    assert regions.privacy_statement == (
        "Values below 5 are not shown. Some other values are also hidden, so hidden values "
        "cannot be worked out from the total over all regions. Shown values have small random "
        "changes (at most ±2) to protect individuals.")


# -- cell keys follow identity, not position -----------------------------------------------------
def population_points(seed: int = 5) -> pd.DataFrame:
    """Persons per 100 m square (lower-left corners) in two years, some squares small."""
    rng = np.random.default_rng(seed)
    cols, rows = np.meshgrid(np.arange(12), np.arange(9))
    frame = pd.DataFrame({"x": 670_000.0 + cols.ravel() * 100, "y": 6_600_000.0 + rows.ravel()
                          * 100})
    frames = [frame.assign(year=year, persons=rng.integers(0, 60, len(frame)).astype(float))
              for year in (2023, 2024)]
    return pd.concat(frames, ignore_index=True)


def test_terrain_noise_follows_the_square_not_its_position():
    points = population_points()
    kw = dict(value="persons", time="year", cell_size=100.0, policy=NOISY)
    full = vizkit.Terrain.from_points(points, **kw)
    assert (full.values[np.isfinite(full.values)] % 3 == 0).all()        # rounded …
    truth = vizkit.Terrain.from_points(points, **{**kw, "policy": None})
    assert not np.array_equal(full.values, truth.values)                 # … and perturbed
    shuffled = vizkit.Terrain.from_points(points.sample(frac=1.0, random_state=2), **kw)
    assert np.array_equal(full.values, shuffled.values, equal_nan=True)
    east = points[points["x"] >= 670_500]                                # a subset: 7 columns
    part = vizkit.Terrain.from_points(east, **kw)
    assert part.extent[0] == 670_500.0
    assert np.array_equal(full.values[:, :, 5:], part.values, equal_nan=True)
    grid = vizkit.data.Grid(truth.values.astype(float), full.extent, 100.0, "EPSG:3006",
                            times=(2023, 2024))
    again = vizkit.Terrain(grid, policy=NOISY)                           # a second layer
    assert np.array_equal(full.values, again.values, equal_nan=True)


def test_region_noise_follows_the_code_and_matches_policy_protect():
    rng = np.random.default_rng(8)
    codes = [f"03{i:02d}" for i in range(20)]
    table = pd.DataFrame({"kommun": codes * 2, "year": ["2023"] * 20 + ["2024"] * 20,
                          "persons": rng.integers(0, 80, 40)})
    geometry = {c: [[[i * 10, 0], [i * 10 + 8, 0], [i * 10 + 8, 8]]] for i, c in
                enumerate(codes)}
    kw = dict(code="kommun", value="persons", time="year", policy=NOISY)
    layer = vizkit.Regions(geometry, table, **kw)
    reordered = vizkit.Regions(dict(reversed(geometry.items())), table.sample(frac=1.0,
                                                                              random_state=4),
                               **kw)
    subset = vizkit.Regions({c: geometry[c] for c in codes[5:12]},
                            table[table["kommun"].isin(codes[5:12])], **kw)
    protected = NOISY.protect(table, count="persons", keys=["kommun", "year"])
    for code in codes:
        for step in (0.0, 1.0):
            assert reordered.value(code, step) == layer.value(code, step) or np.isnan(
                layer.value(code, step))
            if code in codes[5:12]:
                assert subset.value(code, step) == layer.value(code, step) or np.isnan(
                    layer.value(code, step))
            row = protected[(protected["kommun"] == code)
                            & (protected["year"] == layer.times[int(step)])]
            expected = float(row["persons"].iloc[0])
            assert layer.value(code, step) == expected or (np.isnan(expected)
                                                           and np.isnan(layer.value(code, step)))
    raw = table.set_index(["kommun", "year"])["persons"]
    changed = sum(layer.value(c, s) != raw[(c, layer.times[int(s)])] for c in codes
                  for s in (0.0, 1.0) if np.isfinite(layer.value(c, s)))
    assert changed > 10                                                  # noise was applied


# -- nothing one frame shows lets a hidden value be worked out -----------------------------------
def frame_shows(offscreen, scene, layer, elements):
    """Everything one frame shows about ``layer``: pixels (with credits), the pick record of
    every element, the legend, and the credits text."""
    image = offscreen.render(scene, FRAME).pixels.copy()
    picks = [layer.pick_record(e) for e in elements]
    legend = layer.legend()
    credits = scene.credits.text
    scene.release()
    return image, picks, legend, credits


class RegionsWithCredits(vizkit.Scene):
    def __init__(self, table, **kw):
        super().__init__()
        self.table, self.kw = table, kw

    def setup(self, assets):
        self.regions = self.add(vizkit.Regions(squares(8, 9.0), self.table, ambient=1.0,
                                               **self.kw))
        self.credits = self.add(vizkit.Attribution([self.regions]))
        self.frame_all(azimuth=0, elevation=60, margin=0.9)


def two_tables_alike_but_for_hidden_cells(raw: np.ndarray, k: int):
    """Two raw tables that differ only where the threshold hides cells (1 vs k − 1)."""
    small = (raw > 0) & (raw < k)
    assert small.any()
    return np.where(small, 1.0, raw), np.where(small, k - 1.0, raw)


def test_a_terrain_frame_shows_the_same_whatever_its_hidden_cells_hold(offscreen):
    raw = counts_grid()
    raw[:, 28:32] = 30.0                        # no zeros: the smallest values are hidden ones
    a, b = two_tables_alike_but_for_hidden_cells(raw, K)
    shows = []
    for values in (a, b):
        scene = top_down_with_credits(values)
        scene.ensure_setup()
        shows.append(frame_shows(offscreen, scene, scene.terrain, range(40 * 60)))
    (image_a, picks_a, legend_a, credits_a), (image_b, picks_b, legend_b, credits_b) = shows
    assert np.array_equal(image_a, image_b)
    assert [(p.element, np.nan_to_num(p.value, nan=-1)) for p in picks_a] == [
        (p.element, np.nan_to_num(p.value, nan=-1)) for p in picks_b]
    assert legend_a == legend_b and credits_a == credits_b


def test_a_regions_frame_shows_the_same_whatever_its_hidden_cells_hold(offscreen):
    raw = np.array([[3.0, 40.0, 0.0, 2.0, 17.0, 9.0, 1.0, 250.0],
                    [4.0, 44.0, 1.0, 0.0, 16.0, 12.0, 2.0, 260.0]])
    a, b = two_tables_alike_but_for_hidden_cells(raw, K)
    shows = []
    for table in (a, b):
        data = {f"03{i:02d}": table[:, i] for i in range(8)}
        scene = RegionsWithCredits(data, times=[2023, 2024])
        scene.ensure_setup()
        scene.regions.time_index = 1.0
        shows.append(frame_shows(offscreen, scene, scene.regions, range(8)))
    (image_a, picks_a, legend_a, credits_a), (image_b, picks_b, legend_b, credits_b) = shows
    assert np.array_equal(image_a, image_b)
    assert [np.nan_to_num(p.value, nan=-1) for p in picks_a] == [
        np.nan_to_num(p.value, nan=-1) for p in picks_b]
    assert legend_a == legend_b and credits_a == credits_b


def pinned_by_the_total(shown: np.ndarray, hidden: np.ndarray, total: float) -> np.ndarray:
    """A linear attack with the layer's total known (published elsewhere): hidden cells are
    at least 1 (zeros are never hidden) and sum to the total minus the shown cells. Returns
    the hidden cells whose value that pins down exactly."""
    rest = total - np.nansum(np.where(hidden, 0.0, shown))
    m = int(hidden.sum())
    if m == 1:
        return hidden.copy()                    # the lone hidden cell is the rest
    upper = rest - (m - 1)                      # every other hidden cell at its least, 1
    return hidden & (upper <= 1.0)              # lower bound 1 meets the upper bound


@pytest.mark.parametrize("kind", ["terrain", "regions"])
def test_with_secondary_suppression_the_total_gives_no_hidden_cell_away(kind):
    rng = np.random.default_rng(12)
    raw = rng.integers(5, 90, (3, 6, 8)).astype(float)
    raw[0, 2, 3] = 2.0                          # one small cell per step …
    raw[1, 4, 4] = 1.0
    raw[2, 0, :3] = 1.0                         # … or three cells of one person
    policy = DEFAULT_POLICY.with_(secondary=True)
    if kind == "terrain":
        layer = vizkit.Terrain(raw, extent=(0, 0, 8, 6), policy=policy)
        shown, hidden = layer.values.reshape(3, -1), layer.hidden.reshape(3, -1)
    else:
        geometry = squares(48)
        data = {code: raw.reshape(3, -1)[:, i] for i, code in enumerate(geometry)}
        layer = vizkit.Regions(geometry, data, policy=policy)
        shown, hidden = layer.values, layer.hidden
    totals = raw.reshape(3, -1).sum(axis=1)
    for step in range(3):
        assert hidden[step].sum() >= 2
        assert not pinned_by_the_total(shown[step], hidden[step], totals[step]).any()
    assert "cannot be worked out from the total" in layer.privacy_statement
    # Without secondary suppression the same attack recovers the lone hidden cell — which is
    # why the default statement makes no claim about totals.
    plain = vizkit.Terrain(raw, extent=(0, 0, 8, 6))
    lone = pinned_by_the_total(plain.values[0].ravel(), plain.hidden[0].ravel(), totals[0])
    assert lone.sum() == 1 and "total" not in plain.privacy_statement


# -- an exhibit's threshold over every bundled scene ----------------------------------------------
BUNDLED = [*sorted((ROOT / "scenes").glob("*.py")), ROOT / "exhibits" / "uppsala"]


def exhibit_with_min_count(tmp_path: Path, target: Path, min_count: int) -> Path:
    """An exhibit folder running ``target`` (a scene, or another exhibit's scene) with
    ``[privacy] min_count``."""
    scene = ExhibitConfig.load(target).scene.resolve() if target.is_dir() else target
    folder = tmp_path / "exhibit"
    folder.mkdir()
    (folder / "exhibit.toml").write_text(textwrap.dedent(f"""
        scene = "{scene.as_posix()}"
        [privacy]
        min_count = {min_count}
        """), encoding="utf-8")
    return folder


@pytest.mark.parametrize("target", BUNDLED, ids=[p.stem for p in BUNDLED])
def test_an_exhibit_threshold_of_10_reaches_every_layer_of_every_bundled_scene(tmp_path, target):
    scene = load_target(exhibit_with_min_count(tmp_path, target, 10)).create()
    scene.ensure_setup()
    assert scene.policy.k == 10
    checked = 0
    for layer in scene.layers:
        protection = getattr(layer, "_protection", None)
        if protection is not None:                        # terrains and regions
            if not layer.policy.enabled:                  # an explicit, stated opt-out
                assert layer.privacy_statement.startswith("Raw values are shown")
                continue
            assert layer.policy.k >= 10 and "below 10" in layer.privacy_statement
            shown = np.isfinite(layer.values)
            if protection.base is not None:               # a measure: its base counts
                assert (protection.base[shown] >= 10).all() or (protection.base[shown] == 0).all()
            else:
                drawn = layer.values[shown]
                assert not ((drawn > 0) & (drawn < 10)).any()
                low = layer.legend().domain[0]
                assert low == 0 or low >= 10
            elements = (range(int(np.prod(layer.grid_shape))) if hasattr(layer, "grid_shape")
                        else range(len(layer.codes)))
            for step in range(layer.steps):               # picks on every step
                layer.time_index = float(step)
                picked = np.array([layer.pick_record(e).value for e in elements])
                picked = picked[np.isfinite(picked)]
                if protection.base is None:
                    assert not ((picked > 0) & (picked < 10)).any()
            checked += 1
        elif isinstance(layer, vizkit.Flows):             # as far as Flows allows today
            assert "below 10" in layer.privacy_statement
            per_flow = layer.volumes.sum(axis=1)          # a day of a flow, both directions
            assert not ((per_flow > 1e-9) & (per_flow < 10 - 1e-6)).any()
            checked += 1
    assert checked or target.stem == "heightfield"
    scene.release()


# -- flows (the flow layer adopts the contract separately) ---------------------------------------
PLACES = {"A": (0.0, 0.0), "B": (10_000.0, 0.0), "C": (0.0, 10_000.0), "D": (10_000.0, 10_000.0)}


def od_table(rows):
    import pandas as pd

    return pd.DataFrame(rows, columns=["origin", "destination", "volume"])


def test_flows_pool_small_counts_per_origin_and_keep_origin_totals():
    raw = od_table([("A", "B", 40), ("A", "C", 2), ("A", "D", 3), ("B", "A", 25),
                    ("B", "C", 1), ("B", "D", 30), ("C", "D", 12)])
    flows = vizkit.Flows(raw, PLACES, particles_per_unit=1)
    shown = flows.volumes.ravel()
    assert not ((shown > 0) & (shown < K)).any()
    assert flows.hidden_flows >= 3
    assert "pooled with the next smallest into 'other'" in flows.privacy_statement
    totals = raw.groupby("origin")["volume"].sum()
    drawn = {code: flows.volumes[flows.flow_origin == i].sum()
             for i, code in enumerate(flows.location_codes) if code in totals.index}
    for code, total in totals.items():
        assert drawn[code] == pytest.approx(total)            # pooled, not dropped
    assert "other:A" in list(flows.location_codes)            # drawn as a marked stub


def test_a_table_protected_before_the_layer_is_a_measure_resting_on_its_counts():
    from vizkit.layers.flows import FlowsError
    from vizkit.privacy import protect_flows

    raw = od_table([("A", "B", 40), ("A", "C", 2), ("A", "D", 3)])
    protected = protect_flows(raw, policy=DEFAULT_POLICY)
    spread = protected.dropna(subset=["volume"]).assign(trips=lambda d: d["volume"] / 3)
    with pytest.raises(FlowsError, match=r"column 'trips' holds counts.* row 0 \(A→B: 13\.3"):
        vizkit.Flows(spread, PLACES, volume="trips")       # fractions: not silently shown
    flows = vizkit.Flows(spread, PLACES, volume="trips", base="volume", particles_per_unit=1)
    codes = [flows.location_codes[i] for i in flows.flow_destination]
    assert sorted(codes) == ["B", "other:A"]
    assert sorted(flows.volumes.ravel()) == pytest.approx([5 / 3, 40 / 3])


def test_flows_opt_out_is_explicit(caplog):
    from vizkit.layers.flows import FlowsError

    raw = od_table([("A", "B", 2)])
    flows = vizkit.Flows(raw, PLACES, policy=None)           # None: the scene's policy
    with pytest.raises(FlowsError, match="disclosure control hid every flow"):
        _ = flows.privacy_statement                          # the default policy, on first need
    with caplog.at_level(logging.WARNING, logger="vizkit.privacy"):
        flows = vizkit.Flows(raw, PLACES, policy=Policy.off("public bus timetable"))
        assert flows.volumes.sum() == 2
    assert "public bus timetable" in caplog.text
