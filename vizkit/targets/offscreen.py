"""Offscreen rendering through EGL: the default for tests, ``vizkit render`` and snapshots."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vizkit.clock import FrameState
from vizkit.gpu import GpuContext, RenderTarget
from vizkit.image import Image
from vizkit.render import Renderer

if TYPE_CHECKING:
    from vizkit.scene import Scene

DEFAULT_SAMPLES = 4


class OffscreenRenderer:
    """A GL context, a render target and a renderer; renders a scene frame to an image.

    Args:
        size: (width, height) in pixels.
        samples: MSAA samples (0 = off; capped to what the GL offers).
        gpu: an existing context to share; by default a new EGL context owned by this object.
    """

    def __init__(self, size: tuple[int, int] = (1280, 720), *, samples: int = DEFAULT_SAMPLES,
                 gpu: GpuContext | None = None):
        self._owns_gpu = gpu is None
        self.gpu = gpu or GpuContext.offscreen()
        self.target = RenderTarget(self.gpu, size, samples)
        self.renderer = Renderer(self.gpu)

    @property
    def size(self) -> tuple[int, int]:
        return self.target.size

    def resize(self, size: tuple[int, int], samples: int | None = None) -> None:
        """Re-create the render target if the size or sample count changed."""
        samples = self.target.samples if samples is None else samples
        wanted = min(samples, self.gpu.max_samples) if samples > 1 else 0
        if tuple(size) != self.target.size or wanted != self.target.samples:
            self.target.release()
            self.target = RenderTarget(self.gpu, size, samples)

    def draw(self, scene: Scene, frame: FrameState) -> None:
        """Advance the scene to ``frame`` and draw it (no read-back)."""
        scene.advance(frame)
        view = scene.view_state(self.target.size, frame)
        self.renderer.draw(scene, self.target.framebuffer, view)

    def render(self, scene: Scene, frame: FrameState) -> Image:
        """Advance, draw and read back one frame."""
        self.draw(scene, frame)
        return Image(self.target.read())

    def release(self) -> None:
        self.target.release()
        if self._owns_gpu:
            self.gpu.release()
