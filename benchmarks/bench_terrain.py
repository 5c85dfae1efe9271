"""Terrain and regions at 1280×720: vizkit vs a raw-moderngl floor and vispy's SurfacePlot.

Workload (``../shared/bench/peers/common.py``, imported, so the numbers compare): the peers'
W1/W2 surface — a 1000×1000 height field (40 Gaussians, seed 0; the morph target seed 7),
heights × ZS = 0.35 over [-1, 1]², viridis by height, diffuse light from ``LIGHT`` with 0.3
ambient, the TERRAIN_CAM orbit (1° per frame), morph fraction ``morph_t(i)``. For vizkit the
series has **30 time steps** (step k = lerp(field 0, field 7, k / 29)), so morphing at
``time_index = 29 · morph_t(i)`` with linear easing draws exactly the floor's surface.

Rows: ``floor-moderngl`` (the peers' ``moderngl_terrain.py`` / ``moderngl_morph.py --mode gpu``:
static VBOs of positions, normals (and the second field), uint32 IBO, LUT sampled in the vertex
shader), ``vizkit`` (Scene → Renderer → Terrain: all steps in one vertex buffer, the two blended
steps bound as attributes, grid from gl_VertexID, per-pixel normals on this 1000×1000 grid) with
``light="plain"`` — the same light as the floor — and ``vizkit-…-soft`` with the default soft
light (sky light, tone mapping, occlusion and shadows from a horizon pass per time step: the
look's cost on top; ``light_passes`` says how many steps were lit during the run),
``vispy-surfaceplot`` (the peers' ``vispy_terrain.py``, in a subprocess with
``EGL_PLATFORM=surfaceless``; its morph is ``set_data`` per frame).
Upload bytes per frame are measured with ``GpuContext.upload_bytes`` around the timed frames.

Besides wall time, each row reports ``process_cpu_ms_median``: the process CPU time per frame
(update + draw + glFinish). On llvmpipe all rendering runs on this process's threads, so it is
the frame's total work, and unlike wall time it hardly moves when other programs load the
machine; the ``ratio_cpu_*`` notes compare on it.

``regions_2000``: 2,000 region prisms (24-gons on a 50×40 lattice, 240k vertices) animating
between 30 years, vizkit vs a raw-moderngl floor with both years' heights in static vertex
attributes mixed in the vertex shader.

The surfaces and region values are synthetic heights, not counts of people, so the layers are
declared with ``Policy.off`` (no disclosure control to apply). ``--quick`` shrinks the grid to
64×64 with 4 steps and the regions to 60 (``harness.sized``): it proves the workloads run.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import moderngl
import numpy as np

from benchmarks.harness import FRAMES, WARMUP, FrameTimes, row, sized, time_frames, workload
from vizkit.clock import FrameState
from vizkit.colormap import Colormap
from vizkit.layers.regions import Regions
from vizkit.layers.terrain import Terrain
from vizkit.privacy import Policy
from vizkit.scene import Scene
from vizkit.targets.offscreen import OffscreenRenderer

ROOT = Path(__file__).resolve().parent.parent
PEERS = ROOT.parent / "shared" / "bench" / "peers"
SIZE = (1280, 720)
STEPS = sized(30, 4)
GRID = sized(1000, 64)          # vertices a side (the peers' GRID at full size)
REGIONS = sized(2000, 60)
SYNTHETIC = Policy.off("benchmark: synthetic heights, not about people")


def peers_common():
    """The peers' ``common`` module (data, camera, timing) — imported, not copied."""
    if str(PEERS) not in sys.path:
        sys.path.insert(0, str(PEERS))
    import common  # type: ignore[import-not-found]

    return common


def viridis() -> np.ndarray:
    """(256, 4) float32 viridis in 0–1 (cmap's table: the same for every implementation)."""
    return Colormap("viridis").lut().astype(np.float32) / 255.0


class ProcessCpu:
    """Process CPU time per frame (all threads: llvmpipe rasterises on worker threads)."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self._start = 0.0

    def wrap(self, issue, finish):
        def timed_issue(i: int) -> None:
            self._start = time.process_time()
            issue(i)

        def timed_finish() -> None:
            finish()
            self.samples.append(time.process_time() - self._start)

        return timed_issue, timed_finish

    def median_ms(self) -> float:
        timed = self.samples[-FRAMES:]
        return round(1000 * sorted(timed)[len(timed) // 2], 3)


def timed(issue, finish) -> tuple[FrameTimes, float]:
    """The harness's frame timing plus the median process CPU ms per frame."""
    cpu = ProcessCpu()
    times = time_frames(*cpu.wrap(issue, finish))
    return times, cpu.median_ms()


