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

``input_live``: a running scene — the live loop drawing a 1280x720 terrain offscreen at 60 fps
(:class:`~vizkit.targets.headless.HeadlessRunner`) with a real listener — in two rows of one run:

- frame time (step + draw + ``glFinish``) while 10,000 TUIO messages per second arrive over
  loopback (770 bundles of 13 messages: five visitors pinching) against none, in alternating
  blocks so both see the same machine (target: up by less than 10 %);
- touch-to-camera latency in frames: a finger drags; each move bundle is sent at a random moment
  of a paced 60 fps loop, and the latency is the number of frames finished after the send up to
  and including the first whose camera shows the move (1 = the next frame; target: ≤ 2).
"""

from __future__ import annotations

import math
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
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


def _live_runner(size: tuple[int, int]):
    """A headless live loop drawing a lit terrain, with a TUIO listener on a free port."""
    import numpy as np

    import vizkit
    from vizkit.privacy import Policy
    from vizkit.targets.headless import HeadlessRunner

    class Table(vizkit.Scene):
        fps = 60.0

        def setup(self, assets):
            y, x = np.mgrid[0:150, 0:200]
            self.add(vizkit.Terrain(
                500 * np.exp(-((x - 125) ** 2 + (y - 75) ** 2) / 800.0) + 20
                + 60 * np.sin(x / 5.0) * np.cos(y / 7.0) ** 2, extent=(0, 0, 40_000, 30_000),
                colormap="viridis", max_height=3_000,
                policy=Policy.off("benchmark surface, not about people")))
            self.frame_all(azimuth=-20, elevation=40)

    runner = HeadlessRunner(Table(), size=size)
    listener = TuioListener(port=0, clock=runner.loop.input_time).start()
    runner.add_source(listener)
    return runner, listener


FLOOD_SENDER = """
import pickle, socket, sys, time
stream = pickle.load(open(sys.argv[1], "rb"))
address, rate = ("127.0.0.1", int(sys.argv[2])), float(sys.argv[3])
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
start, sent = time.perf_counter(), 0
while True:
    due = int((time.perf_counter() - start) * rate)  # bundles due by now: keep the average
    for _ in range(min(due - sent, 200)):
        sock.sendto(stream[sent % len(stream)], address)
        sent += 1
    time.sleep(0.001)
"""


class _Flood:
    """A separate process sending the pinching stream at ``messages_per_second`` — a tracker
    is another program (or machine), so it does not share this interpreter's lock."""

    def __init__(self, port: int, messages_per_second: int, folder: str):
        import pickle

        self.stream = os.path.join(folder, "stream.pickle")
        with open(self.stream, "wb") as out:
            pickle.dump(pinching_stream(600), out)
        self.port, self.rate = port, messages_per_second / 13
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", FLOOD_SENDER, self.stream,
                                         str(self.port), str(self.rate)])

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@workload("input_live")
def input_live() -> Iterator[Row]:
    """A running scene: frame time with 10k TUIO messages/s vs none; touch-to-camera frames."""
    size = (sized(1280, 320), sized(720, 180))
    runner, listener = _live_runner(size)
    try:
        for _ in range(5):
            runner.frame()
        folder = tempfile.mkdtemp(prefix="vizkit-bench-")
        flood = _Flood(listener.address[1], MESSAGES_PER_SECOND, folder)
        blocks, per_block = sized(6, 2), sized(20, 3)
        times: dict[str, list[float]] = {"none": [], "10k": []}
        packets = listener.counters()["packets"]
        busy_seconds = 0.0
        try:
            for block in range(2 * blocks):
                name = "10k" if block % 2 else "none"
                if name == "10k":
                    flood.start()
                    seen = listener.counters()["packets"]
                    while listener.counters()["packets"] < seen + 50:  # the stream is flowing
                        time.sleep(0.01)
                began = time.perf_counter()
                for _ in range(per_block):
                    t0 = time.perf_counter()
                    runner.frame()
                    times[name].append((time.perf_counter() - t0) * 1e3)
                if name == "10k":
                    busy_seconds += time.perf_counter() - began
                    flood.stop()
                    time.sleep(0.2)  # let the socket drain
        finally:
            flood.stop()
            shutil.rmtree(folder, ignore_errors=True)
        received = listener.counters()["packets"] - packets
        quiet, busy = statistics.median(times["none"]), statistics.median(times["10k"])
        for name, ms in times.items():
            yield row("input_live", f"vizkit-frame-{name}-tuio",
                      ms_per_frame_median=round(statistics.median(ms), 3),
                      frames=len(ms), size=f"{size[0]}x{size[1]}")
        yield row("input_live", "vizkit-frame-ratio", ratio_10k_vs_none=round(busy / quiet, 3),
                  packets_received=received,
                  messages_per_second_received=round(13 * received / max(busy_seconds, 1e-9)),
                  target="< 1.10",
                  note="alternating blocks of frames; the sender is its own process")
        yield from _latency(runner, listener)
    finally:
        runner.close()


def _latency(runner, listener) -> Iterator[Row]:
    """Frames from a move bundle's send to the first finished frame whose camera shows it."""
    samples = sized(40, 3)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rng = random.Random(7)
    fseq = [1000]

    def send(x: float) -> None:
        fseq[0] += 1
        sock.sendto(_bundle(fseq[0], {77: (x, 0.5)}), listener.address)

    orbit = runner.scene.orbit
    period = 1 / 60
    x = 0.2
    send(x)
    for _ in range(4):  # down, then past the drag slop: the drag has begun
        x += 0.02
        send(x)
        runner.frame()
        time.sleep(period)
    frames: list[tuple[float, float]] = []   # (finished at, azimuth drawn)
    sends: list[tuple[float, float]] = []    # (sent at, azimuth of the last frame drawn)
    stop = threading.Event()

    def sender() -> None:
        position = x
        for _ in range(samples):
            time.sleep(period * (3 + rng.random()))  # the last move is drawn; a random moment
            position += 0.005
            sends.append((time.perf_counter(), frames[-1][1] if frames else orbit.azimuth))
            send(position)
        time.sleep(4 * period)
        stop.set()

    thread = threading.Thread(target=sender, daemon=True)
    thread.start()
    due = time.perf_counter()
    while not stop.is_set():
        runner.frame()
        frames.append((time.perf_counter(), orbit.azimuth))
        due += period
        time.sleep(max(0.0, due - time.perf_counter()))
    thread.join()
    sock.close()
    latencies = []
    for sent, before in sends:
        after = [azimuth for finished, azimuth in frames if finished > sent]
        changed = next((i for i, azimuth in enumerate(after, 1) if azimuth != before), None)
        if changed is not None:
            latencies.append(changed)
    yield row("input_live", "vizkit-touch-to-camera",
              frames_median=statistics.median(latencies) if latencies else None,
              frames_max=max(latencies) if latencies else None, samples=len(latencies),
              sent=len(sends), target="<= 2", note="60 fps paced loop; 1 = the next frame")
