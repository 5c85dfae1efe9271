"""Real TUIO senders over loopback drive the listener, the gestures and the camera.

Three independent senders: bundles built here with python-osc exactly as the TUIO 1.1
specification lays them out; the ``python-tuio`` package's server; and vizkit's own simulator.
The listener gets a test clock: each packet is stamped with the time the script says it was
sent, so gestures and time-outs are deterministic even though packets cross a real socket.
"""

from __future__ import annotations

import math
import socket
import time

import pytest
from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
from pythonosc.osc_message_builder import OscMessageBuilder

from vizkit.camera import Orbit
from vizkit.input import tuio_sim
from vizkit.input.gestures import GestureKind, GesturePhase, GestureRecogniser, GestureSettings
from vizkit.input.listener import TuioListener, parse_tuio_address
from vizkit.input.model import Kind, Phase
from vizkit.input.navigation import OrbitNavigator

CUR, OBJ = "/tuio/2Dcur", "/tuio/2Dobj"
VIEW = (1600, 1000)  # aspect 1.6


def msg(address: str, *args: object):
    builder = OscMessageBuilder(address=address)
    for arg in args:
        builder.add_arg(arg, "s" if isinstance(arg, str) else "i" if isinstance(arg, int)
                        else "f")
    return builder.build()


def frame(fseq: int, positions: dict[int, tuple[float, float]], source: str = "spec") -> bytes:
    """/tuio/2Dcur: source, alive, set s x y X Y m (each cursor), fseq — in one bundle."""
    builder = OscBundleBuilder(IMMEDIATELY)
    builder.add_content(msg(CUR, "source", source))
    builder.add_content(msg(CUR, "alive", *positions))
    for sid, (x, y) in positions.items():
        builder.add_content(msg(CUR, "set", sid, float(x), float(y), 0.0, 0.0, 0.0))
    builder.add_content(msg(CUR, "fseq", fseq))
    return builder.build().dgram


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


