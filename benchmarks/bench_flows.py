"""Flow particles at 1280×720: vizkit Flows vs a raw-moderngl floor, a naive CPU-update +
re-upload implementation and vispy Markers, on the peers' W3 particles workload.

Workload (``../shared/bench/peers/common.py``, imported, so the numbers compare): N particles
on quadratic Bezier arcs between origin/destination points jittered around 60 "cities"
(seed 1), control point lifted by half the chord (so ``arc_height=0.25``, no bend, no spread),
speeds 0.1–0.4 trips per second, point size 2 px, additive blending (ONE, ONE), the fixed
PARTICLE_CAM camera, frames at ``t = i / 30``. For vizkit the N particles are an OD table of N
rows (origin code i, destination code N + i, volume 1) and a 2N-row location table, so the
1M workload is also the "1M-row OD table" setup measurement. Those rows are synthetic arcs of
one particle each, not people: the layer is told so with an explicit, logged
``Policy.off(reason)`` (under the default policy every 1-trip flow would be pooled and every
pool of one origin's single trip hidden — nothing would be left to draw).

``python -m benchmarks --quick`` runs every workload at a few thousand particles and 2 frames
(``harness.sized``): it proves they run, and its timings mean nothing.

Rows per workload:

* ``floor-moderngl`` — the peers' ``moderngl_particles.py --mode gpu``: static VBO of o, d,
  phase, speed; Bezier in the vertex shader; points added into an 8-bit target (the colours
  add up in display values and clip at white);
* ``floor-moderngl-hdr`` — the same raw program adding *light* into an RGBA16F target, then one
  full-screen pass (the tone map, sRGB encoding by the GL): the least raw moderngl pays for a
  picture that adds light and never burns out, which is what vizkit draws;
* ``vizkit-flows-points`` — the same particles through Scene → Renderer → Flows at quality
  ``draft`` (no MSAA, like the floors): HDR, tone-mapped; ``ratio_to_floor_hdr`` compares it
  with its floor;
* ``vizkit-flows-points-8bit`` — the same at precision ``u1`` (the plain pipeline: 8-bit sRGB,
  no tone map, drawn straight into the output), against ``floor-moderngl``;
* ``vizkit-flows-lines`` (the default trail) and ``vizkit-flows-streaks``;
* ``naive-cpu-reupload`` (numpy positions + ``vbo.write`` every frame) and ``vispy-markers``
  (``scene.visuals.Markers`` + ``set_data`` per frame, run in a subprocess with
  ``EGL_PLATFORM=surfaceless``).

Every row also reports ``process_cpu_ms_median``: the CPU time of the whole process per frame
(llvmpipe's threads included), which load from other processes on a shared machine disturbs
far less than wall time. ``flows_trails`` compares the trail techniques.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import moderngl
import numpy as np
import pandas as pd

from benchmarks.harness import FRAMES, WARMUP, FrameTimes, row, sized, workload
from vizkit.clock import FrameState
from vizkit.gpu import GpuContext
from vizkit.layers.flows import Flows
from vizkit.look import Quality, quality_named
from vizkit.privacy import Policy
from vizkit.scene import Scene
from vizkit.targets.offscreen import OffscreenRenderer

ROOT = Path(__file__).resolve().parent.parent
PEERS = ROOT.parent / "shared" / "bench" / "peers"
SIZE = (1280, 720)
FRAME_DT = 1.0 / 30.0


def peers_common():
    """The peers' ``common`` module (data, camera, colour) — imported, not copied."""
    if str(PEERS) not in sys.path:
        sys.path.insert(0, str(PEERS))
    import common  # type: ignore[import-not-found]

    return common


def od_tables(particles) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The peers' particles as an OD table (one row per particle) and its location table."""
    n = particles.n
    od = pd.DataFrame({"origin": np.arange(n, dtype=np.int64),
                       "destination": np.arange(n, 2 * n, dtype=np.int64),
                       "volume": np.ones(n)})
    xy = np.concatenate([particles.o, particles.d]).astype(np.float64)
    places = pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1]}, index=np.arange(2 * n))
    return od, places


