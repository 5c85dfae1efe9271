"""TUIO 1.1 sessions → :class:`~vizkit.input.model.InputEvent`: alive/set/fseq, senders, time-outs.

:class:`TuioDecoder` is the protocol's state machine, free of sockets and threads: feed it packets
with the time they arrived (``feed(packet, sender, now)``) and ask it for time-outs
(``expire(now)``); both return the contact events they cause. The listener
(:mod:`vizkit.input.listener`) runs it on its own thread; tests run it directly.

The semantics follow the TUIO 1.1 specification as its reference client implements them:

- Messages are grouped per *stream*: one source (sender) and one profile (2Dcur, 2Dobj, 2Dblb).
  A ``source`` message names the sender for the rest of its bundle; without one, the sender's
  ``host:port`` names it. Events carry ``source = "tuio:<name>"``.
- ``alive`` lists the session ids on the surface; ``set`` gives a contact's state; ``fseq`` ends
  the frame and applies it: contacts that left ``alive`` go *up*, new ones go *down*, changed
  ones *move*. A ``set`` for an id not in ``alive`` is ignored (counted).
- Ordering: a frame whose ``fseq`` is below the stream's last one is late and dropped
  (``late_frames``), unless it is more than ``restart_gap`` frames below, or the stream was
  silent for ``contact_timeout`` — the sender restarted (``restarts``) and the frame is taken.
  ``fseq`` of 0 or -1 (senders that do not number frames) is always processed. Unlike the
  reference client, the last frame number is kept per stream, not per client, so two tables
  with their own counters never drop each other's frames.
- A bundle that ends without ``fseq`` for a stream it touched (python-tuio's server does this for
  objects and blobs) is applied as an unnumbered frame at the end of the bundle
  (``frames_without_fseq``); a UDP bundle arrives whole or not at all, so this is safe.
  Messages sent outside bundles wait for their ``fseq`` as in the reference client.
- Time-out: a contact not named by any applied frame for ``contact_timeout`` seconds is
  *cancelled* (``timeouts``) — a lost last bundle, or a sender that died, never leaves a stuck
  touch. Its id is then ignored until it leaves ``alive``, so it cannot come back as a phantom.

Everything is bounded: sources (``max_sources``, idle ones forgotten), contacts per stream
(``max_contacts``), and what one packet may hold (:class:`~vizkit.input.tuio_wire.WireLimits`).
Nothing in a packet can raise out of :meth:`TuioDecoder.feed`; every drop increments a counter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from vizkit.input.model import InputEvent, Kind, Phase
from vizkit.input.tuio_wire import (
    Alive,
    SetContact,
    Source,
    WireError,
    WireLimits,
    decode_message,
    split_packet,
)

DROP_COUNTERS = (
    "oversize", "malformed", "too_deep", "too_many_messages", "too_many_arguments",
    "bad_type_tags", "bad_argument_count", "unknown_command", "not_finite", "out_of_range",
    "other_address", "too_many_sources", "too_many_contacts", "set_not_alive", "late_frames",
)
"""Counters of things dropped: each names why (see the module docstrings)."""

COUNTERS = ("packets", "messages", "frames", "events", "restarts", "frames_without_fseq",
            "timeouts", *DROP_COUNTERS)


@dataclass(frozen=True)
class TuioSettings:
    """How the decoder treats senders (every field is used; defaults suit a museum table).

    Attributes:
        contact_timeout: seconds a contact may go unmentioned before it is cancelled. Trackers
            send every camera frame (≥ 25 per second), and on-change senders repeat ``alive``
            about once a second, so 1.5 s only ends contacts whose sender fell silent.
        restart_gap: an ``fseq`` more than this many frames below the last one means the
            sender restarted (the reference client's 100).
        max_sources: senders tracked at once; idle ones are forgotten first.
        max_contacts: contacts per source and profile (ten visitors with ten fingers fit).
        forget_source_seconds: a sender with no contacts, silent this long, is forgotten.
        wire: limits on a single packet.
    """

    contact_timeout: float = 1.5
    restart_gap: int = 100
    max_sources: int = 16
    max_contacts: int = 128
    forget_source_seconds: float = 30.0
    wire: WireLimits = field(default_factory=WireLimits)

    def __post_init__(self) -> None:
        for name in ("contact_timeout", "forget_source_seconds"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise ValueError(f"TuioSettings.{name} must be positive seconds, got {value!r}")
        for name in ("restart_gap", "max_sources", "max_contacts"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"TuioSettings.{name} must be a positive whole number, "
                                 f"got {value!r}")


class _Contact:
    """The last applied state of one TUIO session (one finger, object or blob)."""

    __slots__ = ("angle", "area", "class_id", "height", "last_seen", "session_id", "width",
                 "x", "y")

    def __init__(self, state: SetContact, now: float):
        self.session_id = state.session_id
        self.class_id = state.class_id
        self.last_seen = now
        self.x = self.y = -1.0
        self.angle = self.width = self.height = self.area = None
        self.update(state)

    def update(self, state: SetContact) -> bool:
        """Take a new state; ``True`` when anything a scene can see changed."""
        new = (state.x, state.y, state.angle, state.width, state.height, state.area)
        old = (self.x, self.y, self.angle, self.width, self.height, self.area)
        if new == old:
            return False
        self.x, self.y, self.angle, self.width, self.height, self.area = new
        return True


class _Stream:
    """One source's contacts of one profile, and the frame being assembled for them."""

    __slots__ = ("alive", "cancelled", "contacts", "frame", "frame_time", "kind", "label",
                 "pending_alive", "pending_sets")

    def __init__(self, kind: Kind, label: str):
        self.kind = kind
        self.label = label
        self.frame: int | None = None
        self.frame_time = -math.inf
        self.alive: tuple[int, ...] = ()
        self.contacts: dict[int, _Contact] = {}
        self.cancelled: set[int] = set()
        self.pending_alive: tuple[int, ...] | None = None
        self.pending_sets: dict[int, SetContact] = {}

    def event(self, contact: _Contact, phase: Phase, now: float) -> InputEvent:
        return InputEvent(x=0.0, y=0.0, pointer_id=contact.session_id, source=self.label,
                          phase=phase, kind=self.kind, nx=contact.x, ny=contact.y, t=now,
                          class_id=contact.class_id, angle=contact.angle, width=contact.width,
                          height=contact.height, area=contact.area)


class _Sender:
    __slots__ = ("last_seen", "streams")

    def __init__(self, now: float):
        self.last_seen = now
        self.streams: dict[Kind, _Stream] = {}


class TuioDecoder:
    """TUIO 1.1 state for every sender; turns packets and time into contact events.

    Not thread-safe: one thread feeds it (the listener holds a lock around it).
    """

    def __init__(self, settings: TuioSettings | None = None):
        self.settings = settings or TuioSettings()
        self.counters: dict[str, int] = dict.fromkeys(COUNTERS, 0)
        self._senders: dict[str, _Sender] = {}

    # -- public ------------------------------------------------------------------------------
    def feed(self, packet: bytes, sender: str, now: float) -> list[InputEvent]:
        """Apply one UDP datagram (or TCP frame) from ``sender`` (``"host:port"``) at ``now``."""
        counters = self.counters
        counters["packets"] += 1
        wire = self.settings.wire
        try:
            datagrams, is_bundle = split_packet(packet, wire)
        except WireError as dropped:
            counters[dropped.reason] += 1
            return []
        events: list[InputEvent] = []
        name = sender
        touched: dict[int, _Stream] = {}
        for datagram in datagrams:
            counters["messages"] += 1
            try:
                message = decode_message(datagram, wire)
            except WireError as dropped:
                counters[dropped.reason] += 1
                continue
            if message is None:
                counters["other_address"] += 1
                continue
            if isinstance(message, Source):
                name = message.name
                continue
            stream = self._stream(name, message.kind, now)
            if stream is None:
                counters["too_many_sources"] += 1
                continue
            touched[id(stream)] = stream
            if isinstance(message, Alive):
                if len(message.session_ids) > self.settings.max_contacts:
                    counters["too_many_contacts"] += 1
                else:
                    stream.pending_alive = message.session_ids
            elif isinstance(message, SetContact):
                sets = stream.pending_sets
                if message.session_id in sets or len(sets) < self.settings.max_contacts:
                    sets[message.session_id] = message
                else:
                    counters["too_many_contacts"] += 1
            else:
                self._apply_frame(stream, message.frame, now, events)
        if is_bundle:
            for stream in touched.values():
                if stream.pending_alive is not None or stream.pending_sets:
                    counters["frames_without_fseq"] += 1
                    self._apply_frame(stream, -1, now, events)
        counters["events"] += len(events)
        return events

    def expire(self, now: float) -> list[InputEvent]:
        """Cancel contacts unmentioned for ``contact_timeout`` seconds; forget idle senders."""
        timeout = self.settings.contact_timeout
        events: list[InputEvent] = []
        for name, sender in list(self._senders.items()):
            empty = True
            for stream in sender.streams.values():
                for sid, contact in list(stream.contacts.items()):
                    if now - contact.last_seen > timeout:
                        del stream.contacts[sid]
                        stream.cancelled.add(sid)
                        events.append(stream.event(contact, Phase.CANCEL, now))
                        self.counters["timeouts"] += 1
                empty = empty and not stream.contacts
            if empty and now - sender.last_seen > self.settings.forget_source_seconds:
                del self._senders[name]
        self.counters["events"] += len(events)
        return events

    def contacts(self) -> dict[tuple[str, int], tuple[float, float]]:
        """``{(source, session id): (nx, ny)}`` of every contact on the surfaces now."""
        return {(stream.label, sid): (contact.x, contact.y)
                for sender in self._senders.values() for stream in sender.streams.values()
                for sid, contact in stream.contacts.items()}

    # -- frames ------------------------------------------------------------------------------
    def _stream(self, name: str, kind: Kind, now: float) -> _Stream | None:
        sender = self._senders.get(name)
        if sender is None:
            if len(self._senders) >= self.settings.max_sources and not self._forget_one_idle():
                return None
            sender = self._senders[name] = _Sender(now)
        sender.last_seen = now
        stream = sender.streams.get(kind)
        if stream is None:
            stream = sender.streams[kind] = _Stream(kind, f"tuio:{name}")
        return stream

    def _forget_one_idle(self) -> bool:
        """Make room for a new sender by forgetting the longest-silent one without contacts."""
        idle = [(sender.last_seen, name) for name, sender in self._senders.items()
                if not any(stream.contacts for stream in sender.streams.values())]
        if not idle:
            return False
        del self._senders[min(idle)[1]]
        return True

    def _apply_frame(self, stream: _Stream, fseq: int, now: float,
                     events: list[InputEvent]) -> None:
        counters = self.counters
        if fseq > 0:
            if stream.frame is not None and fseq < stream.frame:
                silent = now - stream.frame_time > self.settings.contact_timeout
                if stream.frame - fseq > self.settings.restart_gap or silent:
                    counters["restarts"] += 1
                else:
                    counters["late_frames"] += 1
                    stream.pending_alive = None
                    stream.pending_sets.clear()
                    return
            stream.frame = fseq
        stream.frame_time = now
        counters["frames"] += 1
        if stream.pending_alive is not None:
            stream.alive = stream.pending_alive
        alive = set(stream.alive)
        contacts = stream.contacts
        for sid in [sid for sid in contacts if sid not in alive]:
            events.append(stream.event(contacts.pop(sid), Phase.UP, now))
        stream.cancelled &= alive
        for sid, state in stream.pending_sets.items():
            if sid not in alive:
                counters["set_not_alive"] += 1
            elif sid in stream.cancelled:
                continue
            elif (contact := contacts.get(sid)) is None:
                if len(contacts) >= self.settings.max_contacts:
                    counters["too_many_contacts"] += 1
                    continue
                contact = contacts[sid] = _Contact(state, now)
                events.append(stream.event(contact, Phase.DOWN, now))
            elif contact.update(state):
                events.append(stream.event(contact, Phase.MOVE, now))
        for contact in contacts.values():
            contact.last_seen = now  # every remaining contact is in this frame's alive list
        stream.pending_alive = None
        stream.pending_sets.clear()