class Table:
    """A listener on a free loopback port with a test clock, and what reaches a scene."""

    def __init__(self, **listener_options) -> None:
        self.clock = Clock()
        self.listener = TuioListener(port=0, clock=self.clock, **listener_options).start()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.recogniser = GestureRecogniser(GestureSettings(aspect=VIEW[0] / VIEW[1]))
        self.orbit = Orbit(target=(0.0, 0.0, 0.0), azimuth=0.0, elevation=45.0,
                           distance=2000.0)
        self.navigator = OrbitNavigator(self.orbit, 1000.0, aspect=VIEW[0] / VIEW[1])
        self.events, self.gestures, self.intents = [], [], []
        self.fseq = 0

    def wait_for(self, packets: int, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while self.received() < packets:
            if time.monotonic() > deadline:
                raise AssertionError(f"listener saw {self.received()} of {packets} packets")
            time.sleep(0.0005)

    def received(self) -> int:
        counters = self.listener.counters()
        return counters["packets"] + counters["rate_limited"]

    def send(self, packet: bytes, t: float) -> None:
        """Send at script time ``t``; wait until handled, then run a frame at ``t``."""
        before = self.received()
        self.clock.t = t
        self.sock.sendto(packet, self.listener.address)
        self.wait_for(before + 1)
        self.run_frame(t)

    def run_frame(self, t: float) -> None:
        self.clock.t = t
        for event in self.listener.poll(VIEW, now=t):
            self.events.append(event)
            for gesture in self.recogniser.feed(event):
                self.gestures.append(gesture)
                intent = self.navigator.handle(gesture)
                if intent is not None:
                    self.intents.append(intent)
        self.gestures += self.recogniser.update(t)
        self.navigator.update(t)

    def play(self, fingers: list[dict[int, tuple[float, float]]], t0: float,
             fps: float = 60.0) -> float:
        """Send one frame per entry (then an empty one); returns the time after the last."""
        for i, positions in enumerate([*fingers, {}]):
            self.fseq += 1
            self.send(frame(self.fseq, positions), t0 + i / fps)
        return t0 + (len(fingers) + 1) / fps

    def of(self, kind: GestureKind) -> list:
        return [g for g in self.gestures if g.kind is kind]

    def close(self) -> None:
        self.sock.close()
        self.listener.close()


@pytest.fixture
def table():
    table = Table()
    yield table
    table.close()


def pair(cx: float, cy: float, distance: float, angle: float = 0.0, ids=(1, 2)):
    """Two fingers ``distance`` apart (short-side units on a 1.6:1 surface) around (cx, cy)."""
    r = distance / 2
    dx, dy = r * math.cos(angle) / 1.6, r * math.sin(angle)
    return {ids[0]: (cx - dx, cy + dy), ids[1]: (cx + dx, cy - dy)}


def test_the_listener_binds_to_this_machine_only_unless_told(table):
    assert table.listener.address[0] == "127.0.0.1"
    assert parse_tuio_address("3333") == ("127.0.0.1", 3333)
    assert parse_tuio_address("tuio:0.0.0.0:3334") == ("0.0.0.0", 3334)
    for bad in ("", "tuio:", "host:port", "70000", "1.2.3.4:-1"):
        with pytest.raises(ValueError, match="TUIO address"):
            parse_tuio_address(bad)


def test_pinch_rotate_drag_and_tap_over_udp_move_the_camera(table):
    orbit = table.orbit
    # pinch: two fingers spreading from 0.15 to 0.3 apart → closer
    t = table.play([pair(0.5, 0.5, 0.15 + 0.15 * i / 30) for i in range(31)], t0=0.0)
    pinches = table.of(GestureKind.PINCH)
    assert pinches[0].phase is GesturePhase.BEGIN
    assert pinches[-1].phase is GesturePhase.END
    spread = math.prod(g.scale for g in pinches)
    assert 0.3 / (0.15 + 0.04) < spread <= 0.3 / 0.15 + 1e-6  # all of it but the slop
    assert orbit.distance == pytest.approx(2000.0 / spread, rel=1e-4)
    zoomed = orbit.distance

    # rotate: the pair turns 90° counter-clockwise on screen → the map turns with it
    t = table.play([pair(0.5, 0.5, 0.25, math.radians(90) * i / 30) for i in range(31)],
                   t0=t + 0.5)
    turned = sum(g.rotation for g in table.of(GestureKind.ROTATE))
    assert math.radians(90 - 12) < turned <= math.radians(90 - 8) + 1e-6
    assert orbit.azimuth == pytest.approx(math.degrees(turned), abs=1e-3)
    assert orbit.distance == pytest.approx(zoomed, rel=0.05)  # a twist is not a zoom

    # one-finger drag to the right → the orbit turns the other way (as with the mouse)
    azimuth = orbit.azimuth
    t = table.play([{5: (0.3 + 0.3 * i / 30, 0.5)} for i in range(31)], t0=t + 0.5)
    drags = table.of(GestureKind.DRAG)
    travelled = sum(g.dx for g in drags)  # short-side units: 0.016 per frame on 1.6:1
    assert 0.3 * 1.6 - (0.02 + 0.016) - 1e-6 < travelled <= 0.3 * 1.6  # all but the slop
    assert (azimuth - orbit.azimuth) % 360 == pytest.approx(travelled * 180.0, abs=1e-3)

    # a tap picks nothing here but is recognised where it landed
    table.play([{9: (0.25, 0.75)}] * 3, t0=t + 0.5)
    (tap,) = table.of(GestureKind.TAP)
    assert (tap.nx, tap.ny) == pytest.approx((0.25, 0.75))
    assert tap.source == "tuio:spec"
    # every event reached the scene with pixels for the view it was delivered into
    down = next(e for e in table.events if e.pointer_id == 9 and e.phase is Phase.DOWN)
    assert (down.x, down.y) == pytest.approx((0.25 * 1600, 0.75 * 1000))
    assert table.listener.counters()["late_frames"] == 0


def test_out_of_order_and_lost_bundles_over_udp(table):
    table.send(frame(1, {1: (0.25, 0.5)}), 0.0)
    table.send(frame(3, {1: (0.75, 0.5)}), 0.1)
    table.send(frame(2, {1: (0.5, 0.5)}), 0.2)  # arrives late: dropped
    moves = [e.nx for e in table.events if e.phase is Phase.MOVE]
    assert moves == [0.75]
    assert table.listener.counters()["late_frames"] == 1
    # the bundle that lifted the finger is lost; the sender falls silent
    table.run_frame(1.5)
    assert table.events[-1].phase is Phase.MOVE
    table.run_frame(1.7)  # 1.6 s after the last frame: past contact_timeout
    assert table.events[-1].phase is Phase.CANCEL and table.events[-1].pointer_id == 1
    assert table.listener.counters()["timeouts"] == 1
    drag = table.of(GestureKind.DRAG)
    assert drag[-1].phase is GesturePhase.END and drag[-1].cancelled


def test_fseq_minus_one_and_a_restarted_sender_over_udp(table):
    for i in range(3):
        table.send(frame(-1, {4: (0.25 + 0.25 * i, 0.5)}), 0.1 * i)
    assert [str(e.phase) for e in table.events] == ["down", "move", "move"]
    table.send(frame(900, {}), 0.3)
    table.send(frame(2, {6: (0.5, 0.5)}), 0.4)  # restarted: far below 900
    assert [str(e.phase) for e in table.events[-2:]] == ["up", "down"]
    assert table.listener.counters()["restarts"] == 1


def test_two_pinches_at_opposite_sides_are_two_gestures(table):
    left, right = (1, 2), (3, 4)
    steps = [pair(0.2, 0.5, 0.2 - 0.1 * i / 30, ids=left)
             | pair(0.8, 0.5, 0.1 + 0.1 * i / 30, ids=right) for i in range(31)]
    table.play(steps, t0=0.0)
    pinches = table.of(GestureKind.PINCH)
    groups: dict[int, list] = {}
    for g in pinches:
        groups.setdefault(g.group, []).append(g)
    assert len(groups) == 2
    assert sorted(tuple(sorted(gs[0].contacts)) for gs in groups.values()) == [left, right]
    scale = {tuple(sorted(gs[0].contacts)): math.prod(g.scale for g in gs)
             for gs in groups.values()}
    assert scale[left] < 0.75 and scale[right] > 1.4
    # one visitor owns the camera: it moved by exactly one of the two pinches
    owner = {i.group for i in table.intents}
    assert len(owner) == 1
    owned = next(tuple(sorted(gs[0].contacts)) for gid, gs in groups.items() if gid in owner)
    assert table.orbit.distance == pytest.approx(2000.0 / scale[owned], rel=1e-4)


def test_python_tuio_server_is_understood_too(table):
    pythontuio = pytest.importorskip("pythontuio", reason="python-tuio is a test extra")
    server = pythontuio.TuioServer("127.0.0.1", table.listener.address[1])
    finger = pythontuio.Cursor(21)
    tangible = pythontuio.Object(8)
    tangible.class_id, tangible.position, tangible.angle = 3, (0.75, 0.25), 1.0
    server.cursors.append(finger)
    server.objects.append(tangible)
    for i in range(31):
        finger.position = (0.2 + 0.01 * i, 0.5)
        before = table.received()
        table.clock.t = i / 60
        server.send_bundle()
        table.wait_for(before + 1)
        table.run_frame(i / 60)
    server.cursors.clear()
    server.objects.clear()
    table.clock.t = 0.6
    server.send_bundle()
    table.wait_for(32)
    table.run_frame(0.6)
    cursor_phases = [str(e.phase) for e in table.events if e.kind is Kind.CURSOR]
    assert cursor_phases[0] == "down" and cursor_phases[-1] == "up"
    assert cursor_phases.count("move") == 30
    obj = [e for e in table.events if e.kind is Kind.OBJECT]
    assert [str(e.phase) for e in obj] == ["down", "up"]
    assert (obj[0].class_id, obj[0].angle) == (3, pytest.approx(1.0))
    assert (obj[0].nx, obj[0].ny) == pytest.approx((0.75, 0.25))
    drag = table.of(GestureKind.DRAG)
    assert sum(g.dx for g in drag) == pytest.approx(0.3 * 1.6 - 0.032, abs=0.017)
    # python-tuio sends fseq -1 for cursors only; its object frames end with the bundle
    assert table.listener.counters()["frames_without_fseq"] >= 31


def test_length_prefixed_tcp_from_python_osc():
    from pythonosc.tcp_client import TCPClient

    clock = Clock()
    with TuioListener(port=0, tcp_port=0, clock=clock) as listener:
        host, port = listener.tcp_address
        client = TCPClient(host, port, mode="1.0")  # OSC 1.0 over TCP: int32 size prefix
        try:
            from pythonosc.osc_bundle import OscBundle
            for i, positions in enumerate([{1: (0.25, 0.5)}, {1: (0.5, 0.5)}, {}]):
                client.send(OscBundle(frame(i + 1, positions)))
            deadline = time.monotonic() + 5
            while listener.counters()["frames"] < 3 and time.monotonic() < deadline:
                time.sleep(0.001)
        finally:
            client.close()
        events = listener.poll(VIEW, now=1.0)
    assert [(str(e.phase), e.nx) for e in events] == [("down", 0.25), ("move", 0.5),
                                                      ("up", 0.5)]
    assert listener.counters()["tcp_connections"] == 1


def test_a_broken_tcp_stream_is_closed_not_fatal():
    with TuioListener(port=0, tcp_port=0) as listener:
        with socket.create_connection(listener.tcp_address) as bad:
            bad.sendall(b"\xff\xff\xff\xff garbage")
            deadline = time.monotonic() + 5
            while listener.counters()["tcp_bad_frames"] < 1 and time.monotonic() < deadline:
                time.sleep(0.001)
        assert listener.counters()["tcp_bad_frames"] == 1
        assert listener.counters()["internal_errors"] == 0


@pytest.mark.parametrize("tcp", [False, True], ids=["udp", "tcp"])
def test_the_simulator_sends_gestures_in_real_time(tcp):
    """``vizkit tuio-sim`` end to end: real time, the real clock, the real socket."""
    with TuioListener(port=0, tcp_port=0 if tcp else None) as listener:
        port = (listener.tcp_address if tcp else listener.address)[1]
        argv = ["--port", str(port), "tap 0.3 0.3", "wait 0.3", "pinch 0.7 0.5 0.1 0.25 0.4",
                *(["--tcp"] if tcp else [])]
        assert tuio_sim.main(argv) == 0
        sent = sum(1 for _ in tuio_sim.frames(argv[2:5]))
        deadline = time.monotonic() + 5
        while listener.counters()["frames"] < sent and time.monotonic() < deadline:
            time.sleep(0.001)
        events = listener.poll(VIEW)
    assert listener.counters()["frames"] == sent
    recogniser = GestureRecogniser(GestureSettings(aspect=VIEW[0] / VIEW[1]))
    gestures = [g for e in events for g in recogniser.feed(e)]
    assert [g.kind for g in gestures if g.phase is not GesturePhase.UPDATE] == [
        GestureKind.TAP, GestureKind.PINCH, GestureKind.PINCH]
    assert all(e.source == "tuio:vizkit-sim" for e in events)
    spread = math.prod(g.scale for g in gestures if g.kind is GestureKind.PINCH)
    assert 0.25 / (0.1 + 0.04) < spread <= 0.25 / 0.1 + 1e-6
