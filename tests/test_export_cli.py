"""`vizkit render` / `vizkit run` recording and dome options, run as a user runs them."""

from __future__ import annotations

import os
import shutil
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
    sky = vizkit.Sky.uniform((0.05, 0.06, 0.08))  # the default background, in every direction

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


def write_exhibit(folder: Path, scene: str, toml: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "exhibit.toml").write_text(f'scene = "{scene}"\n' + toml, encoding="utf-8")
    return folder


def test_render_uses_the_exhibit_size_unless_size_is_given(scene, tmp_path):
    exhibit = write_exhibit(tmp_path / "flat", scene, "size = [96, 64]\n")
    out = tmp_path / "flat.png"
    assert vizkit("render", str(exhibit), "--samples", "0", "--out", str(out)).returncode == 0
    assert Image.load(out).size == (96, 64)
    assert vizkit("render", str(exhibit), "--samples", "0", "--size", "64x48", "--out",
                  str(out)).returncode == 0
    assert Image.load(out).size == (64, 48)


def test_render_uses_the_exhibit_dome_settings(scene, tmp_path):
    """display = "dome": a domemaster of the [dome] size, aperture and tilt — the same frame
    the command-line flags give for the script."""
    exhibit = write_exhibit(tmp_path / "dome", scene, 'display = "dome"\n[dome]\nsize = 1024\n'
                                                      'aperture = 200\ntilt = 10\n')
    common = ("--no-hud", "--samples", "0", "--start", "0.5")
    from_exhibit, from_flags = tmp_path / "exhibit.png", tmp_path / "flags.png"
    first = vizkit("render", str(exhibit), *common, "--out", str(from_exhibit))
    assert first.returncode == 0, first.stderr
    second = vizkit("render", scene, "--dome", "1024", "--aperture", "200", "--tilt", "10",
                    *common, "--out", str(from_flags))
    assert second.returncode == 0, second.stderr
    image = Image.load(from_exhibit)
    assert image.size == (1024, 1024)
    assert np.array_equal(image.pixels, Image.load(from_flags).pixels)
    refused = vizkit("render", str(exhibit), "--size", "640x480", "--out", str(tmp_path / "x.png"))
    assert refused.returncode == 2 and refused.stderr.strip().count("\n") == 0
    assert "shows on a dome" in refused.stderr and "use --dome SIZE" in refused.stderr


def test_dome_flags_override_the_exhibit_one_by_one(tmp_path):
    from vizkit.cli import build_parser, dome_spec
    from vizkit.exhibit import ExhibitConfig
    from vizkit.fisheye import DomeError, DomeSpec

    folder = write_exhibit(tmp_path / "e", "scene.py", 'display = "dome"\n[dome]\nsize = 2048\n'
                                                       'aperture = 210\ntilt = 20\ngaze = 35\n')
    flat = write_exhibit(tmp_path / "f", "scene.py", '[dome]\naperture = 200\n')
    exhibit, flat_exhibit = ExhibitConfig.load(folder), ExhibitConfig.load(flat)

    def spec(exhibit, *flags, command="render"):
        out = ["--out", "x.png"] if command == "render" else []
        args = build_parser().parse_args([command, "x", *out, *flags])
        return dome_spec(args, exhibit, auto_size=command == "run")

    assert spec(exhibit) == DomeSpec(2048, 210, 20, 35)
    assert spec(exhibit, "--tilt", "5") == DomeSpec(2048, 210, 5, 35)
    assert spec(exhibit, "--dome", "4096", "--gaze", "0") == DomeSpec(4096, 210, 20, 0)
    assert spec(exhibit, "--dome", command="run") == DomeSpec(0, 210, 20, 35)   # window size
    assert spec(exhibit, command="run") == DomeSpec(2048, 210, 20, 35)  # [dome] size is used
    assert spec(flat_exhibit) is None                                 # not a dome exhibit ...
    assert spec(flat_exhibit, "--dome", "1024") == DomeSpec(1024, 200, 0, None)  # ... unless
    with pytest.raises(DomeError, match="--tilt needs --dome SIZE"):
        spec(flat_exhibit, "--tilt", "5")
    with pytest.raises(DomeError, match=r"--aperture 250: the aperture must be 180\.\.230"):
        spec(exhibit, "--aperture", "250")


