"""GPU resources on moderngl: contexts, shader programs, framebuffers.

This package is the only place in vizkit that imports :mod:`moderngl`. Everything here is
explicit: a :class:`GpuContext` is created by a target and passed down; nothing is global.
Names are imported on first use (:mod:`vizkit._lazy`): ``from vizkit.gpu import ResourceGroup``
loads neither moderngl nor the other modules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vizkit._lazy import lazy_exports

if TYPE_CHECKING:
    from vizkit.gpu.context import GpuContext, GpuError, NoDisplayError
    from vizkit.gpu.framebuffer import RenderTarget
    from vizkit.gpu.resources import ResourceGroup
    from vizkit.gpu.shaders import Program, ShaderError, ShaderSource

__all__ = [
    "GpuContext",
    "GpuError",
    "NoDisplayError",
    "Program",
    "RenderTarget",
    "ResourceGroup",
    "ShaderError",
    "ShaderSource",
]

__getattr__, __dir__ = lazy_exports(__name__, {
    "GpuContext": "vizkit.gpu.context",
    "GpuError": "vizkit.gpu.context",
    "NoDisplayError": "vizkit.gpu.context",
    "RenderTarget": "vizkit.gpu.framebuffer",
    "ResourceGroup": "vizkit.gpu.resources",
    "Program": "vizkit.gpu.shaders",
    "ShaderError": "vizkit.gpu.shaders",
    "ShaderSource": "vizkit.gpu.shaders",
})
