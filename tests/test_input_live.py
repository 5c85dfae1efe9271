"""The live loop in-process: mouse contacts, HUD first refusal, handlers, the tour hand-over,
errors, and real TUIO senders (python-tuio's server; two tables' worth of hands) over loopback.

Frames are stepped by hand on a headless runner; the mouse tests give the loop a test wall
clock so gesture and easing times are exact. Expected camera moves are derived from the
documented gains (180° of orbit per short side dragged, the wheel's 1.1 per notch, the soft
distance limits), not read back from the code.
"""

from __future__ import annotations

import math
import socket
import time

import numpy as np
import pytest
from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
from pythonosc.osc_message_builder import OscMessageBuilder

import vizkit
from vizkit.input.gestures import GestureKind
from vizkit.input.listener import TuioListener
from vizkit.input.model import InputEvent, Phase
from vizkit.matrices import project_to_pixels
from vizkit.privacy import Policy
from vizkit.targets.headless import HeadlessRunner

SIZE = (320, 180)
SHORT = SIZE[1]  # pixels per short side
LEFT, RIGHT = 1, 4  # pyglet.window.mouse


class Wall:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


class Hill(vizkit.Scene):
    def setup(self, assets):
        y, x = np.mgrid[0:36, 0:64]
        self.terrain = self.add(vizkit.Terrain(
            100 * np.exp(-((x - 32) ** 2 + (y - 18) ** 2) / 80.0) + 5,
            extent=(0, 0, 6400, 3600), max_height=400,
            policy=Policy.off("synthetic test surface, not about people")))
        self.frame_all(azimuth=0, elevation=45)
        self.picks, self.downs, self.gestures = [], [], []

    def on_pick(self, record):
        self.picks.append(record)

    def on_pointer_down(self, event):
        self.downs.append(event)

    def on_gesture(self, gesture):
        self.gestures.append(gesture)


@pytest.fixture
def hill():
    wall = Wall()
    runner = HeadlessRunner(Hill(), size=SIZE, samples=0, wall=wall)
    runner.frame()
    yield runner, wall
    runner.close()


def mouse(runner, wall, phase, x, y, button=LEFT, dt=1 / 30):
    """Push a mouse event at (x, y) pixels and step one frame ``dt`` later."""
    runner.loop.push(InputEvent.from_pixels(phase, x, y, SIZE, t=runner.loop.input_time(),
                                            source="mouse", button=button))
    wall.t += dt
    runner.frame()


def drag(runner, wall, x0, x1, y=90, button=LEFT, steps=10):
    mouse(runner, wall, Phase.DOWN, x0, y, button)
    for i in range(1, steps + 1):
        mouse(runner, wall, Phase.MOVE, x0 + (x1 - x0) * i / steps, y, button)
    mouse(runner, wall, Phase.UP, x1, y, button)


def pixel_of(scene, row: int, col: int) -> tuple[float, float]:
    terrain = scene.terrain
    cx, cy = terrain.cell_size
    x, y = (col + 0.5) * cx, (row + 0.5) * cy
    z = float(terrain.heights_at([x], [y])[0])
    camera = scene.camera
    return project_to_pixels((x, y, z), camera.view_matrix(),
                             camera.projection_matrix(SIZE[0] / SIZE[1]), SIZE)


def test_a_left_drag_orbits_180_degrees_per_short_side_from_where_it_began(hill):
    runner, wall = hill
    scene = runner.scene
    azimuth, elevation = scene.orbit.azimuth, scene.orbit.elevation
    drag(runner, wall, 100, 190)  # begins after 0.02 short sides: the first 9 px step
    turned = (scene.orbit.azimuth - azimuth + 180) % 360 - 180
    assert turned == pytest.approx(-(190 - 109) / SHORT * 180, abs=1e-6)
    assert scene.orbit.elevation == pytest.approx(elevation)
    assert [g.kind for g in scene.gestures] == [GestureKind.DRAG] * 11
    assert {g.source for g in scene.gestures} == {"mouse"} and not scene.picks


