"""Layers: data (numpy arrays and props) → GPU resources → draw calls. See :mod:`.base`."""

from vizkit.layers.base import Layer
from vizkit.layers.flows import Flows
from vizkit.layers.legend import ColorScale
from vizkit.layers.regions import Regions
from vizkit.layers.terrain import Terrain
from vizkit.layers.text import Attribution, Caption

__all__ = ["Attribution", "Caption", "ColorScale", "Flows", "Layer", "Regions", "Terrain"]
