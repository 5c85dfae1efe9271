"""Nothing on the wire crashes the listener: random bytes, broken OSC, wrong types, NaN, floods.

The decoder is fuzzed directly (deterministic random mutations of real TUIO bundles, and
hypothesis), and its traced Python memory stays flat under 6,000 packets (tolerance 64 KiB).
Then the running listener is flooded over loopback from another process at 10,000 packets per
second for a few seconds while a frame loop polls it: no exception, the counters say what was
dropped, and the process's resident memory stays flat (tolerance 4 MiB between the first second
and the end: RSS also moves with the allocator and the test itself; a leak of one event or one
packet per flood message would be tens of MiB).
"""

from __future__ import annotations

import math
import random
import socket
import struct
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import psutil
from hypothesis import given, settings
from hypothesis import strategies as st
from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
from pythonosc.osc_message_builder import OscMessageBuilder

from vizkit.input.gestures import GestureRecogniser
from vizkit.input.listener import TuioListener
from vizkit.input.model import Phase
from vizkit.input.tuio import DROP_COUNTERS, TuioDecoder, TuioSettings

CUR = "/tuio/2Dcur"
RSS_TOLERANCE = 4 * 1024 * 1024


def bundle(*messages: tuple) -> bytes:
    builder = OscBundleBuilder(IMMEDIATELY)
    for address, args, tags in messages:
        message = OscMessageBuilder(address=address)
        for arg, tag in zip(args, tags, strict=True):
            message.add_arg(arg, tag)
        builder.add_content(message.build())
    return builder.build().dgram


def valid_frame(rng: random.Random, fseq: int) -> bytes:
    ids = rng.sample(range(1, 40), rng.randint(0, 6))
    sets = [(CUR, ["set", sid, rng.random(), rng.random(), 0.0, 0.0, 0.0], "sifffff")
            for sid in ids]
    return bundle((CUR, ["alive", *ids], "s" + "i" * len(ids)), *sets,
                  (CUR, ["fseq", fseq], "si"))


WEIRD_NUMBERS = [math.nan, math.inf, -math.inf, 1e308, -1e308, 3.4e38, 1e-45, -0.0, 7.0, -3.0]
TAG_ALPHABET = "ifsdhbTFN[]mrtc"


