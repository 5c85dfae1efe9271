"""Sparse grids: stored and drawn in tiles round their footprint, at the cost of their cells.

The footprint rule is checked on hand-made masks (``TileLayout``, GL-free); the GPU memory a
terrain allocates is read from the context's counters (``GpuContext.live_bytes``) and must
follow the inhabited cells, not the bounding box; pictures must show nothing outside the
footprint; picking, read-outs, morphs (cells that appear between steps) and disclosure control
must work the same on tiles as on a dense grid.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pandas as pd
import pytest

import vizkit
from vizkit.camera import project_to_screen
from vizkit.clock import FrameState
from vizkit.layers.tiles import TILE, TileLayout, between, dilate
from vizkit.privacy import DEFAULT_POLICY, Policy
from vizkit.render.picking import Picker

FRAME = FrameState(0.0, 1 / 30, 0)
SIZE = (320, 180)
SYNTHETIC = Policy.off("synthetic test values, no persons")


def clustered(box: int, clusters: int, radius: int = 6, seed: int = 1, value: float = 40.0
              ) -> np.ndarray:
    """A ``box × box`` grid of zeros with ``clusters`` round blobs of people."""
    rng = np.random.default_rng(seed)
    grid = np.zeros((box, box), np.float32)
    y, x = np.mgrid[-radius:radius + 1, -radius:radius + 1]
    disc = x * x + y * y <= radius * radius
    for cy, cx in rng.integers(radius, box - radius - 1, (clusters, 2)):
        grid[cy - radius:cy + radius + 1, cx - radius:cx + radius + 1][disc] = value
    return grid


# -- the footprint rule (GL-free) --------------------------------------------------------------
def test_dilate_and_between_on_a_hand_made_mask():
    data = np.zeros((7, 9), bool)
    data[3, 2] = data[3, 6] = True
    grown = dilate(data, 1)
    assert grown.sum() == 18 and grown[2:5, 1:4].all() and not grown[3, 4]
    inner = between(data, 2)          # row 3: data 4 apart, so only the middle cell is within
    assert inner[3, 4] and inner.sum() == 1   # 2 of both (cells 3 and 5 are 3 away from one)
    assert between(data, 3)[3, 3:6].all() and between(data, 3).sum() == 3


def test_the_footprint_is_data_ground_within_reach_and_no_data_only_between_data():
    data = np.zeros((30, 40), bool)
    data[10:12, 5:8] = True
    data[10:12, 11:14] = True               # two towns 3 columns apart
    no_data = np.zeros((30, 40), bool)
    no_data[10, 8:11] = True                # a 3-cell no-data gap between them: drawn
    no_data[11, 14:18] = True               # no data at the edge of the data: not drawn
    no_data[20:30, :] = True                # the south of the grid is a NaN sea: not drawn
    layout = TileLayout.build(data, reach=1, no_data=no_data)
    inside = layout.inside[0]
    assert not layout.tiled and inside.shape == (30, 40)
    assert inside[data].all() and inside[10, 8:11].all() and not inside[11, 14:18].any()
    assert inside[9, 4] and not inside[8, 4]            # ground: one cell round the data
    assert not inside[20:].any() and not inside[0:8].any()
    land = np.ones((30, 40), bool)
    land[:, 4] = False                                   # water west of the first town
    with_land = TileLayout.build(data, reach=1, no_data=no_data, ground=land).inside[0]
    assert not with_land[9:13, 4].any() and with_land[[9, 10, 12], 14].all()


def test_a_sparse_grid_in_a_big_box_is_stored_in_tiles_round_its_data():
    grid = clustered(600, 12)
    data = grid > 0
    layout = TileLayout.build(data, reach=1)
    assert layout.tiled and layout.tile == (TILE, TILE)
    assert layout.stored_cells < 0.1 * grid.size
    # every drawn cell is stored, and the stored tiles cover the data and its rim
    rows, cols = np.nonzero(dilate(data, 2))
    assert (layout.locate(rows, cols) >= 0).all()
    flat = layout.locate(*np.nonzero(data))
    assert layout.inside.reshape(-1)[flat].all()
    stacked = layout.gather(grid[np.newaxis], np.nan)
    assert np.array_equal(layout.scatter(stacked, 0.0)[0], grid)
    complete = TileLayout.build(np.ones((600, 600), bool), reach=1)
    assert not complete.tiled and complete.stored_cells == 600 * 600


def test_listed_cells_are_laid_out_as_a_dense_grid_would_be():
    grid = clustered(500, 9, seed=4)
    no_data = np.zeros(grid.shape, bool)
    no_data[100:140, 100:140] = True
    rows, cols = np.nonzero((grid > 0) | no_data)
    data = grid[rows, cols] > 0
    listed = TileLayout.from_cells(grid.shape, rows, cols, data, no_data[rows, cols], False,
                                   reach=2)
    dense = TileLayout.build(grid > 0, reach=2, no_data=no_data)
    assert listed is not None and listed.tiled and dense.tiled
    assert np.array_equal(listed.origins, dense.origins)
    assert np.array_equal(listed.inside, dense.inside)


# -- memory follows the cells ------------------------------------------------------------------
def gpu_bytes_of(offscreen, values, **kw) -> tuple[int, int]:
    """GPU bytes a terrain holds after its first frame (its resources and its light), read
    from the context's counters, and the cells it stores."""
    h, w = values.shape[-2:]
    gpu = offscreen.gpu
    offscreen.render(vizkit.Scene(), FRAME)   # the renderer's own targets: made by a first frame
    before = gpu.live_bytes

    class One(vizkit.Scene):
        def setup(self, assets):
            self.terrain = self.add(vizkit.Terrain(values, extent=(0, 0, w * 100.0, h * 100.0),
                                                   policy=SYNTHETIC, **kw))
            self.frame_all()

    scene = One()
    offscreen.render(scene, FRAME)
    used = gpu.live_bytes - before
    stored = scene.terrain.layout.stored_cells
    scene.release()
    assert gpu.live_bytes == before                     # and all of it is given back
    return used, stored