SYNTHETIC = "benchmark particles: synthetic arcs of one particle per row, not people"


def flows_for(od: pd.DataFrame, places: pd.DataFrame, common, trail: str) -> Flows:
    r, g, b, a = common.PCOLOR
    return Flows(od, places, particles_per_unit=1.0, trail=trail, size_px=2.0,
                 color=(r, g, b), intensity=a, arc_height=0.25, bend=0.0, spread=0.0,
                 trip_seconds=4.0, speed_jitter=0.6, tail=0.05, same_place="ring",
                 policy=Policy.off(SYNTHETIC))


class BenchScene(Scene):
    """The peers' fixed particle camera looking at one layer."""

    background = (0.0, 0.0, 0.0)

    def __init__(self, layer, common):
        super().__init__()
        self.orbit = None
        cam = common.PARTICLE_CAM
        self.camera.position = tuple(float(v) for v in common.eye(cam, 0))
        self.camera.target = cam["target"]
        self.camera.fov_y, self.camera.near, self.camera.far = cam["fov"], 0.1, 20.0
        self.add(layer)


class Impl:
    """One implementation of the workload, set up in a shared context: ``frame(i)`` issues a
    frame, ``setup_s`` runs from its first call to its first finished frame, ``uploaded``
    counts bytes written to the GL since set-up."""

    name: str
    setup_s: float
    note: str = ""

    def frame(self, i: int) -> None:
        raise NotImplementedError

    def uploaded(self) -> int:
        return 0

    def release(self) -> None:
        pass


PLAIN = quality_named("draft").but(precision="u1")   # 8-bit sRGB, no tone map: the old picture


class VizkitImpl(Impl):
    """Flows in a Scene drawn by the offscreen renderer at a quality (default ``draft``: no
    MSAA, as the floors; HDR and the tone map)."""

    def __init__(self, gpu: GpuContext, od, places, common, trail: str,
                 quality: Quality | str = "draft", name: str | None = None):
        self.name = name or f"vizkit-flows-{trail}"
        t0 = time.perf_counter()
        self.renderer = OffscreenRenderer(SIZE, samples=0, quality=quality, gpu=gpu)
        t_build = time.perf_counter()
        self.flows = flows_for(od, places, common, trail)
        t_upload = time.perf_counter()
        self.flows.prepare(gpu)
        t_frame = time.perf_counter()
        self.scene = BenchScene(self.flows, common)
        self.frame(0)
        gpu.ctx.finish()
        t_end = time.perf_counter()
        self.setup_s = t_end - t0
        self.note = (f"setup: Flows() from the {len(od):,}-row OD table "
                     f"{t_upload - t_build:.2f} s, upload {t_frame - t_upload:.2f} s, first "
                     f"frame {t_end - t_frame:.2f} s; {self.flows.particle_count:,} particles")
        self.gpu, self._bytes = gpu, gpu.upload_bytes

    def frame(self, i: int) -> None:
        self.renderer.draw(self.scene, FrameState(i * FRAME_DT, FRAME_DT, i))

    def uploaded(self) -> int:
        return self.gpu.upload_bytes - self._bytes

    def image(self) -> np.ndarray:
        return self.renderer.target.read()

    def release(self) -> None:
        self.scene.release()
        self.renderer.release()