@pytest.mark.parametrize("out,missing", [
    ("{tmp}/missing/dir/x.png", "{tmp}/missing/dir"),
    ("{tmp}/missing/x.mp4", "{tmp}/missing"),
    ("{tmp}/a/b/f_%02d.png", "{tmp}/a"),
])
def test_an_output_folder_that_does_not_exist_is_refused_and_named(scene, tmp_path, out,
                                                                    missing):
    out, missing = out.format(tmp=tmp_path), missing.format(tmp=tmp_path)
    frames = ["--frames", "2"] if "%" in out or out.endswith(".mp4") else []
    result = vizkit("render", scene, "--size", "64x48", *frames, "--out", out)
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert result.stderr.startswith(f"vizkit render: {out}: the folder {missing} does not exist")
    assert list(tmp_path.iterdir()) == []                       # nothing created


def test_a_frame_pattern_folder_is_created_inside_an_existing_one(scene, tmp_path):
    out = tmp_path / "frames" / "f_%02d.png"
    result = vizkit("render", scene, "--size", "64x48", "--samples", "0", "--frames", "2",
                    "-q", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "frames").iterdir()) == ["f_00.png", "f_01.png"]


def test_a_read_only_output_folder_is_one_clear_line(scene, tmp_path):
    """A real read-only folder. As root permissions do not apply, so the command runs as
    'nobody' then (the scene and the folder live in a world-readable place)."""
    import tempfile

    place = Path(tempfile.mkdtemp(prefix="vizkit-ro-"))
    try:
        place.chmod(0o755)
        script = place / "hills.py"
        script.write_text(Path(scene).read_text(encoding="utf-8"), encoding="utf-8")
        script.chmod(0o644)
        locked = place / "locked"
        locked.mkdir(mode=0o555)
        locked.chmod(0o555)
        command = [str(INSTALLED) if INSTALLED.exists() else sys.executable, *(
            [] if INSTALLED.exists() else ["-m", "vizkit"])]
        if os.geteuid() == 0:
            if shutil.which("setpriv") is None:
                pytest.fail("running as root needs setpriv (util-linux) to drop privileges")
            command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
        env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
        env.update(HOME=str(place), PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1")
        for out in (locked / "x.png", locked / "f_%02d.png", locked / "x.mp4"):
            result = subprocess.run([*command, "render", str(script), "--size", "64x48",
                                     "--frames", "1" if out.suffix == ".png" and "%" not in
                                     str(out) else "2", "--out", str(out)],
                                    cwd=place, env=env, capture_output=True, text=True,
                                    timeout=120)
            assert result.returncode == 1, result.stderr
            assert result.stderr.strip() == (f"vizkit render: {out}: cannot write into "
                                              f"{locked} (permission denied)")
            assert list(locked.iterdir()) == []
    finally:
        shutil.rmtree(place, ignore_errors=True)


FULL = Path("/dev/full")   # every write fails with ENOSPC: a real full disk, for one file


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}


def errors_of(stderr: str) -> str:
    """stderr without the expected Policy.off log lines of the synthetic test scene."""
    return "\n".join(line for line in stderr.splitlines() if not line.startswith(
        ("disclosure protection switched off", "showing raw values"))).strip()


@pytest.mark.skipif(not FULL.exists(), reason="needs /dev/full (Linux) to fill a disk")
def test_a_full_disk_while_encoding_is_one_clear_line_and_leaves_no_partial_file(scene,
                                                                                 tmp_path):
    """The real ffmpeg writes into a real ENOSPC: the video's temporary file is /dev/full."""
    out = tmp_path / "show.mp4"
    (tmp_path / ".show.partial.mp4").symlink_to(FULL)
    result = vizkit("render", scene, "--size", "64x48", "--samples", "0", "--frames", "4",
                    "-q", "--out", str(out))
    assert result.returncode == 1
    errors = errors_of(result.stderr)
    assert "Traceback" not in errors and errors.count("\n") == 0, errors
    assert errors == (f"vizkit render: {out}: cannot write: the disk is full (no space left "
                      f"on device)")
    assert list(tmp_path.iterdir()) == []                    # no video, no partial file


