"""Every `vizkit` command, run as a subprocess the way a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from vizkit.image import Image

ROOT = Path(__file__).resolve().parent.parent


INSTALLED = Path(sys.executable).with_name("vizkit")


def vizkit(*args: str, cwd: Path | None = None, timeout: float = 120
           ) -> subprocess.CompletedProcess:
    """Run the installed ``vizkit`` console script (the checkout's source when not installed)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    if INSTALLED.exists():
        command = [str(INSTALLED)]
    else:
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        command = [sys.executable, "-m", "vizkit"]
    return subprocess.run([*command, *args], cwd=cwd or ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("command", ["render", "run", "demo", "new", "check"])
def test_every_command_explains_itself(command):
    result = vizkit(command, "--help")
    assert result.returncode == 0
    assert f"usage: vizkit {command}" in result.stdout
    assert len(result.stdout.splitlines()) > 4


def test_render_one_png(tmp_path):
    out = tmp_path / "one.png"
    result = vizkit("render", "scenes/heightfield.py", "--out", str(out), "--size", "160x90")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(out)
    image = Image.load(out)
    assert image.size == (160, 90)
    assert image.rgb.std() > 10          # not a blank frame


def test_render_sequence_is_frame_exact_and_numbered(tmp_path):
    pattern = tmp_path / "seq" / "f_%04d.png"
    result = vizkit("render", "scenes/heightfield.py", "--out", str(pattern), "--frames", "3",
                    "--fps", "2", "--start", "1.0", "--size", "96x54", "--samples", "0")
    assert result.returncode == 0, result.stderr
    files = sorted((tmp_path / "seq").glob("f_*.png"))
    assert [f.name for f in files] == ["f_0000.png", "f_0001.png", "f_0002.png"]
    # frame 1 of a 2 fps sequence starting at 1.0 s is t = 1.5 s: render that time alone
    single = tmp_path / "t1_5.png"
    assert vizkit("render", "scenes/heightfield.py", "--out", str(single), "--start", "1.5",
                  "--size", "96x54", "--samples", "0").returncode == 0
    assert np.array_equal(Image.load(files[1]).pixels, Image.load(single).pixels)
    assert not np.array_equal(Image.load(files[0]).pixels, Image.load(files[2]).pixels)


def test_several_frames_without_a_pattern_is_one_clear_line(tmp_path):
    result = vizkit("render", "scenes/heightfield.py", "--out", str(tmp_path / "x.png"),
                    "--frames", "3")
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "need a numbered pattern" in result.stderr and "x_%04d.png" in result.stderr


def test_bad_size_is_rejected_by_the_parser():
    result = vizkit("render", "scenes/heightfield.py", "--out", "x.png", "--size", "big")
    assert result.returncode == 2
    assert "size must look like 1280x720, got 'big'" in result.stderr


def test_run_without_a_display_says_so_in_one_line():
    result = vizkit("run", "scenes/heightfield.py")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "no display found" in result.stderr and "vizkit render" in result.stderr


def test_demo_renders_headless_and_prints_the_path(tmp_path):
    out = tmp_path / "demo.png"
    result = vizkit("demo", "--out", str(out), "--size", "320x180")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == str(out.resolve())
    image = Image.load(out)
    assert image.size == (320, 180) and image.rgb.std() > 10


def test_new_scaffolds_a_scene_that_renders_at_once(tmp_path):
    result = vizkit("new", "harbour_tour", "--dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    script = tmp_path / "harbour_tour.py"
    assert "class HarbourTourScene(vizkit.Scene)" in script.read_text()
    out = tmp_path / "new.png"
    rendered = vizkit("render", str(script), "--out", str(out), "--size", "128x72")
    assert rendered.returncode == 0, rendered.stderr
    assert Image.load(out).rgb.std() > 10
    again = vizkit("new", "harbour_tour", "--dir", str(tmp_path))
    assert again.returncode == 1 and "already exists" in again.stderr
    bad = vizkit("new", "class", "--dir", str(tmp_path))
    assert bad.returncode == 2 and "not a valid scene name" in bad.stderr


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_a_syntax_error_is_reported_as_file_line(tmp_path):
    script = write(tmp_path / "broken.py", "import vizkit\n\nclass S(vizkit.Scene)\n    pass\n")
    result = vizkit("render", str(script), "--out", str(tmp_path / "x.png"))
    assert result.returncode == 1
    assert f"{script}:3: SyntaxError:" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_exception_in_setup_points_at_the_script_line(tmp_path):
    script = write(tmp_path / "bad_extent.py", (
        "import numpy as np\nimport vizkit\n\n\nclass S(vizkit.Scene):\n"
        "    def setup(self, assets):\n"
        "        self.add(vizkit.Terrain(np.zeros((4, 4)), extent=(0, 0, -5, 5)))\n"))
    result = vizkit("render", str(script), "--out", str(tmp_path / "x.png"))
    assert result.returncode == 1
    assert f"{script}:7: ValueError: Terrain: extent must be" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_script_without_a_scene_and_a_missing_script(tmp_path):
    script = write(tmp_path / "empty.py", "x = 1\n")
    result = vizkit("render", str(script), "--out", str(tmp_path / "x.png"))
    assert result.returncode == 1 and "no vizkit.Scene subclass" in result.stderr
    missing = vizkit("render", str(tmp_path / "nope.py"), "--out", str(tmp_path / "x.png"))
    assert missing.returncode == 1 and "no such scene script" in missing.stderr


def test_an_exhibit_folder_renders_its_scene(tmp_path):
    exhibit = tmp_path / "exhibit"
    exhibit.mkdir()
    write(exhibit / "exhibit.toml", 'scene = "scene.py"\ndisplay = "window"\n')
    write(exhibit / "scene.py", (ROOT / "scenes" / "heightfield.py").read_text())
    out = tmp_path / "exhibit.png"
    result = vizkit("render", str(exhibit), "--out", str(out), "--size", "96x54")
    assert result.returncode == 0, result.stderr
    assert Image.load(out).size == (96, 54)
    write(exhibit / "exhibit.toml", 'display = "window"\n')
    result = vizkit("render", str(exhibit), "--out", str(out))
    assert result.returncode == 1 and "field 'scene'" in result.stderr


def test_check_reports_quality_as_text_and_json(tmp_path):
    import json

    text = vizkit("check", "assets/uppsala_population.json")
    assert text.returncode == 0, text.stderr
    assert "rows             54" in text.stdout and "CC0-1.0" in text.stdout
    as_json = vizkit("check", "assets/uppsala_commuting_od.csv", "--json", "--min-count", "5")
    assert as_json.returncode == 0, as_json.stderr
    report = json.loads(as_json.stdout)
    assert report["rows"] == 106
    assert report["disclosure"]["rules"]["threshold"]["cells"] == 19


def test_check_refuses_an_unreadable_file_in_one_line(tmp_path):
    bad = write(tmp_path / "bad.json", '{"version": "2.0", "class": "dataset", "id": ["a"], '
                '"size": [3], "dimension": {"a": {"category": {"index": ["x", "y"]}}}, '
                '"value": [1, 2, 3]}')
    result = vizkit("check", str(bad))
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0
    assert "field 'size[0]'" in result.stderr and str(bad) in result.stderr