def test_gpu_memory_grows_with_inhabited_cells_not_with_the_bounding_box(offscreen):
    # The same 12 towns in boxes 4× and 16× the area: the GPU memory barely moves.
    small, _ = gpu_bytes_of(offscreen, clustered(400, 12, seed=2))
    big, _ = gpu_bytes_of(offscreen, clustered(1600, 12, seed=2))
    assert big < 1.5 * small
    # Twice the towns in the same box: about twice the memory.
    double, _ = gpu_bytes_of(offscreen, clustered(1600, 24, seed=2))
    assert 1.5 * big < double < 3.0 * big
    # A dense grid of the big box would hold 4 bytes per cell for the values alone.
    assert big < 0.25 * 1600 * 1600 * 4


def test_points_over_a_continent_are_binned_without_the_dense_grid():
    rng = np.random.default_rng(0)
    side = 20_000                                        # a 20,000 × 20,000 km box
    towns = rng.uniform(0, side * 1000, (40, 2))
    points = pd.DataFrame({"x": np.repeat(towns[:, 0], 25) + rng.normal(0, 3000, 1000),
                           "y": np.repeat(towns[:, 1], 25) + rng.normal(0, 3000, 1000),
                           "persons": rng.integers(5, 50, 1000).astype(float)})
    tracemalloc.start()
    terrain = vizkit.Terrain.from_points(points, value="persons", cell_size=1000,
                                         extent=(0, 0, side * 1000, side * 1000))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert terrain.grid_shape == (side, side) and terrain.layout.tiled
    assert peak < 50e6       # the dense grid alone would take 400M cells × 4 bytes = 1.6 GB
    assert terrain.layout.stored_cells < 200_000


# -- pictures, picks and read-outs on tiles -----------------------------------------------------
class SparseScene(vizkit.Scene):
    """Two steps of a 400 × 400 grid of 100 m cells with three towns; a fourth town appears in
    the second step; looked at straight down."""

    def __init__(self, **kw):
        super().__init__()
        self.kw = kw

    def setup(self, assets):
        a = clustered(400, 3, radius=15, seed=7)
        b = a.copy()
        b[300:310, 60:70] = 80.0                          # a town that appears in step 1
        self.values = np.stack([a, b])
        self.terrain = self.add(vizkit.Terrain(self.values, extent=(0, 0, 40_000, 40_000),
                                               times=[2020, 2021], max_height=500.0,
                                               policy=SYNTHETIC, **self.kw))
        self.orbit = None
        self.camera.target = (20_000, 20_000, 0)
        self.camera.position = (20_000, 20_000, 60_000)
        self.camera.near, self.camera.far = 100.0, 200_000.0

    def look_at(self, x: float, y: float, height: float) -> None:
        self.camera.target = (x, y, 0.0)
        self.camera.position = (x, y, height)

    def screen(self, xyz):
        return project_to_screen(xyz, self.camera.view_matrix(),
                                 self.camera.projection_matrix(SIZE[0] / SIZE[1]), SIZE)


