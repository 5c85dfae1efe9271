"""GPU resources on moderngl: contexts, shader programs, framebuffers.

This package is the only place in vizkit that imports :mod:`moderngl`. Everything here is
explicit: a :class:`GpuContext` is created by a target and passed down; nothing is global.
"""

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
