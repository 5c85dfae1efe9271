"""Input benchmarks: what TUIO decoding and gesture recognition cost, per message and per frame.

``input_decode``: a realistic stream — five visitors pinching (ten fingers) on one table at
60 bundles per second, each bundle ``source``, ``alive``, ten ``set`` and ``fseq`` (13 messages)
— decoded by :class:`~vizkit.input.tuio.TuioDecoder` and fed to the gesture recogniser.
Reported: µs per message for the listener thread's work (decode) and the render thread's work
(hand-over with pixel positions + recognition), and both per 60 fps frame when 10,000 TUIO
messages per second arrive (167 messages a frame). A second row times a flood of hostile packets
(random bytes, truncated and mistyped OSC, NaN values) through the decoder.

``input_loopback``: the same stream sent over a real loopback socket to a running
:class:`~vizkit.input.listener.TuioListener` (rate limit off): µs per packet from ``sendto`` to
the event waiting in the queue, with the interpreter lock shared as in an exhibit.

Not here yet (they need the render loop, wired in round two): frame time with 10,000 TUIO
messages per second arriving against none (target: up by less than 10 %), and touch-to-camera
latency in frames (target: ≤ 2).
"""

from __future__ import annotations

import math
import random
import socket
import time
from collections.abc import Iterator

from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
from pythonosc.osc_message_builder import OscMessageBuilder

from benchmarks.harness import Row, median_seconds, row, sized, workload
from vizkit.input.delivery import EventQueue, PixelMapper
from vizkit.input.gestures import GestureRecogniser
from vizkit.input.listener import TuioListener
from vizkit.input.tuio import TuioDecoder

CUR = "/tuio/2Dcur"
FPS = 60
MESSAGES_PER_SECOND = 10_000
VIEW = (1920, 1080)


def _bundle(fseq: int, fingers: dict[int, tuple[float, float]]) -> bytes:
    bundle = OscBundleBuilder(IMMEDIATELY)

    def add(*args: object) -> None:
        message = OscMessageBuilder(address=CUR)
        for arg in args:
            message.add_arg(arg, "s" if isinstance(arg, str) else
                            "i" if isinstance(arg, int) else "f")
        bundle.add_content(message.build())

    add("source", "bench")
    add("alive", *fingers)
    for sid, (x, y) in fingers.items():
        add("set", sid, x, y, 0.0, 0.0, 0.0)
    add("fseq", fseq)
    return bundle.build().dgram


def pinching_stream(frames: int) -> list[bytes]:
    """Five pairs of fingers spreading and closing, one bundle per frame."""
    out = []
    for f in range(frames):
        fingers = {}
        for pair in range(5):
            cx, cy = 0.1 + 0.2 * pair, 0.3 + 0.1 * (pair % 3)
            r = 0.03 + 0.02 * (1 + math.sin(f / 20 + pair))
            fingers[2 * pair + 1] = (cx - r, cy)
            fingers[2 * pair + 2] = (cx + r, cy)
        out.append(_bundle(f + 1, fingers))
    return out


def hostile_stream(count: int) -> list[bytes]:
    rng = random.Random(1)
    good = pinching_stream(64)
    out = []
    for i in range(count):
        packet = good[i % 64]
        kind = i % 4
        if kind == 0:
            out.append(rng.randbytes(rng.randint(1, 400)))
        elif kind == 1:
            out.append(packet[:rng.randint(1, len(packet) - 1)])
        elif kind == 2:
            out.append(packet.replace(b",sifffff", b",sisffff", 1))
        else:
            out.append(packet.replace(b"\x3f\x00\x00\x00", b"\x7f\xc0\x00\x00", 1))  # NaN
    return out


@workload("input_decode")
def input_decode() -> Iterator[Row]:
    """TUIO decode + gesture recognition: µs per message, ms per frame at 10k messages/s."""
    frames = sized(3_000, 60)
    stream = pinching_stream(frames)
    messages = 13 * frames
    decoded: list = []

    def decode() -> None:
        decoder = TuioDecoder()
        decoded.clear()
        for i, packet in enumerate(stream):
            decoded.append(decoder.feed(packet, "127.0.0.1:1", i / FPS))

    listener_s = median_seconds(decode, repeat=5)

    def recognise() -> None:
        queue, pixels, recogniser = EventQueue(10_000), PixelMapper(), GestureRecogniser()
        for i, events in enumerate(decoded):
            queue.put(events)
            for event in pixels.map(queue.take(), VIEW):
                recogniser.feed(event)
            recogniser.update(i / FPS)

    render_s = median_seconds(recognise, repeat=5)
    per_frame = MESSAGES_PER_SECOND / FPS
    listener_us, render_us = listener_s / messages * 1e6, render_s / messages * 1e6
    yield row("input_decode", "vizkit-decode+recognise", seconds_median=round(
        listener_s + render_s, 4), messages=messages,
        listener_us_per_message=round(listener_us, 2),
        render_us_per_message=round(render_us, 2),
        listener_ms_per_frame_at_10k=round(listener_us * per_frame / 1e3, 3),
        render_ms_per_frame_at_10k=round(render_us * per_frame / 1e3, 3),
        note="listener work runs on its own thread; render work in poll() + recognition")
    hostile = hostile_stream(sized(20_000, 400))

    def reject() -> None:
        decoder = TuioDecoder()
        for i, packet in enumerate(hostile):
            decoder.feed(packet, "127.0.0.1:1", i / 10_000)

    hostile_s = median_seconds(reject, repeat=5)
    yield row("input_decode", "vizkit-hostile-packets", seconds_median=round(hostile_s, 4),
              packets=len(hostile), us_per_packet=round(hostile_s / len(hostile) * 1e6, 2))


@workload("input_loopback")
def input_loopback() -> Iterator[Row]:
    """TUIO over a loopback socket into a running listener: µs per packet, end to end."""
    count = sized(5_000, 100)
    stream = pinching_stream(count)
    runs = []
    for _ in range(3):
        with TuioListener(port=0, max_packets_per_second=None,
                          max_queued_events=1_000_000) as listener, \
                socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            start = time.perf_counter()
            for i, packet in enumerate(stream):
                sock.sendto(packet, listener.address)
                if i % 16 == 15:  # at most ~32 in flight: a socket buffer holds ~90 packets
                    while listener.counters()["packets"] < i - 32:
                        time.sleep(0)
            deadline = time.monotonic() + 10
            while listener.counters()["packets"] < count and time.monotonic() < deadline:
                time.sleep(0.0005)
            runs.append(time.perf_counter() - start)
            received = listener.counters()["packets"]
    seconds = sorted(runs)[1]
    yield row("input_loopback", "vizkit-listener-udp", seconds_median=round(seconds, 4),
              packets=count, received=received,
              us_per_packet=round(seconds / count * 1e6, 2),
              note="13 TUIO messages per packet; rate limit off")
