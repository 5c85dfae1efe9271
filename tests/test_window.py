"""The pyglet window target, on a virtual X display (Xvfb), and input dispatch without one.

The window tests need ``xvfb-run`` (Debian package xvfb, installed by .ci/run); everything else
in the suite is headless through EGL and never needs a display.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import vizkit
from vizkit.events import HANDLED, PointerEvent, ScrollEvent
from vizkit.image import Image

ROOT = Path(__file__).resolve().parent.parent
XVFB = shutil.which("xvfb-run")
needs_xvfb = pytest.mark.skipif(XVFB is None, reason="xvfb-run not installed (apt install xvfb)")

WINDOW_SCRIPT = """
import logging, sys
import numpy as np
import vizkit
from vizkit.privacy import Policy
from vizkit.script import load_target
from vizkit.targets.window import run_window

logging.basicConfig(level=logging.ERROR)

class Flaky(vizkit.Scene):
    calls = 0
    def setup(self, assets):
        y, x = np.mgrid[0:32, 0:48]
        self.add(vizkit.Terrain(np.exp(-((x - 30) ** 2 + (y - 16) ** 2) / 40.0),
                                extent=(0, 0, 480, 320),
                                policy=Policy.off("synthetic test surface, not about people")))
        self.frame_all()
    def update(self, frame):
        self.calls += 1
        if self.calls > 1:   # the first frame is good, then bad data arrives
            raise ValueError("bad value in row 7")   # a running exhibit must survive this

scene = Flaky() if sys.argv[1] == "flaky" else load_target(sys.argv[1]).create()
sys.exit(run_window(scene, size=(320, 180), max_frames=4, screenshot=sys.argv[2]))
"""


def run_under_xvfb(tmp_path: Path, target: str) -> tuple[subprocess.CompletedProcess, Path]:
    script = tmp_path / "window_smoke.py"
    script.write_text(textwrap.dedent(WINDOW_SCRIPT))
    shot = tmp_path / "shot.png"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run([XVFB, "-a", "-s", "-screen 0 1280x720x24", sys.executable,
                             str(script), target, str(shot)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    return result, shot


@needs_xvfb
def test_window_shows_the_scene(tmp_path):
    result, shot = run_under_xvfb(tmp_path, "scenes/heightfield.py")
    assert result.returncode == 0, result.stderr
    image = Image.load(shot)
    assert image.size == (320, 180)
    assert image.rgb.std() > 10


@needs_xvfb
def test_window_survives_a_failing_update_and_logs_it_once(tmp_path):
    result, shot = run_under_xvfb(tmp_path, "flaky")
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("bad value in row 7") == 1
    assert Image.load(shot).rgb.std() > 5   # the last good state is still drawn


INPUT_SCRIPT = """
import json, sys
import numpy as np
import pyglet
import vizkit
from vizkit.privacy import Policy
from vizkit.targets.window import run_window

class Recorder(vizkit.Scene):
    def setup(self, assets):
        y, x = np.mgrid[0:32, 0:48]
        self.add(vizkit.Terrain(np.exp(-((x - 24) ** 2 + (y - 16) ** 2) / 60.0) + 0.1,
                                extent=(0, 0, 480, 320),
                                policy=Policy.off("synthetic test surface, not about people")))
        self.frame_all()
        self.seen = []
    def on_pointer_down(self, e):
        self.seen.append(["down", e.source, e.button, e.x, e.y])
    def on_pointer_drag(self, e):
        self.seen.append(["move", e.source, e.x, e.y, e.dx, e.dy])
    def on_pointer_up(self, e):
        self.seen.append(["up", e.source, e.x, e.y])
    def on_pointer_cancel(self, e):
        self.seen.append(["cancel", e.source])
    def on_gesture(self, g):
        self.seen.append(["gesture", str(g.kind), str(g.phase), g.source])
    def on_pick(self, record):
        self.seen.append(["pick", None if record is None else record.layer])

LEFT, RIGHT = pyglet.window.mouse.LEFT, pyglet.window.mouse.RIGHT
EVENTS = {  # frame → pyglet events, window coordinates (y up, 180 high)
    2: [("on_mouse_press", 100, 100, LEFT, 0)],
    3: [("on_mouse_drag", 120, 100, 20, 0, LEFT, 0)],
    4: [("on_mouse_drag", 160, 90, 40, -10, LEFT, 0), ("on_mouse_press", 160, 90, RIGHT, 0)],
    5: [("on_mouse_release", 160, 90, RIGHT, 0), ("on_mouse_release", 160, 90, LEFT, 0)],
    7: [("on_mouse_press", 160, 90, LEFT, 0)],
    8: [("on_mouse_release", 160, 90, LEFT, 0)],
    12: [("on_mouse_press", 50, 50, RIGHT, 0)],
    13: [("on_mouse_drag", 90, 50, 40, 0, RIGHT, 0)],
    14: [("on_deactivate",)],
}
scene = Recorder()
azimuths = []