# -- vizkit ------------------------------------------------------------------------------------
class PeerCamera(Scene):
    """A scene whose camera follows the peers' orbit (frame index i → azimuth azim0 + i°)."""

    background = (0.08, 0.08, 0.1)

    def __init__(self, layer, cam, morph=None):
        super().__init__()
        self.layer, self.cam, self.morph = layer, cam, morph
        self.orbit = None
        self.add(layer)

    def update(self, frame: FrameState) -> None:
        common = peers_common()
        self.camera.position = tuple(common.eye(self.cam, frame.index))
        self.camera.target = self.cam["target"]
        self.camera.fov_y, self.camera.near, self.camera.far = self.cam["fov"], 0.1, 20.0
        if self.morph is not None:
            self.layer.time_index = self.morph(frame.index)


def terrain_series(common) -> np.ndarray:
    h0, h1 = common.heightfield(0, n=GRID), common.heightfield(7, n=GRID)
    k = (np.arange(STEPS, dtype=np.float32) / (STEPS - 1))[:, None, None]
    return (h0[None] * (1 - k) + h1[None] * k).astype(np.float32)


def vizkit_terrain_row(name: str, values: np.ndarray, morph: bool, light: str = "plain"):
    common = peers_common()
    n = values.shape[-1]
    d = 2.0 / (n - 1)                      # vertices at cell centres = the peers' linspace
    t0 = time.perf_counter()
    renderer = OffscreenRenderer(SIZE, samples=0)
    layer = Terrain(values, extent=(-1 - d / 2, -1 - d / 2, 1 + d / 2, 1 + d / 2),
                    domain=(0.0, 1.0), max_height=common.ZS, colormap="viridis", scale="linear",
                    sun=tuple(common.LIGHT), ambient=0.3, easing="linear", light=light,
                    policy=SYNTHETIC)
    scene = PeerCamera(layer, common.TERRAIN_CAM,
                       (lambda i: (STEPS - 1) * common.morph_t(i)) if morph else None)
    ctx = renderer.gpu.ctx

    def frame(i: int) -> None:
        renderer.draw(scene, FrameState(i / 30, 1 / 30, i))

    frame(0)
    ctx.finish()
    setup = time.perf_counter() - t0
    before = renderer.gpu.upload_bytes
    times, cpu = timed(frame, ctx.finish)
    uploaded = renderer.gpu.upload_bytes - before
    image = renderer.target.read()
    passes = layer._gpu_state.light_passes if layer._gpu_state is not None else 0
    scene.release()
    renderer.release()
    impl = "vizkit-terrain" + ("-morph" if morph else "") + ("-soft" if light != "plain" else "")
    return row(name, impl, times,
               process_cpu_ms_median=cpu, light=light, light_passes=passes,
               setup_s=round(setup, 3), upload_bytes_per_frame=uploaded // (FRAMES + WARMUP),
               lit_fraction=_lit(image), steps=STEPS,
               note=f"{STEPS} steps in one values buffer, bound per step pair; grid from "
               "gl_VertexID")


def _lit(image: np.ndarray) -> float:
    a = image[..., :3].astype(np.int16)
    return round(float((np.abs(a - a[0, 0]).max(axis=2) > 12).mean()), 3)


