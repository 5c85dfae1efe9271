"""Sparse grids at the cost of their cells: Norway's real 1 km grid and a Europe-sized box.

``terrain_sparse_norway`` — Statistics Norway's population on its 1 km grid, 2001/2007/2013/2019
(``../shared/data/open/norway/ssb_grid_1km/``: ~55,000 inhabited squares a year in a bounding
box of 1,174 × 1,487 = 1.75 million; squares appear and disappear between years), read with
``vizkit.data`` into one dense ``Grid`` series and drawn as a bare ``vizkit.Terrain(grid)`` —
the default look — morphing between the years at 1280×720. Beside it, the same grid drawn as a
dense box (``reach=None``: every square of the bounding box, the slab the terrain drew before
it was tiled) — what tiling saves in memory, uploads and frame time.

``terrain_europe_1km`` — a synthetic Europe: a 4,000 × 4,000 km box with ~2 million inhabited
1 km squares clustered round towns on a continent-shaped land mass (seeded, not real data),
two steps, built with ``Terrain.from_points`` (which never makes the dense grid) and drawn at
1280×720. It must set up and draw on a 2-core llvmpipe machine.

Rows carry ``peak_rss_mb`` (peak resident memory of the process while the row ran), ``gpu_mb``
(GPU memory the layer allocated: ``ResourceGroup.nbytes`` of its resources and its light),
``stored_cells`` / ``drawn_cells`` and ``setup_s`` (data → layer → first frame, horizon light
included). ``--quick`` uses the 2019 grid alone and a 400 × 400 box with ~20,000 squares.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.harness import (
    FRAMES,
    WARMUP,
    peak_rss_mb,
    reset_peak_rss,
    row,
    sized,
    time_frames,
    workload,
)
from vizkit.clock import FrameState
from vizkit.layers.terrain import Terrain
from vizkit.scene import Scene
from vizkit.targets.offscreen import OffscreenRenderer

ROOT = Path(__file__).resolve().parent.parent
NORWAY = ROOT.parent / "shared" / "data" / "open" / "norway" / "ssb_grid_1km"
SIZE = (1280, 720)
YEARS = (2001, 2007, 2013, 2019)


class Orbiting(Scene):
    """A scene framing its one layer (a terrain or regions) and orbiting 1° per frame; morphs
    across the layer's steps."""

    background = (0.05, 0.06, 0.08)

    def __init__(self, layer):
        super().__init__()
        self.layer = self.add(layer)
        self.frame_all(azimuth=-20, elevation=45, margin=0.6)

    def update(self, frame: FrameState) -> None:
        self.orbit.azimuth = -20 + frame.index
        steps = self.layer.steps
        if steps > 1:
            self.layer.time_index = (frame.index * 0.05) % (steps - 1)


def norway_grid(years: tuple[int, ...]):
    """The SSB 1 km grid of ``years`` as one ``vizkit.data.Grid`` series (absent squares: 0)."""
    import vizkit.data as vd

    merged: pd.DataFrame | None = None
    for year in years:
        table = vd.read_csv(NORWAY / f"NOR1000M_POP_{year}.csv")
        part = table[["SSBID1000M", "pop_tot"]].rename(columns={"pop_tot": f"pop_{year}"})
        merged = part if merged is None else merged.merge(part, on="SSBID1000M", how="outer")
    assert merged is not None
    columns = [f"pop_{year}" for year in years]
    merged[columns] = merged[columns].fillna(0)
    merged.attrs = table.attrs
    return vd.grid_from_frame(merged, "SSBID1000M", columns, cell_size=1000)


def layer_row(name: str, impl: str, make, **extra) -> dict:
    """Build a layer with ``make()``, draw it (setup timed to the first finished frame), time
    the frames; peak memory and GPU bytes measured for this row alone."""
    reset_peak_rss()
    t0 = time.perf_counter()
    renderer = OffscreenRenderer(SIZE, samples=0)
    layer = make()
    scene = Orbiting(layer)
    ctx = renderer.gpu.ctx

    def frame(i: int) -> None:
        renderer.draw(scene, FrameState(i / 30, 1 / 30, i))

    frame(0)
    ctx.finish()
    setup = time.perf_counter() - t0
    before = renderer.gpu.upload_bytes
    times = time_frames(frame, ctx.finish)
    uploaded = renderer.gpu.upload_bytes - before
    state = layer._gpu_state
    gpu = (layer._group.nbytes if layer._group is not None else 0) + (
        state.horizon.group.nbytes if state is not None and state.horizon is not None else 0)
    layout = layer.layout
    out = row(name, impl, times, setup_s=round(setup, 3),
              upload_bytes_per_frame=uploaded // (FRAMES + WARMUP),
              gpu_mb=round(gpu / 2**20, 1), stored_cells=layout.stored_cells,
              drawn_cells=int(np.count_nonzero(layout.inside)),
              box_cells=layout.shape[0] * layout.shape[1], tiles=layout.count,
              light_passes=state.light_passes if state is not None else 0,
              scale=layer.scale, **extra)
    scene.release()
    renderer.release()
    out["peak_rss_mb"] = peak_rss_mb()
    return out


