"""TUIO 1.1 semantics of the decoder, fed bundles built with python-osc as the spec lays them out.

Each bundle here is written out message by message (source, alive, set, fseq) independently of
vizkit's own simulator, and fed to :class:`TuioDecoder` with explicit times.
"""

from __future__ import annotations

import math
import struct
import time

import pytest
from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
from pythonosc.osc_message_builder import OscMessageBuilder

from vizkit.input.model import Kind, Phase
from vizkit.input.tuio import TuioDecoder, TuioSettings

CUR, OBJ, BLB = "/tuio/2Dcur", "/tuio/2Dobj", "/tuio/2Dblb"
SENDER = "127.0.0.1:50000"


def msg(address: str, *args: object, tags: str | None = None):
    builder = OscMessageBuilder(address=address)
    for i, arg in enumerate(args):
        tag = tags[i] if tags else ("s" if isinstance(arg, str) else
                                    "i" if isinstance(arg, int) else "f")
        builder.add_arg(arg, tag)
    return builder.build()


def bundle(*messages) -> bytes:
    builder = OscBundleBuilder(IMMEDIATELY)
    for m in messages:
        builder.add_content(m)
    return builder.build().dgram


def cursors(fseq: int, positions: dict[int, tuple[float, float]], source: str | None = None,
            extra: tuple = ()) -> bytes:
    """A /tuio/2Dcur frame: [source], alive, set s x y X Y m per cursor, [extra], fseq."""
    head = [msg(CUR, "source", source)] if source else []
    sets = [msg(CUR, "set", sid, float(x), float(y), 0.0, 0.0, 0.0)
            for sid, (x, y) in positions.items()]
    return bundle(*head, msg(CUR, "alive", *positions), *sets, *extra, msg(CUR, "fseq", fseq))


def phases(events) -> list[tuple[str, int]]:
    return [(str(e.phase), e.pointer_id) for e in events]


@pytest.fixture
def decoder() -> TuioDecoder:
    return TuioDecoder()


def test_contacts_go_down_move_and_up_as_alive_says(decoder):
    down = decoder.feed(cursors(1, {7: (0.25, 0.75)}), SENDER, now=1.0)
    assert phases(down) == [("down", 7)]
    event = down[0]
    assert (event.nx, event.ny, event.t, event.kind) == (0.25, 0.75, 1.0, Kind.CURSOR)
    assert event.source == f"tuio:{SENDER}"  # no source message: the sender names it
    moved = decoder.feed(cursors(2, {7: (0.5, 0.75)}), SENDER, now=1.1)
    assert phases(moved) == [("move", 7)] and moved[0].nx == 0.5
    assert decoder.feed(cursors(3, {7: (0.5, 0.75)}), SENDER, now=1.2) == []  # unchanged
    up = decoder.feed(cursors(4, {}), SENDER, now=1.3)
    assert phases(up) == [("up", 7)] and up[0].t == 1.3
    assert decoder.contacts() == {}
    assert decoder.counters["frames"] == 4


def test_source_messages_tell_two_tables_apart(decoder):
    a = decoder.feed(cursors(1, {1: (0.125, 0.125)}, source="tableA@10.0.0.2"), SENDER, 0.0)
    b = decoder.feed(cursors(1, {1: (0.875, 0.875)}, source="tableB@10.0.0.3"), SENDER, 0.0)
    assert [e.source for e in a + b] == ["tuio:tableA@10.0.0.2", "tuio:tableB@10.0.0.3"]
    # table B's frame 1 was not "late" for table A, and B lifting leaves A's finger alone
    assert phases(decoder.feed(cursors(2, {}, source="tableB@10.0.0.3"), SENDER, 0.1)) == [
        ("up", 1)]
    assert decoder.contacts() == {("tuio:tableA@10.0.0.2", 1): (0.125, 0.125)}


def test_a_late_bundle_is_dropped(decoder):
    decoder.feed(cursors(10, {1: (0.25, 0.5)}), SENDER, 0.0)
    decoder.feed(cursors(12, {1: (0.75, 0.5)}), SENDER, 0.1)
    late = decoder.feed(cursors(11, {1: (0.5, 0.5)}), SENDER, 0.2)
    assert late == []
    assert decoder.counters["late_frames"] == 1
    assert decoder.contacts()[(f"tuio:{SENDER}", 1)] == (0.75, 0.5)


