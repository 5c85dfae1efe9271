"""Deterministic ownership of GL objects.

moderngl releases nothing by itself when contexts are created with ``gc_mode=None`` (vizkit's
default): a layer that forgets to release leaks. Each owner (a layer, a render target) therefore
keeps a :class:`ResourceGroup` and releases it as a whole. The :class:`GpuContext` counts live
objects, which the tests use to prove that loading and dropping scenes does not grow.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

# bytes per component of moderngl dtypes (depth textures report "f4")
_DTYPE_BYTES = {"f1": 1, "u1": 1, "i1": 1, "f2": 2, "u2": 2, "i2": 2, "f4": 4, "u4": 4, "i4": 4}


def gpu_nbytes(obj: Any) -> int:
    """GPU memory a buffer, texture or renderbuffer holds as allocated (0 for other objects).

    Computed from the object's size and format — what the GL was asked to allocate — so it
    counts the same on every driver.
    """
    kind = type(obj).__name__
    if kind == "Buffer":
        return int(obj.size)
    if kind not in ("Texture", "TextureArray", "Texture3D", "TextureCube", "Renderbuffer"):
        return 0
    texel = int(getattr(obj, "components", 1)) * _DTYPE_BYTES.get(getattr(obj, "dtype", "f1"), 4)
    texels = 1
    for side in obj.size:  # (w, h), or (w, h, layers/depth)
        texels *= int(side)
    faces = 6 if kind == "TextureCube" else 1
    samples = max(int(getattr(obj, "samples", 0) or 0), 1)
    return texels * faces * texel * samples


class Releasable(Protocol):
    def release(self) -> None: ...


T = TypeVar("T", bound=Releasable)


class ResourceGroup:
    """GL objects owned together and released together, in reverse creation order."""

    def __init__(self, owner: str, counter: Any | None = None):
        self.owner = owner
        self._objects: list[Releasable] = []
        self._counter = counter

    def own(self, obj: T) -> T:
        """Take ownership of ``obj`` and return it (so creation reads as one expression)."""
        self._objects.append(obj)
        if self._counter is not None:
            self._counter.created(obj)
        return obj

    def __len__(self) -> int:
        return len(self._objects)

    @property
    def nbytes(self) -> int:
        """GPU memory held by this group's live buffers and textures (:func:`gpu_nbytes`)."""
        return sum(gpu_nbytes(obj) for obj in self._objects)

    def release(self) -> None:
        """Release every owned object (in its own context); safe to call twice."""
        if self._objects and hasattr(self._counter, "make_current"):
            self._counter.make_current()
        while self._objects:
            obj = self._objects.pop()
            if self._counter is not None:  # counted first: a released object has no size
                self._counter.released(obj)
            obj.release()
