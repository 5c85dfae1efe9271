"""`vizkit run --dome`: the window shows the domemaster fisheye (on a virtual X display)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from vizkit.clock import FrameState
from vizkit.fisheye import DomeSpec
from vizkit.image import Image
from vizkit.targets.window import dome_viewport, draw_dome_frame

ROOT = Path(__file__).resolve().parent.parent
XVFB = shutil.which("xvfb-run")
needs_xvfb = pytest.mark.skipif(XVFB is None, reason="xvfb-run not installed (apt install xvfb)")

WINDOW_SCRIPT = """
import sys
from vizkit.script import load_target
from vizkit.fisheye import DomeSpec
from vizkit.targets.window import run_window

scene = load_target(sys.argv[1]).create()
sys.exit(run_window(scene, size=(320, 200), max_frames=3, screenshot=sys.argv[2],
                    dome=DomeSpec(0, 200.0, 10.0, 10.0)))  # gaze = tilt: eye level
"""


def test_dome_viewport_is_the_centred_square():
    assert dome_viewport((320, 200)) == (60, 0, 200, 200)
    assert dome_viewport((200, 320)) == (0, 60, 200, 200)


def test_window_dome_frame_letterboxes_the_fisheye(gpu):
    """The window's per-frame dome path, drawn into an offscreen framebuffer of window shape."""
    import vizkit

    class Sky(vizkit.Scene):
        sky = vizkit.Sky(zenith=(0.2, 0.4, 0.8), horizon=(0.5, 0.6, 0.7), ground=(0.1, 0.1, 0.1))

    scene = Sky()
    scene.orbit = None
    scene.camera.position, scene.camera.target = (0, 0, 0), (0, 1, 0)
    group = gpu.group("fake window")
    screen = group.own(gpu.ctx.framebuffer([group.own(gpu.ctx.renderbuffer((160, 100)))]))
    domes: dict = {"dome": None}
    try:
        draw_dome_frame(domes, DomeSpec(0, 180, 0), gpu, scene, FrameState(0.0, 1 / 30, 0),
                        (160, 100), 0,
                        framebuffer=screen)
        raw = np.frombuffer(screen.read(components=3), np.uint8).reshape(100, 160, 3)
        assert domes["dome"].spec.size == 100       # automatic size: the shorter side
    finally:
        if domes["dome"] is not None:
            domes["dome"].release()
        group.release()
    assert (raw[:, :25] == 0).all() and (raw[:, -25:] == 0).all()   # black letterbox bars
    assert (np.abs(raw[50, 80].astype(int) - [51, 102, 204]) <= 1).all()  # the zenith's colour


@needs_xvfb
def test_run_dome_shows_the_fisheye_in_a_window(tmp_path):
    script = tmp_path / "scene.py"
    script.write_text(textwrap.dedent("""
        import numpy as np
        import vizkit
        from vizkit.privacy import Policy

        class Hills(vizkit.Scene):   # one colour above the horizon, another below
            sky = vizkit.Sky(zenith=(0.2, 0.4, 0.8), horizon=(0.2, 0.4, 0.8),
                             ground=(0.1, 0.1, 0.1))
            def setup(self, assets):
                y, x = np.mgrid[0:24, 0:36]
                self.add(vizkit.Terrain(np.exp(-((x - 24) ** 2 + (y - 10) ** 2) / 30.0),
                                        extent=(0, 0, 360, 240),
                                        policy=Policy.off("synthetic test surface")))
                self.frame_all(elevation=20)
    """))
    runner = tmp_path / "window_dome.py"
    runner.write_text(textwrap.dedent(WINDOW_SCRIPT))
    shot = tmp_path / "shot.png"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run([XVFB, "-a", "-s", "-screen 0 1280x720x24", sys.executable,
                             str(runner), str(script), str(shot)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    image = Image.load(shot).rgb.astype(int)
    assert image.shape == (200, 320, 3)
    assert (image[:, :55] == 0).all() and (image[:, -55:] == 0).all()   # letterbox bars
    assert (np.abs(image[100, 160] - [51, 102, 204]) <= 2).all()        # the sky above
    assert (np.abs(image[185:, 140:180] - [51, 102, 204]).max(axis=2) > 30).any()  # hills, front
    # the CLI path: `vizkit run --dome --fullscreen --screen 0` opens, draws and closes
    command = [XVFB, "-a", "-s", "-screen 0 1280x720x24", sys.executable, "-m", "vizkit",
               "run", str(script), "--dome", "--tilt", "15", "--frames", "2"]
    cli = subprocess.run([*command, "--fullscreen", "--screen", "0"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert cli.returncode == 0, cli.stderr
    missing = subprocess.run([*command, "--screen", "3"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120)
    assert missing.returncode == 1 and missing.stderr.strip().count("\n") == 0
    assert missing.stderr.strip() == ("vizkit run: --screen 3: this display has 1 screen(s), "
                                      "numbered 0..0")