@workload("terrain_sparse_norway")
def terrain_sparse_norway():
    """Norway's real 1 km grid (4 years), bare Terrain(grid) vs the dense box, 1280x720."""
    if not NORWAY.is_dir():
        yield row("terrain_sparse_norway", "vizkit-tiles", note=f"skipped: {NORWAY} is absent")
        return
    years = YEARS if sized(1, 0) else YEARS[-1:]
    reset_peak_rss()
    grid = norway_grid(years)
    inhabited = int((grid.values > 0).any(axis=0).sum()) if grid.values.ndim == 3 else int(
        (grid.values > 0).sum())
    note = f"{len(years)} year(s), {inhabited} squares inhabited in some year"
    yield layer_row("terrain_sparse_norway", "vizkit-tiles (Terrain(grid), defaults)",
                    lambda: Terrain(grid, times=list(years)), inhabited=inhabited, note=note)
    yield layer_row("terrain_sparse_norway", "vizkit-dense-box (reach=None: the old slab)",
                    lambda: Terrain(grid, times=list(years), reach=None), inhabited=inhabited)


def europe_points(side: int, target: int, seed: int = 5) -> pd.DataFrame:
    """~``target`` inhabited 1 km squares (two years) clustered round towns on a continent in
    a ``side`` × ``side`` km box — synthetic, seeded; never a dense grid."""
    rng = np.random.default_rng(seed)
    towns = max(target // 120, 10)
    # land: a few overlapping ellipses (a continent with peninsulas), by rejection
    blobs = np.array([[0.45, 0.45, 0.33, 0.25], [0.62, 0.62, 0.25, 0.3], [0.25, 0.7, 0.12, 0.2],
                      [0.7, 0.25, 0.18, 0.12], [0.42, 0.18, 0.1, 0.12]]) * side
    centres = []
    while sum(len(c) for c in centres) < towns:
        xy = rng.uniform(0, side, (towns, 2))
        inside = np.zeros(towns, bool)
        for cx, cy, rx, ry in blobs:
            inside |= ((xy[:, 0] - cx) / rx) ** 2 + ((xy[:, 1] - cy) / ry) ** 2 <= 1
        centres.append(xy[inside])
    centre = np.concatenate(centres)[:towns]
    size = rng.pareto(1.2, towns) + 1.0                     # a few cities, many villages
    weight = size / size.sum()
    spread = np.clip(2.0 * np.sqrt(size), 1.5, 60.0)        # km
    samples = int(target * 1.6)
    town = rng.choice(towns, samples, p=weight)
    xy = centre[town] + rng.normal(0, 1, (samples, 2)) * spread[town, None]
    ok = (xy >= 0).all(axis=1) & (xy < side).all(axis=1)
    cells = np.floor(xy[ok]).astype(np.int64)
    flat, persons = np.unique(cells[:, 1] * side + cells[:, 0], return_counts=True)
    rows, cols = np.divmod(flat, side)
    growth = rng.normal(1.04, 0.1, len(flat))
    base = (persons * rng.uniform(3, 9, len(flat))).round()
    later = np.maximum(base * growth, 0).round()
    x0, y0 = 2_500_000.0, 1_400_000.0                       # ETRS89-LAEA-like, metres
    x = x0 + (cols + 0.5) * 1000
    y = y0 + (rows + 0.5) * 1000
    return pd.DataFrame({"x": np.tile(x, 2), "y": np.tile(y, 2),
                         "persons": np.concatenate([base, later]),
                         "year": np.repeat([2011, 2021], len(flat))})


@workload("terrain_europe_1km")
def terrain_europe_1km():
    """Synthetic Europe: 4000x4000 km box, ~2M inhabited 1 km squares, from_points, 1280x720."""
    side = sized(4000, 400)
    reset_peak_rss()
    t0 = time.perf_counter()
    points = europe_points(side, sized(2_000_000, 20_000))
    made = time.perf_counter() - t0
    squares = len(points) // 2
    extent = (2_500_000.0, 1_400_000.0, 2_500_000.0 + side * 1000, 1_400_000.0 + side * 1000)
    yield layer_row("terrain_europe_1km", "vizkit-tiles (Terrain.from_points, defaults)",
                    lambda: Terrain.from_points(points, value="persons", time="year",
                                                cell_size=1000, extent=extent,
                                                label="Population (synthetic)"),
                    inhabited=squares, points_s=round(made, 2),
                    note=f"{squares} squares in a {side}x{side} box "
                         f"({squares / side**2:.1%}); synthetic data, 2 steps")


__all__ = ["europe_points", "norway_grid"]