FLOOR_VS = """#version 330
uniform mat4 mvp; uniform float time;
in vec2 in_o; in vec2 in_d; in float in_phase; in float in_speed;
void main() {
    float s = fract(in_phase + in_speed * time), u = 1.0 - s;
    vec3 O = vec3(in_o, 0.0), D = vec3(in_d, 0.0);
    vec3 Cp = vec3(0.5 * (in_o + in_d), 0.5 * length(in_d - in_o));
    gl_Position = mvp * vec4(u * u * O + 2.0 * s * u * Cp + s * s * D, 1.0);
}"""
CPU_VS = """#version 330
uniform mat4 mvp; in vec3 in_pos;
void main() { gl_Position = mvp * vec4(in_pos, 1.0); }"""
FLOOR_FS = """#version 330
uniform vec4 color; out vec4 f_color;
void main() { f_color = vec4(color.rgb * color.a, 1.0); }"""
TONE_VS = """#version 330
void main() {
    vec2 p = vec2(float((gl_VertexID & 1) << 2) - 1.0, float((gl_VertexID & 2) << 1) - 1.0);
    gl_Position = vec4(p, 0.0, 1.0);
}"""
TONE_FS = """#version 330
uniform sampler2D light; out vec4 f_color;
void main() {
    vec3 c = texelFetch(light, ivec2(gl_FragCoord.xy), 0).rgb;
    float m = max(max(c.r, c.g), c.b), k = 0.603827, u = max(m - k, 0.0) / (1.0 - k);
    f_color = vec4(m > k ? c * ((k + (1.0 - k) * u / (1.0 + u)) / m) : c, 1.0);
}"""


class HdrFloorImpl(Impl):
    """The floor's program adding light into RGBA16F, then one full-screen pass (a tone map
    on light, written to an 8-bit sRGB texture that the GL encodes): raw moderngl's least cost
    for a picture that never burns out."""

    def __init__(self, gpu: GpuContext, particles, common):
        self.name = "floor-moderngl-hdr"
        t0 = time.perf_counter()
        ctx = self.ctx = gpu.ctx
        static = np.hstack([particles.o, particles.d, particles.phase[:, None],
                            particles.speed[:, None]]).astype("f4")
        self.prog = ctx.program(vertex_shader=FLOOR_VS, fragment_shader=FLOOR_FS)
        self.vbo = ctx.buffer(static.tobytes())
        self.vao = ctx.vertex_array(self.prog, [(self.vbo, "2f 2f f f", "in_o", "in_d",
                                                 "in_phase", "in_speed")])
        self.prog["mvp"].write(common.mvp(common.PARTICLE_CAM, 0).T.tobytes())
        self.prog["color"].value = common.PCOLOR
        self.light = ctx.texture(SIZE, 4, dtype="f2")
        self.hdr = ctx.framebuffer([self.light])
        self.out_tex = ctx.texture(SIZE, 4, internal_format=0x8C43)   # GL_SRGB8_ALPHA8
        self.out = ctx.framebuffer([self.out_tex])
        self.tone = ctx.program(vertex_shader=TONE_VS, fragment_shader=TONE_FS)
        self.quad = ctx.vertex_array(self.tone, [])
        self.frame(0)
        ctx.finish()
        self.setup_s = time.perf_counter() - t0

    def frame(self, i: int) -> None:
        ctx = self.ctx
        self.prog["time"].value = i * FRAME_DT
        with ctx.scope(self.hdr, enable_only=moderngl.BLEND):
            ctx.point_size = 2.0
            ctx.blend_func = moderngl.ONE, moderngl.ONE
            self.hdr.clear(0.0, 0.0, 0.0, 1.0)
            self.vao.render(moderngl.POINTS)
        with ctx.scope(self.out, enable_only=moderngl.NOTHING):
            ctx.enable_direct(0x8DB9)   # GL_FRAMEBUFFER_SRGB: the GL encodes the light
            self.light.use(0)
            self.quad.render(moderngl.TRIANGLES, vertices=3)
            ctx.disable_direct(0x8DB9)

    def release(self) -> None:
        for obj in (self.quad, self.tone, self.out, self.out_tex, self.hdr, self.light,
                    self.vao, self.vbo, self.prog):
            obj.release()


