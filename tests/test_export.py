"""Recording: MP4 through imageio-ffmpeg, frame-exact PNG sequences that resume, --no-hud, dome
frames — through :func:`vizkit.export.render_to_files`, in this process, in the session's GL
context (a second EGL context created and released in-process would leave it not current)."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

import imageio.v2 as imageio
import numpy as np
import pytest

import vizkit
from vizkit.export import (
    FrameSource,
    OutputError,
    RenderJob,
    check_output,
    render_to_files,
    split_ranges,
)
from vizkit.fisheye import DomeSpec
from vizkit.image import Image
from vizkit.script import load_target

SCENE = '''
"""Test scene: a bump that turns with time, and a HUD caption bar (white, bottom centre)."""
import numpy as np
import vizkit
from vizkit.privacy import Policy

VERT = """
#version 330 core
void main() {
    vec2 corners[6] = vec2[](vec2(-0.8, -1.0), vec2(0.8, -1.0), vec2(0.8, -0.6),
                             vec2(-0.8, -1.0), vec2(0.8, -0.6), vec2(-0.8, -0.6));
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
        self.vao.render(vertices=6)


class Turning(vizkit.Scene):
    background = (0.1, 0.1, 0.2)

    def setup(self, assets):
        y, x = np.mgrid[0:24, 0:36]
        self.add(vizkit.Terrain(np.exp(-((x - 24) ** 2 + (y - 10) ** 2) / 30.0),
                                extent=(0, 0, 360, 240), colormap="magma",
                                policy=Policy.off("synthetic test surface, not about people")))
        self.add(Caption())
        self.frame_all(elevation=30)

    def update(self, frame):
        self.orbit.azimuth = 40.0 * frame.t
'''

SMALL = (96, 64)


@pytest.fixture(scope="module")
def scene_script(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("scenes") / "turning.py"
    path.write_text(textwrap.dedent(SCENE), encoding="utf-8")
    return path


def job(**kwargs) -> RenderJob:
    return RenderJob(**{"size": SMALL, "samples": 0, "fps": 10.0, **kwargs})


def test_mp4_decodes_to_n_frames_of_the_right_size(scene_script, tmp_path, gpu):
    out = tmp_path / "show.mp4"
    report = render_to_files(scene_script, out, job(frames=12, fps=24.0), progress=False, gpu=gpu)
    assert report.paths == [out] and report.rendered == 12
    reader = imageio.get_reader(out, format="FFMPEG")
    try:
        frames = [np.asarray(f) for f in reader]
        meta = reader.get_meta_data()
    finally:
        reader.close()
    assert len(frames) == 12
    assert all(f.shape == (SMALL[1], SMALL[0], 3) for f in frames)
    assert meta["fps"] == pytest.approx(24.0)
    assert "h264" in meta["codec"]
    # frame 7 is the picture at t = 7 / 24 s (H.264 is lossy: compare loosely)
    with FrameSource(load_target(scene_script), job(fps=24.0), gpu) as source:
        exact = source.render(7).rgb.astype(int)
    assert np.abs(frames[7].astype(int) - exact).mean() < 4
    assert not list(tmp_path.glob(".*partial*"))


def test_sequence_frames_are_at_start_plus_i_over_fps(scene_script, tmp_path, gpu):
    render_to_files(scene_script, tmp_path / "f_%03d.png", job(frames=3, fps=4.0, start=0.5),
                    progress=False, gpu=gpu)
    render_to_files(scene_script, tmp_path / "alone.png", job(start=1.0), progress=False, gpu=gpu)
    assert job(fps=4.0, start=0.5).time_of(2) == 1.0
    assert np.array_equal(Image.load(tmp_path / "f_002.png").pixels,
                          Image.load(tmp_path / "alone.png").pixels)
    assert not np.array_equal(Image.load(tmp_path / "f_000.png").pixels,
                              Image.load(tmp_path / "f_002.png").pixels)


def test_png_sequence_resumes_where_it_stopped(scene_script, tmp_path, gpu):
    pattern = tmp_path / "seq" / "f_%04d.png"
    first = render_to_files(scene_script, pattern, job(frames=6), progress=False, gpu=gpu)
    assert first.rendered == 6 and first.skipped == 0
    originals = {p.name: Image.load(p).pixels for p in first.paths}
    kept = {p.name: p.stat().st_mtime_ns for p in first.paths}
    for lost in ("f_0002.png", "f_0005.png"):     # an interrupted run never wrote these
        (tmp_path / "seq" / lost).unlink()
    log = io.StringIO()
    second = render_to_files(scene_script, pattern, job(frames=6), progress=False, gpu=gpu, log=log)
    assert (second.skipped, second.rendered) == (4, 2)
    assert "resuming: 4 of 6 frames already exist" in log.getvalue()
    for path in second.paths:
        assert np.array_equal(Image.load(path).pixels, originals[path.name])
        if path.name not in ("f_0002.png", "f_0005.png"):
            assert path.stat().st_mtime_ns == kept[path.name]   # skipped, not re-rendered
    log = io.StringIO()
    third = render_to_files(scene_script, pattern, job(frames=6), progress=False, gpu=gpu, log=log)
    assert (third.skipped, third.rendered) == (6, 0) and "nothing to render" in log.getvalue()
    again = render_to_files(scene_script, pattern, job(frames=6), progress=False, gpu=gpu,
                            overwrite=True)
    assert again.rendered == 6
    assert not list((tmp_path / "seq").glob(".*"))        # no partial files left behind


def test_no_hud_leaves_hud_layers_out(scene_script, tmp_path, gpu):
    with_hud = render_to_files(scene_script, tmp_path / "hud.png", job(), progress=False, gpu=gpu)
    without = render_to_files(scene_script, tmp_path / "nohud.png", job(hud=False),
                              progress=False, gpu=gpu)
    bar = (slice(SMALL[1] - 5, SMALL[1]), slice(SMALL[0] // 2 - 5, SMALL[0] // 2 + 5))
    shown = Image.load(with_hud.paths[0]).rgb[bar]
    hidden = Image.load(without.paths[0]).rgb[bar]
    assert (shown == 255).all()
    assert (hidden < 250).any()


def test_dome_recordings_warn_when_the_tour_turns_too_fast(scene_script, tmp_path, gpu):
    log = io.StringIO()
    report = render_to_files(scene_script, tmp_path / "d_%02d.png",
                             job(frames=2, dome=DomeSpec(64)), progress=False, gpu=gpu, log=log)
    # the test scene orbits at 40°/s seen from 30° up: the view turns at ~35°/s
    assert "warning: the camera turns at 35°/s" in log.getvalue()
    assert any("keep dome tours under 10°/s" in note for note in report.notes)


def test_dome_jobs_write_square_domemasters(scene_script, tmp_path, gpu):
    report = render_to_files(scene_script, tmp_path / "dome.png",
                             job(dome=DomeSpec(128, 200.0, 10.0)), progress=False, gpu=gpu)
    image = Image.load(report.paths[0])
    assert image.size == (128, 128)
    assert (image.rgb[0, 0] == 0).all() and (image.rgb[-1, -1] == 0).all()   # outside: black
    # the dome's axis sees the scene's default sky above the horizon: every channel between
    # the sky's zenith and horizon colours
    sky = vizkit.Sky.from_background((0.1, 0.1, 0.2))
    centre = image.rgb[64, 64].astype(int)
    low = np.minimum(sky.zenith, sky.horizon) * 255 - 2
    high = np.maximum(sky.zenith, sky.horizon) * 255 + 2
    assert ((low <= centre) & (centre <= high)).all(), (centre, low, high)
    assert image.rgb.std() > 10


@pytest.mark.parametrize("out,kwargs,message", [
    ("x.mp4", {"size": (95, 64)}, "even width and height"),
    ("x_%04d.mp4", {}, "drop the %-pattern"),
    ("x.jpg", {}, "not .jpg"),
    ("x.png", {"frames": 3}, "need a numbered pattern"),
    ("x_%d_%d.png", {"frames": 2}, "one integer field"),
    ("x_%%.png", {"frames": 2}, "one integer field"),
])
def test_bad_outputs_are_refused_before_rendering(out, kwargs, message):
    with pytest.raises(OutputError, match=message):
        check_output(out, job(**kwargs))


def test_frame_ranges_are_contiguous_and_balanced():
    assert split_ranges(range(10), 3) == [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]
    assert split_ranges([1, 5, 6], 8) == [[1], [5], [6]]
    assert split_ranges([], 2) == []