def test_a_click_picks_what_the_frame_shows_and_a_right_drag_pans(hill):
    runner, wall = hill
    scene = runner.scene
    x, y = pixel_of(scene, 18, 32)  # the hill's top, projected with the camera on screen
    mouse(runner, wall, Phase.DOWN, x, y)
    mouse(runner, wall, Phase.UP, x, y)
    (record,) = scene.picks
    assert record.layer == "Terrain" and record.value == pytest.approx(105, abs=1)
    assert abs(record.element[0] - 18) <= 1 and abs(record.element[1] - 32) <= 1
    mouse(runner, wall, Phase.DOWN, 5, 5)   # the sky above the terrain: nothing
    mouse(runner, wall, Phase.UP, 5, 5)
    assert scene.picks[1] is None
    target, azimuth = scene.orbit.target, scene.orbit.azimuth
    drag(runner, wall, 100, 190, button=RIGHT)
    assert scene.orbit.azimuth == azimuth
    assert scene.orbit.target[0] < target[0] - 100  # the ground follows the pointer (east)
    assert scene.orbit.target[1] == pytest.approx(target[1], abs=1e-6)


def test_the_wheel_zooms_1_1_per_notch_and_eases_back_inside_the_limits(hill):
    runner, wall = hill
    scene = runner.scene
    navigator = scene.navigator
    low = navigator.distance_limits[0]
    distance = scene.orbit.distance
    runner.loop.scroll(vizkit.ScrollEvent(160, 90, 2))
    wall.t += 1.0
    runner.frame()
    assert scene.orbit.distance == pytest.approx(distance / 1.1**2)
    for _ in range(60):  # far past the closest allowed distance
        runner.loop.scroll(vizkit.ScrollEvent(160, 90, 5))
        wall.t += 0.01
        runner.frame()
    assert low * 0.8 <= scene.orbit.distance < low  # rubber band: at most 20 % past
    wall.t += 0.5  # longer than ease_seconds
    runner.frame()
    assert scene.orbit.distance == pytest.approx(low)


class Strict(Hill):
    def on_gesture(self, gesture):
        self.gestures.append(gesture)
        return vizkit.HANDLED

    def on_pointer_up(self, event):
        return vizkit.HANDLED if event.x > 200 else None


def test_handlers_that_return_handled_replace_the_defaults():
    wall = Wall()
    with HeadlessRunner(Strict(), size=SIZE, samples=0, wall=wall) as runner:
        runner.frame()
        scene = runner.scene
        azimuth = scene.orbit.azimuth
        drag(runner, wall, 100, 190)
        assert scene.orbit.azimuth == azimuth and scene.gestures  # seen, not applied
        count = len(scene.gestures)
        mouse(runner, wall, Phase.DOWN, 250, 90)
        mouse(runner, wall, Phase.UP, 250, 90)   # the script took the lift: no tap at all
        assert len(scene.gestures) == count and not scene.picks


class WithScrubber(Hill):
    def setup(self, assets):
        super().setup(assets)
        self.scrubber = self.add(vizkit.TimeScrubber(2019, 2024, anchor="bottom-right"))


def track_pixels(scene) -> list[tuple[int, int]]:
    """Pixels whose HUD region is the scrubber's track, found through the HUD's own hit test."""
    return [(x, y) for y in range(0, SIZE[1], 2) for x in range(0, SIZE[0], 2)
            if (hit := scene.hud_at(x, y, SIZE)) is not None and hit.region == "track"]


