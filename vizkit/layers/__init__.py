"""Layers: data (numpy arrays and props) → GPU resources → draw calls. See :mod:`.base`."""

from vizkit.layers.base import Layer
from vizkit.layers.flows import Flows
from vizkit.layers.legend import ColorScale
from vizkit.layers.regions import Regions
from vizkit.layers.terrain import Terrain

__all__ = ["ColorScale", "Flows", "Layer", "Regions", "Terrain"]
