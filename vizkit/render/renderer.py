"""The colour pass: clear, then draw each visible layer with a declared GL state.

State is applied with ``ctx.scope`` and restored on exit, so nothing leaks between passes or into
a caller's framebuffer. Layers that need blending set it inside their own ``draw`` and are drawn
after opaque ones (``draw_order``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import moderngl

from vizkit.gpu import GpuContext
from vizkit.view import ViewState

if TYPE_CHECKING:
    from vizkit.scene import Scene


class Renderer:
    """Draws scenes with one :class:`GpuContext`."""

    def __init__(self, gpu: GpuContext):
        self.gpu = gpu

    def draw(self, scene: Scene, framebuffer: moderngl.Framebuffer, view: ViewState, *,
             clear: bool = True) -> None:
        """Draw ``scene`` as seen by ``view`` into ``framebuffer``."""
        self.gpu.make_current()
        ctx = self.gpu.ctx
        layers = sorted((layer for layer in scene.layers
                         if layer.visible and (scene.hud_visible or not layer.is_hud)),
                        key=lambda layer: layer.draw_order)
        for layer in layers:
            layer.prepare(self.gpu)  # no-op after the first frame
        with ctx.scope(framebuffer, enable_only=moderngl.DEPTH_TEST):
            framebuffer.viewport = (0, 0, *view.viewport)
            if clear:
                r, g, b = scene.background
                framebuffer.clear(r, g, b, 1.0, depth=1.0)
            ctx.depth_func = "<"
            for layer in layers:
                layer.draw(view)