def mutant(rng: random.Random, fseq: int) -> tuple[str, bytes]:
    """One hostile packet and the kind of hostility."""
    choice = rng.randrange(7)
    good = valid_frame(rng, fseq)
    if choice == 0:
        return "random", rng.randbytes(rng.randint(0, 600))
    if choice == 1:
        return "truncated", good[:rng.randint(0, max(0, len(good) - 1))]
    if choice == 2:
        data = bytearray(good)
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        return "bit flips", bytes(data)
    if choice == 3:  # a real message with a random type-tag string
        tags = "".join(rng.choice(TAG_ALPHABET) for _ in range(rng.randint(1, 8)))
        tag_string = (b"," + tags.encode()).ljust((len(tags) + 1 + 4) // 4 * 4, b"\x00")
        message = b"/tuio/2Dcur\x00" + tag_string + rng.randbytes(4 * rng.randint(0, 8))
        return "type tags", b"#bundle\x00" + bytes(8) + struct.pack(">i", len(message)) + message
    if choice == 4:  # NaN, infinities, huge values as floats and doubles
        value = rng.choice(WEIRD_NUMBERS)
        tag = rng.choice("fd") if math.isfinite(value) or rng.random() < 0.5 else "d"
        if tag == "f" and abs(value) > 3.4e38 and math.isfinite(value):
            tag = "d"
        args = ["set", rng.randint(1, 5), 0.5, 0.5, 0.0, 0.0, 0.0]
        tags = list("sifffff")
        slot = rng.randrange(2, 7)
        args[slot], tags[slot] = value, tag
        return "weird numbers", bundle((CUR, ["alive", 1, 2, 3, 4, 5], "siiiii"),
                                       (CUR, args, "".join(tags)), (CUR, ["fseq", fseq], "si"))
    if choice == 5:  # ids out of int32, giant alive lists, wrong argument counts
        ids = [rng.choice([-1, 2**31, 2**40, rng.randint(0, 2**31 - 1)])
               for _ in range(rng.randint(1, 300))]
        return "ids", bundle((CUR, ["alive", *ids], "s" + "h" * len(ids)),
                             (CUR, ["fseq", fseq, fseq], "sii"))
    depth = rng.randint(1, 12)  # nested bundles, some too deep
    packet = good
    for _ in range(depth):
        packet = b"#bundle\x00" + bytes(8) + struct.pack(">i", len(packet)) + packet
    return "nesting", packet


class ContactLedger:
    """Checks the event stream makes sense: no move or up without a down, no double down."""

    def __init__(self) -> None:
        self.live: set[tuple[str, int]] = set()

    def check(self, events) -> None:
        for event in events:
            assert 0.0 <= event.nx <= 1.0 and 0.0 <= event.ny <= 1.0
            assert math.isfinite(event.t)
            if event.phase is Phase.DOWN:
                assert event.key not in self.live
                self.live.add(event.key)
            else:
                assert event.key in self.live, event
                if event.ends_contact:
                    self.live.discard(event.key)


def test_ten_thousand_hostile_packets_never_raise():
    rng = random.Random(20240612)
    decoder = TuioDecoder(TuioSettings(max_contacts=32))
    ledger = ContactLedger()
    seen: dict[str, int] = {}
    now = 0.0
    for i in range(10_000):
        now += 0.0001
        if i % 3 == 0:
            packet, kind = valid_frame(rng, i), "valid"
        else:
            kind, packet = mutant(rng, i)
        seen[kind] = seen.get(kind, 0) + 1
        ledger.check(decoder.feed(packet, f"10.0.0.{i % 5}:3333", now))
        if i % 500 == 0:
            ledger.check(decoder.expire(now))
    counters = decoder.counters
    assert counters["packets"] == 10_000
    dropped = {name: counters[name] for name in DROP_COUNTERS if counters[name]}
    for reason in ("malformed", "bad_type_tags", "not_finite", "out_of_range", "too_deep",
                   "bad_argument_count"):
        assert dropped.get(reason, 0) > 0, (reason, dropped)
    assert counters["frames"] > 2_500  # the valid third still got through
    assert all(len(contacts) <= 32 for contacts in [decoder.contacts()])
    # and afterwards every contact still ends: silence cancels whatever was left
    ledger.check(decoder.expire(now + 10.0))
    assert ledger.live == set()


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=1024))
def test_any_bytes_are_dropped_or_decoded_never_raised(data):
    decoder = TuioDecoder()
    ContactLedger().check(decoder.feed(data, "127.0.0.1:1", 0.0))
    assert decoder.counters["packets"] == 1


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=200), st.binary(min_size=1, max_size=64))
def test_a_valid_bundle_with_a_corrupted_tail_never_raises(cut, tail):
    good = valid_frame(random.Random(cut), 1)
    decoder = TuioDecoder()
    ContactLedger().check(decoder.feed(good[:cut] + tail, "127.0.0.1:1", 0.0))


FLOOD_SENDER = """
import socket, struct, sys, time
port, seconds, rate, path = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
data, packets = open(path, "rb").read(), []
while data:
    (size,) = struct.unpack(">I", data[:4])
    packets.append(data[4:4 + size])
    data = data[4 + size:]
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sent, start = 0, time.monotonic()
while (elapsed := time.monotonic() - start) < seconds:
    while sent < int(elapsed * rate):
        try:
            sock.sendto(packets[sent % len(packets)], ("127.0.0.1", port))
        except OSError:
            pass
        sent += 1
    time.sleep(0.002)
print(sent)
"""


def flood(port: int, seconds: float, rate: float, packets: list[bytes],
          folder: Path) -> subprocess.Popen:
    """Start another process sending ``packets`` in turn to ``port`` at ``rate`` per second
    (another process, so the sender does not share this one's interpreter lock)."""
    path = folder / "packets.bin"
    path.write_bytes(b"".join(struct.pack(">I", len(p)) + p for p in packets))
    return subprocess.Popen([sys.executable, "-c", FLOOD_SENDER, str(port), str(seconds),
                             str(rate), str(path)], stdout=subprocess.PIPE, text=True)


