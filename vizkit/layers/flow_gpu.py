"""The GPU side of :class:`vizkit.layers.flows.Flows`: what is uploaded once, and the draw.

Uploaded once from a :class:`~vizkit.layers.flow_style.DrawPlan`:

* a **particle buffer** of ``(flow index, seed)`` pairs, 8 bytes per particle — the seed is also
  the particle's rank within its flow;
* a **flow texture** with each flow's endpoints, location ids and style;
* a **count texture** with each flow's particle count per time bin;
* the palette, as linear light (RGBA32F), so the shaders add colours without decoding them.

The vertex shader derives every particle's position from those and ``u_time``
(``vizkit/shaders/flows/particles.vert``), so a frame sets a handful of uniforms whatever the
number of particles, and the same ``t`` always gives the same picture. :meth:`FlowGpu.probe`
runs the same shader through transform feedback to read positions back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import moderngl
import numpy as np
import numpy.typing as npt

from vizkit.gpu import GpuContext, ResourceGroup
from vizkit.layers import flow_style
from vizkit.layers.flow_style import DrawPlan
from vizkit.view import ViewState

TEXTURE_WIDTH = 4096  # flow and count textures wrap rows at this width (as flow.glsl reads them)
ARC_SEGMENTS = 48
SOFT_POINT_PX = 3.0  # points at least this wide on screen are soft discs, smaller ones flat


@dataclass(frozen=True)
class ParticleSample:
    """Particle state read back from the GPU for one time (see :meth:`Flows.particles_at`).

    Attributes:
        position: ``(P, 3) float64`` world metres.
        visible: ``(P,) bool`` — shown at that time bin.
        flow: ``(P,) int64`` index into :attr:`Flows.flows`.
        rank: ``(P,) int64`` rank of the particle within its flow (its seed).
    """

    position: npt.NDArray[np.float64]
    visible: npt.NDArray[np.bool_]
    flow: npt.NDArray[np.int64]
    rank: npt.NDArray[np.int64]


def wrapped_texture(gpu: GpuContext, group: ResourceGroup, values: np.ndarray,
                    components: int) -> moderngl.Texture:
    """A float32 texture of ``values`` in rows of ``TEXTURE_WIDTH`` texels (one shorter row
    when there are fewer)."""
    flat = np.ascontiguousarray(values, np.float32).reshape(-1, components)
    rows = max(1, math.ceil(len(flat) / TEXTURE_WIDTH))
    width = TEXTURE_WIDTH if rows > 1 else max(len(flat), 1)
    if rows > 16384:
        raise ValueError(f"too many flows × time bins for one texture ({len(flat)} texels)")
    padded = np.zeros((rows * width, components), np.float32)
    padded[:len(flat)] = flat
    return gpu.texture(group, (width, rows), components, padded, dtype="f4",
                       filter_linear=False)


def linear_palette(palette: np.ndarray) -> npt.NDArray[np.float32]:
    """``(256, 4)`` sRGB bytes → linear light floats (alpha kept), the IEC 61966-2-1 curve."""
    c = palette.astype(np.float64) / 255.0
    rgb = np.where(c[:, :3] <= 0.04045, c[:, :3] / 12.92, ((c[:, :3] + 0.055) / 1.055) ** 2.4)
    return np.column_stack([rgb, c[:, 3]]).astype(np.float32)


class FlowGpu:
    """Textures, particle buffer and programs of one flow layer in one context.

    Args:
        gpu, group: the context and the layer's resource group (released with the layer).
        plan: what to upload.
        uniform_style: one colour and size for every flow (the ``UNIFORM_STYLE`` variant).
    """

    def __init__(self, gpu: GpuContext, group: ResourceGroup, plan: DrawPlan,
                 uniform_style: bool):
        self.gpu, self.group = gpu, group
        self.uniform_style = uniform_style
        self.flow_total = len(plan.cells)
        self.particle_total = plan.particle_count
        palette = linear_palette(plan.palette)
        self.color = tuple(float(c) for c in palette[0, :3])
        self.flows_tex = wrapped_texture(gpu, group, flow_style.flow_texels(plan), 4)
        self.counts_tex = wrapped_texture(gpu, group, plan.counts, 1)
        self.palette_tex = gpu.texture(group, (256, 1), 4, palette, dtype="f4",
                                       filter_linear=False)
        self.pairs = flow_style.particle_pairs(plan.allocated)
        self.particle_buf = gpu.buffer(group, self.pairs)
        self.arcs_program = gpu.program("flows/arcs.vert", "flows/arcs.frag")
        self.arcs_vao = gpu.vertex_array(group, self.arcs_program, [])
        self._variants: dict[tuple[str, bool], tuple[Any, moderngl.VertexArray]] = {}
        self._active: dict[int, frozenset[str]] = {}

    def bind_textures(self) -> None:
        self.flows_tex.use(location=0)
        self.counts_tex.use(location=1)
        self.palette_tex.use(location=2)

    def particle_variant(self, trail: str, width_px: float) -> tuple[Any, moderngl.VertexArray]:
        """Program and vertex array for the trail and the particles' size on screen
        (variants: ``LINES``, ``STREAKS``; ``SOFT_POINTS`` for points 3 px or wider — smaller
        ones are drawn flat, which skips the point-sprite path of CPU rasterisers;
        ``UNIFORM_STYLE``). Lines read each particle twice from a buffer of doubled pairs, made
        on first use: a plain (not instanced) draw of two-vertex lines is the cheapest on CPU
        rasterisers."""
        soft = trail == "points" and width_px >= SOFT_POINT_PX
        key = (trail, soft)
        found = self._variants.get(key)
        if found is None:
            defines: dict[str, object] = {}
            if trail in ("lines", "streaks"):
                defines[trail.upper()] = 1
            if soft:
                defines["SOFT_POINTS"] = 1
            if self.uniform_style:
                defines["UNIFORM_STYLE"] = 1
            program = self.gpu.program("flows/particles.vert", "flows/particles.frag", defines)
            buffer, fmt = self.particle_buf, "u4 u4"
            if trail == "streaks":
                fmt = "u4 u4/i"
            elif trail == "lines":
                buffer = self.gpu.buffer(self.group, np.repeat(self.pairs, 2, axis=0))
            vao = self.gpu.vertex_array(self.group, program, [(buffer, fmt, "a_flow", "a_seed")])
            found = self._variants[key] = (program, vao)
        return found

    def set(self, program: Any, **uniforms: object) -> None:
        """``program.set`` for the uniforms the variant kept: the first call checks every name
        against the sources (typos fail); later calls skip names the compiler optimised away,
        whose per-frame source search would cost more than the whole draw at small counts."""
        active = self._active.get(id(program))
        if active is None:
            program.set(**uniforms)
            self._active[id(program)] = frozenset(name for name in uniforms
                                                  if name in program.gl)
            return
        program.set(**{k: v for k, v in uniforms.items() if k in active})

    def draw(self, view: ViewState, mvp: bytes, *, trail: str, size_px: float,
             show_arcs: bool, arc_alpha: float, shared: dict[str, object],
             particle: dict[str, object]) -> None:
        """Issue the arcs (optional) and the particles into the bound framebuffer.

        Additive particles test depth against the opaque layers but write none (so they never
        hide each other). The bound framebuffer is re-entered through a scope with depth writes
        off; leaving the scope restores the renderer's framebuffer, its masks and its enable
        flags. Blend functions have no getter: they are reset to moderngl's default.
        """
        ctx = self.gpu.ctx
        self.bind_textures()
        program, vao = self.particle_variant(trail, size_px)
        self.set(program, u_mvp=mvp, u_color=self.color, **particle, **shared)
        target = ctx.detect_framebuffer()
        target.viewport = (0, 0, *view.viewport)
        target.depth_mask = False
        flags = moderngl.DEPTH_TEST | moderngl.BLEND | moderngl.PROGRAM_POINT_SIZE
        try:
            with ctx.scope(target, enable_only=flags):
                ctx.blend_func = moderngl.ONE, moderngl.ONE
                if show_arcs:
                    self.set(self.arcs_program, u_mvp=mvp, u_segments=ARC_SEGMENTS,
                             u_arc_alpha=arc_alpha, **shared)
                    self.arcs_vao.render(moderngl.LINE_STRIP, vertices=ARC_SEGMENTS + 1,
                                         instances=self.flow_total)
                if trail == "lines":
                    vao.render(moderngl.LINES, vertices=2 * self.particle_total)
                elif trail == "streaks":
                    vao.render(moderngl.TRIANGLE_STRIP, vertices=4,
                               instances=self.particle_total)
                else:
                    vao.render(moderngl.POINTS, vertices=self.particle_total)
        finally:
            ctx.blend_func = moderngl.DEFAULT_BLENDING

    def probe(self, name: str, uniforms: dict[str, object], plan: DrawPlan) -> ParticleSample:
        """Every particle's position and visibility, from the vertex shader through transform
        feedback."""
        gpu = self.gpu
        program = gpu.program("flows/particles.vert", None, {"PROBE": 1},
                              varyings=("v_position", "v_visible"))
        count = self.particle_total
        group = gpu.group(f"{name}.probe")
        try:
            vao = gpu.vertex_array(group, program,
                                   [(self.particle_buf, "u4 u4", "a_flow", "a_seed")])
            out = group.own(gpu.ctx.buffer(reserve=max(count, 1) * 16))
            # a complete (1×1) framebuffer: Mesa refuses draws, even rasterless ones, without
            fbo = group.own(gpu.ctx.framebuffer([group.own(gpu.ctx.renderbuffer((1, 1)))]))
            self.bind_textures()
            program.set(**uniforms)
            with gpu.ctx.scope(fbo, enable_only=moderngl.NOTHING):
                vao.transform(out, moderngl.POINTS, vertices=count)
            data = np.frombuffer(out.read(), np.float32).reshape(-1, 4)
        finally:
            group.release()
        particles = flow_style.particle_pairs(plan.allocated)
        return ParticleSample(position=data[:, :3].astype(np.float64) + np.asarray(plan.origin),
                              visible=data[:, 3] > 0.5, flow=particles[:, 0].astype(np.int64),
                              rank=particles[:, 1].astype(np.int64))
