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
    from vizkit.layers.hud import HudLayer, HudStyle
    from vizkit.layers.hud_legend import ColorKey, Legend
    from vizkit.layers.hud_widgets import (
        InfoCard,
        LanguageButton,
        Narration,
        OperatorMessage,
        TimeScrubber,
    )
    from vizkit.layers.labels import Labels
    from vizkit.layers.legend import ColorScale
    from vizkit.layers.light import Light
    from vizkit.layers.regions import Regions
    from vizkit.layers.terrain import Terrain
    from vizkit.layers.text import Attribution, Caption

__all__ = ["Attribution", "BaseMap", "Caption", "ColorKey", "ColorScale", "Flows", "HudLayer",
           "HudStyle", "InfoCard", "Labels", "LanguageButton", "Layer", "Legend", "Light",
           "Narration", "OperatorMessage", "Regions", "Terrain", "TimeScrubber"]

__getattr__, __dir__ = lazy_exports(__name__, {
    "Layer": "vizkit.layers.base",
    "BaseMap": "vizkit.layers.basemap",
    "Flows": "vizkit.layers.flows",
    "ColorScale": "vizkit.layers.legend",
    "Light": "vizkit.layers.light",
    "Regions": "vizkit.layers.regions",
    "Terrain": "vizkit.layers.terrain",
    "Attribution": "vizkit.layers.text",
    "Caption": "vizkit.layers.text",
    "HudLayer": "vizkit.layers.hud",
    "HudStyle": "vizkit.layers.hud",
    "Legend": "vizkit.layers.hud_legend",
    "ColorKey": "vizkit.layers.hud_legend",
    "InfoCard": "vizkit.layers.hud_widgets",
    "LanguageButton": "vizkit.layers.hud_widgets",
    "Narration": "vizkit.layers.hud_widgets",
    "OperatorMessage": "vizkit.layers.hud_widgets",
    "TimeScrubber": "vizkit.layers.hud_widgets",
    "Labels": "vizkit.layers.labels",
})
