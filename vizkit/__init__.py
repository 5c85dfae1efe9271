"""vizkit: open statistics as living, GPU-rendered 3D exhibits.

The public API a scene script uses::

    import vizkit

    class MyScene(vizkit.Scene):
        def setup(self, assets): ...
        def update(self, frame): ...

    if __name__ == "__main__":
        vizkit.run(MyScene)

Names are imported on first use (:mod:`vizkit._lazy`): ``import vizkit`` itself loads neither
the GL (moderngl, pyglet) nor ibis, so ``vizkit.data``, ``vizkit.privacy`` and the ``vizkit``
command's ``--help`` and ``check`` start at once and work where no GL is installed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vizkit._lazy import lazy_exports

if TYPE_CHECKING:
    from vizkit.assets import Assets
    from vizkit.camera import Camera, Orbit
    from vizkit.clock import Clock, FrameState
    from vizkit.colormap import Colormap
    from vizkit.events import HANDLED, KeyEvent, PointerEvent, ScrollEvent
    from vizkit.image import Image
    from vizkit.layers import (
        Attribution,
        BaseMap,
        Caption,
        ColorKey,
        ColorScale,
        Flows,
        InfoCard,
        Labels,
        LanguageButton,
        Legend,
        Light,
        Narration,
        OperatorMessage,
        Regions,
        Terrain,
        TimeScrubber,
    )
    from vizkit.layers.base import Layer, PickRecord
    from vizkit.look import Bloom, Fog, Quality, Sky
    from vizkit.render.picking import pick
    from vizkit.runtime import run
    from vizkit.scene import Scene
    from vizkit.text.i18n import Msg
    from vizkit.timeline import Timeline, tween

__version__ = "0.1.0"

__all__ = [
    "HANDLED",
    "Assets",
    "Attribution",
    "BaseMap",
    "Bloom",
    "Camera",
    "Caption",
    "Clock",
    "ColorKey",
    "ColorScale",
    "Colormap",
    "Flows",
    "Fog",
    "FrameState",
    "Image",
    "InfoCard",
    "KeyEvent",
    "Labels",
    "LanguageButton",
    "Layer",
    "Legend",
    "Light",
    "Msg",
    "Narration",
    "OperatorMessage",
    "Orbit",
    "PickRecord",
    "PointerEvent",
    "Quality",
    "Regions",
    "Scene",
    "ScrollEvent",
    "Sky",
    "Terrain",
    "TimeScrubber",
    "Timeline",
    "pick",
    "run",
    "tween",
]

__getattr__, __dir__ = lazy_exports(__name__, {
    "Assets": "vizkit.assets",
    "Camera": "vizkit.camera",
    "Orbit": "vizkit.camera",
    "Clock": "vizkit.clock",
    "FrameState": "vizkit.clock",
    "Colormap": "vizkit.colormap",
    "HANDLED": "vizkit.events",
    "KeyEvent": "vizkit.events",
    "PointerEvent": "vizkit.events",
    "ScrollEvent": "vizkit.events",
    "Image": "vizkit.image",
    "Layer": "vizkit.layers.base",
    "PickRecord": "vizkit.layers.base",
    "Bloom": "vizkit.look",
    "Fog": "vizkit.look",
    "Quality": "vizkit.look",
    "Sky": "vizkit.look",
    "Attribution": "vizkit.layers",  # the layers package knows which module holds each layer
    "BaseMap": "vizkit.layers",
    "Caption": "vizkit.layers",
    "ColorScale": "vizkit.layers",
    "Flows": "vizkit.layers",
    "Regions": "vizkit.layers",
    "Terrain": "vizkit.layers",
    "Legend": "vizkit.layers",
    "Light": "vizkit.layers",
    "ColorKey": "vizkit.layers",
    "InfoCard": "vizkit.layers",
    "LanguageButton": "vizkit.layers",
    "Narration": "vizkit.layers",
    "OperatorMessage": "vizkit.layers",
    "TimeScrubber": "vizkit.layers",
    "Labels": "vizkit.layers",
    "Msg": "vizkit.text.i18n",
    "pick": "vizkit.render.picking",
    "run": "vizkit.runtime",
    "Scene": "vizkit.scene",
    "Timeline": "vizkit.timeline",
    "tween": "vizkit.timeline",
})
