"""Asynchronous read-back: rendered frames leave the GPU through a ring of pixel-pack buffers.

A synchronous ``glReadPixels`` into client memory stalls the CPU until the GPU has finished the
frame and copied it out. Reading into a pixel-pack buffer (a moderngl buffer bound as
``GL_PIXEL_PACK_BUFFER`` by ``Framebuffer.read_into``) only queues the copy; the buffer is mapped
one or two frames later, after the next frame's draw calls were issued, when the copy has long
finished. With ``depth`` buffers, frame *i*'s read-back overlaps the rendering of frames
*i + 1 … i + depth − 1*; ``depth=2`` (double buffering) is enough when frames are produced at a
steady rate, ``3`` absorbs uneven ones.

Frames come out in the order they went in, RGBA uint8 with the bottom row first (GL order):
flipping is left to whoever consumes them (ffmpeg's ``vflip``, PNG writers), off the render thread.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import moderngl

    from vizkit.gpu.context import GpuContext
    from vizkit.gpu.framebuffer import RenderTarget


class PixelPackRing:
    """``depth`` pixel-pack buffers for frames of ``size``; :meth:`start` a read, :meth:`finish`
    the oldest one into host memory.

    Args:
        gpu: the context the render targets belong to.
        size: (width, height) of every frame read through the ring, pixels.
        depth: buffers in the ring, i.e. reads that may be in flight at once (2 or more).
    """

    def __init__(self, gpu: GpuContext, size: tuple[int, int], depth: int = 2):
        if depth < 2:
            raise ValueError(f"a read-back ring needs at least 2 buffers, got {depth}")
        self.gpu, self.size, self.depth = gpu, (int(size[0]), int(size[1])), int(depth)
        self.frame_bytes = self.size[0] * self.size[1] * 4
        gpu.make_current()
        self._group = gpu.group(f"PixelPackRing{self.size}x{self.depth}")
        self._buffers = [self._group.own(gpu.ctx.buffer(reserve=self.frame_bytes))
                         for _ in range(self.depth)]
        self._next = 0
        self._pending: deque[tuple[Any, moderngl.Buffer]] = deque()

    @property
    def pending(self) -> int:
        """Reads started and not yet finished."""
        return len(self._pending)

    @property
    def full(self) -> bool:
        """Every buffer holds a read: :meth:`finish` one before the next :meth:`start`."""
        return len(self._pending) == self.depth

    def start(self, target: RenderTarget, tag: Any) -> None:
        """Queue the read of ``target``'s current image; ``tag`` comes back from :meth:`finish`."""
        if self.full:
            raise RuntimeError("all read-back buffers are in use: finish() the oldest first")
        if tuple(target.size) != self.size:
            raise ValueError(f"read-back ring is for {self.size[0]}x{self.size[1]} frames, the "
                             f"target is {target.size[0]}x{target.size[1]}")
        buffer = self._buffers[self._next]
        self._next = (self._next + 1) % self.depth
        target.read_to_buffer(buffer)
        self._pending.append((tag, buffer))

    def finish(self, out: np.ndarray) -> Any:
        """Copy the oldest read into ``out`` (a writable, C-contiguous ``(H, W, 4) uint8``
        array, bottom row first) and return its tag."""
        if not self._pending:
            raise RuntimeError("no read-back in flight")
        if out.nbytes != self.frame_bytes or not out.flags.c_contiguous:
            raise ValueError(f"read-back needs a contiguous {self.frame_bytes}-byte array, got "
                             f"{out.nbytes} bytes")
        tag, buffer = self._pending.popleft()
        self.gpu.make_current()
        buffer.read_into(out)
        return tag

    def drop(self) -> None:
        """Forget the reads in flight (after an error: their frames are not wanted)."""
        self._pending.clear()

    def release(self) -> None:
        """Drop reads in flight and release the buffers (safe to call twice)."""
        self._pending.clear()
        self._group.release()