def test_hud_widgets_get_first_refusal_of_the_contacts_that_land_on_them():
    wall = Wall()
    with HeadlessRunner(WithScrubber(), size=SIZE, samples=0, wall=wall) as runner:
        runner.frame()  # placed when drawn
        scene = runner.scene
        track = track_pixels(scene)
        assert track, "the scrubber's track is on screen"
        left = min(track)
        row = [p for p in track if p[1] == left[1]]
        right = max(row)
        azimuth = scene.orbit.azimuth
        mouse(runner, wall, Phase.DOWN, *left)
        assert scene.scrubber.dragging and scene.scrubber.value < 2019.5
        mouse(runner, wall, Phase.MOVE, *right)
        assert scene.scrubber.value > 2023.5  # the knob followed the finger along the track
        mouse(runner, wall, Phase.MOVE, 0, left[1])  # past the start while dragging: clamped
        assert scene.scrubber.value == 2019
        mouse(runner, wall, Phase.UP, 0, left[1])
        assert not scene.scrubber.dragging
        assert scene.downs == [] and scene.gestures == [] and scene.orbit.azimuth == azimuth
        mouse(runner, wall, Phase.DOWN, 100, 40)  # beside the widget: the scene's again
        mouse(runner, wall, Phase.UP, 100, 40)
        assert len(scene.downs) == 1
        # a widget with on_pointer(event, region) gets the events themselves
        seen = []
        scene.scrubber.on_pointer = lambda event, region: seen.append((str(event.phase),
                                                                        region))
        mouse(runner, wall, Phase.DOWN, *left)
        mouse(runner, wall, Phase.UP, *left)
        assert seen == [("down", "track"), ("up", "track")]
        scene.hud_visible = False  # --no-hud: nothing to refuse with
        mouse(runner, wall, Phase.DOWN, *left)
        assert len(scene.downs) == 2


class Tour(Hill):
    def setup(self, assets):
        super().setup(assets)
        self.tour = vizkit.Timeline(easing="linear")
        self.tour.key(0, azimuth=0).key(1000, azimuth=100)  # 0.1° per second

    def update(self, frame):
        self.tour.apply(self.orbit, frame.t)


def test_a_scripted_tour_yields_to_a_visitor_and_takes_the_camera_back_blended():
    wall = Wall()
    with HeadlessRunner(Tour(), size=SIZE, samples=0, wall=wall) as runner:
        runner.frame()
        scene = runner.scene
        drag(runner, wall, 100, 190)   # about −81° of orbit
        held = scene.orbit.azimuth
        assert (held - 180) % 360 - 180 == pytest.approx(-81, abs=1)

        def tour_at() -> float:
            return runner.loop.frame.t * 0.1

        handover = scene.tour_handover
        wall.t += handover.resume_seconds - 1.0
        runner.frame()
        assert scene.orbit.azimuth == pytest.approx(held)  # the visitor's camera stays
        wall.t += 1.0 + handover.blend_seconds / 2
        runner.frame()
        offset = (held - tour_at() + 180) % 360 - 180
        f = (runner.loop.heartbeat.now - scene.interaction.last_touch
             - handover.resume_seconds) / handover.blend_seconds
        assert 0.45 < f < 0.55  # about half-way back, eased by smoothstep
        assert (scene.orbit.azimuth - tour_at() + 180) % 360 - 180 == pytest.approx(
            offset * (1 - (3 * f**2 - 2 * f**3)), abs=1e-6)
        wall.t += handover.blend_seconds
        runner.frame()
        assert scene.orbit.azimuth == pytest.approx(tour_at())  # the script drives again
        assert not scene.interaction.visitor_has_camera


class Broken(Hill):
    def on_pointer_down(self, event):
        raise ValueError("a bug in the script's handler")


def test_a_failing_handler_is_counted_and_the_exhibit_goes_on(caplog):
    wall = Wall()
    with HeadlessRunner(Broken(), size=SIZE, samples=0, wall=wall) as runner:
        runner.frame()
        azimuth = runner.scene.orbit.azimuth
        for _ in range(2):
            drag(runner, wall, 100, 190)
        beat = runner.loop.heartbeat
        assert beat.errors == 2 and "a bug in the script's handler" in beat.last_error
        assert caplog.text.count("a bug in the script's handler") == 1  # logged once
        assert runner.scene.orbit.azimuth != azimuth  # the gestures still moved the camera
        assert beat.events == 24 and beat.last_input is not None


# -- real senders over loopback ---------------------------------------------------------------

