"""OS multi-touch on Linux: touch screens and frames read from evdev (``/dev/input/event*``).

pyglet 2.1 reports no touch events on X11 or Wayland (its evdev backend reads joysticks and
tablets, not multi-touch slots), so vizkit reads the kernel's multi-touch protocol itself:

- :class:`MultiTouchDecoder` — the kernel's *type B* protocol (slots), free of devices and
  threads: ``ABS_MT_SLOT`` selects a slot, ``ABS_MT_TRACKING_ID`` ≥ 0 starts a contact in it and
  −1 ends it, ``ABS_MT_POSITION_X/Y`` move it, and ``SYN_REPORT`` ends the frame — then each
  changed slot becomes a ``down``, ``move`` or ``up`` :class:`~vizkit.input.model.InputEvent`
  (``source="touch"``). ``SYN_DROPPED`` (the kernel's buffer overflowed, the state is unknown)
  cancels every contact and ignores events up to the next ``SYN_REPORT``, so an overflow never
  leaves a stuck touch. Positions are normalised with the axes' ranges (the device is taken to
  cover the display, as a touch screen or a table's touch frame does). Type A devices
  (``SYN_MT_REPORT``, no slots — pre-2010 drivers) are not read.
- :class:`EvdevTouchSource` — reads devices with python-evdev (the maintained binding,
  ``pip install "vizkit[touch]"``) on its own thread and hands events to the live loop once per
  frame, bounded like the TUIO listener (:mod:`vizkit.input.delivery`).

The event codes are the kernel's stable ABI (``linux/input-event-codes.h``), written out here
so the decoder needs no device and no python-evdev. The reader is untested against real
hardware in vizkit's CI (no input devices there); the decoder is tested on the protocol's
documented event sequences.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from vizkit.input.delivery import EventQueue, PixelMapper
from vizkit.input.model import InputEvent, Kind, Phase

log = logging.getLogger(__name__)

# linux/input-event-codes.h
EV_SYN, EV_ABS = 0x00, 0x03
SYN_REPORT, SYN_MT_REPORT, SYN_DROPPED = 0, 2, 3
ABS_MT_SLOT, ABS_MT_POSITION_X, ABS_MT_POSITION_Y, ABS_MT_TRACKING_ID = 0x2F, 0x35, 0x36, 0x39
MAX_SLOTS = 64


@dataclass(frozen=True)
class AxisRange:
    """An absolute axis' reported range (``absinfo`` min and max)."""

    low: int
    high: int

    def normalise(self, value: float) -> float:
        span = self.high - self.low
        return min(1.0, max(0.0, (value - self.low) / span)) if span > 0 else 0.0


class _Slot:
    __slots__ = ("changed", "contact", "x", "y")

    def __init__(self) -> None:
        self.contact: int | None = None   # the pointer id of the contact in the slot
        self.x = self.y = 0.0
        self.changed: Phase | None = None  # down or move, reported at the next SYN_REPORT


class MultiTouchDecoder:
    """Kernel multi-touch protocol B → contact events (see the module docstring).

    Args:
        x_range, y_range: the device's ``ABS_MT_POSITION_X/Y`` ranges.
        device: a small number naming the device; pointer ids are ``device * 65536 +
            tracking id`` so two devices never share one.
    """

    def __init__(self, x_range: AxisRange, y_range: AxisRange, device: int = 0):
        self.x_range, self.y_range, self.device = x_range, y_range, device
        self.counters = {"frames": 0, "events": 0, "overflows": 0, "ignored": 0}
        self._slots: dict[int, _Slot] = {}
        self._ended: list[tuple[Phase, int, float, float]] = []  # this frame's ups/cancels
        self._slot = 0
        self._dropping = False

    @property
    def contacts(self) -> list[int]:
        """Pointer ids of the contacts on the surface now."""
        return [slot.contact for slot in self._slots.values() if slot.contact is not None]

    def feed(self, events: Iterable[tuple[int, int, int]], t: float) -> list[InputEvent]:
        """``(type, code, value)`` events as the device sent them; the contact events of every
        frame they complete, stamped ``t``."""
        out: list[InputEvent] = []
        for kind, code, value in events:
            if kind == EV_SYN:
                if code == SYN_DROPPED:
                    self.counters["overflows"] += 1
                    self._dropping = True
                    out.extend(self._cancel_all(t))
                elif code == SYN_REPORT:
                    if self._dropping:
                        self._dropping = False  # the next frame starts afresh
                    else:
                        out.extend(self._frame(t))
            elif kind == EV_ABS and not self._dropping:
                self._axis(code, value)
        self.counters["events"] += len(out)
        return out

    def _axis(self, code: int, value: int) -> None:
        if code == ABS_MT_SLOT:
            self._slot = value
            return
        if not 0 <= self._slot < MAX_SLOTS:
            self.counters["ignored"] += 1
            return
        slot = self._slots.setdefault(self._slot, _Slot())
        if code == ABS_MT_TRACKING_ID:
            if slot.contact is not None and slot.changed is not Phase.DOWN:
                # -1 lifts the contact; a new id over a live one means its end was lost
                phase = Phase.UP if value < 0 else Phase.CANCEL
                self._ended.append((phase, slot.contact, slot.x, slot.y))
            slot.contact, slot.changed = ((None, None) if value < 0 else
                                          (self.device * 65_536 + (value & 0xFFFF), Phase.DOWN))
        elif code in (ABS_MT_POSITION_X, ABS_MT_POSITION_Y):
            if code == ABS_MT_POSITION_X:
                slot.x = self.x_range.normalise(value)
            else:
                slot.y = self.y_range.normalise(value)
            if slot.contact is not None and slot.changed is None:
                slot.changed = Phase.MOVE

    def _frame(self, t: float) -> list[InputEvent]:
        self.counters["frames"] += 1
        out = [self._event(phase, contact, x, y, t) for phase, contact, x, y in self._ended]
        self._ended.clear()
        for slot in self._slots.values():
            if slot.changed is not None and slot.contact is not None:
                out.append(self._event(slot.changed, slot.contact, slot.x, slot.y, t))
            slot.changed = None
        return out

    def _cancel_all(self, t: float) -> list[InputEvent]:
        """The state is lost: end every contact that was reported as down."""
        out = [self._event(Phase.CANCEL, contact, x, y, t)
               for _, contact, x, y in self._ended]
        self._ended.clear()
        for slot in self._slots.values():
            if slot.contact is not None and slot.changed is not Phase.DOWN:
                out.append(self._event(Phase.CANCEL, slot.contact, slot.x, slot.y, t))
            slot.contact = slot.changed = None
        return out

    def _event(self, phase: Phase, contact: int, x: float, y: float, t: float) -> InputEvent:
        return InputEvent(x=0.0, y=0.0, pointer_id=contact, source="touch", phase=phase,
                          kind=Kind.CURSOR, nx=x, ny=y, t=t)


