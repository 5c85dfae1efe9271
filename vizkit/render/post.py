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
from vizkit.gpu.framebuffer import BloomChain, SceneTarget, is_srgb, srgb_writes
from vizkit.look import SKY_BAND, Bloom, Fog, Sky, srgb_decode
from vizkit.matrices import gl_uniform
from vizkit.view import ViewState

BLUR_SIGMA_TEXELS = 2.0   # the Gaussian of post/bloom_blur.frag, at the smallest level
MAX_BLOOM_LEVELS = 7


def bloom_levels(height: int, radius: float) -> int:
    """Halvings that make the blur's sigma ``radius × height`` pixels (at least one)."""
    wanted = max(radius * height / BLUR_SIGMA_TEXELS, 1.0)
    return int(min(MAX_BLOOM_LEVELS, max(1, round(math.log2(wanted)))))


def rotation_only(view: ViewState) -> np.ndarray:
    """``projection × view`` without the view's translation: world direction → clip."""
    rotation = np.array(view.view, dtype=np.float64)
    rotation[:3, 3] = 0.0
    return np.asarray(view.projection, np.float64) @ rotation


def highest_up(view: ViewState) -> float:
    """The largest sine of elevation any pixel of ``view`` looks along (its frustum's edges
    sampled: the highest direction of a convex cone lies on its boundary)."""
    inverse = np.linalg.inv(rotation_only(view))
    edge = np.linspace(-1.0, 1.0, 9)
    x = np.concatenate([edge, edge, -np.ones(9), np.ones(9)])
    y = np.concatenate([-np.ones(9), np.ones(9), edge, edge])
    far = inverse @ np.stack([x, y, np.ones(36), np.ones(36)])
    rays = far[:3] / far[3]
    return float((rays[2] / np.linalg.norm(rays, axis=0)).max())


# Elevations (degrees) of the sky mesh's rows: dense where the gradient is steep — the band
# below the horizon (a smoothstep over SKY_BAND) and just above it (the square root).
SKY_ROWS = np.unique(np.concatenate([
    [-90.0, -70.0, -50.0, -30.0, -20.0, -12.0], np.linspace(-6.0, 0.0, 25),
    np.linspace(0.1, 2.0, 20), np.linspace(2.5, 10.0, 16), np.linspace(12.0, 30.0, 10),
    np.linspace(35.0, 90.0, 12)]))
SKY_COLUMNS = 64


def sky_mesh(sky: Sky) -> tuple[np.ndarray, np.ndarray]:
    """``(V, 6) float32`` vertices (world direction, linear light) and ``uint32`` triangle
    indices of a sphere of directions coloured by ``sky``."""
    elevation = np.radians(SKY_ROWS)
    azimuth = np.linspace(0.0, 2 * np.pi, SKY_COLUMNS + 1)
    el, az = np.meshgrid(elevation, azimuth, indexing="ij")
    directions = np.stack([np.cos(el) * np.cos(az), np.cos(el) * np.sin(az), np.sin(el)], -1)
    light = np.array([[srgb_decode(c) for c in rgb]
                      for rgb in sky.display(np.sin(elevation).tolist())])
    light = np.broadcast_to(light[:, None, :], directions.shape)
    vertices = np.concatenate([directions, light], axis=-1).reshape(-1, 6)
    rows, columns = len(SKY_ROWS) - 1, SKY_COLUMNS
    r, c = np.mgrid[0:rows, 0:columns]
    a = (r * (columns + 1) + c).ravel().astype(np.uint32)
    b, cc, d = a + 1, a + columns + 1, a + columns + 2
    indices = np.stack([a, b, d, a, d, cc], axis=1).ravel()
    return vertices.astype(np.float32), indices


class PostPasses:
    """Programs and bloom textures of the passes, for one context."""

    def __init__(self, gpu: GpuContext):
        self.gpu = gpu
        self._group = gpu.group("PostPasses")
        self._vaos: dict[int, moderngl.VertexArray] = {}
        self._chains: dict[tuple[int, int, int], BloomChain] = {}
        self._skies: dict[Sky, tuple[moderngl.VertexArray, object]] = {}

    def _draw(self, program) -> None:
        vao = self._vaos.get(id(program))
        if vao is None:
            vao = self._vaos[id(program)] = self.gpu.vertex_array(self._group, program, [])
        vao.render(moderngl.TRIANGLES, vertices=3)

    # -- before the layers -------------------------------------------------------------------
    def sky(self, framebuffer: moderngl.Framebuffer, view: ViewState, sky: Sky) -> None:
        """Clear ``framebuffer`` (colour and depth) to the sky ``view`` sees: one colour when
        the sky is plain or the view looks only below the horizon band, else the sky mesh."""
        if sky.plain or highest_up(view) < -SKY_BAND - 0.01:
            framebuffer.clear(*(srgb_decode(c) for c in sky.ground), 1.0, depth=1.0)
            return
        framebuffer.clear(0.0, 0.0, 0.0, 1.0, depth=1.0)
        found = self._skies.get(sky)
        if found is None:
            if len(self._skies) > 8:   # scenes rarely change skies; never grow without bound
                self._skies.clear()
            program = self.gpu.program("post/sky.vert", "post/sky.frag")
            vertices, indices = sky_mesh(sky)
            vao = self.gpu.vertex_array(
                self._group, program,
                [(self.gpu.buffer(self._group, vertices), "3f 3f", "a_direction", "a_light")],
                index_buffer=self.gpu.buffer(self._group, indices))
            found = self._skies[sky] = (vao, program)
        vao, program = found
        program.set(u_rotation=gl_uniform(rotation_only(view)))  # type: ignore[attr-defined]
        vao.render(moderngl.TRIANGLES)

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
        (the same size as ``scene``): exposure, bloom, tone map, sRGB — encoded by the GL when
        ``framebuffer`` is an sRGB render target, else in the shader."""
        ctx = self.gpu.ctx
        defines: dict[str, object] = {}
        if bloom is not None:
            defines["BLOOM"] = 1
        if not tone_map:
            defines["NO_TONE_MAP"] = 1
        encode = is_srgb(framebuffer)
        if encode:
            defines["SRGB_TARGET"] = 1
        program = self.gpu.program("post/fullscreen.vert", "post/final.frag", defines)
        program.set(t_scene=0, u_origin=(float(viewport[0]), float(viewport[1])),
                    u_exposure=float(exposure))
        if bloom is not None:
            program.set(t_bloom=1, u_bloom=float(bloom[1]))
            bloom[0].use(1)
        with ctx.scope(framebuffer, enable_only=moderngl.NOTHING), srgb_writes(ctx, encode):
            framebuffer.viewport = viewport
            scene.use(0)
            self._draw(program)

    def release(self) -> None:
        self._skies.clear()
        for chain in self._chains.values():
            chain.release()
        self._chains.clear()
        self._vaos.clear()
        self._group.release()
