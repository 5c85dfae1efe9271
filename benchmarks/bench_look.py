"""What each piece of the look costs, side by side with it off, at 1280×720.

``terrain_look`` — one terrain drawn with ``Light.plain()`` (ambient + diffuse: the old look),
then with one feature added at a time — sky light, tone mapping, occlusion, soft shadows — and
with all of them (``Light.soft()``, the default); also the default look with per-pixel normals
instead of vertex normals. The terrain is Statistics Norway's 1 km grid of 2019 (a sparse real
grid, ``../shared/data/open/``), or — when that is absent — the peers' 1000×1000 surface.
Each row's ``horizon_ms_per_step`` is one run of the horizon pass (occlusion and shadows of one
time step, made once per step and kept), timed apart from the frames.

``regions_look`` — the 2,000 prisms of ``regions_2000`` plain and soft (sky light, contact
shade).

``look_720p`` and ``look_dome_4096`` — the render pipeline's features (docs/look.md) on the
flagship scene, at 1280×720 and as a 4096² domemaster: the **plain render** (8-bit sRGB scene
target, no tone map, plain light — the picture before HDR; MSAA 4 like ``laptop``) first, then
one feature at a time on top of it — the floating-point scene target with the tone map, the
layers' soft light, depth fog, a sky seen above the horizon, bloom — then the presets
``draft``, ``laptop`` (the default) and ``kiosk``. ``ratio_to_plain`` is each row's median frame
over the plain render's, by wall time and by process CPU time (all threads: llvmpipe's too),
which load from other processes disturbs less. ``--quick`` shrinks them to 320×180 and a 256²
dome.

Frames are interleaved across the variants (A, B, C, A, B, C …), so load drifting on a shared
machine hits every variant alike; the ``ratio_to_plain`` of each row is its median over the
plain row's. ``--quick`` shrinks the frames, not the data.
"""

from __future__ import annotations

import statistics
import time

from benchmarks.bench_sparse import NORWAY, Orbiting, norway_grid
from benchmarks.bench_terrain import lattice_regions, peers_common, terrain_series
from benchmarks.harness import FRAMES, WARMUP, FrameTimes, row, sized, time_interleaved, workload
from vizkit.clock import FrameState
from vizkit.layers.light import Light
from vizkit.layers.regions import Regions
from vizkit.layers.terrain import Terrain
from vizkit.look import Fog, Quality, quality_named
from vizkit.privacy import Policy
from vizkit.targets.dome import DomeRenderer
from vizkit.targets.offscreen import OffscreenRenderer

