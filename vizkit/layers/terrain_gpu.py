"""A terrain's GPU resources: what :class:`~vizkit.layers.terrain.Terrain` uploads and draws with.

Made once per context from the terrain's :class:`~vizkit.layers.tiles.TileLayout` and its
protected values:

* one vertex buffer of the encoded values (:func:`~vizkit.layers.tiles.encode`), step after
  step, in storage order — the two steps being drawn are bound as attributes at their offsets;
* the index buffer of the footprint's quads;
* for a tiled layout, the tile origins (``t_tiles``) and the page table (``t_pages``);
* when first needed, the values atlas (``t_values``: tiles with aprons, one layer per step; for
  neighbours, the change view and the horizon pass) and the horizon light
  (:class:`~vizkit.layers.horizon.HorizonLight`).

Programs and vertex arrays are kept per (pass, defines), so switching variants back and forth
compiles each once. Texture units: 0 values atlas, 1 colour map, 2 tile origins, 3/4 light of
the two steps, 5 page table.
"""

from __future__ import annotations

from typing import Any

import moderngl
import numpy as np
import numpy.typing as npt

from vizkit.gpu import GpuContext, ResourceGroup
from vizkit.layers.horizon import HorizonLight, search_cells, sun_search_cells
from vizkit.layers.tiles import OUTSIDE, TileLayout, encode

TILES_PER_ROW = 1024  # tile origins per row of t_tiles (shaders/lib/cells.glsl)


