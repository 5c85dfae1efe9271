"""The hand-over of contact events from the listener thread to the render thread.

:class:`EventQueue` is bounded and thread-safe: past ``max_events`` it sheds moves first (the
next move carries the absolute position), then whole new contacts (their down and everything
after it); the ``up`` or ``cancel`` of a contact it already passed on always gets through, so the
render side never keeps a stuck touch. :class:`PixelMapper` runs on the render side and gives
events pixel positions for the current viewport and deltas since the contact's last *delivered*
event, so a shed move loses no motion.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import replace

from vizkit.input.model import InputEvent, Phase, checked_viewport


class EventQueue:
    """A bounded, thread-safe hand-over of contact events (see the module docstring)."""

    def __init__(self, max_events: int = 1024):
        if not isinstance(max_events, int) or max_events < 1:
            raise ValueError(f"max_queued_events must be a positive whole number, "
                             f"got {max_events!r}")
        self.max_events = max_events
        self.counters = {"queue_moves_dropped": 0, "queue_contacts_dropped": 0}
        self._events: deque[InputEvent] = deque()
        self._suppressed: set[tuple[str, int]] = set()
        self._lock = threading.Lock()

    def put(self, events: Iterable[InputEvent]) -> None:
        with self._lock:
            queue, suppressed = self._events, self._suppressed
            for event in events:
                key = event.key
                if key in suppressed:
                    if event.ends_contact:
                        suppressed.discard(key)
                    continue
                if len(queue) >= self.max_events:
                    if event.phase is Phase.MOVE:
                        self.counters["queue_moves_dropped"] += 1
                        continue
                    if event.phase is Phase.DOWN:
                        self.counters["queue_contacts_dropped"] += 1
                        suppressed.add(key)
                        continue
                queue.append(event)  # ends of delivered contacts always pass

    def take(self) -> list[InputEvent]:
        with self._lock:
            events = list(self._events)
            self._events.clear()
        return events

    def __len__(self) -> int:
        return len(self._events)


class PixelMapper:
    """Gives events pixel ``x, y`` for a viewport and ``dx, dy`` since the contact's last event.

    Lives on the render side: ``dx, dy`` are relative to what was last *delivered*, so a move
    dropped in a flood loses no motion.
    """

    def __init__(self) -> None:
        self._last: dict[tuple[str, int], tuple[float, float]] = {}

    def map(self, events: list[InputEvent], viewport: tuple[int, int]) -> list[InputEvent]:
        width, height = checked_viewport(viewport)
        out = []
        for event in events:
            x, y = event.nx * width, event.ny * height
            key = event.key
            previous = self._last.get(key)
            dx, dy = (0.0, 0.0) if previous is None else (x - previous[0], previous[1] - y)
            if event.ends_contact:
                self._last.pop(key, None)
            else:
                self._last[key] = (x, y)
            out.append(replace(event, x=x, y=y, dx=dx, dy=dy))
        return out