def test_decoding_a_flood_keeps_memory_flat():
    """Python allocations of the decoder under 6,000 hostile and valid packets (traced)."""
    rng = random.Random(11)
    packets = [valid_frame(rng, i + 1) if i % 2 else mutant(rng, i + 1)[1] for i in range(997)]
    decoder = TuioDecoder()
    for i in range(5_000):  # warm up: every sender, stream and counter exists
        decoder.feed(packets[i % len(packets)], f"10.0.0.{i % 7}:1", i * 1e-4)
    tracemalloc.start()
    try:
        baseline = tracemalloc.get_traced_memory()[0]
        for i in range(5_000, 11_000):
            decoder.feed(packets[i % len(packets)], f"10.0.0.{i % 7}:1", i * 1e-4)
            if i % 1000 == 0:
                decoder.expire(i * 1e-4)
        grown = tracemalloc.get_traced_memory()[0] - baseline
    finally:
        tracemalloc.stop()
    assert grown < 64 * 1024, f"decoder memory grew {grown} bytes"


def rss() -> int:
    return psutil.Process().memory_info().rss


def test_a_flood_at_ten_thousand_packets_per_second_is_counted_not_fatal(tmp_path):
    rng = random.Random(7)
    packets = [valid_frame(rng, i + 1) if i % 2 else mutant(rng, i + 1)[1] for i in range(512)]
    recogniser = GestureRecogniser()
    ledger = ContactLedger()
    seconds, rate = 3.0, 10_000
    with TuioListener(port=0) as listener:  # default limits
        sender = flood(listener.address[1], seconds, rate, packets, tmp_path)
        start = time.monotonic()
        baseline = None
        frame_times = []
        while sender.poll() is None:  # a 60 fps frame loop on this thread
            t0 = time.perf_counter()
            events = listener.poll((1920, 1080))
            ledger.check(events)
            for event in events:
                recogniser.feed(event)
            recogniser.update(time.monotonic())
            frame_times.append(time.perf_counter() - t0)
            if baseline is None and time.monotonic() - start > 1.0:
                baseline = rss()
            time.sleep(1 / 60)
        sent = int(sender.communicate()[0])
        ledger.check(listener.poll((1920, 1080)))
        grown = rss() - (baseline or 0)
        counters = listener.counters()
    print(f"flood: {sent} packets, RSS grew {grown} bytes, {counters}")
    assert sent >= 0.9 * rate * seconds
    assert counters["internal_errors"] == 0
    assert counters["rate_limited"] > 0.5 * sent, counters
    assert counters["packets"] > 1_000 and counters["malformed"] > 0, counters
    assert sorted(frame_times)[len(frame_times) // 2] < 0.002  # polling stays cheap
    assert baseline is not None and grown < RSS_TOLERANCE, f"RSS grew {grown} bytes"


def test_an_unpolled_flood_keeps_the_queue_bounded_and_every_contact_ends(tmp_path):
    """Rate limit off, nobody polling for two seconds: the queue stays bounded, and once the
    frame loop comes back, every contact it was told about goes up or is cancelled."""
    frames = []
    for i in range(200):  # 20 contacts sliding, lifting and landing again
        ids = [(i // 10) * 20 + k for k in range(20)]
        frames.append(bundle((CUR, ["alive", *ids], "s" + "i" * 20),
                             *[(CUR, ["set", sid, (i % 10) / 10, k / 20, 0.0, 0.0, 0.0],
                                "sifffff") for k, sid in enumerate(ids)],
                             (CUR, ["fseq", i + 1], "si")))
    # fseq cycles 1…200: each jump back of 199 frames reads as a restarted sender
    with TuioListener(port=0, max_packets_per_second=None, max_queued_events=256) as listener:
        port = listener.address[1]
        sender = flood(port, 2.0, 10_000, frames, tmp_path)
        time.sleep(0.7)
        baseline = rss()
        sent = int(sender.communicate()[0])
        grown = rss() - baseline
        assert sent > 15_000
        print(f"unpolled flood: {sent} packets, RSS grew {grown} bytes")
        assert len(listener.queue) <= 256 + 20
        ledger = ContactLedger()
        ledger.check(listener.poll((800, 600)))
        end = bundle((CUR, ["alive"], "s"), (CUR, ["fseq", 10_000], "si"))
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.sendto(end, ("127.0.0.1", port))
        deadline = time.monotonic() + 5
        while ledger.live and time.monotonic() < deadline:
            ledger.check(listener.poll((800, 600)))
            time.sleep(0.01)
        assert ledger.live == set()
        counters = listener.counters()
    assert counters["queue_moves_dropped"] > 0, counters  # nobody polled: moves were shed
    assert counters["restarts"] > 0 and counters["internal_errors"] == 0
    assert grown < RSS_TOLERANCE, f"RSS grew {grown} bytes"
