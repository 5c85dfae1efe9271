"""Picking: which cell or region is under a screen position — via an id buffer, not ray casting.

The pick pass draws the scene once more, into a tiny integer framebuffer (``RG32UI`` colour +
depth), with ``ViewState.pass_name == "pick"``. Each pickable layer writes
``(layer id, element id + 1)`` per fragment instead of a colour; the depth test keeps the
nearest one, so what the pointer sees is what is picked, NaN holes and all. Reading that one
pixel back gives the element, and the layer turns it into a :class:`PickRecord` (its value at
the current time) that info cards and touch taps use.

Only the pixel under the pointer is rasterised: the projection is narrowed to that pixel (a
"pick matrix"), so a pick costs one vertex pass and no full-screen fill.

Contract for layers: in ``draw(view)`` with ``view.pass_name == "pick"``, write
``uvec2(layer.pick_id, element + 1)`` to colour attachment 0 (layers that cannot be picked
return without drawing), and implement ``pick_record(element) -> PickRecord``.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import moderngl
import numpy as np

from vizkit.clock import FrameState
from vizkit.gpu import GpuContext
from vizkit.layers.base import PickRecord
from vizkit.matrices import scaling, translation
from vizkit.view import ViewState

if TYPE_CHECKING:
    from vizkit.layers.base import Layer
    from vizkit.scene import Scene


class Picker:
    """Renders pick passes into a 1×1 ``RG32UI`` + depth framebuffer owned by this object.

    Args:
        gpu: the context the scene's layers are (or will be) prepared in.
    """

    def __init__(self, gpu: GpuContext):
        self.gpu = gpu
        self._group = gpu.group("Picker")
        ctx = gpu.ctx
        self._ids = self._group.own(ctx.texture((1, 1), 2, dtype="u4"))
        self._depth = self._group.own(ctx.depth_renderbuffer((1, 1)))
        self._fbo = self._group.own(ctx.framebuffer([self._ids], self._depth))

    def pick(self, scene: Scene, view: ViewState, x: float, y: float) -> PickRecord | None:
        """The element at pixel ``(x, y)`` (x right, y down from the top-left of ``view``).

        ``view`` is the colour view the pointer sees (size, camera); the scene must already be
        advanced to the frame shown. Returns ``None`` over background or unpickable layers.
        """
        width, height = view.viewport
        if not (0 <= x < width and 0 <= y < height):
            return None
        layers = [layer for layer in scene.layers
                  if layer.visible and (scene.hud_visible or not layer.is_hud)]
        pick_view = dataclasses.replace(
            view, projection=pick_matrix(x, y, (width, height)) @ view.projection,
            viewport=(1, 1), pass_name="pick")
        ids = self.read_ids(layers, pick_view)
        if ids[0] == 0 or ids[1] == 0 or ids[0] > len(layers):
            return None
        layer = layers[ids[0] - 1]
        return layer.pick_record(int(ids[1]) - 1)  # type: ignore[attr-defined]

    def read_ids(self, layers: list[Layer], pick_view: ViewState) -> tuple[int, int]:
        """Draw ``layers`` (ids 1, 2, … in list order) with ``pick_view``; read the pixel."""
        ctx = self.gpu.ctx
        for index, layer in enumerate(layers, start=1):
            layer.pick_id = index  # type: ignore[attr-defined]
            layer.prepare(self.gpu)
        with ctx.scope(self._fbo, enable_only=moderngl.DEPTH_TEST):
            self._fbo.viewport = (0, 0, 1, 1)
            self._fbo.clear(0.0, 0.0, 0.0, 0.0, depth=1.0)
            ctx.depth_func = "<"
            for layer in sorted(layers, key=lambda layer: layer.draw_order):
                layer.draw(pick_view)
        raw = self._fbo.read(viewport=(0, 0, 1, 1), components=2, dtype="u4")
        ids = np.frombuffer(raw, dtype=np.uint32)
        return int(ids[0]), int(ids[1])

    def release(self) -> None:
        self._group.release()


def pick_matrix(x: float, y: float, size: tuple[int, int]) -> np.ndarray:
    """Clip-space transform that blows the pixel at ``(x, y)`` (top-left origin) up to the
    whole viewport (gluPickMatrix): ``pick_matrix @ projection`` sees only that pixel."""
    width, height = size
    px = int(x) + 0.5  # the pixel's centre, as the colour pass samples it
    py = height - (int(y) + 0.5)  # GL window y grows upwards
    cx, cy = 2.0 * px / width - 1.0, 2.0 * py / height - 1.0
    return scaling((width, height, 1.0)) @ translation((-cx, -cy, 0.0))


def pick(scene: Scene, x: float, y: float, size: tuple[int, int] = (1280, 720), *,
         frame: FrameState | None = None, gpu: GpuContext | None = None) -> PickRecord | None:
    """Convenience: the element under pixel ``(x, y)`` of ``scene`` drawn at ``size``.

    Uses ``gpu`` if given, else the context the scene's layers are prepared in (a window's or
    the one :meth:`Scene.snapshot` made), else a snapshot context created on the spot.
    ``frame``, if given, advances the scene first (as a render of that frame would).
    """
    if frame is not None:
        scene.advance(frame)
    else:
        scene.ensure_setup()
    gpu = gpu or _scene_gpu(scene)
    if gpu is None:
        scene.snapshot(0.0 if frame is None else frame.t, size=size, samples=0)
        gpu = _scene_gpu(scene)
    assert gpu is not None
    if frame is None:
        frame = FrameState(0.0, 1.0 / scene.fps, 0)
        if scene.orbit is not None:
            scene.orbit.apply(scene.camera)
    picker = Picker(gpu)
    try:
        return picker.pick(scene, scene.view_state(size, frame), x, y)
    finally:
        picker.release()


def _scene_gpu(scene: Any) -> GpuContext | None:
    for layer in scene.layers:
        if getattr(layer, "_gpu", None) is not None:
            return layer._gpu
    offscreen = getattr(scene, "_offscreen", None)
    return offscreen.gpu if offscreen is not None else None
