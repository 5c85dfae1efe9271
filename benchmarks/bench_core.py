"""Core workload: the example scene (scenes/heightfield.py) at 1280×720 (320×180 under
``--quick``), vizkit vs a raw floor.

The floor draws the same picture with plain moderngl: heights, normals and colours computed
once on the CPU into a static vertex buffer, one draw call per frame, the same camera path.
vizkit computes heights and normals in the vertex shader from a texture; the ratio says what
the scene/layer machinery costs on top of the GL.
"""

from __future__ import annotations

import time
from pathlib import Path

import moderngl
import numpy as np

from benchmarks.harness import row, sized, time_interleaved, workload
from vizkit.clock import Clock
from vizkit.gpu import GpuContext
from vizkit.layers.terrain import grid_indices
from vizkit.script import load_target
from vizkit.targets.offscreen import OffscreenRenderer

ROOT = Path(__file__).resolve().parent.parent
SIZE = (sized(1280, 320), sized(720, 180))

FLOOR_VS = """
#version 330 core
uniform mat4 u_mvp;
in vec3 a_position; in vec3 a_normal; in vec3 a_color;
out vec3 v_normal; out vec3 v_color;
void main() { v_normal = a_normal; v_color = a_color; gl_Position = u_mvp * vec4(a_position, 1.0); }
"""
FLOOR_FS = """
#version 330 core
uniform vec3 u_to_sun; uniform float u_ambient;
in vec3 v_normal; in vec3 v_color; out vec4 f_color;
void main() {
    float d = max(dot(normalize(v_normal), u_to_sun), 0.0);
    f_color = vec4(v_color * (u_ambient + (1.0 - u_ambient) * d), 1.0);
}
"""


def floor_vertices(terrain) -> np.ndarray:
    """Positions (relative to the terrain origin), normals and colours of every grid vertex."""
    values = terrain.values[0].astype(np.float64)
    h, w = values.shape
    cx, cy = terrain.cell_size
    level = np.sqrt(np.maximum(values, 0)) if terrain.scale == "sqrt" else values
    lo, hi = (np.sqrt(terrain.domain) if terrain.scale == "sqrt" else np.array(terrain.domain))
    level = np.clip((level - lo) / (hi - lo), 0, 1)
    z = level * terrain.max_height * terrain.exaggeration
    rows, cols = np.mgrid[0:h, 0:w]
    dzdy, dzdx = np.gradient(z, cy, cx)
    normals = np.dstack([-dzdx, -dzdy, np.ones_like(z)])
    normals /= np.linalg.norm(normals, axis=2, keepdims=True)
    lut = terrain.colormap.lut()[:, :3] / 255.0
    colours = lut[np.round(level * 255).astype(int)]
    positions = np.dstack([(cols + 0.5) * cx, (rows + 0.5) * cy, z])
    return np.concatenate([positions, normals, colours], axis=2).reshape(-1, 9).astype("f4")


@workload("example_scene")
def example_scene():
    """scenes/heightfield.py at 1280x720: vizkit vs raw moderngl floor, same camera path."""
    # the scene's own grid is small; --quick shrinks the frame and the frame count
    name = "example_scene"
    target = load_target(ROOT / "scenes" / "heightfield.py")
    clock = Clock(30.0)

    # -- vizkit ------------------------------------------------------------------------------
    t0 = time.perf_counter()
    renderer = OffscreenRenderer(SIZE, samples=0)
    scene = target.create()
    renderer.draw(scene, clock.frame(0))
    renderer.gpu.ctx.finish()
    setup = time.perf_counter() - t0
    uploads = renderer.gpu.upload_bytes
    terrain = scene.layers[0]

    # -- floor: the same picture in plain moderngl ---------------------------------------------
    t0 = time.perf_counter()
    gpu = GpuContext.offscreen()
    ctx = gpu.ctx
    fbo = ctx.framebuffer([ctx.renderbuffer(SIZE, 4)], ctx.depth_renderbuffer(SIZE))
    prog = ctx.program(vertex_shader=FLOOR_VS, fragment_shader=FLOOR_FS)
    h, w = terrain.grid_shape
    vbo = ctx.buffer(floor_vertices(terrain).tobytes())
    ibo = ctx.buffer(grid_indices(w, h).tobytes())
    vao = ctx.vertex_array(prog, [(vbo, "3f 3f 3f", "a_position", "a_normal", "a_color")],
                           index_buffer=ibo)
    sun = np.asarray(terrain.sun, float)
    prog["u_to_sun"].value = tuple(sun / np.linalg.norm(sun))
    prog["u_ambient"].value = terrain.ambient
    origin = (terrain.extent[0], terrain.extent[1], 0.0)

    def floor_frame(i: int) -> None:
        gpu.make_current()
        scene.advance(clock.frame(i))  # same camera path (CPU cost of the orbit is tiny)
        view = scene.view_state(SIZE, clock.frame(i))
        prog["u_mvp"].write(np.ascontiguousarray(view.model_view_projection(origin).T))
        fbo.use()
        ctx.enable(moderngl.DEPTH_TEST)
        fbo.clear(*scene.background, 1.0)
        vao.render(moderngl.TRIANGLES)

    floor_frame(0)
    ctx.finish()
    floor_setup = time.perf_counter() - t0

    # -- both, frame by frame in turn, so machine load drifts equally on them ------------------
    times = time_interleaved({
        "vizkit": (lambda i: renderer.draw(scene, clock.frame(i)), renderer.gpu.ctx.finish),
        "floor": (floor_frame, ctx.finish)})
    per_frame_upload = (renderer.gpu.upload_bytes - uploads) // max(times["vizkit"].frames, 1)
    yield row(name, "vizkit", times["vizkit"], setup_s=round(setup, 3),
              upload_bytes_per_frame=int(per_frame_upload))
    yield row(name, "floor-moderngl", times["floor"], setup_s=round(floor_setup, 3),
              upload_bytes_per_frame=0)
    for obj in (vao, ibo, vbo, prog, fbo):
        obj.release()
    gpu.release()
    scene.release()
    renderer.release()