def test_nothing_is_drawn_outside_the_footprint_and_the_footprint_is_drawn(offscreen):
    scene = SparseScene()
    image = offscreen.render(scene, FRAME).rgb.astype(int)
    terrain = scene.terrain
    assert terrain.layout.tiled and np.array_equal(terrain.layout.footprint(),
                                                   dilate(scene.values.any(axis=0), 1))
    background = np.round(np.array(scene.background) * 255)
    drawn = np.abs(image - background).max(axis=2) > 2
    # where each pixel looks on the ground (top-down: heights of 500 m barely move it)
    footprint = dilate(scene.values.any(axis=0), 1)      # data and one cell of ground
    ys, xs = np.mgrid[0:SIZE[1], 0:SIZE[0]]
    x0, y0 = scene.screen((0.0, 0.0, 0.0))
    x1, y1 = scene.screen((40_000.0, 40_000.0, 0.0))
    col = np.floor((xs + 0.5 - x0) / (x1 - x0) * 400).astype(int)
    row = np.floor((ys + 0.5 - y0) / (y1 - y0) * 400).astype(int)
    on_grid = (col >= 0) & (col < 400) & (row >= 0) & (row < 400)
    near = dilate(footprint, 2)                          # ± a pixel at edges and slopes
    allowed = np.zeros(drawn.shape, bool)
    allowed[on_grid] = near[row[on_grid], col[on_grid]]
    assert drawn.mean() > 0.005
    assert not (drawn & ~allowed).any()
    solid = np.zeros(drawn.shape, bool)
    inner = footprint & ~dilate(~footprint, 2)
    solid[on_grid] = inner[row[on_grid], col[on_grid]]
    assert drawn[solid].all()
    scene.release()


def test_picking_values_and_heights_on_tiles_follow_the_cells_that_appear(offscreen):
    scene = SparseScene()
    scene.ensure_setup()
    scene.look_at(6550.0, 30550.0, 3000.0)                # cells ~7 px across
    offscreen.render(scene, FRAME)
    terrain = scene.terrain
    picker = Picker(offscreen.gpu)
    view = scene.view_state(SIZE, FRAME)
    x, y = scene.screen(terrain.cell_centre(305, 65))
    record = picker.pick(scene, view, x, y)                 # step 0: the ground of a town to be
    assert record is not None and record.element == (305, 65) and record.value == 0.0
    assert terrain.value(305, 65) == 0.0 and terrain.heights_at([6550.0], [30550.0])[0] == 0.0
    terrain.time_index = 1.0
    x, y = scene.screen(terrain.cell_centre(305, 65))
    record = picker.pick(scene, view, x, y)
    assert record is not None and record.element == (305, 65) and record.value == 80.0
    assert record.time == 2021 and terrain.cell_at(6550.0, 30550.0) == (305, 65)
    assert terrain.heights_at([6550.0], [30550.0])[0] == pytest.approx(500.0)
    assert terrain.values[1, 305, 65] == 80.0 and terrain.values[0, 305, 65] == 0.0
    assert np.array_equal(np.nan_to_num(terrain.values), scene.values)
    picker.release()
    scene.release()


def test_disclosure_control_on_tiles_matches_the_dense_grid():
    counts = clustered(600, 10, value=20.0, seed=9)
    counts[counts > 0] -= np.random.default_rng(9).integers(0, 18, int((counts > 0).sum()))
    for policy in (DEFAULT_POLICY, DEFAULT_POLICY.with_(grid="coarsen")):
        tiled = vizkit.Terrain(counts, extent=(0, 0, 600, 600), policy=policy)
        dense = vizkit.Terrain(counts, extent=(0, 0, 600, 600), policy=policy, reach=None)
        assert tiled.layout.tiled and not dense.layout.tiled
        data = counts > 0
        assert np.array_equal(tiled.hidden[0][data], dense.hidden[0][data])
        assert np.array_equal(np.isnan(tiled.values[0][data]), np.isnan(dense.values[0][data]))
        assert np.array_equal(np.nan_to_num(tiled.values[0][data]),
                              np.nan_to_num(dense.values[0][data]))
        assert tiled.privacy_statement == dense.privacy_statement
    assert tiled.hidden.any()