# -- raw moderngl floor -------------------------------------------------------------------------
FLOOR_VS = """#version 330
uniform mat4 mvp; uniform vec3 light; uniform sampler2D lut; uniform float zs; uniform float t;
in vec2 in_xy; in float in_h0; in float in_h1; in vec3 in_n0; in vec3 in_n1; out vec3 v_col;
void main() {
    float h = mix(in_h0, in_h1, t);
    vec3 n = normalize(mix(in_n0, in_n1, t));
    gl_Position = mvp * vec4(in_xy, zs * h, 1.0);
    v_col = texture(lut, vec2(h, 0.5)).rgb * (0.3 + 0.7 * max(dot(n, light), 0.0));
}"""
FLOOR_STATIC_VS = """#version 330
uniform mat4 mvp; uniform vec3 light; uniform sampler2D lut; uniform float zs;
in vec3 in_pos; in vec3 in_nrm; out vec3 v_col;
void main() {
    gl_Position = mvp * vec4(in_pos, 1.0);
    vec3 c = texture(lut, vec2(in_pos.z / zs, 0.5)).rgb;
    v_col = c * (0.3 + 0.7 * max(dot(in_nrm, light), 0.0));
}"""
FLOOR_FS = """#version 330
in vec3 v_col; out vec4 f_color;
void main() { f_color = vec4(v_col, 1.0); }"""


def floor_terrain_row(name: str, morph: bool):
    """The peers' moderngl floor (static-vbo, or gpu-shader-mix for the morph), in process."""
    common = peers_common()
    h0 = common.heightfield(0, n=GRID)
    h1 = common.heightfield(7, n=GRID) if morph else h0
    gx, gy = common.grid_xy(GRID)
    tri = common.grid_triangles(GRID)
    lut = viridis()
    n0 = common.normals(h0, GRID)
    n1 = common.normals(h1, GRID) if morph else n0
    t0 = time.perf_counter()
    ctx = moderngl.create_standalone_context(backend="egl")
    fbo = ctx.framebuffer(ctx.renderbuffer(SIZE), ctx.depth_renderbuffer(SIZE))
    tex = ctx.texture((256, 1), 4, (lut * 255).astype("u1").tobytes())
    tex.filter = (moderngl.LINEAR, moderngl.LINEAR)
    tex.repeat_x = tex.repeat_y = False
    ibo = ctx.buffer(tri.tobytes())
    if morph:
        prog = ctx.program(vertex_shader=FLOOR_VS, fragment_shader=FLOOR_FS)
        xy = np.stack([gx.ravel(), gy.ravel()], 1).astype("f4")
        vao = ctx.vertex_array(prog, [(ctx.buffer(xy.tobytes()), "2f", "in_xy"),
                                      (ctx.buffer(h0.tobytes()), "f", "in_h0"),
                                      (ctx.buffer(h1.tobytes()), "f", "in_h1"),
                                      (ctx.buffer(n0.tobytes()), "3f", "in_n0"),
                                      (ctx.buffer(n1.tobytes()), "3f", "in_n1")],
                               index_buffer=ibo, index_element_size=4)
    else:
        prog = ctx.program(vertex_shader=FLOOR_STATIC_VS, fragment_shader=FLOOR_FS)
        pos = np.stack([gx.ravel(), gy.ravel(), common.ZS * h0.ravel()], 1).astype("f4")
        data = np.hstack([pos, n0]).astype("f4")
        vao = ctx.vertex_array(prog, [(ctx.buffer(data.tobytes()), "3f 3f", "in_pos", "in_nrm")],
                               index_buffer=ibo, index_element_size=4)
    prog["light"].value = tuple(common.LIGHT)
    prog["zs"].value = common.ZS
    fbo.use()
    ctx.enable(moderngl.DEPTH_TEST)

    def frame(i: int) -> None:
        if morph:
            prog["t"].value = common.morph_t(i)
        prog["mvp"].write(common.mvp(common.TERRAIN_CAM, i).T.tobytes())
        fbo.clear(0.08, 0.08, 0.1, 1.0, depth=1.0)
        tex.use(0)
        vao.render(moderngl.TRIANGLES)

    frame(0)
    ctx.finish()
    setup = time.perf_counter() - t0
    times, cpu = timed(frame, ctx.finish)
    image = np.frombuffer(fbo.read(components=3), np.uint8).reshape(SIZE[1], SIZE[0], 3)[::-1]
    ctx.release()
    return row(name, "floor-moderngl" + ("-gpu-mix" if morph else "-static-vbo"), times,
               process_cpu_ms_median=cpu,
               setup_s=round(setup, 3), upload_bytes_per_frame=0, lit_fraction=_lit(image))


