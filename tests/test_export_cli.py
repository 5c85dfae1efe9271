"""`vizkit render` / `vizkit run` recording and dome options, run as a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import imageio.v2 as imageio
import numpy as np
import pytest

from vizkit.image import Image

ROOT = Path(__file__).resolve().parent.parent
INSTALLED = Path(sys.executable).with_name("vizkit")

SCENE = '''
import numpy as np
import vizkit
from vizkit.privacy import Policy

VERT = """
#version 330 core
void main() {
    vec2 corners[3] = vec2[](vec2(-0.5, -1.0), vec2(0.5, -1.0), vec2(0.0, -0.5));
    gl_Position = vec4(corners[gl_VertexID], 0.0, 1.0);
}
"""
FRAG = """
#version 330 core
out vec4 f_color;
void main() { f_color = vec4(1.0); }
"""


class Caption(vizkit.Layer):
    is_hud = True

    def upload(self, gpu, group):
        self.program = group.own(gpu.ctx.program(vertex_shader=VERT, fragment_shader=FRAG))
        self.vao = group.own(gpu.ctx.vertex_array(self.program, []))

    def draw(self, view):
        self.vao.render(vertices=3)


class Hills(vizkit.Scene):
    def setup(self, assets):
        y, x = np.mgrid[0:24, 0:36]
        self.add(vizkit.Terrain(np.exp(-((x - 24) ** 2 + (y - 10) ** 2) / 30.0),
                                extent=(0, 0, 360, 240), colormap="viridis",
                                policy=Policy.off("synthetic test surface, not about people")))
        self.add(Caption())
        self.frame_all(elevation=30)
        self.orbit.elevation = 10     # a low viewer: the hills sit in front of the dome

    def update(self, frame):
        self.orbit.azimuth = 30.0 * frame.t
'''


def vizkit(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    if INSTALLED.exists():
        command = [str(INSTALLED)]
    else:
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        command = [sys.executable, "-m", "vizkit"]
    return subprocess.run([*command, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture(scope="module")
def scene(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("cli") / "hills.py"
    path.write_text(textwrap.dedent(SCENE), encoding="utf-8")
    return str(path)


def test_render_dome_writes_a_domemaster(scene, tmp_path):
    out = tmp_path / "dome.png"
    result = vizkit("render", scene, "--dome", "1024", "--aperture", "200", "--tilt", "10",
                    "--no-hud", "--samples", "0", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(out)
    image = Image.load(out).rgb
    assert image.shape == (1024, 1024, 3)
    assert (image[:40, :40] == 0).all() and (image[-40:, -40:] == 0).all()   # black corners
    background = np.round(np.array([0.05, 0.06, 0.08]) * 255)
    hills = np.abs(image.astype(int) - background).max(axis=2) > 20
    centres = np.arange(1024) + 0.5 - 512
    hills &= np.hypot(*np.meshgrid(centres, centres)) < 510        # inside the dome circle
    assert hills.sum() > 2000                      # not blank: the hills are drawn ...
    assert np.argwhere(hills)[:, 0].mean() > 600   # ... in front: the lower half of the frame
    assert not (image == 255).all(axis=2).any()     # --no-hud: the white caption is gone


def test_render_mp4_with_progress_and_eta(scene, tmp_path):
    out = tmp_path / "show.mp4"
    result = vizkit("render", scene, "--frames", "5", "--fps", "10", "--size", "64x48",
                    "--samples", "0", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(out)
    assert "encoding" in result.stderr and "5/5" in result.stderr and "<" in result.stderr
    reader = imageio.get_reader(out, format="FFMPEG")
    try:
        frames = [np.asarray(f) for f in reader]
    finally:
        reader.close()
    assert len(frames) == 5 and frames[0].shape == (48, 64, 3)


def test_render_workers_resume_and_report_skips(scene, tmp_path):
    pattern = str(tmp_path / "seq" / "f_%02d.png")
    common = ("--size", "64x48", "--samples", "0", "-q", "--fps", "5")
    first = vizkit("render", scene, "--frames", "4", "--workers", "2", "--out", pattern,
                   *common)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == f"4 frames: {pattern % 0} … {pattern % 3}"
    more = vizkit("render", scene, "--frames", "6", "--out", pattern, *common)
    assert more.returncode == 0, more.stderr
    assert "resuming: 4 of 6 frames already exist" in more.stderr
    assert len(list((tmp_path / "seq").glob("f_*.png"))) == 6


@pytest.mark.parametrize("options,message,code", [
    (["--dome", "100"], "--dome 100: the domemaster size (one side of the square) must be "
                        "1024..8192 pixels", 2),
    (["--dome", "2048", "--aperture", "240"], "--aperture 240: the aperture must be 180..230",
     2),
    (["--dome", "2048", "--tilt", "45"], "--tilt 45: the dome tilt must be 0..30", 2),
    (["--tilt", "10"], "--tilt needs --dome SIZE", 2),
    (["--dome", "1024", "--gaze", "100"], "--gaze 100: the gaze elevation must be 0..90", 2),
    (["--dome", "2048", "--size", "640x480"], "--size and --dome both set the frame size", 2),
    (["--size", "65x48", "--frames", "2"], "H.264 video needs an even width and height", 1),
])
def test_bad_render_options_are_one_clear_line(scene, tmp_path, options, message, code):
    out = str(tmp_path / "x.mp4") if "--size" in options and "--dome" not in options \
        else str(tmp_path / "x.png")
    result = vizkit("render", scene, "--out", out, *options)
    assert result.returncode == code, result.stderr
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert result.stderr.startswith("vizkit render: ") and message in result.stderr
    assert not Path(out).exists()


@pytest.mark.parametrize("options,message", [
    (["--workers", "0"], "argument --workers: expected a number >= 1, got 0"),
    (["--dome", "big"], "argument --dome: expected a whole number, got 'big'"),
])
def test_malformed_numbers_are_refused_by_the_parser(scene, options, message):
    result = vizkit("render", scene, "--out", "x.png", *options)
    assert result.returncode == 2
    assert message in result.stderr


def test_run_dome_checks_its_options_then_needs_a_display(scene):
    bad = vizkit("run", scene, "--dome", "--aperture", "300")
    assert bad.returncode == 2 and bad.stderr.strip().count("\n") == 0
    assert "--aperture 300: the aperture must be 180..230" in bad.stderr
    headless = vizkit("run", scene, "--dome")
    assert headless.returncode == 2 and headless.stderr.strip().count("\n") == 0
    assert "no display found" in headless.stderr and "--dome 4096" in headless.stderr
