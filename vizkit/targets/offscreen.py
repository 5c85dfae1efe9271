"""Offscreen rendering through EGL: the default for tests, ``vizkit render`` and snapshots.

The renderer draws the scene in linear light into its own scene target (MSAA there) and its
final pass writes 8-bit pixels into this object's output target, which is read back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vizkit.clock import FrameState
from vizkit.gpu import GpuContext, RenderTarget
from vizkit.image import Image
from vizkit.look import Quality
from vizkit.render import Renderer

if TYPE_CHECKING:
    from vizkit.scene import Scene



class OffscreenRenderer:
    """A GL context, an output target and a renderer; renders a scene frame to an image.

    Args:
        size: (width, height) in pixels.
        samples: MSAA samples of the scene (0 = off; capped to what the GL offers); default:
            the quality's.
        quality: a preset name (``"kiosk"``, ``"laptop"``, ``"draft"``) or a
            :class:`~vizkit.look.Quality`; default ``"laptop"``.
        gpu: an existing context to share; by default a new EGL context owned by this object.
    """

    def __init__(self, size: tuple[int, int] = (1280, 720), *, samples: int | None = None,
                 quality: Quality | str | None = None, gpu: GpuContext | None = None):
        self._owns_gpu = gpu is None
        self.gpu = gpu or GpuContext.offscreen()
        self.renderer = Renderer(self.gpu, quality, samples=samples)
        self.target = RenderTarget(self.gpu, size, 0, srgb=True)

    @property
    def size(self) -> tuple[int, int]:
        return self.target.size

    @property
    def samples(self) -> int:
        """MSAA samples of the scene target (as asked; the GL may offer fewer)."""
        return self.renderer.samples

    def resize(self, size: tuple[int, int], samples: int | None = None) -> None:
        """Re-create the output target if the size changed, the renderer if the sample count
        did."""
        if samples is not None and samples != self.renderer.samples:
            quality = self.renderer.quality
            self.renderer.release()
            self.renderer = Renderer(self.gpu, quality, samples=samples)
        if tuple(size) != self.target.size:
            self.target.release()
            self.target = RenderTarget(self.gpu, size, 0, srgb=True)

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
        self.renderer.release()
        self.target.release()
        if self._owns_gpu:
            self.gpu.release()