# -- vispy SurfacePlot, in a subprocess ---------------------------------------------------------
def vispy_surface(morph: bool) -> dict:
    """Run inside the subprocess: the peers' vispy_terrain.py (SurfacePlot, smooth shading),
    timed with this harness's protocol; returns one JSON-able dict."""
    os.environ.setdefault("EGL_PLATFORM", "surfaceless")
    import vispy

    vispy.use(app="egl")
    from vispy import scene
    from vispy.gloo import gl

    common = peers_common()
    h0 = common.heightfield(0)
    h1 = common.heightfield(7) if morph else h0
    x = np.linspace(-1, 1, common.GRID, dtype=np.float32)
    lut = viridis()

    def colors(h):
        return lut[np.clip((h.T * 255 + 0.5).astype(np.int32), 0, 255)]

    cam = common.TERRAIN_CAM
    t0 = time.perf_counter()
    canvas = scene.SceneCanvas(size=SIZE, show=False, bgcolor=(0.08, 0.08, 0.1, 1))
    view = canvas.central_widget.add_view()
    view.camera = scene.TurntableCamera(fov=cam["fov"], elevation=cam["elev"],
                                        azimuth=cam["azim0"] + 90, distance=cam["dist"],
                                        center=cam["target"])
    surf = scene.visuals.SurfacePlot(x=x, y=x, z=common.ZS * h0.T, shading="smooth",
                                     parent=view.scene)
    surf.set_data(colors=colors(h0))
    sf = surf.shading_filter
    sf.specular_light = (1, 1, 1, 0)
    sf.ambient_light = (1, 1, 1, 0.3)
    sf.diffuse_light = (1, 1, 1, 0.7)
    sf.light_dir = tuple(-v for v in common.LIGHT)
    uploaded = [0]

    def frame(i: int) -> None:
        view.camera.azimuth = cam["azim0"] + cam["dazim"] * i + 90
        if morph:
            t = common.morph_t(i)
            h = (1.0 - t) * h0 + t * h1
            z, c = common.ZS * h.T, colors(h)
            uploaded[0] += z.nbytes * 3 + c.nbytes   # positions + colours (normals on CPU)
            surf.set_data(z=z, colors=c)
        canvas.set_current()
        canvas.on_draw(None)
        canvas.context.flush_commands()

    frame(0)
    gl.glFinish()
    setup = time.perf_counter() - t0
    uploaded[0] = 0
    times, cpu = timed(frame, gl.glFinish)
    return dict(times=times.__dict__, setup_s=round(setup, 3), process_cpu_ms_median=cpu,
                upload_bytes_per_frame=uploaded[0] // (times.frames + WARMUP),
                vispy=vispy.__version__)


def vispy_row(name: str, morph: bool):
    env = dict(os.environ, EGL_PLATFORM="surfaceless", PYTHONPATH=str(ROOT),
               FRAMES=str(FRAMES), WARMUP=str(WARMUP), GRID=str(GRID))
    code = ("import json, benchmarks.bench_terrain as b; "
            f"print('RESULT', json.dumps(b.vispy_surface({morph})))")
    impl = "vispy-surfaceplot" + ("-set_data" if morph else "")
    try:
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                              text=True, timeout=1800, cwd=ROOT)
        line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    except Exception as exc:  # no vispy, no EGL: report, don't fail the other rows
        detail = getattr(exc, "stderr", "") or ""
        return row(name, impl, note=f"skipped: {type(exc).__name__} {detail[-200:]}")
    result = json.loads(line[len("RESULT "):])
    return row(name, impl, FrameTimes(**result["times"]), setup_s=result["setup_s"],
               process_cpu_ms_median=result["process_cpu_ms_median"],
               upload_bytes_per_frame=result["upload_bytes_per_frame"],
               note=f"vispy {result['vispy']} SurfacePlot, shading='smooth'"
               + (", set_data(z, colors) per frame" if morph else ""))


def _ratios(rows: list[dict]) -> dict:
    out = {}
    viz = next((r for r in rows if str(r["impl"]).startswith("vizkit")), None)
    floor = next((r for r in rows if str(r["impl"]).startswith("floor")), None)
    vispy = next((r for r in rows if str(r["impl"]).startswith("vispy")), None)
    for key, tag in (("ms_per_frame_median", ""), ("process_cpu_ms_median", "cpu_")):
        if viz and floor and viz.get(key) and floor.get(key):
            out[f"ratio_{tag}vizkit_to_floor"] = round(viz[key] / floor[key], 2)
        if viz and vispy and vispy.get(key) and viz.get(key):
            out[f"ratio_{tag}vispy_to_vizkit_frame"] = round(vispy[key] / viz[key], 2)
    if viz and vispy and vispy.get("setup_s"):
        out["ratio_vispy_to_vizkit_setup"] = round(vispy["setup_s"] / viz["setup_s"], 2)
    return out