SIZE = (1280, 720)
PLAIN = Light.plain()
VARIANTS = {
    "plain (ambient + diffuse)": (PLAIN, "auto"),
    "+ sky light": (PLAIN.but(sky=True), "auto"),
    "+ exposure (1.2)": (PLAIN.but(exposure=Light().exposure), "auto"),
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


# -- the render pipeline's features ---------------------------------------------------------------
LAPTOP = quality_named("laptop")
PLAIN_RENDER = LAPTOP.but(name="plain", precision="u1", light="plain")
FEATURES: dict[str, tuple[Quality, dict[str, object]]] = {
    "plain render": (PLAIN_RENDER, {}),
    "+ HDR (RGBA16F, tone map)": (PLAIN_RENDER.but(precision="f2"), {}),
    "+ soft light (occlusion, shadows, sky light)": (PLAIN_RENDER.but(light="soft"), {}),
    "+ depth fog": (PLAIN_RENDER.but(precision="f2"), {"fog": True}),
    "+ sky above the horizon": (PLAIN_RENDER.but(precision="f2"), {"sky": True}),
    "+ bloom": (PLAIN_RENDER.but(precision="f2", bloom=True), {}),
    "preset draft": (quality_named("draft"), {}),
    "preset laptop (default)": (LAPTOP, {}),
    "preset kiosk": (quality_named("kiosk"), {}),
}


def _flagship(settings: dict[str, object]):
    from vizkit.demo import exhibit_folder
    from vizkit.script import load_target

    scene = load_target(exhibit_folder()).create()
    scene.ensure_setup()
    if settings.get("fog"):
        radius = scene.orbit.scene_radius or scene.orbit.distance
        scene.fog = Fog(start=scene.orbit.distance, end=scene.orbit.distance + 2 * radius)
    if settings.get("sky"):   # the tour flown low: the horizon and the sky above it in view
        tour = scene.update

        def low(frame: FrameState) -> None:
            tour(frame)
            scene.orbit.elevation = 12.0

        scene.update = low
    return scene


def _interleaved(impls: dict[str, object]) -> dict[str, tuple[FrameTimes, float]]:
    """``time_interleaved`` with process CPU time per frame besides wall time."""
    names = list(impls)
    wall: dict[str, list[float]] = {n: [] for n in names}
    cpu: dict[str, list[float]] = {n: [] for n in names}
    for i in range(WARMUP + FRAMES):
        for name in names:
            issue, finish = impls[name]
            c0, t0 = time.process_time(), time.perf_counter()
            issue(i)
            finish()
            if i >= WARMUP:
                wall[name].append((time.perf_counter() - t0) * 1e3)
                cpu[name].append((time.process_time() - c0) * 1e3)
    out = {}
    for name in names:
        ms = wall[name]
        q = statistics.quantiles(ms, n=10) if len(ms) >= 2 else [ms[0]] * 9
        out[name] = (FrameTimes(statistics.median(ms), 0.0, q[0], q[-1], len(ms)),
                     statistics.median(cpu[name]))
    return out


def _look_rows(workload_name: str, make_renderer):
    impls, scenes, renderers = {}, {}, {}
    for name, (quality, settings) in FEATURES.items():
        scene = scenes[name] = _flagship(settings)
        renderer = renderers[name] = make_renderer(quality)

        def issue(i: int, renderer=renderer, scene=scene) -> None:
            renderer.draw(scene, FrameState(5.0 + i / 30, 1 / 30, 150 + i))
        impls[name] = (issue, renderer.gpu.ctx.finish)
    times = _interleaved(impls)
    plain_wall, plain_cpu = times["plain render"][0].ms_per_frame_median, times["plain render"][1]
    for name, (frame_times, cpu_ms) in times.items():
        quality = FEATURES[name][0]
        yield row(workload_name, name, frame_times, process_cpu_ms_median=round(cpu_ms, 2),
                  ratio_to_plain=round(frame_times.ms_per_frame_median / plain_wall, 2),
                  ratio_to_plain_cpu=round(cpu_ms / plain_cpu, 2),
                  note=f"MSAA {quality.samples}, {quality.precision}, bloom "
                       f"{'on' if quality.bloom else 'off'}, {quality.light} light")
    for name in FEATURES:
        scenes[name].release()
        renderers[name].release()


@workload("look_720p")
def look_720p():
    """The pipeline's look features one at a time vs the plain render, and the presets, 720p."""
    from vizkit.gpu import GpuContext

    gpu = GpuContext.offscreen()
    size = (sized(1280, 320), sized(720, 180))
    yield from _look_rows("look_720p", lambda q: OffscreenRenderer(size, quality=q, gpu=gpu))
    gpu.release()


@workload("look_dome_4096")
def look_dome_4096():
    """The same on a 4096² domemaster (256² under --quick)."""
    from vizkit.gpu import GpuContext

    gpu = GpuContext.offscreen()
    side = sized(4096, 256)
    frames, warmup = min(FRAMES, 6), min(WARMUP, 1)
    import benchmarks.bench_look as me

    saved = me.FRAMES, me.WARMUP
    me.FRAMES, me.WARMUP = frames, warmup   # a 4K dome frame takes seconds: fewer frames
    try:
        yield from _look_rows("look_dome_4096",
                              lambda q: DomeRenderer(side, quality=q, gpu=gpu))
    finally:
        me.FRAMES, me.WARMUP = saved
        gpu.release()
