"""Layers: data (numpy arrays and props) → GPU resources → draw calls. See :mod:`.base`.

Each layer is imported on first use (:mod:`vizkit._lazy`), so ``from vizkit.layers import
Caption`` does not load the flow or terrain modules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vizkit._lazy import lazy_exports

if TYPE_CHECKING:
    from vizkit.layers.base import Layer
    from vizkit.layers.basemap import BaseMap
    from vizkit.layers.flows import Flows
    from vizkit.layers.legend import ColorScale
    from vizkit.layers.regions import Regions
    from vizkit.layers.terrain import Terrain
    from vizkit.layers.text import Attribution, Caption

__all__ = ["Attribution", "BaseMap", "Caption", "ColorScale", "Flows", "Layer", "Regions",
           "Terrain"]

__getattr__, __dir__ = lazy_exports(__name__, {
    "Layer": "vizkit.layers.base",
    "BaseMap": "vizkit.layers.basemap",
    "Flows": "vizkit.layers.flows",
    "ColorScale": "vizkit.layers.legend",
    "Regions": "vizkit.layers.regions",
    "Terrain": "vizkit.layers.terrain",
    "Attribution": "vizkit.layers.text",
    "Caption": "vizkit.layers.text",
})
