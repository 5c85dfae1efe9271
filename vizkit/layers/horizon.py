"""Horizon light of a terrain: sky visibility and sunlight per cell, made on the GPU per step.

For each stored cell, ``shaders/terrain/horizon.frag`` marches a few directions over the height
field and keeps the highest horizon: the sky a cell sees (ambient occlusion, like rayshader's
``ambient_shade``) and whether the sun stands above the horizon towards it (a soft shadow, like
``ray_shade`` — with a penumbra, and a floor applied when shading, so never black). The result
is an RG8 texture per time step in the values atlas' layout (a texel per cell), made the first
time a step is drawn and kept until the heights or the sun change; the terrain's vertex shader
reads and blends the two steps it draws, so morphing between years costs no extra pass.

The search reaches :attr:`Light.search` of the footprint's diagonal (at least
:data:`MIN_SEARCH_CELLS`); the sun search reaches as far as the highest peak can cast a shadow
at the sun's elevation (at most :data:`MAX_SUN_CELLS`).
"""

from __future__ import annotations

import math
from typing import Any

import moderngl

from vizkit.gpu import GpuContext, ResourceGroup

MIN_SEARCH_CELLS = 6.0
MAX_SEARCH_CELLS = 96.0
MAX_SUN_CELLS = 160.0


class HorizonLight:
    """Per-step light textures of one terrain (owned by the terrain's GPU resources).

    Args:
        gpu: the context.
        owner: the terrain's name (the resource group is named after it).
        atlas_size: ``(width, height)`` texels of the values atlas.
        defines: the terrain's ``SCALE`` (and ``TILED``) defines.
    """

    def __init__(self, gpu: GpuContext, owner: str, atlas_size: tuple[int, int],
                 defines: dict[str, object]):
        self.gpu = gpu
        self.size = atlas_size
        self.defines = dict(defines)
        self.program = gpu.program("terrain/horizon.vert", "terrain/horizon.frag",
                                   defines=defines)
        self.group: ResourceGroup = gpu.group(f"{owner}.light")
        self._vao = gpu.vertex_array(self.group, self.program, [])
        self._steps: dict[int, moderngl.Texture] = {}
        self._key: object = None
        self.passes = 0  # horizon passes run (for tests and benchmarks)

    def textures(self, steps: tuple[int, int], key: object, bind: Any,
                 uniforms: dict[str, object]) -> tuple[moderngl.Texture, moderngl.Texture]:
        """The light textures of two steps, made now if missing or if ``key`` (the heights,
        the sun, the search) changed. ``bind()`` binds the pass's input textures."""
        if key != self._key:
            self._drop()
            self._key = key
        out = []
        for step in steps:
            tex = self._steps.get(step)
            if tex is None:
                tex = self._compute(step, bind, uniforms)
                self._steps[step] = tex
            out.append(tex)
        return out[0], out[1]

    def _compute(self, step: int, bind: Any, uniforms: dict[str, object]) -> moderngl.Texture:
        ctx = self.gpu.ctx
        tex = self.gpu.texture(self.group, self.size, 2, dtype="f1", filter_linear=False)
        tex.repeat_x = tex.repeat_y = False
        fbo = self.group.own(ctx.framebuffer(color_attachments=[tex]))
        with ctx.scope(fbo, enable_only=moderngl.NOTHING):
            fbo.viewport = (0, 0, *self.size)
            bind()
            self.program.set(u_step=int(step), **uniforms)
            self._vao.render(moderngl.TRIANGLES, vertices=3)
        self.passes += 1
        return tex

    def _drop(self) -> None:
        self.group.release()
        self.group = self.gpu.group(self.group.owner)
        self._vao = self.gpu.vertex_array(self.group, self.program, [])
        self._steps.clear()

    def release(self) -> None:
        self.group.release()
        self._steps.clear()


def search_cells(diagonal_m: float, cell_m: float, share: float) -> float:
    """How many cells the occlusion search reaches: ``share`` of the footprint's diagonal."""
    cells = share * diagonal_m / max(cell_m, 1e-9)
    return float(min(max(cells, MIN_SEARCH_CELLS), MAX_SEARCH_CELLS))


def sun_search_cells(peak_m: float, cell_m: float, elevation: float) -> float:
    """How far (cells) the highest peak can cast a shadow at the sun's elevation (radians)."""
    reach = peak_m / max(math.tan(elevation), 1e-3) / max(cell_m, 1e-9)
    return float(min(max(reach, MIN_SEARCH_CELLS), MAX_SUN_CELLS))


__all__ = ["HorizonLight", "search_cells", "sun_search_cells"]
