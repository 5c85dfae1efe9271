"""The pyglet window target, on a virtual X display (Xvfb), and input dispatch without one.

The window tests need ``xvfb-run`` (Debian package xvfb, installed by .ci/run); everything else
in the suite is headless through EGL and never needs a display.
"""

from __future__ import annotations

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


class Handled(vizkit.Scene):
    def on_pointer_drag(self, event):
        self.dragged = event
        return HANDLED


def test_drag_and_scroll_drive_the_orbit_unless_the_script_handles_them():
    scene = vizkit.Scene()
    azimuth, distance = scene.orbit.azimuth, scene.orbit.distance
    assert scene.dispatch("on_pointer_drag", PointerEvent(10, 10, dx=20, dy=0))
    assert scene.orbit.azimuth == pytest.approx((azimuth - 20 * 0.3) % 360)
    scene.dispatch("on_scroll", ScrollEvent(0, 0, steps=2))
    assert scene.orbit.distance == pytest.approx(distance / 1.1**2)

    handled = Handled()
    before = handled.orbit.azimuth
    assert handled.dispatch("on_pointer_drag", PointerEvent(1, 1, dx=50))
    assert handled.orbit.azimuth == before and handled.dragged.dx == 50


def test_orbit_keeps_elevation_and_distance_in_range():
    scene = vizkit.Scene()
    scene.dispatch("on_pointer_drag", PointerEvent(0, 0, dy=10_000))
    assert scene.orbit.elevation == pytest.approx(scene.orbit.min_elevation)
    scene.orbit.zoom(-1e6)
    assert np.isfinite(scene.orbit.distance) and scene.orbit.distance <= scene.orbit.max_distance