class RawImpl(Impl):
    """The peers' moderngl_particles.py: ``gpu`` = the floor (static VBO, Bezier in the
    vertex shader), ``cpu`` = naive numpy positions + ``vbo.write`` every frame."""

    def __init__(self, gpu: GpuContext, mode: str, particles, common):
        self.name = "floor-moderngl" if mode == "gpu" else "naive-cpu-reupload"
        t0 = time.perf_counter()
        ctx = self.ctx = gpu.ctx
        self.mode, self.particles = mode, particles
        self.fbo = ctx.framebuffer(ctx.renderbuffer(SIZE))
        if mode == "gpu":
            static = np.hstack([particles.o, particles.d, particles.phase[:, None],
                                particles.speed[:, None]]).astype("f4")
            self.prog = ctx.program(vertex_shader=FLOOR_VS, fragment_shader=FLOOR_FS)
            self.vbo = ctx.buffer(static.tobytes())
            self.vao = ctx.vertex_array(self.prog, [(self.vbo, "2f 2f f f", "in_o", "in_d",
                                                     "in_phase", "in_speed")])
        else:
            self.prog = ctx.program(vertex_shader=CPU_VS, fragment_shader=FLOOR_FS)
            self.vbo = ctx.buffer(reserve=particles.n * 12, dynamic=True)
            self.vao = ctx.vertex_array(self.prog, [(self.vbo, "3f", "in_pos")])
        self.prog["mvp"].write(common.mvp(common.PARTICLE_CAM, 0).T.tobytes())
        self.prog["color"].value = common.PCOLOR
        self.bytes = 0
        self.frame(0)
        ctx.finish()
        self.setup_s = time.perf_counter() - t0
        self.bytes = 0

    def frame(self, i: int) -> None:
        ctx, t = self.ctx, i * FRAME_DT
        if self.mode == "gpu":
            self.prog["time"].value = t
        else:
            data = self.particles.positions(t)
            self.vbo.write(data.tobytes())
            self.bytes += data.nbytes
        with ctx.scope(self.fbo, enable_only=moderngl.BLEND):
            ctx.point_size = 2.0
            ctx.blend_func = moderngl.ONE, moderngl.ONE
            self.fbo.clear(0.0, 0.0, 0.0, 1.0)
            self.vao.render(moderngl.POINTS)

    def uploaded(self) -> int:
        return self.bytes

    def release(self) -> None:
        for obj in (self.vao, self.vbo, self.prog, self.fbo):
            obj.release()


class DrawClock:
    """Time spent inside ``VertexArray.render`` (the GL draw calls). On llvmpipe the vertex
    shader runs inside the draw call on the calling thread, so "CPU issue time" grows with the
    particle count for *any* GL program; issue time minus draw-call time is the library's own
    per-frame CPU work, which is what must not grow with N."""

    def __init__(self) -> None:
        self.seconds = 0.0  # this thread's CPU time (time.thread_time) inside draw calls
        self._original = moderngl.VertexArray.render

    def __enter__(self) -> DrawClock:
        original, clock = self._original, self

        def timed(vao, *args, **kwargs):
            t0 = time.thread_time()
            try:
                return original(vao, *args, **kwargs)
            finally:
                clock.seconds += time.thread_time() - t0

        moderngl.VertexArray.render = timed
        return self

    def __exit__(self, *exc: object) -> None:
        moderngl.VertexArray.render = self._original


