"""Render passes: draw a scene's layers into a framebuffer for one view."""

from vizkit.render.renderer import Renderer

__all__ = ["Renderer"]