def connect(loop):
    def synthesise(loop, frame):
        azimuths.append(scene.orbit.azimuth)
        window = next(iter(pyglet.app.windows))
        for event in EVENTS.get(loop.heartbeat.frames, []):
            window.dispatch_event(*event)
    loop.hooks.append(synthesise)

code = run_window(scene, size=(320, 180), max_frames=18, connect=connect)
print(json.dumps({"seen": scene.seen, "azimuths": azimuths, "target": scene.orbit.target}))
sys.exit(code)
"""


@needs_xvfb
def test_window_mouse_events_are_contacts_with_phases_gestures_and_picks(tmp_path):
    """pyglet events synthesised in a real window (Xvfb): the mouse is one contact (id 0,
    source "mouse") with down/move/up phases in pixels from the top-left (y flipped), a second
    button while one is held is not a second contact, a click picks, a lost focus cancels."""
    script = tmp_path / "window_input.py"
    script.write_text(textwrap.dedent(INPUT_SCRIPT))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run([XVFB, "-a", "-s", "-screen 0 1280x720x24", sys.executable,
                             str(script)], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    seen = [tuple(item) for item in report["seen"]]
    contacts = [item for item in seen if item[0] != "gesture"]
    assert contacts == [
        ("down", "mouse", 1, 100.0, 80.0),
        ("move", "mouse", 120.0, 80.0, 20.0, 0.0),
        ("move", "mouse", 160.0, 90.0, 40.0, -10.0),   # dy keeps pyglet's sign: up is +
        ("up", "mouse", 160.0, 90.0),                  # the right button was ignored
        ("down", "mouse", 1, 160.0, 90.0), ("up", "mouse", 160.0, 90.0),
        ("pick", "Terrain"),
        ("down", "mouse", 4, 50.0, 130.0),
        ("move", "mouse", 90.0, 130.0, 40.0, 0.0),
        ("cancel", "mouse"),
    ]
    gestures = [item[1:3] for item in seen if item[0] == "gesture"]
    assert gestures[:3] == [("drag", "begin"), ("drag", "update"), ("drag", "end")]
    assert ("tap", "fire") in gestures
    assert gestures[-2:] == [("pan", "begin"), ("pan", "end")]  # a right drag pans
    assert {item[3] for item in seen if item[0] == "gesture"} == {"mouse"}
    azimuths = report["azimuths"]
    assert azimuths[-1] != azimuths[0]  # the left drag orbited


class Handled(vizkit.Scene):
    def on_pointer_drag(self, event):
        self.dragged = event
        return HANDLED


def test_raw_pointer_events_never_move_the_camera_the_wheel_does_within_limits():
    """The camera moves through gestures (touch is never a fake mouse): a pointer event
    dispatched on its own changes nothing; the wheel zooms 1.1 per notch, within limits."""
    scene = vizkit.Scene()
    azimuth, distance = scene.orbit.azimuth, scene.orbit.distance
    assert not scene.dispatch("on_pointer_drag", PointerEvent(10, 10, dx=20, dy=0))
    assert scene.orbit.azimuth == azimuth
    assert scene.dispatch("on_scroll", ScrollEvent(0, 0, steps=2))
    assert scene.orbit.distance == pytest.approx(distance / 1.1**2)
    scene.dispatch("on_scroll", ScrollEvent(0, 0, steps=1e9))  # a wild wheel: rubber-banded
    low = scene.navigator.distance_limits[0]
    assert low * 0.8 <= scene.orbit.distance < low

    handled = Handled()
    before = handled.orbit.azimuth
    assert handled.dispatch("on_pointer_drag", PointerEvent(1, 1, dx=50))
    assert handled.orbit.azimuth == before and handled.dragged.dx == 50


def test_orbit_keeps_elevation_and_distance_in_range():
    scene = vizkit.Scene()
    scene.orbit.drag(0, 10_000)
    assert scene.orbit.elevation == pytest.approx(scene.orbit.min_elevation)
    scene.orbit.zoom(-1e6)
    assert np.isfinite(scene.orbit.distance) and scene.orbit.distance <= scene.orbit.max_distance
