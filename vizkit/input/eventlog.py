"""The ``--log-events`` format: one JSON object per line for every event, gesture, intent and pick.

Every line has ``t`` (seconds on the run's clock), ``kind`` and ``source``; the rest depends on the
kind::

    {"t": 2.5, "kind": "down", "source": "tuio:table1", "id": 12, "x": 0.41, "y": 0.73,
     "contact": "cursor"}
    {"t": 2.6, "kind": "pinch", "phase": "update", "source": "tuio:table1", "group": 3,
     "ids": [12, 13], "x": 0.45, "y": 0.7, "dx": 0.0, "dy": 0.0, "scale": 1.031, "rotation": 0.0}
    {"t": 2.6, "kind": "camera", "intent": "zoom", "source": "tuio:table1", "group": 3,
     "azimuth": 0.0, "elevation": 0.0, "pan": [0.0, 0.0], "zoom": 1.031}
    {"t": 3.1, "kind": "pick", "source": "tuio:table1", "id": 12, "x": 0.41, "y": 0.73,
     "layer": "Terrain", "element": 5170, "value": 57.0}

(wrapped here; each is one line in the file.)

- contact events: ``kind`` is the phase (``down``, ``move``, ``up``, ``cancel``); ``id`` the
  contact id; ``x, y`` normalised 0–1 from the top-left; ``contact`` is cursor, object or blob;
  objects add ``class_id`` and ``angle`` (radians), blobs ``angle``, ``width``, ``height``,
  ``area``.
- gestures: ``kind`` is tap, double_tap, long_press, drag, pinch, rotate or pan; ``phase`` begin,
  update, end or fire; ``group`` the visitor's contact group; ``ids`` its contacts; ``x, y`` its
  centre; steps ``dx, dy`` (short-side units, y down), ``scale``, ``rotation`` (radians,
  counter-clockwise); ``cancelled`` only when true.
- camera intents: ``intent`` orbit, turn, pan or zoom, with what was applied.
- picks: ``layer``, ``element`` and ``value`` of what a tap hit (``null`` for nothing).

Numbers are rounded to 6 decimals; NaN and infinities never reach the file (inputs are checked
before they become events). A file is appended to, so a kiosk's log survives restarts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

from vizkit.input.gestures import Gesture
from vizkit.input.model import InputEvent
from vizkit.input.navigation import CameraIntent


def _r(value: float) -> float:
    return round(float(value), 6)


def event_record(event: InputEvent) -> dict[str, Any]:
    """The log line of a contact event."""
    record: dict[str, Any] = {"t": _r(event.t), "kind": str(event.phase), "source": event.source,
                              "id": event.pointer_id, "x": _r(event.nx), "y": _r(event.ny),
                              "contact": str(event.kind)}
    for name in ("class_id", "angle", "width", "height", "area"):
        value = getattr(event, name)
        if value is not None:
            record[name] = value if name == "class_id" else _r(value)
    return record


def gesture_record(gesture: Gesture) -> dict[str, Any]:
    """The log line of a gesture step."""
    record: dict[str, Any] = {"t": _r(gesture.t), "kind": str(gesture.kind),
                              "phase": str(gesture.phase), "source": gesture.source,
                              "group": gesture.group, "ids": list(gesture.contacts),
                              "x": _r(gesture.nx), "y": _r(gesture.ny), "dx": _r(gesture.dx),
                              "dy": _r(gesture.dy), "scale": _r(gesture.scale),
                              "rotation": _r(gesture.rotation)}
    if gesture.cancelled:
        record["cancelled"] = True
    return record


def intent_record(intent: CameraIntent, source: str) -> dict[str, Any]:
    """The log line of a camera intent (``source`` of the gesture that caused it)."""
    return {"t": _r(intent.t), "kind": "camera", "intent": intent.kind, "source": source,
            "group": intent.group, "azimuth": _r(intent.azimuth),
            "elevation": _r(intent.elevation), "pan": [_r(intent.pan[0]), _r(intent.pan[1])],
            "zoom": _r(intent.zoom)}


def pick_record(t: float, source: str, contact_id: int, nx: float, ny: float,
                layer: str | None, element: int | None, value: Any) -> dict[str, Any]:
    """The log line of a pick (what a tap hit; ``layer`` ``None`` when nothing)."""
    if isinstance(value, float):
        value = _r(value)
    return {"t": _r(t), "kind": "pick", "source": source, "id": contact_id, "x": _r(nx),
            "y": _r(ny), "layer": layer, "element": element, "value": value}


class EventLog:
    """Appends records as JSON lines to a file (line-buffered, so a crash loses nothing)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._file: IO[str] | None = self.path.open("a", encoding="utf-8", buffering=1)

    def write(self, item: InputEvent | Gesture | dict[str, Any]) -> None:
        if self._file is None:
            raise ValueError(f"event log {self.path} is closed")
        if isinstance(item, InputEvent):
            record = event_record(item)
        elif isinstance(item, Gesture):
            record = gesture_record(item)
        else:
            record = item
        self._file.write(json.dumps(record, allow_nan=False, separators=(", ", ": ")) + "\n")

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> EventLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