def test_a_late_bundle_cannot_bring_a_lifted_finger_back(decoder):
    decoder.feed(cursors(10, {1: (0.2, 0.5)}), SENDER, 0.0)
    assert phases(decoder.feed(cursors(12, {}), SENDER, 0.1)) == [("up", 1)]
    assert decoder.feed(cursors(11, {1: (0.2, 0.5)}), SENDER, 0.2) == []
    assert decoder.contacts() == {}


def test_a_large_jump_back_means_the_sender_restarted(decoder):
    decoder.feed(cursors(5000, {1: (0.2, 0.5)}), SENDER, 0.0)
    restarted = decoder.feed(cursors(1, {2: (0.6, 0.5)}), SENDER, 0.1)
    assert phases(restarted) == [("up", 1), ("down", 2)]
    assert decoder.counters["restarts"] == 1
    # a small jump back is a late frame, as in the reference client (gap ≤ 100)
    decoder.feed(cursors(60, {2: (0.6, 0.5)}), SENDER, 0.2)
    assert decoder.feed(cursors(30, {}), SENDER, 0.3) == []
    assert decoder.counters["late_frames"] == 1 and decoder.counters["restarts"] == 1


def test_a_small_jump_back_after_silence_is_a_restart(decoder):
    decoder.feed(cursors(50, {}), SENDER, 0.0)
    after = decoder.feed(cursors(3, {9: (0.5, 0.5)}), SENDER, 10.0)  # silent for 10 s
    assert phases(after) == [("down", 9)]
    assert decoder.counters["restarts"] == 1


def test_fseq_minus_one_is_always_processed(decoder):
    decoder.feed(cursors(100, {1: (0.1, 0.1)}), SENDER, 0.0)
    xs = [0.2, 0.3, 0.4]
    for i, x in enumerate(xs):
        moved = decoder.feed(cursors(-1, {1: (x, 0.1)}), SENDER, 0.1 * (i + 1))
        assert phases(moved) == [("move", 1)] and moved[0].nx == pytest.approx(x)
    assert decoder.counters["late_frames"] == 0


def test_a_lost_last_bundle_never_leaves_a_stuck_touch(decoder):
    decoder.feed(cursors(1, {3: (0.5, 0.5)}), SENDER, 0.0)
    decoder.feed(cursors(2, {3: (0.5, 0.5)}), SENDER, 0.5)
    # the bundle that lifted the finger is lost, and this sender goes quiet
    assert decoder.expire(1.9) == []  # 1.4 s < contact_timeout 1.5 s
    cancelled = decoder.expire(2.1)
    assert phases(cancelled) == [("cancel", 3)] and cancelled[0].t == 2.1
    assert decoder.counters["timeouts"] == 1 and decoder.contacts() == {}
    # the sender comes back still listing 3: no phantom touch until 3 has left alive
    assert decoder.feed(cursors(3, {3: (0.5, 0.5)}), SENDER, 2.2) == []
    decoder.feed(cursors(4, {}), SENDER, 2.3)
    assert phases(decoder.feed(cursors(5, {3: (0.5, 0.5)}), SENDER, 2.4)) == [("down", 3)]


def test_a_lost_bundle_in_the_middle_is_caught_up_by_the_next(decoder):
    decoder.feed(cursors(1, {1: (0.2, 0.2)}), SENDER, 0.0)
    # frame 2 ({} then {2}) is lost; frame 3 says 1 is gone and 2 is here
    caught_up = decoder.feed(cursors(3, {2: (0.7, 0.7)}), SENDER, 0.1)
    assert phases(caught_up) == [("up", 1), ("down", 2)]


def test_objects_carry_class_id_and_angle_blobs_their_extent(decoder):
    obj = bundle(msg(OBJ, "alive", 4),
                 msg(OBJ, "set", 4, 12, 0.3, 0.6, 1.5, 0.0, 0.0, 0.0, 0.0, 0.0),
                 msg(OBJ, "fseq", 1))
    blob = bundle(msg(BLB, "alive", 8),
                  msg(BLB, "set", 8, 0.7, 0.2, 7.0, 0.1, 0.05, 0.004, 0.0, 0.0, 0.0, 0.0, 0.0),
                  msg(BLB, "fseq", 1))
    (o,) = decoder.feed(obj, SENDER, 0.0)
    (b,) = decoder.feed(blob, SENDER, 0.0)
    assert (o.kind, o.class_id, o.angle) == (Kind.OBJECT, 12, 1.5)
    assert (o.nx, o.ny) == pytest.approx((0.3, 0.6))
    assert b.kind == Kind.BLOB
    assert b.angle == pytest.approx(7.0 - 2 * math.pi, abs=1e-6)  # wrapped into [0, 2π)
    assert (b.width, b.height, b.area) == pytest.approx((0.1, 0.05, 0.004))
    # a rotated tangible is a move even if it did not travel
    turned = bundle(msg(OBJ, "alive", 4),
                    msg(OBJ, "set", 4, 12, 0.3, 0.6, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0),
                    msg(OBJ, "fseq", 2))
    (moved,) = decoder.feed(turned, SENDER, 0.1)
    assert moved.phase is Phase.MOVE and moved.angle == pytest.approx(2.0)


