"""The colour pass: the world in linear light, one final pass to 8-bit pixels, the HUD on top.

A frame, in every target (offscreen, window, each cube face of a dome):

1. **Scene target** (:class:`~vizkit.gpu.framebuffer.SceneTarget`, RGBA16F or RGBA32F, MSAA
   as the quality says): the sky (a gradient over world directions), then the world layers —
   opaque first, then blended (``draw_order``) — writing *linear light*; additive particles add
   up without a ceiling. Resolved; then optional depth fog.
2. **Final pass** (:meth:`PostPasses.finish`): exposure, optional bloom, sRGB encoding and the
   tone map — the only tone map of the frame — into the caller's 8-bit framebuffer.
3. **HUD layers** (``is_hud``: captions, legends, credits) are drawn over the 8-bit result, in
   display values, so text keeps exactly the colours it was given.

A dome draws steps 1 per cube face (:meth:`Renderer.draw_linear`) and runs step 2 once on the
resampled fisheye, so bloom and tone map see one continuous picture (docs/look.md).

GL state is applied with ``ctx.scope`` and restored on exit, so nothing leaks between passes or
into a caller's framebuffer. Layers that need blending set it inside their own ``draw``.
Picking (:mod:`vizkit.render.picking`) has its own id buffer and is not affected.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import moderngl

from vizkit.gpu import GpuContext
from vizkit.gpu.framebuffer import SceneTarget, is_srgb, srgb_writes
from vizkit.look import DEFAULT_QUALITY, Bloom, Fog, Quality, Sky, quality_named
from vizkit.render.post import PostPasses
from vizkit.view import ViewState

if TYPE_CHECKING:
    from vizkit.layers.base import Layer
    from vizkit.scene import Scene

MAX_CACHED_TARGETS = 4   # a dome draws two face heights; a window may be resized


def scene_sky(scene: Scene) -> Sky:
    """The scene's sky: ``scene.sky``, else the default sky of its background."""
    sky = getattr(scene, "sky", None)
    return sky if sky is not None else Sky.from_background(scene.background)


def scene_exposure(scene: Scene) -> float:
    return float(getattr(scene, "exposure", 1.0))


