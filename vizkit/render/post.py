"""The passes around the layers: sky before them, fog after them, and the final pass from
linear light to 8-bit pixels (exposure, bloom, sRGB encoding, the tone map).

Every pass is one full-screen triangle (``post/fullscreen.vert``, no vertex buffer) with its
own fragment shader in ``vizkit/shaders/post/``. The settings come from
:mod:`vizkit.look`; their costs are measured in ``benchmarks/bench_look.py``.

Bloom: a bright pass that also halves the resolution, more halvings (a 4-tap tent each, so no
particle falls between taps), a separable Gaussian at the smallest size, added back in the final
pass with bilinear upsampling. The number of halvings follows the frame height, so the glow is
the same share of the picture at 720p and on a 4K domemaster.
"""

from __future__ import annotations

import math

import moderngl
import numpy as np

from vizkit.gpu import GpuContext
from vizkit.gpu.framebuffer import BloomChain, SceneTarget
from vizkit.look import Bloom, Fog, Sky, srgb_decode
from vizkit.matrices import gl_uniform
from vizkit.view import ViewState

BLUR_SIGMA_TEXELS = 2.0   # the Gaussian of post/bloom_blur.frag, at the smallest level
MAX_BLOOM_LEVELS = 7


def bloom_levels(height: int, radius: float) -> int:
    """Halvings that make the blur's sigma ``radius × height`` pixels (at least one)."""
    wanted = max(radius * height / BLUR_SIGMA_TEXELS, 1.0)
    return int(min(MAX_BLOOM_LEVELS, max(1, round(math.log2(wanted)))))


def clip_to_world_rays(view: ViewState) -> np.ndarray:
    """Inverse of ``projection × view`` without the translation: clip → world direction."""
    rotation = np.array(view.view, dtype=np.float64)
    rotation[:3, 3] = 0.0
    return np.linalg.inv(np.asarray(view.projection, np.float64) @ rotation)


class PostPasses:
    """Programs and bloom textures of the passes, for one context."""

    def __init__(self, gpu: GpuContext):
        self.gpu = gpu
        self._group = gpu.group("PostPasses")
        self._vaos: dict[int, moderngl.VertexArray] = {}
        self._chains: dict[tuple[int, int, int], BloomChain] = {}

    def _draw(self, program) -> None:
        vao = self._vaos.get(id(program))
        if vao is None:
            vao = self._vaos[id(program)] = self.gpu.vertex_array(self._group, program, [])
        vao.render(moderngl.TRIANGLES, vertices=3)

    # -- before the layers -------------------------------------------------------------------
    def sky(self, view: ViewState, sky: Sky) -> None:
        """Fill the bound framebuffer's viewport with the sky (no depth test, no depth write)."""
        program = self.gpu.program("post/fullscreen.vert", "post/sky.frag", {"SKY_RAYS": 1})
        program.set(u_clip_to_world=gl_uniform(clip_to_world_rays(view)),
                    u_zenith=sky.zenith, u_horizon=sky.horizon, u_ground=sky.ground)
        self._draw(program)

    # -- after the layers --------------------------------------------------------------------
    def fog(self, target: SceneTarget, view: ViewState, fog: Fog, color: tuple) -> None:
        """Blend fog over the resolved scene by each pixel's distance from the eye."""
        ctx = self.gpu.ctx
        program = self.gpu.program("post/fullscreen.vert", "post/fog.frag")
        program.set(t_depth=0, u_clip_to_eye=gl_uniform(np.linalg.inv(view.projection)),
                    u_range=(fog.start, fog.end), u_opacity=fog.opacity,
                    u_fog=tuple(srgb_decode(c) for c in color))
        with ctx.scope(target.color_only, enable_only=moderngl.BLEND):
            target.color_only.viewport = (0, 0, *target.size)
            target.depth.use(0)
            ctx.blend_func = moderngl.ONE, moderngl.ONE_MINUS_SRC_ALPHA
            try:
                self._draw(program)
            finally:
                ctx.blend_func = moderngl.DEFAULT_BLENDING

    def bloom(self, source: moderngl.Texture, bloom: Bloom) -> moderngl.Texture:
        """The blurred bright light of ``source`` at reduced resolution."""
        ctx = self.gpu.ctx
        size = source.size
        levels = bloom_levels(size[1], bloom.radius)
        key = (size[0], size[1], levels)
        chain = self._chains.get(key)
        if chain is None:
            for old in self._chains.values():
                old.release()
            self._chains.clear()
            chain = self._chains[key] = BloomChain(self.gpu, size, levels)
        bright = self.gpu.program("post/fullscreen.vert", "post/bloom_down.frag", {"BRIGHT": 1})
        down = self.gpu.program("post/fullscreen.vert", "post/bloom_down.frag")
        blur = self.gpu.program("post/fullscreen.vert", "post/bloom_blur.frag")
        with ctx.scope(chain.framebuffers[0], enable_only=moderngl.NOTHING):
            previous = source
            for level, (texture, framebuffer) in enumerate(
                    zip(chain.textures, chain.framebuffers, strict=True)):
                program = bright if level == 0 else down
                program.set(t_source=0, u_texel=(1.0 / previous.width, 1.0 / previous.height))
                if level == 0:
                    program.set(u_threshold=bloom.threshold)
                framebuffer.use()
                framebuffer.viewport = (0, 0, *texture.size)
                previous.use(0)
                self._draw(program)
                previous = texture
            smallest, smallest_fb = chain.textures[-1], chain.framebuffers[-1]
            width, height = smallest.size
            for step, src, dst in (((1.0 / width, 0.0), smallest, chain.spare_framebuffer),
                                   ((0.0, 1.0 / height), chain.spare, smallest_fb)):
                blur.set(t_source=0, u_step=step)
                dst.use()
                dst.viewport = (0, 0, width, height)
                src.use(0)
                self._draw(blur)
        return smallest

    def finish(self, scene: moderngl.Texture, framebuffer: moderngl.Framebuffer,
               viewport: tuple[int, int, int, int], *, exposure: float = 1.0,
               bloom: tuple[moderngl.Texture, float] | None = None,
               tone_map: bool = True) -> None:
        """Linear light of ``scene`` → 8-bit display values in ``framebuffer``'s ``viewport``
        (the same size as ``scene``): exposure, bloom, sRGB, tone map, dither."""
        ctx = self.gpu.ctx
        defines: dict[str, object] = {}
        if bloom is not None:
            defines["BLOOM"] = 1
        if not tone_map:
            defines["NO_TONE_MAP"] = 1
        program = self.gpu.program("post/fullscreen.vert", "post/final.frag", defines)
        program.set(t_scene=0, u_origin=(float(viewport[0]), float(viewport[1])),
                    u_exposure=float(exposure))
        if bloom is not None:
            program.set(t_bloom=1, u_bloom=float(bloom[1]))
            bloom[0].use(1)
        with ctx.scope(framebuffer, enable_only=moderngl.NOTHING):
            framebuffer.viewport = viewport
            scene.use(0)
            self._draw(program)

    def release(self) -> None:
        for chain in self._chains.values():
            chain.release()
        self._chains.clear()
        self._vaos.clear()
        self._group.release()
