"""Input for touch tables: one event model, TUIO 1.1, gestures, camera intents — all GL-free.

::

    contacts ─► InputEvent ─► GestureRecogniser ─► Gesture ─► OrbitNavigator ─► Orbit
    (mouse, touch,                                     └──► scene handlers (tap → pick)
     TUIO listener)

- :mod:`~vizkit.input.model` — :class:`InputEvent`, a :class:`vizkit.events.PointerEvent` with
  phase, kind, normalised position and time, so mouse handlers work on touch unchanged.
- :mod:`~vizkit.input.tuio_wire`, :mod:`~vizkit.input.tuio` — TUIO 1.1 validated off the wire
  and turned into contact events (alive/set/fseq, senders, time-outs), every drop counted.
- :mod:`~vizkit.input.listener` — :class:`TuioListener`: UDP (and TCP) on its own thread,
  bounded under floods, polled once per frame; :mod:`~vizkit.input.delivery` hands its events
  to the render thread.
- :mod:`~vizkit.input.gestures` — :class:`GestureRecogniser`: tap, double tap, long press, drag,
  pinch, rotate, pan, per visitor.
- :mod:`~vizkit.input.navigation` — :class:`OrbitNavigator`: gestures → orbit/pan/zoom within
  limits, eased back inside on release.
- :mod:`~vizkit.input.eventlog` — the ``--log-events`` JSON-lines records.
- :mod:`~vizkit.input.tuio_sim` — scripted gestures sent as real TUIO bundles.

- :mod:`~vizkit.input.interaction` — a scene's default camera interaction and the hand-over
  between a scripted tour and a visitor.
- :mod:`~vizkit.input.evdev_touch` — Linux multi-touch (protocol B) from evdev devices.

See ``docs/input.md`` for the whole picture and how the live loop
(:mod:`vizkit.targets.live`) wires it in.
"""

from vizkit.input.eventlog import EventLog
from vizkit.input.gestures import (
    Gesture,
    GestureKind,
    GesturePhase,
    GestureRecogniser,
    GestureSettings,
)
from vizkit.input.listener import TuioListener, parse_tuio_address
from vizkit.input.model import InputEvent, Kind, Phase
from vizkit.input.navigation import CameraIntent, NavigationSettings, OrbitNavigator
from vizkit.input.tuio import TuioDecoder, TuioSettings
from vizkit.input.tuio_wire import WireLimits

__all__ = [
    "CameraIntent",
    "EventLog",
    "Gesture",
    "GestureKind",
    "GesturePhase",
    "GestureRecogniser",
    "GestureSettings",
    "InputEvent",
    "Kind",
    "NavigationSettings",
    "OrbitNavigator",
    "Phase",
    "TuioDecoder",
    "TuioListener",
    "TuioSettings",
    "WireLimits",
    "parse_tuio_address",
]