def interleaved(impls: list[Impl], finish
                ) -> tuple[list[FrameTimes], list[float], list[float]]:
    """The harness protocol (``WARMUP`` frames, then ``FRAMES`` timed, median), with the
    implementations' frames interleaved round-robin so that load from other processes on a
    shared machine falls on all of them alike. Also returns each one's median issue time
    outside GL draw calls (ms), as this thread's CPU time (``time.thread_time``) so that time
    the thread spends descheduled by other processes does not count, and its median process
    CPU time per frame (ms, ``time.process_time``: every thread, llvmpipe's included)."""
    total: list[list[float]] = [[] for _ in impls]
    issue: list[list[float]] = [[] for _ in impls]
    own: list[list[float]] = [[] for _ in impls]
    process: list[list[float]] = [[] for _ in impls]
    with DrawClock() as draws:
        for i in range(1, WARMUP + FRAMES + 1):
            for k, impl in enumerate(impls):
                drawn = draws.seconds
                p0 = time.process_time()
                c0 = time.thread_time()
                t0 = time.perf_counter()
                impl.frame(i)
                t1 = time.perf_counter()
                c1 = time.thread_time()
                finish()
                t2 = time.perf_counter()
                p2 = time.process_time()
                if i > WARMUP:
                    total[k].append((t2 - t0) * 1e3)
                    issue[k].append((t1 - t0) * 1e3)
                    own[k].append((c1 - c0 - (draws.seconds - drawn)) * 1e3)
                    process[k].append((p2 - p0) * 1e3)
    out = []
    for tot, cpu in zip(total, issue, strict=True):
        q = statistics.quantiles(tot, n=10) if len(tot) >= 2 else [tot[0]] * 9
        out.append(FrameTimes(statistics.median(tot), statistics.median(cpu), q[0], q[-1],
                              len(tot)))
    return (out, [statistics.median(x) for x in own],
            [statistics.median(x) for x in process])


def measure(name: str, impls: list[Impl], gpu: GpuContext,
            against: dict[str, str] | None = None):
    """Rows for ``impls`` timed together; ``against`` maps an implementation to the floor it
    is compared with besides the first (``ratio_to_<floor>``: wall and process CPU time)."""
    base = [impl.uploaded() for impl in impls]
    all_times, own, process = interleaved(impls, gpu.ctx.finish)
    index = {impl.name: k for k, impl in enumerate(impls)}
    for k, (impl, times) in enumerate(zip(impls, all_times, strict=True)):
        frames = WARMUP + times.frames
        per_frame = (impl.uploaded() - base[k]) // frames
        extra: dict[str, object] = {"note": impl.note} if impl.note else {}
        floor = (against or {}).get(impl.name)
        if floor is not None and floor in index:
            j = index[floor]
            extra[f"ratio_to_{floor}"] = (
                f"{times.ms_per_frame_median / all_times[j].ms_per_frame_median:.2f}x wall, "
                f"{process[k] / process[j]:.2f}x process CPU")
        yield row(name, impl.name, times, setup_s=round(impl.setup_s, 3),
                  process_cpu_ms_median=round(process[k], 3),
                  upload_bytes_per_frame=int(per_frame),
                  issue_outside_draw_ms=round(own[k], 3),
                  note_issue=f"CPU issue outside GL draw calls (thread CPU) {own[k]:.3f} ms",
                  **extra)
    for impl in impls:
        impl.release()


# -- vispy Markers, in a subprocess (its own EGL display, EGL_PLATFORM=surfaceless) ----------
def vispy_markers(n: int) -> dict:
    """Run inside the subprocess: the peers' vispy_particles.py --mode markers, timed with
    this harness's protocol; prints one JSON object."""
    os.environ.setdefault("EGL_PLATFORM", "surfaceless")
    import vispy

    vispy.use(app="egl")
    from vispy import scene
    from vispy.gloo import gl

    from benchmarks.harness import time_frames as timer

    common = peers_common()
    particles = common.Particles(n)
    cam = common.PARTICLE_CAM
    t0 = time.perf_counter()
    canvas = scene.SceneCanvas(size=SIZE, show=False, bgcolor="black")
    view = canvas.central_widget.add_view()
    view.camera = scene.TurntableCamera(fov=cam["fov"], elevation=cam["elev"],
                                        azimuth=cam["azim0"] + 90, distance=cam["dist"],
                                        center=cam["target"])
    markers = scene.visuals.Markers(parent=view.scene)
    markers.set_gl_state("additive", depth_test=False)
    uploaded = [0]

    def frame(i: int) -> None:
        data = particles.positions(i * FRAME_DT)
        uploaded[0] += data.nbytes
        markers.set_data(data, size=2, edge_width=0, face_color=common.PCOLOR)
        canvas.set_current()
        canvas.on_draw(None)
        canvas.context.flush_commands()

    frame(0)
    gl.glFinish()
    setup = time.perf_counter() - t0
    uploaded[0] = 0
    times = timer(frame, gl.glFinish)
    return dict(times=times.__dict__, setup_s=round(setup, 3),
                upload_bytes_per_frame=uploaded[0] // (times.frames + WARMUP),
                vispy=vispy.__version__)