def test_a_bundle_without_fseq_is_applied_at_its_end(decoder):
    """python-tuio's server sends fseq for cursors only; its objects must still arrive."""
    packet = bundle(msg(OBJ, "alive", 4),
                    msg(OBJ, "set", 4, 1, 0.3, 0.6, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0))
    assert phases(decoder.feed(packet, SENDER, 0.0)) == [("down", 4)]
    assert decoder.counters["frames_without_fseq"] == 1


def test_messages_outside_bundles_wait_for_their_fseq(decoder):
    assert decoder.feed(msg(CUR, "alive", 5).dgram, SENDER, 0.0) == []
    assert decoder.feed(msg(CUR, "set", 5, 0.5, 0.5, 0.0, 0.0, 0.0).dgram, SENDER, 0.0) == []
    assert phases(decoder.feed(msg(CUR, "fseq", 1).dgram, SENDER, 0.0)) == [("down", 5)]


def test_a_duplicated_bundle_changes_nothing(decoder):
    packet = cursors(1, {1: (0.2, 0.2)})
    assert len(decoder.feed(packet, SENDER, 0.0)) == 1
    assert decoder.feed(packet, SENDER, 0.0) == []


def test_a_set_for_an_id_not_alive_is_ignored(decoder):
    packet = bundle(msg(CUR, "alive", 1), msg(CUR, "set", 1, 0.2, 0.2, 0.0, 0.0, 0.0),
                    msg(CUR, "set", 2, 0.8, 0.8, 0.0, 0.0, 0.0), msg(CUR, "fseq", 1))
    assert phases(decoder.feed(packet, SENDER, 0.0)) == [("down", 1)]
    assert decoder.counters["set_not_alive"] == 1


# -- validation: one bad message is dropped and counted, the rest of its bundle still applies --
BAD_MESSAGES = [
    ("bad_type_tags", msg(CUR, "set", 9, "x", 0.5, 0.0, 0.0, 0.0)),
    ("bad_type_tags", msg(CUR, 42, 9)),                                   # no command string
    ("bad_type_tags", msg(CUR, "set", 9, b"\x01\x02", 0.5, 0.0, 0.0, 0.0,
                          tags="sibffff")),                                # a blob argument
    ("bad_argument_count", msg(CUR, "set", 9, 0.5, 0.5)),
    ("bad_argument_count", msg(CUR, "fseq", 1, 2)),
    ("not_finite", msg(CUR, "set", 9, math.nan, 0.5, 0.0, 0.0, 0.0)),
    ("not_finite", msg(CUR, "set", 9, 0.5, math.inf, 0.0, 0.0, 0.0)),
    ("out_of_range", msg(CUR, "set", 9, 7.0, 0.5, 0.0, 0.0, 0.0)),
    ("out_of_range", msg(CUR, "set", 9, 0.5, 0.5, 1e30, 0.0, 0.0)),       # absurd velocity
    ("out_of_range", msg(CUR, "set", -9, 0.5, 0.5, 0.0, 0.0, 0.0)),
    ("out_of_range", msg(OBJ, "set", 9, 1, 0.5, 0.5, 300.0, 0.0, 0.0, 0.0, 0.0, 0.0)),  # deg
    ("out_of_range", msg(CUR, "alive", -3)),
    ("unknown_command", msg(CUR, "frob", 1)),
    ("other_address", msg("/some/other/thing", 1.0)),
]


@pytest.mark.parametrize(("reason", "bad"), BAD_MESSAGES, ids=[r for r, _ in BAD_MESSAGES])
def test_a_bad_message_is_dropped_and_counted(decoder, reason, bad):
    packet = bundle(msg(CUR, "alive", 1), bad, msg(CUR, "set", 1, 0.25, 0.75, 0.0, 0.0, 0.0),
                    msg(CUR, "fseq", 1))
    assert phases(decoder.feed(packet, SENDER, 0.0)) == [("down", 1)]
    assert decoder.counters[reason] == 1
    assert decoder.contacts() == {(f"tuio:{SENDER}", 1): (0.25, 0.75)}


