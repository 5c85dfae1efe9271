"""TUIO 1.1 on the wire: OSC packets → validated TUIO messages, or a named reason to drop them.

A TUIO 1.1 sender (a touch table's tracker) sends OSC bundles, usually one per profile and camera
frame::

    #bundle
      /tuio/2Dcur source "table1@10.0.0.5"          optional: names the sender
      /tuio/2Dcur alive 12 13                        session ids on the surface now
      /tuio/2Dcur set 12 0.41 0.73 0.0 0.0 0.0       s x y X Y m   (for changed contacts)
      /tuio/2Dcur fseq 4711                          frame sequence number (-1: unnumbered)

``/tuio/2Dobj set s i x y a X Y A m r`` describes a tangible (class id ``i``, angle ``a``) and
``/tuio/2Dblb set s x y a w h f X Y A m r`` a blob (angle, width, height, area). Positions,
extents and areas are normalised to the surface (0–1, origin top-left), angles are radians.

Everything that arrives is checked here before it can touch any state: the OSC framing, the
address, the type tags, the argument count, that numbers are finite and in range. A packet or
message that fails names a reason (the counter the listener increments) instead of raising
through the caller. Positions a little outside 0–1 (trackers report up to a few per cent past
the edge) are clamped; further out they are dropped as ``out_of_range``.

Why the bundle framing is walked here and not by ``pythonosc.osc_bundle.OscBundle``: python-osc
1.10 loops forever on a bundle element with a negative size, recurses once per nested bundle and
logs a warning for every unknown type tag — one hostile packet could hang the listener or flood
the log. So the framing (sizes, nesting, alignment) and each message's address and type-tag
string are checked here first, and only messages that pass reach python-osc's
:class:`~pythonosc.osc_message.OscMessage` for decoding their arguments.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass

from pythonosc.osc_message import OscMessage

from vizkit.input.model import Kind

PROFILES: dict[str, Kind] = {"/tuio/2Dcur": Kind.CURSOR, "/tuio/2Dobj": Kind.OBJECT,
                             "/tuio/2Dblb": Kind.BLOB}
_PROFILES_LOWER = {address.lower(): kind for address, kind in PROFILES.items()}
ADDRESS_OF: dict[Kind, str] = {kind: address for address, kind in PROFILES.items()}

SET_FIELDS: dict[Kind, tuple[str, ...]] = {
    Kind.CURSOR: ("x", "y", "vx", "vy", "accel"),
    Kind.OBJECT: ("class_id", "x", "y", "angle", "vx", "vy", "vangle", "accel", "angle_accel"),
    Kind.BLOB: ("x", "y", "angle", "width", "height", "area", "vx", "vy", "vangle", "accel",
                "angle_accel"),
}
"""Arguments of ``set`` after the session id, per profile (TUIO 1.1)."""

INT_TAGS = frozenset("ih")
NUMBER_TAGS = frozenset("ihfd")
KNOWN_TAGS = frozenset("ihfds")
BUNDLE_HEADER = b"#bundle\x00"
INT32_MAX = 2**31 - 1
TWO_PI = 2.0 * math.pi
MAX_SPEED = 1_000.0
"""Largest velocity or acceleration accepted, in surface units per second (a swipe across the
whole table in a millisecond); beyond it a value is noise or an attack."""


@dataclass(frozen=True)
class WireLimits:
    """What a packet may contain before it is dropped (bounds work per packet under a flood).

    Attributes:
        max_packet_bytes: larger datagrams or TCP frames are dropped (``oversize``).
        max_depth: deepest bundle nesting accepted.
        max_messages: most messages in one packet.
        max_alive: most session ids in one ``alive`` message.
        edge_tolerance: positions this far outside 0–1 are clamped; further out, dropped.
    """

    max_packet_bytes: int = 16_384
    max_depth: int = 4
    max_messages: int = 512
    max_alive: int = 256
    edge_tolerance: float = 0.05

    def __post_init__(self) -> None:
        for name in ("max_packet_bytes", "max_depth", "max_messages", "max_alive"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"WireLimits.{name} must be a positive whole number, "
                                 f"got {value!r}")
        if not 0.0 <= self.edge_tolerance <= 0.5:
            raise ValueError(f"WireLimits.edge_tolerance must be in [0, 0.5], "
                             f"got {self.edge_tolerance!r}")


class WireError(ValueError):
    """A packet or message is rejected; ``reason`` is the counter to increment."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Source:
    kind: Kind
    name: str


@dataclass(frozen=True, slots=True)
class Alive:
    kind: Kind
    session_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Fseq:
    kind: Kind
    frame: int


@dataclass(frozen=True, slots=True)
class SetContact:
    """One validated ``set``: a contact's state in a frame (velocities checked, not kept)."""

    kind: Kind
    session_id: int
    x: float
    y: float
    angle: float | None = None
    class_id: int | None = None
    width: float | None = None
    height: float | None = None
    area: float | None = None


TuioMessage = Source | Alive | Fseq | SetContact