def vispy_row(name: str, n: int):
    env = dict(os.environ, EGL_PLATFORM="surfaceless", PYTHONPATH=str(ROOT),
               FRAMES=str(FRAMES), WARMUP=str(WARMUP))
    code = ("import json, benchmarks.bench_flows as b; "
            f"print('RESULT', json.dumps(b.vispy_markers({n})))")
    try:
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                              text=True, timeout=900, cwd=ROOT)
        line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    except Exception as exc:  # no vispy, no EGL: report, don't fail the other rows
        detail = getattr(exc, "stderr", "") or ""
        return row(name, "vispy-markers", note=f"skipped: {type(exc).__name__} {detail[-200:]}")
    result = json.loads(line[len("RESULT "):])
    return row(name, "vispy-markers", FrameTimes(**result["times"]), setup_s=result["setup_s"],
               upload_bytes_per_frame=result["upload_bytes_per_frame"],
               note=f"vispy {result['vispy']} Markers + set_data(numpy) per frame")


def particle_rows(name: str, n: int, *, extras: bool = True):
    common = peers_common()
    particles = common.Particles(n)
    od, places = od_tables(particles)
    gpu = GpuContext.offscreen()
    impls: list[Impl] = [RawImpl(gpu, "gpu", particles, common),
                         HdrFloorImpl(gpu, particles, common),
                         VizkitImpl(gpu, od, places, common, "points"),
                         VizkitImpl(gpu, od, places, common, "points", PLAIN,
                                    "vizkit-flows-points-8bit")]
    if extras:
        impls += [VizkitImpl(gpu, od, places, common, "lines"),
                  VizkitImpl(gpu, od, places, common, "streaks"),
                  RawImpl(gpu, "cpu", particles, common)]
    hdr = "floor-moderngl-hdr"
    yield from measure(name, impls, gpu, {
        "vizkit-flows-points": hdr, "vizkit-flows-lines": hdr, "vizkit-flows-streaks": hdr,
        "naive-cpu-reupload": "vizkit-flows-points"})
    gpu.release()
    if extras:
        yield vispy_row(name, n)


@workload("flows_1k")
def flows_1k():
    """1k flow particles, 1280x720: floor and vizkit (the base of the CPU issue-time ratio)."""
    yield from particle_rows("flows_1k", sized(1_000, 200), extras=False)


@workload("flows_100k")
def flows_100k():
    """100k flow particles, 1280x720: floor, vizkit, streaks, naive re-upload, vispy Markers."""
    yield from particle_rows("flows_100k", sized(100_000, 2_000))


@workload("flows_1m")
def flows_1m():
    """1M flow particles (a 1M-row OD table), 1280x720: as flows_100k."""
    yield from particle_rows("flows_1m", sized(1_000_000, 5_000))


# -- trail techniques ----------------------------------------------------------------------------
DECAY_VS = """#version 330
out vec2 v_uv;
void main() {
    vec2 p = vec2(float((gl_VertexID & 1) << 2) - 1.0, float((gl_VertexID & 2) << 1) - 1.0);
    v_uv = 0.5 * p + 0.5;
    gl_Position = vec4(p, 0.0, 1.0);
}"""
DECAY_FS = """#version 330
uniform sampler2D t_previous; uniform float u_keep;
in vec2 v_uv; out vec4 f_color;
void main() { f_color = vec4(texture(t_previous, v_uv).rgb * u_keep, 1.0); }"""


