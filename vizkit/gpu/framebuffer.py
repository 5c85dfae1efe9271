"""Render targets: colour + depth attachments, optional MSAA, read-back to numpy.

With ``samples > 0`` the scene is drawn into multisampled renderbuffers and resolved into a
single-sampled texture before reading; the resolved texture is what a dome pass or a window
blit samples. Read-back returns ``(H, W, 4) uint8`` with row 0 at the *top* of the image.
"""

from __future__ import annotations

import moderngl
import numpy as np

from vizkit.gpu.context import GpuContext


class RenderTarget:
    """An offscreen framebuffer of a fixed size (re-create it to resize)."""

    def __init__(self, gpu: GpuContext, size: tuple[int, int], samples: int = 0):
        width, height = size
        if width < 1 or height < 1:
            raise ValueError(f"render target size must be positive, got {width}x{height}")
        limit = gpu.max_samples
        self.samples = min(samples, limit) if samples > 1 else 0
        self.size = (int(width), int(height))
        self.gpu = gpu
        gpu.make_current()
        self._group = gpu.group(f"RenderTarget{self.size}")
        ctx = gpu.ctx
        own = self._group.own
        self.color = own(ctx.texture(self.size, 4))
        self.color.filter = (moderngl.LINEAR, moderngl.LINEAR)
        self.depth = own(ctx.depth_renderbuffer(self.size))
        self.resolved = own(ctx.framebuffer([self.color], self.depth))
        # Colour only, for blits to a window: depth formats rarely match the window's.
        self.color_only = own(ctx.framebuffer([self.color]))
        if self.samples:
            self._ms_color = own(ctx.renderbuffer(self.size, 4, samples=self.samples))
            self._ms_depth = own(ctx.depth_renderbuffer(self.size, samples=self.samples))
            self.framebuffer = own(ctx.framebuffer([self._ms_color], self._ms_depth))
        else:
            self.framebuffer = self.resolved

    @property
    def aspect(self) -> float:
        return self.size[0] / self.size[1]

    def resolve(self) -> None:
        """Copy the multisampled image into :attr:`color` (no-op without MSAA)."""
        if self.samples:
            self.gpu.make_current()
            self.gpu.ctx.copy_framebuffer(self.resolved, self.framebuffer)

    def read(self) -> np.ndarray:
        """The image as ``(H, W, 4) uint8``, top row first."""
        self.resolve()
        self.gpu.make_current()
        raw = self.resolved.read(components=4, alignment=1)
        image = np.frombuffer(raw, dtype=np.uint8).reshape(self.size[1], self.size[0], 4)
        return image[::-1].copy()

    def read_to_buffer(self, buffer: moderngl.Buffer) -> None:
        """Start reading the image into a pixel-pack ``buffer`` (at least W·H·4 bytes): the same
        pixels as :meth:`read`, RGBA uint8 with the *bottom* row first (GL order), and no wait
        for the GPU — :class:`vizkit.gpu.readback.PixelPackRing` collects it a frame later."""
        self.resolve()
        self.gpu.make_current()
        self.resolved.read_into(buffer, components=4, alignment=1)

    def release(self) -> None:
        self._group.release()