class Renderer:
    """Draws scenes with one :class:`GpuContext` at one :class:`~vizkit.look.Quality`.

    Args:
        gpu: the context.
        quality: a preset name or a :class:`Quality` (default ``"laptop"``); ``samples``, if
            given, overrides its MSAA.
    """

    def __init__(self, gpu: GpuContext, quality: Quality | str | None = None, *,
                 samples: int | None = None):
        self.gpu = gpu
        chosen = quality_named(quality or DEFAULT_QUALITY) if not isinstance(
            quality, Quality) else quality
        self.quality = chosen if samples is None else chosen.but(samples=max(0, int(samples)))
        self.post = PostPasses(gpu)
        self._targets: dict[tuple[int, int], SceneTarget] = {}

    @property
    def samples(self) -> int:
        """MSAA samples of the scene target (as asked; the GL may offer fewer)."""
        return self.quality.samples

    # -- the frame -----------------------------------------------------------------------------
    def draw(self, scene: Scene, framebuffer: moderngl.Framebuffer, view: ViewState, *,
             clear: bool = True) -> None:
        """Draw ``scene`` as seen by ``view`` into the 8-bit ``framebuffer``.

        With ``clear=False`` and no world layers (a dome's HUD image) only the HUD layers are
        drawn, over what the framebuffer holds.
        """
        self.gpu.make_current()
        world, hud = self.visible_layers(scene)
        viewport = (0, 0, *view.viewport)
        if (world or clear) and self.plain_into(scene, framebuffer, view):
            # 8-bit sRGB, nothing to resolve, tone-map or fog: the layers draw straight into
            # the caller's sRGB target, which then holds the display values
            self.draw_layers(scene, framebuffer, view, world, srgb=True)
        elif world or clear:
            target = self.draw_linear(scene, view, world)
            if (self.quality.precision == "u1" and scene_exposure(scene) == 1.0
                    and framebuffer.samples == 0 and framebuffer.size == target.size):
                # 8-bit sRGB storage holds the display values already (nothing above white
                # to tone-map): a raw copy is the final pass
                self.gpu.ctx.copy_framebuffer(framebuffer, target.color_only)
            else:
                self.finish(scene, target.color, framebuffer, viewport)
        if hud:
            self.draw_hud(hud, framebuffer, view)

    def visible_layers(self, scene: Scene) -> tuple[list[Layer], list[Layer]]:
        """``(world, hud)`` layers to draw, each in draw order; prepared in this context."""
        layers = sorted((layer for layer in scene.layers
                         if layer.visible and (scene.hud_visible or not layer.is_hud)),
                        key=lambda layer: layer.draw_order)
        for layer in layers:
            layer.prepare(self.gpu)  # no-op after the first frame
        return ([layer for layer in layers if not layer.is_hud],
                [layer for layer in layers if layer.is_hud])

    def plain_into(self, scene: Scene, framebuffer: moderngl.Framebuffer,
                   view: ViewState) -> bool:
        """The plain path applies: an 8-bit scene without MSAA, exposure or fog, and an sRGB
        render target of the view's size to draw it in."""
        return (self.quality.precision == "u1" and self.quality.samples == 0
                and scene_exposure(scene) == 1.0 and getattr(scene, "fog", None) is None
                and is_srgb(framebuffer) and framebuffer.depth_attachment is not None
                and tuple(framebuffer.size) == tuple(view.viewport))

    def draw_layers(self, scene: Scene, framebuffer: moderngl.Framebuffer, view: ViewState,
                    layers: list[Layer], *, srgb: bool) -> None:
        """The sky, then ``layers`` in order, into ``framebuffer`` (linear light). Layers see
        the renderer's quality in ``view.quality`` (what the preset asks of them)."""
        ctx = self.gpu.ctx
        view = dataclasses.replace(view, quality=self.quality)
        with ctx.scope(framebuffer, enable_only=moderngl.NOTHING), srgb_writes(ctx, srgb):
            framebuffer.viewport = (0, 0, *view.viewport)
            self.post.sky(framebuffer, view, scene_sky(scene))
            ctx.enable_only(moderngl.DEPTH_TEST)
            ctx.depth_func = "<"
            for layer in layers:
                layer.draw(view)

    def draw_linear(self, scene: Scene, view: ViewState,
                    layers: list[Layer] | None = None) -> SceneTarget:
        """Sky, then ``layers`` (default: the scene's visible world layers) in linear light,
        resolved, fogged: the scene target of ``view.viewport``'s size."""
        ctx = self.gpu.ctx
        if layers is None:
            layers = self.visible_layers(scene)[0]
        target = self.scene_target(view.viewport)
        self.draw_layers(scene, target.framebuffer, view, layers, srgb=target.srgb)
        fog: Fog | None = getattr(scene, "fog", None)
        target.resolve(depth=fog is not None)
        if fog is not None:
            with srgb_writes(ctx, target.srgb):
                self.post.fog(target, view, fog, fog.color or scene_sky(scene).horizon)
        return target

    def finish(self, scene: Scene, light: moderngl.Texture, framebuffer: moderngl.Framebuffer,
               viewport: tuple[int, int, int, int]) -> None:
        """The final pass: ``light`` (linear, the viewport's size) → 8-bit ``framebuffer``."""
        bloom = None
        if self.quality.bloom:
            settings: Bloom = getattr(scene, "bloom", None) or Bloom()
            if settings.strength > 0:
                bloom = (self.post.bloom(light, settings), settings.strength)
        self.post.finish(light, framebuffer, viewport, exposure=scene_exposure(scene),
                         bloom=bloom, tone_map=self.quality.hdr)

    def draw_hud(self, hud: list[Layer], framebuffer: moderngl.Framebuffer,
                 view: ViewState) -> None:
        """HUD layers over ``framebuffer`` in display values (its depth cleared first)."""
        ctx = self.gpu.ctx
        with ctx.scope(framebuffer, enable_only=moderngl.DEPTH_TEST):
            framebuffer.viewport = (0, 0, *view.viewport)
            framebuffer.color_mask = (False, False, False, False)
            framebuffer.clear(depth=1.0)
            framebuffer.color_mask = (True, True, True, True)
            framebuffer.use()  # moderngl applies a framebuffer's colour mask when it is bound
            ctx.depth_func = "<"
            for layer in hud:
                layer.draw(view)

    # -- resources -----------------------------------------------------------------------------
    def scene_target(self, size: tuple[int, int]) -> SceneTarget:
        """The scene target of ``size`` (kept for the next frame; a few sizes at most)."""
        key = (int(size[0]), int(size[1]))
        target = self._targets.get(key)
        if target is None:
            if len(self._targets) >= MAX_CACHED_TARGETS:
                oldest = next(iter(self._targets))
                self._targets.pop(oldest).release()
            target = self._targets[key] = SceneTarget(self.gpu, key, self.quality.samples,
                                                      self.quality.precision)
        return target

    def release(self) -> None:
        """Release the scene targets and the passes' resources (not the layers')."""
        for target in self._targets.values():
            target.release()
        self._targets.clear()
        self.post.release()