class PingPongImpl(Impl):
    """Decaying trail texture: each frame, previous × keep → next (a full-screen pass), the
    particles added into next as points, next composited additively over the cleared scene
    (a second full-screen pass); the two RGBA16F textures swap roles every frame."""

    def __init__(self, gpu: GpuContext, od, places, common, keep: float = 0.85):
        self.name = "trail-pingpong-decay"
        self.note = "2 full-screen RGBA16F passes + points; history-dependent picture"
        t0 = time.perf_counter()
        ctx = self.ctx = gpu.ctx
        self.flows = flows_for(od, places, common, "points")
        self.flows.prepare(gpu)
        self.scene = BenchScene(self.flows, common)
        self.group = group = gpu.group("pingpong")
        self.textures = [group.own(ctx.texture(SIZE, 4, dtype="f2")) for _ in range(2)]
        self.buffers = [group.own(ctx.framebuffer([tex])) for tex in self.textures]
        self.screen = group.own(ctx.framebuffer(
            [group.own(ctx.renderbuffer(SIZE, 4))], group.own(ctx.depth_renderbuffer(SIZE))))
        self.prog = group.own(ctx.program(vertex_shader=DECAY_VS, fragment_shader=DECAY_FS))
        self.quad = group.own(ctx.vertex_array(self.prog, []))
        self.keep = keep
        for fb in self.buffers:
            fb.clear(0.0, 0.0, 0.0, 1.0)
        self.frame(0)
        ctx.finish()
        self.setup_s = time.perf_counter() - t0

    def frame(self, i: int) -> None:
        ctx = self.ctx
        state = FrameState(i * FRAME_DT, FRAME_DT, i)
        self.scene.advance(state)
        view = self.scene.view_state(SIZE, state)
        previous, current = self.textures[i % 2], self.buffers[(i + 1) % 2]
        with ctx.scope(current, enable_only=moderngl.NOTHING):
            current.viewport = (0, 0, *SIZE)
            previous.use(location=0)
            self.prog["t_previous"].value = 0
            self.prog["u_keep"].value = self.keep
            self.quad.render(moderngl.TRIANGLE_STRIP, vertices=4)
            self.flows.draw(view)
        with ctx.scope(self.screen, enable_only=moderngl.BLEND):
            self.screen.clear(0.0, 0.0, 0.0, 1.0, depth=1.0)
            ctx.blend_func = moderngl.ONE, moderngl.ONE
            self.textures[(i + 1) % 2].use(location=0)
            self.prog["u_keep"].value = 1.0
            self.quad.render(moderngl.TRIANGLE_STRIP, vertices=4)
            ctx.blend_func = moderngl.DEFAULT_BLENDING

    def image(self) -> np.ndarray:
        raw = self.screen.read(components=4, alignment=1)
        return np.frombuffer(raw, np.uint8).reshape(SIZE[1], SIZE[0], 4)[::-1]

    def release(self) -> None:
        self.group.release()
        self.scene.release()


def trail_rows(name: str, n: int):
    common = peers_common()
    particles = common.Particles(n)
    od, places = od_tables(particles)
    gpu = GpuContext.offscreen()
    impls = [VizkitImpl(gpu, od, places, common, "points", name="floor-points-no-trail"),
             VizkitImpl(gpu, od, places, common, "lines", name="trail-lines"),
             VizkitImpl(gpu, od, places, common, "streaks", name="trail-streaks"),
             PingPongImpl(gpu, od, places, common)]
    yield from measure(name, impls, gpu)
    gpu.release()


@workload("flows_trails_100k")
def flows_trails_100k():
    """Trail techniques at 100k particles: no trail, instanced streaks, ping-pong decay."""
    yield from trail_rows("flows_trails_100k", sized(100_000, 2_000))


@workload("flows_trails_1m")
def flows_trails_1m():
    """Trail techniques at 1M particles: no trail, instanced streaks, ping-pong decay."""
    yield from trail_rows("flows_trails_1m", sized(1_000_000, 5_000))