def wait_for(listener: TuioListener, packets: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while listener.counters()["packets"] < packets:
        assert time.monotonic() < deadline, listener.counters()
        time.sleep(0.001)


def live_table(scene):
    runner = HeadlessRunner(scene, size=SIZE, samples=0)
    listener = TuioListener(port=0, clock=runner.loop.input_time).start()
    runner.add_source(listener)
    runner.frame()
    return runner, listener


def test_python_tuio_servers_drag_and_tap_drive_the_running_loop():
    pythontuio = pytest.importorskip("pythontuio", reason="python-tuio is a test extra")
    runner, listener = live_table(Hill())
    try:
        scene = runner.scene
        server = pythontuio.TuioServer("127.0.0.1", listener.address[1])
        finger = pythontuio.Cursor(5)
        server.cursors.append(finger)
        azimuth = scene.orbit.azimuth
        sent = 0
        for i in range(21):  # x 0.2 → 0.6 in 20 steps of 0.02
            finger.position = (0.2 + 0.02 * i, 0.5)
            server.send_bundle()
            sent += 1
            wait_for(listener, sent)
            runner.frame()
        server.cursors.clear()
        server.send_bundle()
        sent += 1
        wait_for(listener, sent)
        runner.frame()
        turned = (scene.orbit.azimuth - azimuth + 180) % 360 - 180
        # the drag begins once past 0.02 short sides (the second step): 0.38 of width after
        assert turned == pytest.approx(-(0.6 - 0.22) * SIZE[0] / SHORT * 180, abs=0.1)
        tap = pythontuio.Cursor(6)
        tap.position = (0.5, 0.5)
        server.cursors.append(tap)
        server.send_bundle()
        server.cursors.clear()
        server.send_bundle()
        wait_for(listener, sent + 2)
        runner.frame()
        (record,) = scene.picks
        assert record is not None and record.layer == "Terrain"
        assert {g.source for g in scene.gestures} == {scene.gestures[0].source}
        assert scene.gestures[0].source.startswith("tuio:")  # its sender, never "mouse"
    finally:
        runner.close()


def cursor_bundle(fseq: int, fingers: dict[int, tuple[float, float]]) -> bytes:
    def msg(*args):
        builder = OscMessageBuilder(address="/tuio/2Dcur")
        for arg in args:
            builder.add_arg(arg, "s" if isinstance(arg, str) else "i" if isinstance(arg, int)
                            else "f")
        return builder.build()

    builder = OscBundleBuilder(IMMEDIATELY)
    builder.add_content(msg("source", "table"))
    builder.add_content(msg("alive", *fingers))
    for sid, (x, y) in fingers.items():
        builder.add_content(msg("set", sid, float(x), float(y), 0.0, 0.0, 0.0))
    builder.add_content(msg("fseq", fseq))
    return builder.build().dgram


def test_two_pinches_on_opposite_sides_are_two_gestures_and_one_of_them_drives():
    runner, listener = live_table(Hill())
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        scene = runner.scene
        distance = scene.orbit.distance
        for i in range(21):  # left hand spreads 0.1 → 0.2, right hand closes 0.2 → 0.1
            left, right = 0.05 + 0.05 * i / 20, 0.1 - 0.05 * i / 20
            fingers = {1: (0.15 - left / 1.78, 0.5), 2: (0.15 + left / 1.78, 0.5),
                       3: (0.85 - right / 1.78, 0.5), 4: (0.85 + right / 1.78, 0.5)}
            sock.sendto(cursor_bundle(i + 1, fingers), listener.address)
            wait_for(listener, i + 1)
            runner.frame()
        sock.sendto(cursor_bundle(22, {}), listener.address)
        wait_for(listener, 22)
        runner.frame()
        pinches = [g for g in scene.gestures if g.kind is GestureKind.PINCH]
        groups = {g.group: set(g.contacts) for g in pinches}
        assert sorted(map(sorted, groups.values())) == [[1, 2], [3, 4]]  # two, not one
        # the left hand began first and owns the camera: it zoomed in, the other was ignored
        spread = math.prod(g.scale for g in pinches if set(g.contacts) == {1, 2})
        assert spread > 1.3
        assert scene.orbit.distance == pytest.approx(distance / spread, rel=1e-6)
    finally:
        sock.close()
        runner.close()
