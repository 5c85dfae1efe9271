"""What each piece of the look costs, side by side with it off, at 1280×720.

``terrain_look`` — one terrain drawn with ``Light.plain()`` (ambient + diffuse: the old look),
then with one feature added at a time — sky light, tone mapping, occlusion, soft shadows — and
with all of them (``Light.soft()``, the default); also the default look with per-pixel normals
instead of vertex normals. The terrain is Statistics Norway's 1 km grid of 2019 (a sparse real
grid, ``../shared/data/open/``), or — when that is absent — the peers' 1000×1000 surface.
Each row's ``horizon_ms_per_step`` is one run of the horizon pass (occlusion and shadows of one
time step, made once per step and kept), timed apart from the frames.

``regions_look`` — the 2,000 prisms of ``regions_2000`` plain and soft (sky light, contact
shade, tone mapping).

Frames are interleaved across the variants (A, B, C, A, B, C …), so load drifting on a shared
machine hits every variant alike; the ``ratio_to_plain`` of each row is its median over the
plain row's. ``--quick`` shrinks the frames, not the data.
"""

from __future__ import annotations

import time

from benchmarks.bench_sparse import NORWAY, Orbiting, norway_grid
from benchmarks.bench_terrain import lattice_regions, peers_common, terrain_series
from benchmarks.harness import row, time_interleaved, workload
from vizkit.clock import FrameState
from vizkit.layers.light import Light
from vizkit.layers.regions import Regions
from vizkit.layers.terrain import Terrain
from vizkit.privacy import Policy
from vizkit.targets.offscreen import OffscreenRenderer

SIZE = (1280, 720)
PLAIN = Light.plain()
VARIANTS = {
    "plain (ambient + diffuse)": (PLAIN, "auto"),
    "+ sky light": (PLAIN.but(sky=True), "auto"),
    "+ tone mapping": (PLAIN.but(tone_mapping=True, exposure=Light().exposure), "auto"),
    "+ occlusion": (PLAIN.but(occlusion=Light().occlusion), "auto"),
    "+ soft shadows": (PLAIN.but(shadows=Light().shadows), "auto"),
    "soft (all: the default)": (Light.soft(), "auto"),
    "soft, per-pixel normals": (Light.soft(), "pixel"),
}


def _terrain_source():
    if NORWAY.is_dir():
        grid = norway_grid((2019,))
        return "norway-1km-2019", lambda light, normals: Terrain(grid, light=light,
                                                                normals=normals)
    values = terrain_series(peers_common())[:1]
    off = Policy.off("benchmark: synthetic heights, not about people")
    return "peers-1000x1000", lambda light, normals: Terrain(
        values, extent=(-1, -1, 1, 1), light=light, normals=normals, policy=off)


def _horizon_ms(renderer, scene, layer) -> float | None:
    """One horizon pass of the current step, timed alone (its textures dropped first)."""
    state = layer._gpu_state
    if state is None or state.horizon is None:
        return None
    state.horizon._drop()
    ctx = renderer.gpu.ctx
    ctx.finish()
    t0 = time.perf_counter()
    renderer.draw(scene, FrameState(0.0, 1 / 30, 0))
    ctx.finish()
    with_pass = time.perf_counter() - t0
    t0 = time.perf_counter()
    renderer.draw(scene, FrameState(0.0, 1 / 30, 0))
    ctx.finish()
    return round((with_pass - (time.perf_counter() - t0)) * 1000, 1)


@workload("terrain_look")
def terrain_look():
    """Terrain light features one by one vs plain (Norway 1 km grid), 1280x720."""
    source, make = _terrain_source()
    renderer = OffscreenRenderer(SIZE, samples=0)
    scenes = {name: Orbiting(make(light, normals)) for name, (light, normals)
              in VARIANTS.items()}
    impls = {}
    for name, scene in scenes.items():
        def issue(i: int, scene=scene) -> None:
            renderer.draw(scene, FrameState(i / 30, 1 / 30, i))
        impls[name] = (issue, renderer.gpu.ctx.finish)
    times = time_interleaved(impls)
    plain = times["plain (ambient + diffuse)"].ms_per_frame_median
    for name, scene in scenes.items():
        layer = scene.layer
        yield row("terrain_look", name, times[name],
                  ratio_to_plain=round(times[name].ms_per_frame_median / plain, 2),
                  horizon_ms_per_step=_horizon_ms(renderer, scene, layer),
                  normals=layer.normals, source=source)
        scene.release()
    renderer.release()


@workload("regions_look")
def regions_look():
    """2,000 region prisms plain vs soft light (sky, contact shade, tone mapping), 1280x720."""
    geometry, values = lattice_regions()
    data = {code: values[:, i] for i, code in enumerate(geometry)}
    off = Policy.off("benchmark: synthetic values, not about people")
    renderer = OffscreenRenderer(SIZE, samples=0)
    scenes = {name: Orbiting(Regions(geometry, data, light=light, policy=off))
              for name, light in (("plain", Light.plain()), ("soft (the default)", Light.soft()))}
    impls = {}
    for name, scene in scenes.items():
        def issue(i: int, scene=scene) -> None:
            renderer.draw(scene, FrameState(i / 30, 1 / 30, i))
        impls[name] = (issue, renderer.gpu.ctx.finish)
    times = time_interleaved(impls)
    plain = times["plain"].ms_per_frame_median
    for name, scene in scenes.items():
        yield row("regions_look", name, times[name],
                  ratio_to_plain=round(times[name].ms_per_frame_median / plain, 2))
        scene.release()
    renderer.release()
