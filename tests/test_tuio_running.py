"""Real TUIO senders drive a *running* scene over loopback: `vizkit run --headless` and the loop.

The first test runs the CLI in a subprocess (``vizkit run --headless --tuio 127.0.0.1:0
--log-events … --out …``) and plays it, in wall time, bundles built here with python-osc as the
TUIO 1.1 specification lays them out: a tap, a pinch, a rotation and a drag — with a late
(out-of-order) bundle inside the drag and a finger whose last bundles are lost. What must happen
is derived from the gestures' geometry and the recogniser's documented thresholds, not from
vizkit's code: the zoom is the fingers' spread ratio since the pinch began, the turn the angle
since the rotation began, the orbit 180° per short side dragged; the tap picks the terrain cell
the test projects under it; the lost finger is cancelled after the 1.5 s time-out; the final
frame is the zoomed-in view.

The other tests run the same loop in-process (``HeadlessRunner``): the ``python-tuio`` package's
server drags and taps; two two-finger gestures on opposite sides of the table are two gestures;
a scripted tour yields the camera to a visitor and takes it back.
"""

from __future__ import annotations

import json
import math
import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
from pythonosc.osc_message_builder import OscMessageBuilder

from vizkit.clock import FrameState
from vizkit.image import Image
from vizkit.matrices import project_to_pixels
from vizkit.script import load_target

ROOT = Path(__file__).resolve().parent.parent
SIZE = (320, 200)          # aspect 1.6: x offsets in short-side units are divided by 1.6
ASPECT = SIZE[0] / SIZE[1]
CUR = "/tuio/2Dcur"
FPS = 60.0

SCENE = '''
"""Two hills on a grid, a still camera: a target for taps and gestures."""
import numpy as np
import vizkit
from vizkit.privacy import Policy


class Hills(vizkit.Scene):
    title = "hills"

    def setup(self, assets):
        y, x = np.mgrid[0:40, 0:64]
        surface = (200 * np.exp(-((x - 44) ** 2 + (y - 24) ** 2) / 60.0)
                   + 120 * np.exp(-((x - 16) ** 2 + (y - 12) ** 2) / 40.0) + 10)
        self.terrain = self.add(vizkit.Terrain(
            surface, extent=(0, 0, 6400, 4000), colormap="viridis", max_height=600,
            policy=Policy.off("synthetic test surface, not about people")))
        self.frame_all(azimuth=0, elevation=55, margin=0.9)
'''


def message(command: str, *args: object):
    builder = OscMessageBuilder(address=CUR)
    builder.add_arg(command, "s")
    for arg in args:
        builder.add_arg(arg, "i" if isinstance(arg, int) else "f")
    return builder.build()


def bundle(fseq: int, fingers: dict[int, tuple[float, float]], source: str = "spec") -> bytes:
    """TUIO 1.1 /tuio/2Dcur frame: source, alive, set s x y X Y m per cursor, fseq."""
    builder = OscBundleBuilder(IMMEDIATELY)
    builder.add_content(_source(source))
    builder.add_content(message("alive", *fingers))
    for sid, (x, y) in fingers.items():
        builder.add_content(message("set", sid, float(x), float(y), 0.0, 0.0, 0.0))
    builder.add_content(message("fseq", fseq))
    return builder.build().dgram


def _source(name: str):
    builder = OscMessageBuilder(address=CUR)
    builder.add_arg("source", "s")
    builder.add_arg(name, "s")
    return builder.build()


def pair(cx: float, cy: float, distance: float, degrees: float):
    """Two fingers ``distance`` short-side units apart around (cx, cy), at a screen angle
    counter-clockwise from the x axis (y grows downwards on the surface)."""
    a = math.radians(degrees)
    dx, dy = distance / 2 * math.cos(a) / ASPECT, distance / 2 * math.sin(a)
    return (cx - dx, cy + dy), (cx + dx, cy - dy)


class Sender:
    """Sends frames in wall time at 60 fps, numbering them (fseq) per source."""

    def __init__(self, port: int, source: str = "spec"):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.address = ("127.0.0.1", port)
        self.source = source
        self.fseq = 0

    def send(self, fingers: dict[int, tuple[float, float]], fseq: int | None = None) -> int:
        if fseq is None:
            self.fseq += 1
            fseq = self.fseq
        self.sock.sendto(bundle(fseq, fingers, self.source), self.address)
        time.sleep(1 / FPS)
        return fseq

    def wait(self, seconds: float) -> None:
        for _ in range(round(seconds * FPS)):
            self.send({})


@pytest.fixture(scope="module")
def hills(tmp_path_factory) -> Path:
    script = tmp_path_factory.mktemp("hills") / "hills.py"
    script.write_text(textwrap.dedent(SCENE), encoding="utf-8")
    return script


def initial_view(script: Path):
    """The scene as the run starts: its first frame and the pixel of a known cell."""
    scene = load_target(script).create()
    image = scene.snapshot(0.0, SIZE, samples=4)
    scene.advance(FrameState(0.0, 1 / 30, 0))
    terrain = scene.terrain
    row, col = 24, 44                      # the top of the big hill
    cx, cy = terrain.cell_size
    x, y = (col + 0.5) * cx, (row + 0.5) * cy
    z = float(terrain.heights_at([x], [y])[0])
    view, projection = scene.camera.view_matrix(), scene.camera.projection_matrix(ASPECT)
    px, py = project_to_pixels((x, y, z), view, projection, SIZE)
    scene.release()
    return image, (row, col), (px / SIZE[0], py / SIZE[1])