def test_positions_just_past_the_edge_are_clamped(decoder):
    (event,) = decoder.feed(cursors(1, {1: (1.03, -0.02)}), SENDER, 0.0)
    assert (event.nx, event.ny) == (1.0, 0.0)


def test_a_lowercase_profile_address_is_understood(decoder):
    packet = bundle(msg("/tuio/2dcur", "alive", 1),
                    msg("/tuio/2dcur", "set", 1, 0.2, 0.2, 0.0, 0.0, 0.0),
                    msg("/tuio/2dcur", "fseq", 1))
    assert phases(decoder.feed(packet, SENDER, 0.0)) == [("down", 1)]


def _element(payload: bytes) -> bytes:
    return struct.pack(">i", len(payload)) + payload


HEADER = b"#bundle\x00" + b"\x00" * 7 + b"\x01"


def nested(depth: int) -> bytes:
    """A message wrapped in ``depth`` bundles."""
    packet = msg(CUR, "fseq", 1).dgram
    for _ in range(depth):
        packet = HEADER + _element(packet)
    return packet


VALID = cursors(1, {1: (0.5, 0.5)})
BAD_PACKETS = [
    ("malformed", b""),
    ("malformed", b"\x00\x01garbage"),
    ("malformed", VALID[:-3]),                                   # truncated mid-message
    ("malformed", VALID[:30]),
    ("malformed", HEADER + struct.pack(">i", -4)),               # hangs python-osc 1.10
    ("malformed", HEADER + struct.pack(">i", 1 << 30)),          # element past the end
    ("malformed", HEADER + struct.pack(">i", 6) + b"/tuio/"),    # unaligned element size
    ("malformed", HEADER + _element(b"junk")),
    ("too_deep", None),                                          # built below
    ("oversize", HEADER + _element(msg(CUR, "alive", *range(100)).dgram) * 60),
]


@pytest.mark.parametrize(("reason", "packet"), BAD_PACKETS, ids=[r for r, _ in BAD_PACKETS])
def test_a_broken_packet_is_dropped_and_counted(decoder, reason, packet):
    packet = nested(6) if packet is None else packet
    started = time.perf_counter()
    assert decoder.feed(packet, SENDER, 0.0) == []
    assert time.perf_counter() - started < 0.1
    assert decoder.counters[reason] == 1
    # and the decoder still works afterwards
    assert phases(decoder.feed(VALID, SENDER, 0.1)) == [("down", 1)]


def test_nested_bundles_are_read_in_order(decoder):
    inner = bundle(msg(CUR, "set", 1, 0.2, 0.2, 0.0, 0.0, 0.0))
    packet = HEADER + _element(msg(CUR, "alive", 1).dgram) + _element(inner) + _element(
        msg(CUR, "fseq", 1).dgram)
    assert phases(decoder.feed(packet, SENDER, 0.0)) == [("down", 1)]


def test_contacts_and_sources_are_bounded():
    decoder = TuioDecoder(TuioSettings(max_contacts=4, max_sources=2))
    many = cursors(1, {sid: (0.1 * sid, 0.5) for sid in range(1, 7)})
    assert decoder.feed(many, SENDER, 0.0) == []  # an alive list longer than allowed
    assert decoder.counters["too_many_contacts"] >= 1
    decoder.feed(cursors(1, {1: (0.1, 0.1)}, source="a"), SENDER, 0.0)
    decoder.feed(cursors(1, {1: (0.1, 0.1)}, source="b"), SENDER, 0.0)
    assert decoder.feed(cursors(1, {1: (0.1, 0.1)}, source="c"), SENDER, 0.0) == []
    assert decoder.counters["too_many_sources"] >= 1
    # once a source has no contacts it can make room for a new one
    decoder.feed(cursors(2, {}, source="a"), SENDER, 0.1)
    assert len(decoder.feed(cursors(1, {1: (0.1, 0.1)}, source="c"), SENDER, 0.2)) == 1


@pytest.mark.parametrize(("field", "value"), [("contact_timeout", 0), ("max_contacts", 0),
                                              ("restart_gap", 1.5),
                                              ("forget_source_seconds", math.nan)])
def test_settings_refuse_values_that_would_do_nothing(field, value):
    with pytest.raises(ValueError, match=field):
        TuioSettings(**{field: value})
