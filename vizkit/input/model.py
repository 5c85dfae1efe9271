"""One input model: every pointer — mouse, OS touch, TUIO cursor, tangible, blob — is an InputEvent.

A *contact* is one pointer from going down to going up: a held mouse button, a finger, a TUIO
cursor, a tangible object on the table, a blob. Each contact is named by ``(source, pointer_id)``
and reported as :class:`InputEvent` in four phases: ``down``, ``move``, ``up`` and ``cancel``
(the contact vanished without lifting — a TUIO sender went silent, the window lost focus).

Positions come twice: normalised ``nx, ny`` in 0–1 from the *top-left* of the surface (TUIO's own
convention) and pixels ``x, y`` from the top-left of the view, for the viewport the events were
delivered into. ``dx, dy`` are pixels since the contact's previous delivered event, ``dy``
positive upwards — exactly the meaning :class:`vizkit.events.PointerEvent` gives them.

:class:`InputEvent` *is* a :class:`~vizkit.events.PointerEvent` (a subclass with extra fields
that all have defaults), so a scene handler written for the mouse
(``on_pointer_down/up/drag(event)`` reading ``x, y, dx, dy, pointer_id, source``) runs unchanged
on touch and TUIO events. Touch is never turned into fake mouse events: ``source`` says where a
contact came from (``"mouse"``, ``"touch"``, ``"tuio:<sender>"``) and nothing pretends otherwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from vizkit.events import PointerEvent


class Phase(StrEnum):
    """Where a contact is in its life."""

    DOWN = "down"
    MOVE = "move"
    UP = "up"
    CANCEL = "cancel"


class Kind(StrEnum):
    """What touches the surface: a cursor (finger, mouse), a tagged object, or a blob."""

    CURSOR = "cursor"
    OBJECT = "object"
    BLOB = "blob"


HANDLER_FOR_PHASE: dict[Phase, str] = {
    Phase.DOWN: "on_pointer_down",
    Phase.MOVE: "on_pointer_drag",
    Phase.UP: "on_pointer_up",
    Phase.CANCEL: "on_pointer_cancel",
}
"""The scene handler each phase is dispatched to (``on_pointer_cancel`` is new in round two;
until a scene defines it, the runner falls back to ``on_pointer_up``)."""


@dataclass(frozen=True)
class InputEvent(PointerEvent):
    """A contact went down, moved, went up or was cancelled.

    Inherited from :class:`~vizkit.events.PointerEvent`: ``x, y`` (pixels from the top-left),
    ``dx, dy`` (pixels since the previous event of this contact, ``dy`` up), ``button`` (mouse
    button; 1 for touch), ``pointer_id`` (contact id, unique within ``source``; the TUIO session
    id for TUIO) and ``source``.

    Attributes:
        phase: down, move, up or cancel.
        kind: cursor, object (tangible with ``class_id`` and ``angle``) or blob (``angle``,
            ``width``, ``height``, ``area``).
        nx, ny: position normalised to 0–1 from the top-left of the surface.
        t: seconds on the clock the listener or window was given (explicit time, so a test can
            replay a gesture exactly).
        class_id: the tangible's class (fiducial id) for objects, else ``None``.
        angle: radians in [0, 2π) as the sender measures it (TUIO 1.1), for objects and blobs.
        width, height, area: blob extent normalised to the surface (area as a fraction of it).
    """

    phase: Phase = Phase.MOVE
    kind: Kind = Kind.CURSOR
    nx: float = 0.0
    ny: float = 0.0
    t: float = 0.0
    class_id: int | None = None
    angle: float | None = None
    width: float | None = None
    height: float | None = None
    area: float | None = None

    @property
    def key(self) -> tuple[str, int]:
        """``(source, pointer_id)``: names one contact across all sources."""
        return (self.source, self.pointer_id)

    @property
    def ends_contact(self) -> bool:
        return self.phase in (Phase.UP, Phase.CANCEL)

    @classmethod
    def from_pixels(cls, phase: Phase, x: float, y: float, viewport: tuple[int, int], *,
                    t: float, source: str = "mouse", pointer_id: int = 0, button: int = 1,
                    dx: float = 0.0, dy: float = 0.0) -> InputEvent:
        """An event from a window's pixel position (``y`` from the top), e.g. a mouse press."""
        width, height = checked_viewport(viewport)
        return cls(x=float(x), y=float(y), dx=float(dx), dy=float(dy), button=button,
                   pointer_id=pointer_id, source=source, phase=Phase(phase), kind=Kind.CURSOR,
                   nx=float(x) / width, ny=float(y) / height, t=float(t))


def checked_viewport(viewport: tuple[int, int]) -> tuple[float, float]:
    width, height = float(viewport[0]), float(viewport[1])
    if not (width > 0 and height > 0 and math.isfinite(width) and math.isfinite(height)):
        raise ValueError(f"viewport must be two positive sizes in pixels, got {viewport!r}")
    return width, height


def short_side_units(nx: float, ny: float, aspect: float) -> tuple[float, float]:
    """A normalised position in units of the surface's *short* side (isotropic distances).

    ``aspect`` is width / height. On a 16:9 table the full width is 16/9 ≈ 1.78 units and the
    height 1, so a circle stays a circle whichever way it is measured.
    """
    if aspect >= 1.0:
        return nx * aspect, ny
    return nx, ny / aspect