@workload("terrain_1000")
def terrain_1000():
    """1000×1000 terrain (30 steps), static, 1280x720: floor, vizkit, vispy SurfacePlot."""
    common = peers_common()
    values = terrain_series(common)
    rows = [floor_terrain_row("terrain_1000", False),
            vizkit_terrain_row("terrain_1000", values, False),
            vispy_row("terrain_1000", False),
            vizkit_terrain_row("terrain_1000", values, False, light="soft")]
    rows[1].update(_ratios(rows[:3]))
    rows[3].update(_ratios([rows[0], rows[3], rows[2]]))
    yield from rows


@workload("terrain_1000_morph")
def terrain_1000_morph():
    """1000×1000 terrain morphing across 30 steps, 1280x720: floor mix, vizkit, vispy set_data."""
    common = peers_common()
    values = terrain_series(common)
    rows = [floor_terrain_row("terrain_1000_morph", True),
            vizkit_terrain_row("terrain_1000_morph", values, True),
            vispy_row("terrain_1000_morph", True),
            vizkit_terrain_row("terrain_1000_morph", values, True, light="soft")]
    rows[1].update(_ratios(rows[:3]))
    rows[3].update(_ratios([rows[0], rows[3], rows[2]]))
    yield from rows


# -- regions ------------------------------------------------------------------------------------
def lattice_regions(count: int = REGIONS, sides: int = 24, seed: int = 3):
    """``count`` 24-gon regions on a 50×40 lattice over [-1, 1]×[-0.8, 0.8], and (30, count)
    values: each region grows or shrinks smoothly over the years."""
    rng = np.random.default_rng(seed)
    cols = 50
    rows = -(-count // cols)
    spacing = 2.0 / cols
    angle = np.linspace(0, 2 * math.pi, sides, endpoint=False)
    geometry = {}
    for k in range(count):
        r, c = divmod(k, cols)
        cx, cy = -1 + (c + 0.5) * spacing, -0.8 + (r + 0.5) * 1.6 / rows
        radius = 0.42 * spacing
        ring = np.stack([cx + radius * np.cos(angle), cy + radius * np.sin(angle)], axis=1)
        geometry[f"R{k:04d}"] = [ring]
    base = rng.uniform(0.1, 1.0, count)
    trend = rng.uniform(-0.6, 0.6, count)
    years = np.linspace(0, 1, STEPS)[:, None]
    values = np.clip(base + trend * years, 0.05, 1.6)
    return geometry, values


def vizkit_regions_row(name: str, geometry, values, morph: bool, light: str = "plain"):
    common = peers_common()
    t0 = time.perf_counter()
    renderer = OffscreenRenderer(SIZE, samples=0)
    data = {code: values[:, i] for i, code in enumerate(geometry)}
    layer = Regions(geometry, data, domain=(0.0, 1.6), max_height=0.3, ambient=0.3, scale="linear",
                    sun=tuple(common.LIGHT), easing="linear", light=light, policy=SYNTHETIC)
    scene = PeerCamera(layer, common.TERRAIN_CAM,
                       (lambda i: (STEPS - 1) * common.morph_t(i)) if morph else None)
    ctx = renderer.gpu.ctx

    def frame(i: int) -> None:
        renderer.draw(scene, FrameState(i / 30, 1 / 30, i))

    frame(0)
    ctx.finish()
    setup = time.perf_counter() - t0
    before = renderer.gpu.upload_bytes
    times, cpu = timed(frame, ctx.finish)
    uploaded = renderer.gpu.upload_bytes - before
    image = renderer.target.read()
    vertices = layer.vertex_count
    triangles = len(layer.mesh.indices) // 3
    scene.release()
    renderer.release()
    return row(name, "vizkit-regions" + ("-morph" if morph else "")
               + ("-soft" if light != "plain" else ""), times, light=light,
               process_cpu_ms_median=cpu, setup_s=round(setup, 3),
               upload_bytes_per_frame=uploaded // (FRAMES + WARMUP),
               lit_fraction=_lit(image), vertices=vertices, triangles=triangles,
               note=f"{len(geometry)} prisms, {STEPS} years in a texture by region id")


REGIONS_FLOOR_VS = """#version 330
uniform mat4 mvp; uniform vec3 light; uniform sampler2D lut; uniform float t; uniform float zs;
in vec2 in_xy; in float in_top; in vec3 in_nrm; in float in_v0; in float in_v1; out vec3 v_col;
void main() {
    float v = mix(in_v0, in_v1, t) / 1.6;
    gl_Position = mvp * vec4(in_xy, in_top * zs * v, 1.0);
    v_col = texture(lut, vec2(v, 0.5)).rgb * (0.3 + 0.7 * max(dot(in_nrm, light), 0.0));
}"""


def floor_regions_row(name: str, geometry, values):
    """Raw moderngl: the same prism mesh, two years' values per vertex, mixed in the shader
    (a floor for the morph: it cannot go beyond two years without re-uploading)."""
    from vizkit.layers.prisms import build_prism_mesh, read_region_geometry

    common = peers_common()
    _codes, polygons = read_region_geometry(geometry, None, "floor")
    mesh = build_prism_mesh(polygons)
    lut = viridis()
    t0 = time.perf_counter()
    ctx = moderngl.create_standalone_context(backend="egl")
    fbo = ctx.framebuffer(ctx.renderbuffer(SIZE), ctx.depth_renderbuffer(SIZE))
    prog = ctx.program(vertex_shader=REGIONS_FLOOR_VS, fragment_shader=FLOOR_FS)
    tex = ctx.texture((256, 1), 4, (lut * 255).astype("u1").tobytes())
    tex.filter = (moderngl.LINEAR, moderngl.LINEAR)
    xy = mesh.vertices[:, :2] + np.array(mesh.origin[:2], np.float32)
    data = np.hstack([xy, mesh.vertices[:, 2:]]).astype("f4")
    v0 = values[0, mesh.region].astype("f4")
    v1 = values[-1, mesh.region].astype("f4")
    vao = ctx.vertex_array(prog, [(ctx.buffer(data.tobytes()), "2f 1f 3f", "in_xy", "in_top",
                                   "in_nrm"),
                                  (ctx.buffer(v0.tobytes()), "f", "in_v0"),
                                  (ctx.buffer(v1.tobytes()), "f", "in_v1")],
                           index_buffer=ctx.buffer(mesh.indices.tobytes()), index_element_size=4)
    prog["light"].value = tuple(common.LIGHT)
    prog["zs"].value = 0.3
    fbo.use()
    ctx.enable(moderngl.DEPTH_TEST)

    def frame(i: int) -> None:
        prog["t"].value = common.morph_t(i)
        prog["mvp"].write(common.mvp(common.TERRAIN_CAM, i).T.tobytes())
        fbo.clear(0.08, 0.08, 0.1, 1.0, depth=1.0)
        tex.use(0)
        vao.render(moderngl.TRIANGLES)

    frame(0)
    ctx.finish()
    setup = time.perf_counter() - t0
    times, cpu = timed(frame, ctx.finish)
    image = np.frombuffer(fbo.read(components=3), np.uint8).reshape(SIZE[1], SIZE[0], 3)[::-1]
    ctx.release()
    return row(name, "floor-moderngl-gpu-mix", times, setup_s=round(setup, 3),
               process_cpu_ms_median=cpu,
               upload_bytes_per_frame=0, lit_fraction=_lit(image),
               note="mesh prepared outside the timed setup; 2 years only")


@workload("regions_2000")
def regions_2000():
    """2,000 region prisms (240k vertices) animating between 30 years: floor, vizkit."""
    geometry, values = lattice_regions()
    rows = [floor_regions_row("regions_2000", geometry, values),
            vizkit_regions_row("regions_2000", geometry, values, False),
            vizkit_regions_row("regions_2000", geometry, values, True),
            vizkit_regions_row("regions_2000", geometry, values, True, light="soft")]
    rows[2].update(_ratios([rows[0], rows[2]]))
    rows[3].update(_ratios([rows[0], rows[3]]))
    yield from rows