def split_packet(data: bytes, limits: WireLimits) -> tuple[list[bytes], bool]:
    """The message datagrams of an OSC packet in order, nested bundles flattened.

    Returns ``(messages, is_bundle)``. Raises :class:`WireError` (``oversize``, ``malformed``,
    ``too_deep``, ``too_many_messages``) when the framing is broken.
    """
    if len(data) > limits.max_packet_bytes:
        raise WireError("oversize")
    if data.startswith(b"/"):
        return [data], False
    if not data.startswith(BUNDLE_HEADER):
        raise WireError("malformed")
    messages: list[bytes] = []
    stack = [(0, len(data), 1)]  # (start, end, depth) of bundles still to walk
    while stack:
        start, end, depth = stack.pop()
        if depth > limits.max_depth:
            raise WireError("too_deep")
        index = start + len(BUNDLE_HEADER) + 8  # header, then the 8-byte time tag (ignored)
        if index > end:
            raise WireError("malformed")
        nested: list[tuple[int, int, int]] = []
        while index < end:
            if index + 4 > end:
                raise WireError("malformed")
            (size,) = struct.unpack_from(">i", data, index)
            index += 4
            if size <= 0 or size % 4 or index + size > end:
                raise WireError("malformed")
            element = data[index:index + size]
            if element.startswith(BUNDLE_HEADER):
                nested.append((index, index + size, depth + 1))
            elif element.startswith(b"/"):
                messages.append(element)
                if len(messages) > limits.max_messages:
                    raise WireError("too_many_messages")
            else:
                raise WireError("malformed")
            index += size
        stack.extend(reversed(nested))  # keeps document order for nested bundles
    return messages, True


def _osc_string(data: bytes, start: int) -> tuple[str, int]:
    """An OSC string (ASCII, NUL-terminated, padded to 4 bytes) and the index after it."""
    try:
        end = data.index(b"\x00", start)
    except ValueError:
        raise WireError("malformed") from None
    after = (end + 4) & ~3
    if after > len(data):
        raise WireError("malformed")
    try:
        return data[start:end].decode("ascii"), after
    except UnicodeDecodeError:
        raise WireError("malformed") from None


def decode_message(data: bytes, limits: WireLimits) -> TuioMessage | None:
    """Validate one OSC message as TUIO 1.1.

    Returns the message, or ``None`` for a well-formed message at another address (other OSC
    traffic on the port is not an error). Raises :class:`WireError` otherwise.
    """
    address, index = _osc_string(data, 0)
    kind = _PROFILES_LOWER.get(address.lower())  # some trackers send "/tuio/2dcur"
    if kind is None:
        return None
    if index >= len(data):
        raise WireError("bad_type_tags")
    tags, _ = _osc_string(data, index)
    if not tags.startswith(",") or len(tags) < 2 or not set(tags[1:]) <= KNOWN_TAGS:
        raise WireError("bad_type_tags")
    tags = tags[1:]
    if tags[0] != "s":
        raise WireError("bad_type_tags")
    if len(tags) > limits.max_alive + 1:
        raise WireError("too_many_arguments")
    try:
        args = OscMessage(data).params
    except Exception:  # python-osc raises several types on truncated data
        raise WireError("malformed") from None
    if len(args) != len(tags):
        raise WireError("malformed")
    command = args[0]
    if command == "set":
        return _set(kind, tags, args, limits)
    if command == "alive":
        if not set(tags[1:]) <= INT_TAGS:
            raise WireError("bad_type_tags")
        ids = args[1:]
        if any(not 0 <= sid <= INT32_MAX for sid in ids):
            raise WireError("out_of_range")
        return Alive(kind, tuple(dict.fromkeys(ids)))
    if command == "fseq":
        if len(tags) != 2:
            raise WireError("bad_argument_count")
        if tags[1] not in INT_TAGS:
            raise WireError("bad_type_tags")
        if not -INT32_MAX - 1 <= args[1] <= INT32_MAX:
            raise WireError("out_of_range")
        return Fseq(kind, int(args[1]))
    if command == "source":
        if tags != "ss":
            raise WireError("bad_argument_count" if len(tags) != 2 else "bad_type_tags")
        name = args[1]
        if not 0 < len(name) <= 128 or not name.isprintable():
            raise WireError("out_of_range")
        return Source(kind, name)
    raise WireError("unknown_command")


def _set(kind: Kind, tags: str, args: list, limits: WireLimits) -> SetContact:
    fields = SET_FIELDS[kind]
    if len(args) != 2 + len(fields):
        raise WireError("bad_argument_count")
    if tags[1] not in INT_TAGS:
        raise WireError("bad_type_tags")
    session_id = args[1]
    if not 0 <= session_id <= INT32_MAX:
        raise WireError("out_of_range")
    values: dict[str, float | int] = {}
    for name, tag, value in zip(fields, tags[2:], args[2:], strict=True):
        if name == "class_id":
            if tag not in INT_TAGS:
                raise WireError("bad_type_tags")
            if not -1 <= value <= INT32_MAX:
                raise WireError("out_of_range")
            values[name] = int(value)
            continue
        if tag not in NUMBER_TAGS:
            raise WireError("bad_type_tags")
        value = float(value)
        if not math.isfinite(value):
            raise WireError("not_finite")
        values[name] = _in_range(name, value, limits.edge_tolerance)
    return SetContact(kind=kind, session_id=int(session_id), x=values["x"], y=values["y"],
                      angle=values.get("angle"), class_id=values.get("class_id"),
                      width=values.get("width"), height=values.get("height"),
                      area=values.get("area"))


def _in_range(name: str, value: float, edge: float) -> float:
    """Check one ``set`` value against its TUIO range; clamp the tolerated edge."""
    if name in ("x", "y", "width", "height", "area"):
        if not -edge <= value <= 1.0 + edge:
            raise WireError("out_of_range")
        return min(1.0, max(0.0, value))
    if name == "angle":
        if not -TWO_PI <= value <= 2.0 * TWO_PI:
            raise WireError("out_of_range")  # degrees sent as radians land here
        return value % TWO_PI
    if abs(value) > MAX_SPEED:  # velocities and accelerations
        raise WireError("out_of_range")
    return value