def test_mark_no_data_on_tiles_takes_cells_out_of_the_footprint():
    grid = clustered(600, 6, seed=5)
    terrain = vizkit.Terrain(grid, extent=(0, 0, 600, 600), policy=SYNTHETIC)
    rows, cols = np.nonzero(grid > 0)
    mask = np.zeros(grid.shape, bool)
    r, c = rows[0] + 6, cols[0]                           # the centre of the first town
    mask[max(r - 10, 0):r + 10, max(c - 10, 0):c + 10] = True   # that town goes
    stored = terrain.layout.stored_cells
    terrain.mark_no_data(mask)
    assert np.isnan(terrain.values[0][mask & (grid > 0)]).all()
    assert terrain.layout.stored_cells < stored
    assert not terrain.layout.inside.reshape(-1)[
        terrain.layout.locate(*np.nonzero(mask))[terrain.layout.locate(*np.nonzero(mask)) >= 0]
    ].any()
    assert grid[mask].max() > 0                          # the caller's array is untouched


def test_land_from_boundaries_keeps_ground_off_the_water(offscreen):
    values = np.zeros((60, 80))
    values[25:35, 30:40] = 50.0                           # a town on the coast
    # land: the west half of the grid (x < 4000 m) as a boundaries frame
    frame = pd.DataFrame({"geometry": [[[np.array([[0, 0], [4000, 0], [4000, 6000],
                                                   [0, 6000], [0, 0]], float)]]]},
                         index=pd.Index(["west"], name="code"))
    terrain = vizkit.Terrain(values, extent=(0, 0, 8000, 6000), land=frame, reach=3,
                             policy=SYNTHETIC)
    inside = terrain.layout.footprint()
    assert inside[25:35, 30:40].all()                     # data on the water line: drawn
    assert inside[30, 27] and not inside[30, 42]          # ground west, water east
    bool_land = np.zeros((60, 80), bool)
    bool_land[:, :40] = True
    same = vizkit.Terrain(values, extent=(0, 0, 8000, 6000), land=bool_land, reach=3,
                          policy=SYNTHETIC)
    assert np.array_equal(same.layout.inside, terrain.layout.inside)
    with pytest.raises(ValueError, match=r"Terrain: land must be an \(H, W\) = \(60, 80\)"):
        vizkit.Terrain(values, extent=(0, 0, 8000, 6000), land=np.ones((2, 2), bool),
                       policy=SYNTHETIC)
    with pytest.raises(TypeError, match=r"Terrain: land must be .* got str"):
        vizkit.Terrain(values, extent=(0, 0, 8000, 6000), land="sea", policy=SYNTHETIC)


def test_ground_from_read_geojson_boundaries_is_vizkit_data_land():
    from pathlib import Path

    import vizkit.data as vd
    from vizkit.data.land import land_mask

    root = Path(__file__).resolve().parent.parent
    county = vd.read_geojson(root / "assets" / "uppsala_municipalities.geojson",
                             id_property="kommun")
    lo = county["geometry"].map(lambda polys: np.concatenate([p[0] for p in polys]).min(axis=0))
    x0, y0 = np.floor(np.stack(lo.to_numpy()).min(axis=0) / 1000) * 1000 - 5000
    values = np.zeros((150, 140))
    values[40:110:7, 30:120:9] = 12.0                    # villages on a lattice, some off land
    extent = (x0, y0, x0 + 140_000, y0 + 150_000)
    terrain = vizkit.Terrain(values, extent=extent, land=county, reach=2)
    ground = terrain.layout.footprint() & (values == 0)
    land = land_mask(county, extent, (150, 140))
    assert ground.any() and not (ground & ~land).any()
    near = dilate(values > 0, 2) & (values == 0)
    assert np.array_equal(ground, near & land)


def test_a_grid_of_zeros_is_all_ground_and_a_grid_without_values_draws_nothing(offscreen):
    flat = vizkit.Terrain(np.zeros((30, 50)), extent=(0, 0, 500, 300), policy=SYNTHETIC)
    assert flat.layout.footprint().all()                 # nobody anywhere: the ground shows

    class Empty(vizkit.Scene):
        def setup(self, assets):
            self.terrain = self.add(vizkit.Terrain(np.full((30, 50), np.nan),
                                                   extent=(0, 0, 500, 300), policy=SYNTHETIC))
            self.frame_all()

    scene = Empty()
    image = offscreen.render(scene, FRAME).rgb.astype(int)
    assert not scene.terrain.layout.footprint().any()
    assert (np.abs(image - np.round(np.array(scene.background) * 255)).max(axis=2) <= 1).all()
    scene.release()