def terrain_share(image: Image, background=(0.05, 0.06, 0.08)) -> float:
    """Share of pixels that are not the scene's background colour."""
    bg = np.array(background) * 255
    return float((np.abs(image.rgb.astype(float) - bg).sum(axis=2) > 12).mean())


def test_the_cli_runs_a_scene_headless_that_tuio_bundles_drive(hills, tmp_path):
    before, cell, (tx, ty) = initial_view(hills)
    log, out = tmp_path / "events.jsonl", tmp_path / "last.png"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    run = subprocess.Popen(
        [sys.executable, "-m", "vizkit", "run", str(hills), "--headless", "--seconds", "6",
         "--size", f"{SIZE[0]}x{SIZE[1]}", "--tuio", "127.0.0.1:0", "--log-events", str(log),
         "--out", str(out)], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        line = run.stdout.readline()
        assert line.startswith("listening for TUIO 1.1 on 127.0.0.1:"), (line,
                                                                          run.stderr.read())
        sender = Sender(int(line.split(":")[1].split()[0]))
        sender.wait(0.1)
        # a tap on the big hill's top
        for _ in range(3):
            sender.send({1: (tx, ty)})
        sender.wait(0.3)
        # a pinch: 0.1 → 0.3 short sides apart, in 30 frames
        for i in range(30):
            a, b = pair(0.5, 0.5, 0.1 + 0.2 * i / 29, 0.0)
            sender.send({2: a, 3: b})
        sender.wait(0.2)
        # a rotation: 0 → 90° counter-clockwise, 0.3 apart
        for i in range(30):
            a, b = pair(0.5, 0.5, 0.3, 90.0 * i / 29)
            sender.send({4: a, 5: b})
        sender.wait(0.2)
        # a drag from x 0.3 to 0.6, with a late bundle (an older fseq) far away in the middle
        for i in range(20):
            fseq = sender.send({6: (0.3 + 0.3 * i / 19, 0.5)})
            if i == 10:
                sender.send({6: (0.9, 0.9)}, fseq=fseq - 2)
        sender.wait(0.2)
        # a finger whose later bundles are all lost: the sender falls silent
        for _ in range(3):
            sender.send({7: (0.2, 0.8)})
        stdout, stderr = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 0, stderr
    assert "0 errors" in stdout and "1 dropped" in stdout, stdout  # the late bundle
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert all(r["source"] == "tuio:spec" for r in records)

    def gesture(kind):
        return [r for r in records if r["kind"] == kind]

    def camera(intent):
        return [r for r in records if r["kind"] == "camera" and r["intent"] == intent]

    # the tap picked the cell under it: the terrain's top of the big hill (± one cell)
    (pick,) = gesture("pick")
    assert pick["layer"] == "Terrain" and pick["id"] == 1
    assert abs(pick["element"][0] - cell[0]) <= 1 and abs(pick["element"][1] - cell[1]) <= 1
    assert pick["value"] == pytest.approx(210, abs=15)
    # the pinch zoomed by the spread since it began: slop 0.03, reached in frame 5 once its
    # first finger moved (contacts move one event at a time: the spread is then half-way)
    spread = [0.1 + 0.2 * i / 29 for i in range(30)]
    begin = (spread[4] + spread[5]) / 2
    zoom = math.prod(r["zoom"] for r in camera("zoom"))
    assert zoom == pytest.approx(0.3 / begin, rel=5e-3)
    assert {r["ids"][0] for r in gesture("pinch")} == {2}
    # the rotation turned the azimuth by the angle since it began (slop 8°: at i = 3)
    turn = sum(r["azimuth"] for r in camera("turn"))
    assert turn == pytest.approx(90.0 - 90.0 * 3 / 29, abs=0.2)
    # the drag orbited 180° per short side from where it began (slop 0.02: at i = 1); the
    # late bundle was dropped: the finger never jumped to (0.9, 0.9), the tilt never changed
    orbit = camera("orbit")
    assert sum(r["azimuth"] for r in orbit) == pytest.approx(
        -(0.6 - (0.3 + 0.3 / 19)) * ASPECT * 180.0, abs=0.5)
    assert sum(abs(r["elevation"]) for r in orbit) == pytest.approx(0.0, abs=1e-6)
    assert not [r for r in records if r.get("x") == pytest.approx(0.9)]
    # the finger whose bundles were lost was cancelled after the 1.5 s time-out
    seven = [r for r in records if r.get("id") == 7 and r["kind"] in ("down", "cancel", "up")]
    assert [r["kind"] for r in seven] == ["down", "cancel"]
    assert seven[1]["t"] - seven[0]["t"] >= 1.5
    # the last frame is the zoomed-in view: the terrain fills more of it than at the start
    after = Image.load(out)
    assert after.size == SIZE
    assert terrain_share(after) > terrain_share(before) + 0.05
    assert np.abs(after.rgb.astype(float) - before.rgb.astype(float)).mean() > 5
