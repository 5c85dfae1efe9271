"""GPU side of text: the glyph atlas as a texture and quads as instances, one draw call.

:class:`GlyphBatch` keeps a :class:`~vizkit.text.atlas.GlyphAtlas` uploaded (again only when
its ``version`` moved: a new glyph or size) and an instance buffer of quads (written again
only when the caller hands new quads). Every HUD widget and the world labels draw through one,
so all the text of a layer is one instanced draw of a 4-vertex strip.
"""

from __future__ import annotations

import moderngl
import numpy as np
import numpy.typing as npt

from vizkit.gpu import GpuContext, ResourceGroup
from vizkit.text.atlas import GlyphAtlas

HUD_FORMAT = ("4f 4f 4f 4f 4f/i", "a_rect", "a_uv", "a_fill", "a_fill2", "a_halo")


class GlyphBatch:
    """An atlas texture, an instance buffer and the program that draws them.

    Args:
        gpu, group: where GL objects are created and owned (the layer's group).
        atlas: the atlas to keep uploaded.
        shaders: vertex and fragment shader files.
        layout: instance buffer format and attribute names (moderngl's format string first).
        stride: float32 values per instance.
    """

    def __init__(self, gpu: GpuContext, group: ResourceGroup, atlas: GlyphAtlas, *,
                 shaders: tuple[str, str] = ("hud/glyphs.vert", "hud/glyphs.frag"),
                 layout: tuple[str, ...] = HUD_FORMAT, stride: int = 20,
                 defines: dict[str, object] | None = None):
        self.gpu, self.group, self.atlas = gpu, group, atlas
        self.program = gpu.program(*shaders, defines=defines)
        self.stride, self.layout = stride, layout
        self._slots: dict[str, list] = {}  # name → [buffer, vertex array, instance count]
        self._texture: moderngl.Texture | None = None
        self._atlas_group: ResourceGroup | None = None
        self._version = -1

    @property
    def texture(self) -> moderngl.Texture:
        self.sync_atlas()
        assert self._texture is not None
        return self._texture

    def sync_atlas(self) -> None:
        """Upload the atlas if it changed since the last upload (new glyphs, a new size)."""
        if self._version == self.atlas.version:
            return
        pixels = self.atlas.pixels
        size = (pixels.shape[1], pixels.shape[0])
        if self._texture is None or self._texture.size != size:
            if self._atlas_group is not None:
                self._atlas_group.release()
            self._atlas_group = self.gpu.group(f"{self.group.owner}.atlas")
            self._texture = self.gpu.texture(self._atlas_group, size, 2, pixels)
            self._texture.repeat_x = self._texture.repeat_y = False
        else:
            self._texture.write(np.ascontiguousarray(pixels).tobytes())
            self.gpu.upload_bytes += pixels.nbytes
        self._version = self.atlas.version

    def count(self, slot: str = "main") -> int:
        return self._slots[slot][2] if slot in self._slots else 0

    def set_instances(self, data: npt.NDArray[np.float32], slot: str = "main") -> None:
        """Replace the instances of ``slot`` (``(N, stride) float32``). Slots are separate
        buffers drawn by separate calls (a HUD's contrast backdrops need another blend)."""
        data = np.ascontiguousarray(data, np.float32).reshape(-1, self.stride)
        if slot not in self._slots:
            buffer = self.group.own(self.gpu.ctx.buffer(reserve=max(data.nbytes, 1024)))
            vao = self.gpu.vertex_array(self.group, self.program, [(buffer, *self.layout)])
            self._slots[slot] = [buffer, vao, 0]
        entry = self._slots[slot]
        if data.nbytes > entry[0].size:
            entry[0].orphan(max(data.nbytes, 2 * entry[0].size))
        if data.nbytes:
            entry[0].write(data.tobytes())
            self.gpu.upload_bytes += data.nbytes
        entry[2] = len(data)

    def render(self, slot: str = "main", **uniforms: object) -> None:
        """Draw every instance of ``slot`` with the atlas bound to texture unit 0."""
        count = self.count(slot)
        if count == 0:
            return
        self.texture.use(location=0)
        self.program.set(t_atlas=0, u_atlas=(float(self.atlas.width),
                                             float(self.atlas.height)), **uniforms)
        self._slots[slot][1].render(moderngl.TRIANGLE_STRIP, vertices=4, instances=count)

    def release(self) -> None:
        """Release the atlas texture (the buffers belong to the layer's group)."""
        self._slots.clear()
        if self._atlas_group is not None:
            self._atlas_group.release()
            self._atlas_group = None
        self._texture = None