class EvdevTouchSource:
    """Multi-touch devices read on a background thread; :meth:`poll` once per frame.

    Args:
        devices: opened ``evdev.InputDevice`` objects with multi-touch slots.
        clock: seconds, stamped on every event (the live loop's input clock).
    """

    def __init__(self, devices: list, *, clock: Callable[[], float] = time.monotonic):
        self.devices = devices
        self.clock = clock
        self.queue = EventQueue(1024)
        self._pixels = PixelMapper()
        self._decoders = {}
        for index, device in enumerate(devices):
            absinfo = dict(device.capabilities(absinfo=True).get(EV_ABS, []))
            self._decoders[device.fd] = MultiTouchDecoder(
                AxisRange(absinfo[ABS_MT_POSITION_X].min, absinfo[ABS_MT_POSITION_X].max),
                AxisRange(absinfo[ABS_MT_POSITION_Y].min, absinfo[ABS_MT_POSITION_Y].max),
                device=index)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="vizkit-touch", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import select

        by_fd = {device.fd: device for device in self.devices}
        while not self._stop.is_set() and by_fd:
            try:
                ready, _, _ = select.select(list(by_fd), [], [], 0.1)
            except (OSError, ValueError):
                return
            for fd in ready:
                try:
                    raw = [(e.type, e.code, e.value) for e in by_fd[fd].read()]
                except BlockingIOError:
                    continue
                except OSError:  # unplugged: its contacts end, the others go on
                    log.warning("touch device %s went away", by_fd[fd].path)
                    decoder = self._decoders[fd]
                    self.queue.put(decoder.feed([(EV_SYN, SYN_DROPPED, 0)], self.clock()))
                    del by_fd[fd]
                    continue
                self.queue.put(self._decoders[fd].feed(raw, self.clock()))

    def poll(self, viewport: tuple[int, int] = (1, 1),
             now: float | None = None) -> list[InputEvent]:
        return self._pixels.map(self.queue.take(), viewport)

    def counters(self) -> dict[str, int]:
        out = dict(self.queue.counters)
        for decoder in self._decoders.values():
            for name, value in decoder.counters.items():
                out[name] = out.get(name, 0) + value
        return out

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=1.0)
        for device in self.devices:
            try:
                device.close()
            except OSError:
                pass


def is_multitouch(capabilities: dict) -> bool:
    """Whether ``device.capabilities()`` describe a protocol-B multi-touch device."""
    axes = set(capabilities.get(EV_ABS, []))
    return {ABS_MT_SLOT, ABS_MT_POSITION_X, ABS_MT_POSITION_Y, ABS_MT_TRACKING_ID} <= axes


def open_touch_devices(*, clock: Callable[[], float] = time.monotonic) -> EvdevTouchSource:
    """Every readable multi-touch device of this machine, as one source.

    Raises ``OSError`` with one line saying what is missing: python-evdev, or a device (none
    found, or none readable by this user — touch devices belong to the ``input`` group).
    """
    try:
        import evdev
    except ImportError:
        raise OSError("touch input needs python-evdev (Linux): pip install \"vizkit[touch]\"; "
                      "or use a TUIO tracker (input.sources = [\"tuio:3333\"])") from None
    devices, unreadable = [], 0
    for path in evdev.list_devices():
        try:
            device = evdev.InputDevice(path)
        except OSError:
            unreadable += 1
            continue
        if is_multitouch({k: [c for c in v if isinstance(c, int)] for k, v in
                          device.capabilities().items()}):
            devices.append(device)
        else:
            device.close()
    if not devices:
        why = (f"; {unreadable} device(s) could not be opened (add this user to the 'input' "
               f"group)" if unreadable else "")
        raise OSError(f"touch input: no multi-touch device found under /dev/input{why}")
    return EvdevTouchSource(devices, clock=clock)

