"""Gestures from contacts: tap, double tap, long press, drag, pinch, rotate, two-finger pan.

A touch table has several visitors at once. The recogniser first sorts contacts into *groups* —
one visitor's hand — by proximity and timing, then recognises gestures per group, so two people
pinching at opposite sides make two pinches, not one giant one:

- A new contact joins an existing one-finger group of the same source when it lands within
  ``group_radius`` of that finger, and that finger is resting (has not started dragging) or
  landed less than ``group_seconds`` ago. Otherwise it starts a group of its own. A group holds
  at most two contacts; a third finger nearby starts its own group.
- One finger: a *tap* when it lifts within ``tap_seconds`` having moved less than ``tap_slop``;
  a *double tap* instead of the second tap when two taps land within ``double_tap_seconds`` and
  ``double_tap_distance`` of each other (the first tap is reported at once, so picking does not
  wait); a *long press* when it rests for ``long_press_seconds`` (then no tap); a *drag* once it
  moves more than ``drag_slop``.
- Two fingers: *pinch* once their distance changed by ``pinch_slop``, *rotate* once their angle
  turned by ``rotate_slop_degrees``, *pan* once their centre moved by ``pan_slop``. Each starts
  without a jump (its first step is neutral) and then follows the fingers until one lifts; the
  remaining finger must move ``drag_slop`` again before it drags, so lifting one finger of a
  pinch never flicks the camera.

Distances are in units of the surface's *short side* (``aspect`` = width / height tells which
side that is), times in seconds from the events' own ``t`` — so recognition is deterministic and
replays exactly. Time-based gestures (long press) need :meth:`GestureRecogniser.update` once per
frame as well as :meth:`GestureRecogniser.feed` for every event.

Continuous gestures report ``begin``, ``update`` and ``end`` (``cancelled`` when a contact was
cancelled); discrete ones report ``fire``. Steps are incremental: ``dx, dy`` (short-side units,
``y`` down), ``scale`` (ratio of finger distance) and ``rotation`` (radians, counter-clockwise as
seen on screen) since the previous report of the same gesture.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from enum import StrEnum

from vizkit.input.model import InputEvent, Kind, Phase, short_side_units


class GestureKind(StrEnum):
    TAP = "tap"
    DOUBLE_TAP = "double_tap"
    LONG_PRESS = "long_press"
    DRAG = "drag"
    PINCH = "pinch"
    ROTATE = "rotate"
    PAN = "pan"


class GesturePhase(StrEnum):
    BEGIN = "begin"
    UPDATE = "update"
    END = "end"
    FIRE = "fire"


@dataclass(frozen=True)
class GestureSettings:
    """Thresholds of the recogniser; distances in short-side units, times in seconds.

    On a 55-inch table (short side ≈ 0.68 m), 0.02 is about 14 mm — a finger's width.
    """

    aspect: float = 16 / 9
    tap_seconds: float = 0.30
    tap_slop: float = 0.02
    double_tap_seconds: float = 0.40
    double_tap_distance: float = 0.06
    long_press_seconds: float = 0.60
    drag_slop: float = 0.02
    group_radius: float = 0.40
    group_seconds: float = 0.50
    pinch_slop: float = 0.03
    rotate_slop_degrees: float = 8.0
    pan_slop: float = 0.03
    kinds: tuple[Kind, ...] = (Kind.CURSOR,)
    """Contact kinds that make gestures (tangible objects and blobs do not, by default)."""

    def __post_init__(self) -> None:
        for spec in fields(self):
            if spec.name == "kinds":
                continue
            value = getattr(self, spec.name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise ValueError(f"GestureSettings.{spec.name} must be a positive number, "
                                 f"got {value!r}")
        if not all(kind in {k.value for k in Kind} for kind in self.kinds):
            raise ValueError(f"GestureSettings.kinds must be contact kinds {list(Kind)}, "
                             f"got {self.kinds!r}")


@dataclass(frozen=True)
class Gesture:
    """A recognised gesture or a step of one.

    Attributes:
        kind, phase: what and where in its life (see the module docstring).
        t: seconds (the time of the event or update that produced it).
        group: id of the contact group (one visitor's hand); two simultaneous pinches differ.
        source: the contacts' source (``"mouse"``, ``"touch"``, ``"tuio:<sender>"``).
        contacts: pointer ids of the contacts making the gesture.
        nx, ny: its centre, normalised 0–1 from the top-left.
        dx, dy: step of the centre in short-side units (``y`` down).
        scale: step ratio of the two fingers' distance (> 1: spreading).
        rotation: step angle in radians, counter-clockwise as seen on screen.
        cancelled: the gesture ended because a contact was cancelled, not lifted.
    """

    kind: GestureKind
    phase: GesturePhase
    t: float
    group: int
    source: str
    contacts: tuple[int, ...]
    nx: float
    ny: float
    dx: float = 0.0
    dy: float = 0.0
    scale: float = 1.0
    rotation: float = 0.0
    cancelled: bool = False


class _Contact:
    __slots__ = ("down_t", "group", "key", "n", "s", "start")

    def __init__(self, key: tuple[str, int], event: InputEvent, s: tuple[float, float]):
        self.key = key
        self.down_t = event.t
        self.n = (event.nx, event.ny)     # normalised position now
        self.s = s                        # short-side position now
        self.start = s                    # where slop is measured from
        self.group: _Group | None = None


class _Group:
    __slots__ = ("active", "contacts", "dragging", "id", "last", "long_pressed", "ref",
                 "source", "start_t", "tappable")

    def __init__(self, group_id: int, contact: _Contact, t: float):
        self.id = group_id
        self.source = contact.key[0]
        self.contacts = [contact]
        self.start_t = t
        self.dragging = False
        self.tappable = True
        self.long_pressed = False
        self.active: set[GestureKind] = set()      # running two-finger gestures
        self.ref = (0.0, 0.0, (0.0, 0.0))          # distance, angle, centre when two landed
        self.last = (0.0, 0.0, (0.0, 0.0))         # the same at the previous step


def _pair(a: _Contact, b: _Contact) -> tuple[float, float, tuple[float, float]]:
    """Distance, screen angle (counter-clockwise, y down on the surface) and centre."""
    dx, dy = b.s[0] - a.s[0], b.s[1] - a.s[1]
    centre = ((a.s[0] + b.s[0]) / 2, (a.s[1] + b.s[1]) / 2)
    return math.hypot(dx, dy), math.atan2(-dy, dx), centre


def _wrap(angle: float) -> float:
    return (angle + math.pi) % (2 * math.pi) - math.pi


class GestureRecogniser:
    """Contacts in, gestures out; several groups (visitors) at once. See the module docstring."""

    MAX_CONTACTS = 512
    """Contacts tracked at once; further downs are ignored (the decoder bounds them already)."""

    def __init__(self, settings: GestureSettings | None = None):
        self.settings = settings or GestureSettings()
        self._contacts: dict[tuple[str, int], _Contact] = {}
        self._groups: dict[int, _Group] = {}
        self._next_group = 1
        self._taps: list[tuple[float, str, tuple[float, float]]] = []  # recent single taps

    @property
    def groups(self) -> list[tuple[int, ...]]:
        """Pointer ids per live group (for tests and diagnostics)."""
        return [tuple(c.key[1] for c in g.contacts) for g in self._groups.values()]

    # -- input -------------------------------------------------------------------------------
    def feed(self, event: InputEvent) -> list[Gesture]:
        """Take one contact event; return the gestures it completes or advances."""
        if event.kind not in self.settings.kinds:
            return []
        key = event.key
        out: list[Gesture] = []
        contact = self._contacts.get(key)
        if event.phase is Phase.DOWN:
            if contact is not None:  # a repeated down: close the old contact first
                self._lift(contact, event.t, cancelled=True, out=out)
            if len(self._contacts) < self.MAX_CONTACTS:
                self._land(key, event, out)
        elif contact is not None:
            contact.n = (event.nx, event.ny)
            contact.s = self._short(event)
            if event.phase is Phase.MOVE:
                self._moved(contact, event.t, out)
            else:
                self._lift(contact, event.t, cancelled=event.phase is Phase.CANCEL, out=out)
        return out

    def update(self, now: float) -> list[Gesture]:
        """Time-driven gestures (long press); call once per frame."""
        out: list[Gesture] = []
        hold = self.settings.long_press_seconds
        for group in self._groups.values():
            if (len(group.contacts) == 1 and group.tappable and not group.long_pressed
                    and now - group.contacts[0].down_t >= hold):
                group.long_pressed, group.tappable = True, False
                out.append(self._gesture(GestureKind.LONG_PRESS, GesturePhase.FIRE, now, group))
        horizon = now - self.settings.double_tap_seconds
        self._taps = [tap for tap in self._taps if tap[0] >= horizon]
        return out

    # -- contacts ----------------------------------------------------------------------------
    def _short(self, event: InputEvent) -> tuple[float, float]:
        return short_side_units(event.nx, event.ny, self.settings.aspect)

    def _land(self, key: tuple[str, int], event: InputEvent, out: list[Gesture]) -> None:
        settings = self.settings
        contact = self._contacts[key] = _Contact(key, event, self._short(event))
        best: tuple[float, _Group] | None = None
        for group in self._groups.values():
            if group.source != key[0] or len(group.contacts) != 1:
                continue
            other = group.contacts[0]
            distance = math.dist(other.s, contact.s)
            recent = event.t - group.start_t <= settings.group_seconds
            if distance <= settings.group_radius and (not group.dragging or recent):
                if best is None or distance < best[0]:
                    best = (distance, group)
        if best is None:
            group = _Group(self._next_group, contact, event.t)
            self._next_group += 1
            self._groups[group.id] = group
            contact.group = group
            return
        group = best[1]
        if group.dragging:
            out.append(self._gesture(GestureKind.DRAG, GesturePhase.END, event.t, group))
        group.dragging = group.tappable = False
        group.long_pressed = True  # no long press once a second finger joined
        group.contacts.append(contact)
        contact.group = group
        group.ref = group.last = _pair(*group.contacts)

    def _moved(self, contact: _Contact, t: float, out: list[Gesture]) -> None:
        group = contact.group
        if group is None:
            return
        settings = self.settings
        if len(group.contacts) == 1:
            if not group.dragging:
                if math.dist(contact.s, contact.start) <= max(settings.drag_slop,
                                                              settings.tap_slop):
                    return
                group.dragging, group.tappable = True, False
                group.last = (0.0, 0.0, contact.s)
                out.append(self._gesture(GestureKind.DRAG, GesturePhase.BEGIN, t, group))
                return
            last = group.last[2]
            group.last = (0.0, 0.0, contact.s)
            out.append(self._gesture(GestureKind.DRAG, GesturePhase.UPDATE, t, group,
                                     dx=contact.s[0] - last[0], dy=contact.s[1] - last[1]))
            return
        distance, angle, centre = _pair(*group.contacts)
        last_distance, last_angle, last_centre = group.last
        ref_distance, ref_angle, ref_centre = group.ref
        group.last = (distance, angle, centre)
        starts = {
            GestureKind.PINCH: abs(distance - ref_distance) >= settings.pinch_slop,
            GestureKind.ROTATE: abs(math.degrees(_wrap(angle - ref_angle)))
            >= settings.rotate_slop_degrees,
            GestureKind.PAN: math.dist(centre, ref_centre) >= settings.pan_slop,
        }
        for kind, started in starts.items():
            if kind not in group.active:
                if started:
                    group.active.add(kind)
                    out.append(self._gesture(kind, GesturePhase.BEGIN, t, group))
                continue
            step = {"scale": distance / last_distance if last_distance > 1e-9 else 1.0}
            if kind is GestureKind.ROTATE:
                step = {"rotation": _wrap(angle - last_angle)}
            elif kind is GestureKind.PAN:
                step = {"dx": centre[0] - last_centre[0], "dy": centre[1] - last_centre[1]}
            out.append(self._gesture(kind, GesturePhase.UPDATE, t, group, **step))

    def _lift(self, contact: _Contact, t: float, *, cancelled: bool,
              out: list[Gesture]) -> None:
        del self._contacts[contact.key]
        group = contact.group
        if group is None:
            return
        settings = self.settings
        if len(group.contacts) == 1:
            if group.dragging:
                out.append(self._gesture(GestureKind.DRAG, GesturePhase.END, t, group,
                                         cancelled=cancelled))
            elif (group.tappable and not cancelled and not group.long_pressed
                  and t - contact.down_t <= settings.tap_seconds):
                out.append(self._tap(group, contact, t))
            del self._groups[group.id]
            return
        for kind in sorted(group.active):
            out.append(self._gesture(kind, GesturePhase.END, t, group, cancelled=cancelled))
        group.active.clear()
        group.contacts.remove(contact)
        rest = group.contacts[0]
        rest.start = rest.s          # the remaining finger must travel drag_slop again
        group.start_t = t
        group.dragging = group.tappable = False

    def _tap(self, group: _Group, contact: _Contact, t: float) -> Gesture:
        settings = self.settings
        for index, (tap_t, source, position) in enumerate(self._taps):
            if (source == group.source and t - tap_t <= settings.double_tap_seconds
                    and math.dist(position, contact.s) <= settings.double_tap_distance):
                del self._taps[index]
                return self._gesture(GestureKind.DOUBLE_TAP, GesturePhase.FIRE, t, group)
        self._taps.append((t, group.source, contact.s))
        del self._taps[:-64]  # bounded: only recent taps can pair anyway
        return self._gesture(GestureKind.TAP, GesturePhase.FIRE, t, group)

    def _gesture(self, kind: GestureKind, phase: GesturePhase, t: float, group: _Group,
                 **step: float | bool) -> Gesture:
        contacts = group.contacts
        nx = sum(c.n[0] for c in contacts) / len(contacts)
        ny = sum(c.n[1] for c in contacts) / len(contacts)
        return Gesture(kind=kind, phase=phase, t=t, group=group.id, source=group.source,
                       contacts=tuple(c.key[1] for c in contacts), nx=nx, ny=ny, **step)
