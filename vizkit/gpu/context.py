"""The GL context vizkit draws with, for two targets: offscreen EGL and a pyglet window.

A :class:`GpuContext` wraps one :class:`moderngl.Context`, caches compiled programs per
(shader files, defines) and counts the GL objects created through it. It is created by a
target and passed down explicitly (no global context).

``upload_bytes`` counts every byte sent from the CPU into GPU buffers and textures: the data
given to :meth:`~GpuContext.buffer`, :meth:`~GpuContext.texture` and
:meth:`~GpuContext.texture_array`, and every later ``.write()``/``.write_chunks()`` on a buffer or
texture owned by one of this context's resource groups (however it was created). A write whose
source is another GPU buffer (a pixel-pack buffer) moves no CPU data and counts 0; uniform values
are not counted (they are the per-frame, free kind of change).

``live_bytes`` counts the GPU memory held by live objects created through resource groups
(buffers, textures, renderbuffers: their size as allocated, see
:func:`vizkit.gpu.resources.gpu_nbytes`); :attr:`ResourceGroup.nbytes` is one owner's share.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping
from typing import Any

import moderngl
import numpy as np

from vizkit.gpu.resources import ResourceGroup, gpu_nbytes
from vizkit.gpu.shaders import Program, compile_program


class GpuError(RuntimeError):
    """The GL could not be set up (no EGL, too old a GL, a GL error)."""


class NoDisplayError(GpuError):
    """A window was asked for on a machine without a display."""


class GpuContext:
    """One moderngl context plus a program cache and a live-object count.

    Args:
        ctx: the moderngl context; this object releases it in :meth:`release` only if
            ``owns_context`` is true (an EGL context we created, not a window's).
    """

    def __init__(self, ctx: moderngl.Context, *, owns_context: bool = False):
        self.ctx = ctx
        self.owns_context = owns_context
        self._programs: dict[tuple, Program] = {}
        self.live: Counter[str] = Counter()
        self.upload_bytes = 0  # bytes written to GPU buffers/textures since creation
        self.live_bytes = 0  # GPU memory held by live buffers/textures made through groups

    # -- creation --------------------------------------------------------------------------
    @classmethod
    def offscreen(cls) -> GpuContext:
        """A standalone OpenGL 3.3+ core context through EGL (no display needed)."""
        try:
            ctx = moderngl.create_standalone_context(backend="egl", require=330)
        except Exception as exc:  # moderngl/glcontext raise plain Exception types
            raise GpuError(
                f"could not create an offscreen OpenGL context through EGL ({exc}); "
                "install Mesa's EGL (Debian: libegl1 libegl-mesa0 libgl1-mesa-dri)"
            ) from None
        ctx.gc_mode = None
        return cls(ctx, owns_context=True)

    @classmethod
    def from_current(cls) -> GpuContext:
        """Attach to the GL context current on this thread (a pyglet window's)."""
        ctx = moderngl.create_context(require=330)
        ctx.gc_mode = None
        return cls(ctx, owns_context=False)

    def make_current(self) -> None:
        """Make this context current on this thread (a window's context: no-op).

        EGL keeps a destroyed context current until another is made current, so after a second
        offscreen context in the same process (``scene.snapshot()``, a test) was released, GL
        calls would land in that dead context. Every entry point that issues GL calls through
        an owned context (drawing, reading, releasing) calls this first; it is cheap.
        """
        if self.owns_context:
            self.ctx.__enter__()

    # -- facts -----------------------------------------------------------------------------
    @property
    def renderer(self) -> str:
        return str(self.ctx.info.get("GL_RENDERER", "unknown"))

    @property
    def max_samples(self) -> int:
        return int(self.ctx.max_samples)

    def check_error(self, where: str) -> None:
        """Raise :class:`GpuError` if the GL has recorded an error."""
        error = self.ctx.error
        if error != "GL_NO_ERROR":
            raise GpuError(f"{where}: {error}")

    # -- resources -------------------------------------------------------------------------
    def group(self, owner: str) -> ResourceGroup:
        """A new :class:`ResourceGroup` whose objects are counted by this context."""
        return ResourceGroup(owner, counter=self)

    def created(self, obj: Any) -> None:
        self.live[type(obj).__name__] += 1
        self.live_bytes += gpu_nbytes(obj)
        if isinstance(obj, _WRITABLE):
            self._count_writes(obj)

    def _count_writes(self, obj: Any) -> None:
        """Route ``obj.write``/``obj.write_chunks`` through :attr:`upload_bytes`."""
        for method in ("write", "write_chunks"):
            original = getattr(obj, method, None)
            if original is None or getattr(original, "_vizkit_counted", False):
                continue

            def counted(*args: Any, _original: Any = original, _method: str = method,
                        **kwargs: Any) -> Any:
                self.upload_bytes += _host_bytes(obj, _method, args, kwargs)
                return _original(*args, **kwargs)

            counted._vizkit_counted = True  # type: ignore[attr-defined]
            setattr(obj, method, counted)

    def released(self, obj: Any) -> None:
        self.live[type(obj).__name__] -= 1
        self.live_bytes -= gpu_nbytes(obj)

    def live_objects(self) -> int:
        """Number of GL objects created through groups and not yet released."""
        return sum(self.live.values())

    def buffer(self, group: ResourceGroup, data: np.ndarray | bytes) -> moderngl.Buffer:
        """Upload ``data`` into a new buffer owned by ``group``."""
        raw = data.tobytes() if isinstance(data, np.ndarray) else data
        self.upload_bytes += len(raw)
        return group.own(self.ctx.buffer(raw))

    def texture(self, group: ResourceGroup, size: tuple[int, int], components: int,
                data: np.ndarray | None = None, *, dtype: str = "f1",
                filter_linear: bool = True) -> moderngl.Texture:
        raw = None if data is None else np.ascontiguousarray(data).tobytes()
        self.upload_bytes += 0 if raw is None else len(raw)
        tex = group.own(self.ctx.texture(size, components, raw, dtype=dtype))
        f = moderngl.LINEAR if filter_linear else moderngl.NEAREST
        tex.filter = (f, f)
        return tex

    def texture_array(self, group: ResourceGroup, size: tuple[int, int, int], components: int,
                      data: np.ndarray, *, dtype: str = "f4") -> moderngl.TextureArray:
        raw = np.ascontiguousarray(data).tobytes()
        self.upload_bytes += len(raw)
        tex = group.own(self.ctx.texture_array(size, components, raw, dtype=dtype))
        tex.filter = (moderngl.NEAREST, moderngl.NEAREST)
        tex.repeat_x = tex.repeat_y = False
        return tex

    def vertex_array(self, group: ResourceGroup, program: Program, content: list,
                     index_buffer: moderngl.Buffer | None = None,
                     index_element_size: int = 4) -> moderngl.VertexArray:
        return group.own(self.ctx.vertex_array(program.gl, content, index_buffer=index_buffer,
                                               index_element_size=index_element_size))

    def program(self, vertex: str, fragment: str | None = None,
                defines: Mapping[str, object] | None = None,
                varyings: tuple[str, ...] = ()) -> Program:
        """A compiled program, cached per (files, defines, varyings) for this context's life."""
        key = (vertex, fragment, tuple(sorted((defines or {}).items())), varyings)
        program = self._programs.get(key)
        if program is None:
            program = compile_program(self.ctx, vertex, fragment, defines, varyings)
            self._programs[key] = program
        return program

    def release(self) -> None:
        """Release cached programs and, when owned, the context itself."""
        self.make_current()
        for program in self._programs.values():
            program.release()
        self._programs.clear()
        if self.owns_context:
            self.ctx.release()


_WRITABLE = (moderngl.Buffer, moderngl.Texture, moderngl.TextureArray, moderngl.Texture3D,
             moderngl.TextureCube)


def _host_bytes(obj: Any, method: str, args: tuple, kwargs: dict) -> int:
    """Bytes a ``write``/``write_chunks`` call sends from the CPU (0 from a GPU buffer)."""
    if isinstance(obj, moderngl.TextureCube):  # write(face, data, ...)
        data = args[1] if len(args) > 1 else kwargs.get("data")
    else:
        data = args[0] if args else kwargs.get("data")
    if isinstance(data, moderngl.Buffer) or data is None:
        return 0
    if isinstance(data, np.ndarray):
        return int(data.nbytes)
    return len(memoryview(data).cast("B"))


def display_available() -> bool:
    """True when a window could plausibly open (an X11 or Wayland display is set)."""
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
