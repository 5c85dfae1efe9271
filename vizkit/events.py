"""Input events, normalised before scenes see them.

Every pointer is a :class:`PointerEvent` with a ``pointer_id`` and a ``source``, so a scene written
for a mouse works unchanged with fingers or TUIO cursors. Today only the window's mouse produces
them (``source="mouse"``, ``pointer_id`` 0); touch and TUIO input, not received yet, are to fill
the same fields. Positions are pixels from the *top-left* of the view; ``dy`` is positive
upwards. A handler returns :data:`HANDLED` to stop propagation (pyglet's contract); returning
``None`` lets the scene's defaults (orbit, zoom) run.
"""

from __future__ import annotations

from dataclasses import dataclass

HANDLED = True


@dataclass(frozen=True)
class PointerEvent:
    """A pointer (mouse button, finger, TUIO cursor) went down, moved, dragged or up."""

    x: float
    y: float
    dx: float = 0.0
    dy: float = 0.0
    button: int = 1
    pointer_id: int = 0
    source: str = "mouse"


@dataclass(frozen=True)
class ScrollEvent:
    x: float
    y: float
    steps: float


@dataclass(frozen=True)
class KeyEvent:
    """A key press; ``key`` is a lower-case name such as ``"space"``, ``"left"``, ``"a"``."""

    key: str
    modifiers: frozenset[str] = frozenset()