@pytest.mark.skipif(not FULL.exists(), reason="needs /dev/full (Linux) to fill a disk")
def test_a_full_disk_in_a_png_sequence_keeps_the_written_frames_and_resumes(scene, tmp_path):
    """Frame 2's temporary file is /dev/full: one line naming it, the other frames stay."""
    pattern = tmp_path / "f_%02d.png"
    (tmp_path / ".f_02.partial.png").symlink_to(FULL)
    result = vizkit("render", scene, "--size", "64x48", "--samples", "0", "--frames", "4",
                    "-q", "--out", str(pattern))
    assert result.returncode == 1
    errors = errors_of(result.stderr)
    assert "Traceback" not in errors and errors.count("\n") == 0, errors
    written = sorted(p.name for p in tmp_path.iterdir())
    assert "f_02.png" not in written and set(written) <= {"f_00.png", "f_01.png", "f_03.png"}
    assert {"f_00.png", "f_01.png"} <= set(written)          # frames before it were written
    assert errors == (f"vizkit render: {tmp_path / 'f_02.png'}: cannot write: the disk is full "
                      f"(no space left on device) ({len(written)} of 4 frames are written; a "
                      f"rerun resumes)")
    rerun = vizkit("render", scene, "--size", "64x48", "--samples", "0", "--frames", "4",
                   "-q", "--out", str(pattern))
    assert rerun.returncode == 0, rerun.stderr
    assert f"resuming: {len(written)} of 4 frames already exist" in rerun.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"f_0{i}.png" for i in range(4)]


DYING_ENCODER = """#!/bin/sh
# a stand-in for ffmpeg that starts writing the video, reads a little input and crashes
for last; do :; done
printf 'half a video' > "$last"
head -c 5000 > /dev/null
echo "[libx264 @ 0x55d0] fake encoder crashed" >&2
exit 134
"""


def test_an_encoder_that_dies_is_one_clear_line_and_leaves_no_partial_file(scene, tmp_path):
    encoder = tmp_path.parent / f"{tmp_path.name}-ffmpeg.sh"
    encoder.write_text(DYING_ENCODER, encoding="utf-8")
    encoder.chmod(0o755)
    out = tmp_path / "show.mp4"
    env = clean_env()
    env["IMAGEIO_FFMPEG_EXE"] = str(encoder)
    command = [str(INSTALLED)] if INSTALLED.exists() else [sys.executable, "-m", "vizkit"]
    result = subprocess.run([*command, "render", scene, "--size", "64x48", "--samples", "0",
                             "--frames", "30", "-q", "--out", str(out)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    errors = errors_of(result.stderr)
    assert errors == (f"vizkit render: {out}: cannot write: the video encoder (ffmpeg) stopped "
                      f"with exit status 134: fake encoder crashed")
    assert list(tmp_path.iterdir()) == []


UNGUARDED_SCRIPT = """
import vizkit.sinks
from vizkit.export import RenderJob, render_to_files

vizkit.sinks.PROCESS_PIXELS = 0          # PNG worker processes even for these small frames
print("workers", vizkit.sinks.png_processes(4, (64, 48)))
report = render_to_files({scene!r}, {out!r}, RenderJob(size=(64, 48), frames=4, samples=0),
                         progress=False)
print("rendered", report.rendered)
"""


def test_a_script_without_a_main_guard_can_write_a_sequence_with_png_workers(scene, tmp_path):
    """The PNG workers are plain subprocesses: they never re-run the caller's script."""
    script = tmp_path / "render_show.py"
    out = tmp_path / "f_%02d.png"
    script.write_text(UNGUARDED_SCRIPT.format(scene=scene, out=str(out)), encoding="utf-8")
    env = clean_env()
    env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("workers ") and int(lines[0].split()[1]) >= 1
    assert lines[1:] == ["rendered 4"]                     # the script ran once
    assert sorted(p.name for p in tmp_path.glob("f_*.png")) == [f"f_0{i}.png" for i in range(4)]
