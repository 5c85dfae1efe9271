"""Quality presets from the command line and exhibit.toml to the renderer that draws."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from vizkit.cli.common import quality_of
from vizkit.exhibit import ExhibitConfig, ExhibitError
from vizkit.recording import FrameSource, RenderJob
from vizkit.script import load_target

ROOT = Path(__file__).resolve().parent.parent
SCENE = ROOT / "scenes" / "heightfield.py"


def exhibit(tmp_path: Path, extra: str, name: str = "show") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "exhibit.toml").write_text(textwrap.dedent(f"""
        scene = "{SCENE.as_posix()}"
        {extra}
    """), encoding="utf-8")
    return folder


def test_exhibit_quality_is_checked_and_kept(tmp_path):
    assert ExhibitConfig.load(exhibit(tmp_path, 'quality = "kiosk"')).quality == "kiosk"
    with pytest.raises(ExhibitError, match=r"exhibit\.toml: field 'quality' = 'fancy': "
                                           r"expected one of \('kiosk', 'laptop', 'draft'\)"):
        ExhibitConfig.load(exhibit(tmp_path, 'quality = "fancy"', "fancy"))
    with pytest.raises(ExhibitError, match="did you mean 'quality'"):
        ExhibitConfig.load(exhibit(tmp_path, 'qualty = "draft"', "typo"))


def test_the_flag_wins_over_the_exhibit_over_the_default(tmp_path):
    kiosk = ExhibitConfig.load(exhibit(tmp_path, 'quality = "kiosk"'))
    plain = ExhibitConfig.load(exhibit(tmp_path, "", "plain"))
    assert quality_of(argparse.Namespace(quality="draft"), kiosk) == "draft"
    assert quality_of(argparse.Namespace(quality=None), kiosk) == "kiosk"
    assert quality_of(argparse.Namespace(quality=None), plain) == "laptop"
    assert quality_of(argparse.Namespace(quality=None), None) == "laptop"


@pytest.mark.parametrize("quality,samples,precision", [("draft", 0, "f2"), ("kiosk", None, "f4")])
def test_a_render_job_draws_at_its_quality(gpu, quality, samples, precision):
    job = RenderJob(size=(64, 36), quality=quality)
    with FrameSource(load_target(SCENE), job, gpu) as frames:
        frames.render(0)
        renderer = frames.renderer.renderer
        assert renderer.quality.name == quality and renderer.quality.precision == precision
        target = renderer.scene_target((64, 36))
        assert target.samples == (samples if samples is not None
                                  else min(8, gpu.max_samples))
    with FrameSource(load_target(SCENE), RenderJob(size=(64, 36), quality=quality, samples=2),
                     gpu) as frames:
        assert frames.renderer.renderer.samples == 2      # --samples overrides the preset


def vizkit(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", "vizkit", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_command_line_takes_a_preset_and_refuses_others(tmp_path):
    out = tmp_path / "draft.png"
    done = vizkit("render", str(SCENE), "--quality", "draft", "--size", "96x54", "--out",
                  str(out))
    assert done.returncode == 0, done.stderr
    assert out.is_file()
    bad = vizkit("render", str(SCENE), "--quality", "fancy", "--out", str(out))
    assert bad.returncode == 2
    assert "--quality: invalid choice: 'fancy'" in bad.stderr
    assert "kiosk" in vizkit("render", "--help").stdout
