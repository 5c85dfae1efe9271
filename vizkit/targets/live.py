"""One live loop for window and headless runs: clock, inputs, gestures, camera, picks, heartbeat.

A target (the pyglet window, the headless runner) calls :meth:`LiveLoop.step` once per frame,
then draws. A step:

1. ticks the scene :class:`~vizkit.clock.Clock` by the wall time since the previous step (fixed
   steps, so frame *t* is the picture ``vizkit render --start t`` makes);
2. collects the contact events of every input source — the window's mouse and OS touch (pushed
   between frames with :meth:`LiveLoop.push`), TUIO listeners and touch devices (polled) — and
   routes each one:

   - a contact that goes down on a HUD widget belongs to that widget until it lifts (first
     refusal): ``widget.on_pointer(event, region)`` when the widget has it; a time scrubber
     (``value_at``) follows the finger, a language button (``language_at``) switches on lift;
   - otherwise ``scene.dispatch("on_pointer_down|drag|up|cancel", event)``; unless the script
     returned ``HANDLED`` the event goes on to the :class:`~vizkit.input.gestures.
     GestureRecogniser` (an ``up`` the script handled reaches it as a ``cancel``, so no stuck
     contact and no tap);

3. hands each gesture to ``scene.dispatch("on_gesture", gesture)`` — whose default moves the
   camera through the scene's navigator — and picks a tap the script did not handle:
   :class:`~vizkit.render.picking.Picker` at the tap, on the frame on screen, then
   ``scene.dispatch("on_pick", record)`` (``None`` when it hit nothing);
4. eases the camera (``scene.interaction.tick``) and advances the scene. An exception in a
   script's ``update`` or handler is logged once and counted; the last good state stays on
   screen — an exhibit never dies from bad input;
5. updates the :class:`Heartbeat` and runs the frame hooks (a kiosk's idle timer, watchdog).

Mouse contacts are contacts like any other (``source="mouse"``, id 0); a drag with a button other
than the left one pans. Touch is never turned into mouse events. Every event, gesture, camera
intent and pick can be appended to an :class:`~vizkit.input.eventlog.EventLog`.

Two clocks: *scene time* (``FrameState.t``, pausable, what ``update`` sees) and the *input
clock* (:meth:`LiveLoop.input_time`, seconds since the loop started, never paused) that stamps
events and drives gestures, easing and the hand-over — a paused scene still answers touch.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol

from vizkit.clock import Clock, FrameState
from vizkit.events import KeyEvent, ScrollEvent
from vizkit.input.eventlog import EventLog, intent_record, pick_record
from vizkit.input.gestures import (
    Gesture,
    GestureKind,
    GesturePhase,
    GestureRecogniser,
    GestureSettings,
)
from vizkit.input.model import HANDLER_FOR_PHASE, InputEvent, Phase
from vizkit.input.navigation import CameraIntent

if TYPE_CHECKING:
    from vizkit.gpu import GpuContext
    from vizkit.layers.base import PickRecord
    from vizkit.render.picking import Picker
    from vizkit.scene import Scene

log = logging.getLogger("vizkit.live")

MOUSE_LEFT = 1  # pyglet.window.mouse.LEFT; other buttons pan
PICKING_GESTURES = (GestureKind.TAP, GestureKind.DOUBLE_TAP)
MAX_PUSHED = 4096  # events a window may queue between two frames (a stalled frame sheds moves)


class InputSource(Protocol):
    """Anything that hands contact events over once per frame (TuioListener, touch devices)."""

    def poll(self, viewport: tuple[int, int] = (1, 1),
             now: float | None = None) -> list[InputEvent]: ...

    def close(self) -> None: ...


class PushedInput:
    """Events a window's handlers push between frames, handed over at the next step.

    Thread-safe and bounded: past ``MAX_PUSHED`` waiting events, moves are dropped (the next
    move carries the absolute position); downs, ups and cancels always pass.
    """

    def __init__(self) -> None:
        self._events: deque[InputEvent] = deque()
        self._lock = threading.Lock()
        self.dropped = 0

    def push(self, event: InputEvent) -> None:
        with self._lock:
            if len(self._events) >= MAX_PUSHED and event.phase is Phase.MOVE:
                self.dropped += 1
                return
            self._events.append(event)

    def poll(self, viewport: tuple[int, int] = (1, 1),
             now: float | None = None) -> list[InputEvent]:
        with self._lock:
            events = list(self._events)
            self._events.clear()
        return events

    def close(self) -> None:
        with self._lock:
            self._events.clear()


@dataclass
class Heartbeat:
    """What the loop last did, for watchdogs, idle timers and health checks.

    Attributes:
        frames: frames stepped by this loop.
        frame_index, t: the scene clock's index and time of the last frame.
        now: the input clock at the last frame (seconds since the loop started).
        last_input: input-clock time of the last contact event, wheel or key (``None``: none).
        events, gestures, picks: counts since the start.
        errors: exceptions caught (scene updates, handlers, sources, hooks, the event log).
        last_error: the last one, as ``Type: message``.
    """

    frames: int = 0
    frame_index: int = 0
    t: float = 0.0
    now: float = 0.0
    last_input: float | None = None
    events: int = 0
    gestures: int = 0
    picks: int = 0
    errors: int = 0
    last_error: str = ""


FrameHook = Callable[["LiveLoop", FrameState], None]


class LiveLoop:
    """The per-frame input and update logic every live target shares (see the module docs).

    Args:
        scene: the scene to run (set up on the first step).
        clock: the scene clock (default: ``Clock(scene.fps)``).
        sources: polled input sources (TUIO listeners, touch devices); the loop closes them.
        event_log: where every event, gesture, camera intent and pick is appended (owned by
            the caller).
        gpu: the context the scene is drawn with, for picking (``None``: taps pick nothing).
        gestures: recogniser settings (its ``aspect`` follows the viewport).
        wall: the wall clock, seconds (a test passes its own).

    Attributes:
        heartbeat: :class:`Heartbeat`, updated every step.
        hooks: ``hook(loop, frame)`` after every step (exceptions are counted, not raised).
        pushed: the :class:`PushedInput` of :meth:`push`.
    """

    def __init__(self, scene: Scene, *, clock: Clock | None = None,
                 sources: Sequence[InputSource] = (), event_log: EventLog | None = None,
                 gpu: GpuContext | None = None, gestures: GestureSettings | None = None,
                 wall: Callable[[], float] = time.monotonic):
        self.scene = scene
        self.clock = clock or Clock(scene.fps)
        self.pushed = PushedInput()
        self.sources: list[InputSource] = [self.pushed, *sources]
        self.event_log = event_log
        self.gpu = gpu
        self.recogniser = GestureRecogniser(gestures)
        self.heartbeat = Heartbeat()
        self.hooks: list[FrameHook] = []
        self._wall = wall
        self._t0 = wall()
        self._last_wall: float | None = None
        self._scrolls: deque[ScrollEvent] = deque(maxlen=256)
        self._captured: dict[tuple[str, int], tuple[Any, str]] = {}
        self._buttons: dict[tuple[str, int], int] = {}
        self._viewport = (1, 1)
        self._frame: FrameState | None = None
        self._picker: Picker | None = None
        self._logged: set[tuple[str, str]] = set()
        scene.interaction.listeners.append(self._log_intent)

    # -- time --------------------------------------------------------------------------------
    def input_time(self) -> float:
        """Seconds since the loop started on the wall clock (stamps every input event; give it
        to a TuioListener as its ``clock``). Thread-safe."""
        return self._wall() - self._t0

    @property
    def frame(self) -> FrameState | None:
        """The frame last stepped (what is on screen), ``None`` before the first step."""
        return self._frame

    # -- input from a window -----------------------------------------------------------------
    def push(self, event: InputEvent) -> None:
        """A contact event from the window (mouse, OS touch); handled at the next step."""
        self.pushed.push(event)

    def scroll(self, event: ScrollEvent) -> None:
        """A wheel event; handled at the next step."""
        self._scrolls.append(event)

    def key(self, event: KeyEvent) -> bool:
        """A key press, dispatched at once; ``True`` when the scene handled it."""
        self.heartbeat.last_input = self.input_time()
        return bool(self._safely("on_key", self.scene.dispatch, "on_key", event))

    # -- the frame ---------------------------------------------------------------------------
    def step(self, viewport: tuple[int, int]) -> FrameState:
        """Tick the clock, route the inputs, advance the scene; the caller then draws."""
        scene = self.scene
        wall = self._wall()
        frame = self.clock.tick(0.0 if self._last_wall is None else wall - self._last_wall)
        self._last_wall = wall
        now = wall - self._t0
        self._set_viewport(viewport)
        scene.ensure_setup()
        scene.interaction.now = now
        for source in list(self.sources):
            events = self._safely(f"input source {type(source).__name__}", source.poll,
                                  viewport, now) or []
            for event in events:
                self._route(event)
        while self._scrolls:
            self._wheel(self._scrolls.popleft(), now)
        for gesture in self.recogniser.update(now):
            self._gesture(gesture)
        self._safely("navigation", scene.interaction.tick, now)
        try:
            scene.advance(frame)
        except Exception as exc:  # keep the last good state on screen
            self._error("scene update", exc, f"scene update failed at t={frame.t:.3f}")
        self._frame = frame
        beat = self.heartbeat
        beat.frames += 1
        beat.frame_index, beat.t, beat.now = frame.index, frame.t, now
        for hook in list(self.hooks):
            self._safely("frame hook", hook, self, frame)
        return frame

    def close(self) -> None:
        """Close the input sources and the picker; detach from the scene."""
        for source in self.sources:
            self._safely("closing an input source", source.close)
        if self._picker is not None:
            self._picker.release()
            self._picker = None
        listeners = self.scene.interaction.listeners
        if self._log_intent in listeners:
            listeners.remove(self._log_intent)

    # -- routing -----------------------------------------------------------------------------
    def _set_viewport(self, viewport: tuple[int, int]) -> None:
        viewport = (max(1, int(viewport[0])), max(1, int(viewport[1])))
        if viewport != self._viewport:
            self._viewport = viewport
            aspect = viewport[0] / viewport[1]
            self.recogniser.settings = replace(self.recogniser.settings, aspect=aspect)
            navigator = self.scene.interaction.navigator
            if navigator is not None:
                navigator.aspect = aspect

    def _route(self, event: InputEvent) -> None:
        beat = self.heartbeat
        beat.events += 1
        beat.last_input = event.t
        self._write(event)
        key = event.key
        if event.phase is Phase.DOWN:
            self._captured.pop(key, None)
            if event.source == "mouse":
                self._buttons[key] = event.button
            hit = self._safely("HUD hit test", self._hud_at, event.x, event.y)
            if hit is not None:
                self._captured[key] = hit
        captured = self._captured.get(key)
        if captured is not None:
            if event.ends_contact:
                del self._captured[key]
            self._safely("HUD widget", self._to_widget, captured, event)
            return
        handled = self._safely("pointer handler", self.scene.dispatch,
                               HANDLER_FOR_PHASE[event.phase], event)
        if handled and event.phase is Phase.UP:
            event = replace(event, phase=Phase.CANCEL)  # forget the contact, fire no tap
        elif handled:
            return
        for gesture in self._safely("gesture recogniser", self.recogniser.feed, event) or []:
            self._gesture(gesture)
        if event.ends_contact:
            self._buttons.pop(key, None)

    def _gesture(self, gesture: Gesture) -> None:
        self.heartbeat.gestures += 1
        button = self._buttons.get((gesture.source, gesture.contacts[0]), MOUSE_LEFT) \
            if gesture.source == "mouse" and gesture.contacts else MOUSE_LEFT
        if gesture.kind is GestureKind.DRAG and button != MOUSE_LEFT:
            gesture = replace(gesture, kind=GestureKind.PAN)  # right/middle drag pans
        self._write(gesture)
        handled = self._safely("on_gesture", self.scene.dispatch, "on_gesture", gesture)
        if (not handled and gesture.kind in PICKING_GESTURES
                and gesture.phase is GesturePhase.FIRE):
            self._pick(gesture)

    def _wheel(self, event: ScrollEvent, now: float) -> None:
        self.heartbeat.last_input = now
        self._safely("on_scroll", self.scene.dispatch, "on_scroll", event)

    # -- HUD widgets -------------------------------------------------------------------------
    def _hud_at(self, x: float, y: float) -> tuple[Any, str] | None:
        """The HUD widget and region under ``(x, y)`` (``scene.hud_at``; none with --no-hud)."""
        if not self.scene.hud_visible:
            return None
        hit = self.scene.hud_at(x, y, self._viewport)
        return None if hit is None else (hit.layer, str(hit.region))

    def _to_widget(self, captured: tuple[Any, str], event: InputEvent) -> None:
        """Deliver a contact that went down on a HUD widget to it (see the module docs)."""
        widget, region = captured
        handler = getattr(widget, "on_pointer", None)
        if callable(handler):
            handler(event, region)
            return
        if callable(getattr(widget, "value_at", None)):  # a time scrubber: follow the finger
            widget.dragging = not event.ends_contact
            if event.phase is not Phase.CANCEL:
                value = widget.value_at(event.x, event.y)
                if value is not None:
                    widget.value = value
            return
        if callable(getattr(widget, "language_at", None)) and event.phase is Phase.UP:
            code = widget.language_at(event.x, event.y)
            if code and callable(getattr(self.scene, "set_language", None)):
                self.scene.set_language(code)  # type: ignore[attr-defined]

    # -- picking -----------------------------------------------------------------------------
    def pick_at(self, x: float, y: float) -> PickRecord | None:
        """What the frame on screen shows at pixel ``(x, y)`` (y down), or ``None``."""
        if self.gpu is None or self._frame is None:
            return None
        from vizkit.render.picking import Picker

        if self._picker is None:
            self._picker = Picker(self.gpu)
        self.gpu.make_current()
        view = self.scene.view_state(self._viewport, self._frame)
        return self._picker.pick(self.scene, view, x, y)

    def _pick(self, gesture: Gesture) -> None:
        width, height = self._viewport
        x, y = gesture.nx * width, gesture.ny * height
        record = self._safely("picking", self.pick_at, x, y)
        self.heartbeat.picks += 1
        if self.event_log is not None:
            element = None if record is None else record.element
            self._write(pick_record(gesture.t, gesture.source,
                                    gesture.contacts[0] if gesture.contacts else 0,
                                    gesture.nx, gesture.ny,
                                    None if record is None else record.layer,
                                    list(element) if isinstance(element, tuple) else element,
                                    None if record is None else record.value))
        self._safely("on_pick", self.scene.dispatch, "on_pick", record)

    # -- the log and errors ------------------------------------------------------------------
    def _log_intent(self, intent: CameraIntent, source: str) -> None:
        self._write(intent_record(intent, source))

    def _write(self, item: Any) -> None:
        if self.event_log is not None:
            self._safely("event log", self.event_log.write, item)

    def _safely(self, what: str, function: Callable[..., Any], *args: Any) -> Any:
        try:
            return function(*args)
        except Exception as exc:  # an exhibit never dies from bad input or a script's bug
            self._error(what, exc, f"{what} failed")
            return None

    def _error(self, what: str, exc: BaseException, context: str) -> None:
        message = f"{type(exc).__name__}: {exc}"
        beat = self.heartbeat
        beat.errors += 1
        beat.last_error = message
        if (what, message) not in self._logged and len(self._logged) < 1000:
            self._logged.add((what, message))
            log.error("%s: %s", context, message)
