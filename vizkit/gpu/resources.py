"""Deterministic ownership of GL objects.

moderngl releases nothing by itself when contexts are created with ``gc_mode=None`` (vizkit's
default): a layer that forgets to release leaks. Each owner (a layer, a render target) therefore
keeps a :class:`ResourceGroup` and releases it as a whole. The :class:`GpuContext` counts live
objects, which the tests use to prove that loading and dropping scenes does not grow.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar


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

    def release(self) -> None:
        """Release every owned object (in its own context); safe to call twice."""
        if self._objects and hasattr(self._counter, "make_current"):
            self._counter.make_current()
        while self._objects:
            obj = self._objects.pop()
            obj.release()
            if self._counter is not None:
                self._counter.released(obj)
