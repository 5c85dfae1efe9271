"""vizkit: open statistics as living, GPU-rendered 3D exhibits.

The public API a scene script uses::

    import vizkit

    class MyScene(vizkit.Scene):
        def setup(self, assets): ...
        def update(self, frame): ...

    if __name__ == "__main__":
        vizkit.run(MyScene)
"""

from vizkit.assets import Assets
from vizkit.camera import Camera, Orbit
from vizkit.clock import Clock, FrameState
from vizkit.colormap import Colormap
from vizkit.events import HANDLED, KeyEvent, PointerEvent, ScrollEvent
from vizkit.image import Image
from vizkit.layers import Attribution, Caption, ColorScale, Flows, Layer, Regions, Terrain
from vizkit.layers.base import PickRecord
from vizkit.render.picking import pick
from vizkit.runtime import run
from vizkit.scene import Scene
from vizkit.timeline import Timeline, tween

__version__ = "0.1.0"

__all__ = [
    "HANDLED",
    "Assets",
    "Attribution",
    "Camera",
    "Caption",
    "Clock",
    "ColorScale",
    "Colormap",
    "Flows",
    "FrameState",
    "Image",
    "KeyEvent",
    "Layer",
    "Orbit",
    "PickRecord",
    "PointerEvent",
    "Regions",
    "Scene",
    "ScrollEvent",
    "Terrain",
    "Timeline",
    "pick",
    "run",
    "tween",
]