class TerrainGpu:
    """Buffers, textures and vertex arrays of one terrain in one context."""

    def __init__(self, gpu: GpuContext, group: ResourceGroup, layout: TileLayout,
                 shown: npt.NDArray[np.float32], hidden: npt.NDArray[np.bool_], *, owner: str):
        self.gpu, self.group, self.layout, self.owner = gpu, group, layout, owner
        self.steps = shown.shape[0]
        encoded = encode(shown, np.asarray(hidden), layout.inside)
        self.has_no_data = not bool(np.isfinite(encoded).all())
        self._encoded = encoded  # kept for the atlas, made when first needed
        self.values = gpu.buffer(group, encoded)
        indices = layout.quad_indices()
        self.empty = len(indices) == 0  # nothing in the footprint: nothing to draw
        self.indices = None if self.empty else gpu.buffer(group, indices)
        self.tiles = self.pages = None
        if layout.tiled:
            n = layout.count
            rows = -(-n // TILES_PER_ROW)
            width = min(n, TILES_PER_ROW)
            origins = np.zeros((rows * width, 2), np.int32)
            origins[:n] = layout.origins[:, ::-1]          # (col, row)
            self.tiles = gpu.texture(group, (width, rows), 2, origins, dtype="i4",
                                     filter_linear=False)
            th, tw = layout.pages.shape
            self.pages = gpu.texture(group, (tw, th), 1, layout.pages.astype(np.int32),
                                     dtype="i4", filter_linear=False)
        self.atlas: moderngl.TextureArray | None = None
        self.horizon: HorizonLight | None = None
        self._vaos: dict[tuple, tuple[moderngl.VertexArray, Any]] = {}
        self._bound: dict[tuple, tuple[int, int]] = {}
        self._light: tuple[moderngl.Texture, moderngl.Texture] | None = None

    # -- lazily made -------------------------------------------------------------------------
    def ensure_atlas(self) -> moderngl.TextureArray:
        """The values atlas (an attribute upload, once)."""
        if self.atlas is None:
            index = self.layout.atlas_index()
            flat = self._encoded.reshape(self.steps, -1)
            atlas = np.where(index >= 0, flat[:, np.maximum(index, 0)], OUTSIDE)
            width, height = self.layout.atlas_size()
            self.atlas = self.gpu.texture_array(self.group, (width, height, self.steps), 1,
                                                atlas.astype(np.float32), dtype="f4")
        return self.atlas

    def bind_light(self, inputs: dict[str, Any], steps: tuple[int, int]) -> None:
        """Make (if needed) and bind the light textures of the two steps drawn."""
        atlas = self.ensure_atlas()
        defines: dict[str, object] = {"SCALE": _scale_define(inputs["SCALE"]),
                                      "HEIGHT_SCALE": _scale_define(inputs["HEIGHT_SCALE"])}
        if self.layout.tiled:
            defines["TILED"] = 1
        if self.horizon is None or self.horizon.defines != defines:
            if self.horizon is not None:
                self.horizon.release()
            self.horizon = HorizonLight(self.gpu, self.owner, self.layout.atlas_size(), defines)
        cell = min(inputs["u_cell"])
        peak = float(inputs["u_max_height"])
        uniforms = {k: v for k, v in inputs.items() if k.startswith("u_")}
        uniforms.update(
            t_values=0, t_tiles=2, t_pages=5, u_tiles=self.layout.count,
            u_tile=(self.layout.tile[1], self.layout.tile[0]),
            u_atlas_tiles=self.layout.atlas_tiles(),
            u_search=search_cells(inputs["diagonal"], cell, inputs["search"]),
            u_sun_search=sun_search_cells(peak, cell, inputs["u_sun_elevation"]))
        key = (tuple(sorted(defines.items())),
               tuple(sorted((k, _hashable(v)) for k, v in uniforms.items())))

        def bind() -> None:
            atlas.use(location=0)
            if self.tiles is not None and self.pages is not None:
                self.tiles.use(location=2)
                self.pages.use(location=5)

        self._light = self.horizon.textures(steps, key, bind, uniforms)

    # -- drawing -----------------------------------------------------------------------------
    def draw(self, pass_name: str, defines: dict[str, object], uniforms: dict[str, object],
             steps: tuple[int, int], *, needs_atlas: bool) -> None:
        if self.empty:
            return
        if self.layout.tiled:
            defines["TILED"] = 1
        if self.has_no_data:
            defines["NO_DATA"] = 1
        light = "LIGHT" in defines
        key = (pass_name, tuple(sorted(defines.items())))
        vao, program = self._vao(key, defines)
        self._bind_steps(key, vao, program, *steps)
        if needs_atlas or light:
            self.ensure_atlas().use(location=0)
        if self.tiles is not None:
            self.tiles.use(location=2)
        uniforms.update(t_values=0, t_tiles=2, u_tile=(self.layout.tile[1], self.layout.tile[0]),
                        u_atlas_tiles=self.layout.atlas_tiles())
        if light and self._light is not None:
            self._light[0].use(location=3)
            self._light[1].use(location=4)
            uniforms.update(t_light0=3, t_light1=4)
        program.set(**uniforms)
        vao.render(moderngl.TRIANGLES)

    def _vao(self, key: tuple, defines: dict[str, object]
             ) -> tuple[moderngl.VertexArray, Any]:
        hit = self._vaos.get(key)
        if hit is None:
            program = self.gpu.program("terrain/terrain.vert", "terrain/terrain.frag",
                                       defines=defines)
            vao = self.gpu.vertex_array(self.group, program, [], index_buffer=self.indices)
            hit = self._vaos[key] = (vao, program)
        return hit

    def _bind_steps(self, key: tuple, vao: moderngl.VertexArray, program: Any,
                    step0: int, step1: int) -> None:
        """Point a_value0 / a_value1 at the two steps' slices of the values buffer."""
        if self._bound.get(key) == (step0, step1):
            return
        cells = self.layout.stored_cells
        for name, step in (("a_value0", step0), ("a_value1", step1)):
            member = program.gl.get(name, None)
            if member is not None:
                vao.bind(member.location, "f", self.values, "1f", offset=step * cells * 4)
        self._bound[key] = (step0, step1)

    @property
    def light_passes(self) -> int:
        return 0 if self.horizon is None else self.horizon.passes

    def release(self) -> None:
        """Release what lives outside the layer's group (the horizon light's textures)."""
        if self.horizon is not None:
            self.horizon.release()
            self.horizon = None


def _scale_define(kind: str) -> int:
    from vizkit.layers.timesteps import SCALES

    return SCALES[kind]


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, (list, tuple, np.ndarray)) else value


__all__ = ["TerrainGpu"]
