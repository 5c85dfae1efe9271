"""`vizkit demo` from an installed wheel, run outside the repository, shows the flagship exhibit.

The wheel is built from a copy of the project (so the checkout gets no build/ or egg-info) and
installed without dependencies into a fresh venv whose only other path is the test venv's
site-packages (a plain path line: its editable-install hook is not loaded). The demo runs from an
empty temporary folder, so nothing in the repository can be found by accident.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import numpy as np
import pytest

from vizkit.image import Image

ROOT = Path(__file__).resolve().parent.parent
LEFT_OUT = shutil.ignore_patterns(".venv", ".git", "tests", "benchmarks", "docs", "__pycache__",
                                  "build", "dist", "*.egg-info", ".pytest_cache", ".ruff_cache",
                                  "out", ".hypothesis")


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, **kwargs)
    assert result.returncode == 0, f"{command}: {result.stderr[-2000:]}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A venv with vizkit installed from a wheel: returns its bin folder."""
    tmp = tmp_path_factory.mktemp("installed")
    source = tmp / "source"
    shutil.copytree(ROOT, source, symlinks=True, ignore=LEFT_OUT)
    run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w",
         str(tmp / "wheels")])
    wheel = next((tmp / "wheels").glob("vizkit-*.whl"))
    venv = tmp / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    site = Path(run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]
                    ).stdout.strip())
    # the dependencies: this venv's site-packages, as a plain path (its .pth hooks stay off)
    (site / "test_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    # --ignore-installed: when the test venv holds a (non-editable) vizkit, pip would see it
    # through that path line and call the wheel "already satisfied"
    run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
         "--no-index", "--ignore-installed", "-q", str(wheel)])
    return venv / "bin"


def clean_env() -> dict[str, str]:
    drop = ("DISPLAY", "WAYLAND_DISPLAY", "PYTHONPATH", "VIRTUAL_ENV")
    return {k: v for k, v in os.environ.items() if k not in drop}


def test_the_installed_demo_renders_the_packaged_flagship_exhibit(installed, tmp_path, gpu):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = run([str(installed / "python"), "-c",
                 "import vizkit, vizkit.demo as d; print(vizkit.__file__); "
                 "print(d.exhibit_folder())"], cwd=elsewhere, env=clean_env()).stdout.split()
    package, exhibit = Path(where[0]), Path(where[1])
    assert installed.parent in package.parents and installed.parent in exhibit.parents
    assert ROOT not in package.parents and exhibit.name == "uppsala"

    result = run([str(installed / "vizkit"), "demo", "--size", "320x180"], cwd=elsewhere,
                 env=clean_env())
    out = elsewhere / "out" / "demo.png"                      # the default, folder created
    statement, path = result.stdout.strip().splitlines()
    assert Path(path) == out.resolve()
    assert statement == ("no display: rendered the uppsala exhibit (Uppsala län — where "
                         "people live and how they commute; scene flagship.py, privacy "
                         "threshold 5) at t=5s as a 320x180 frame to")

    # the same picture as the checkout's flagship exhibit at that moment, pixel for pixel
    from vizkit.recording import FrameSource, RenderJob
    from vizkit.script import load_target

    target = load_target(ROOT / "exhibits" / "uppsala")
    with FrameSource(target, RenderJob(size=(320, 180), start=5.0), gpu) as frames:
        expected = frames.render(0).pixels
    assert np.array_equal(Image.load(out).pixels, expected)


def test_the_installed_demo_refuses_a_missing_output_folder(installed, tmp_path):
    result = subprocess.run([str(installed / "vizkit"), "demo", "--out",
                             str(tmp_path / "no" / "such" / "demo.png")], cwd=tmp_path,
                            env=clean_env(), capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert result.stderr.strip() == (f"vizkit demo: {tmp_path / 'no' / 'such' / 'demo.png'}: "
                                     f"the folder {tmp_path / 'no'} does not exist (vizkit "
                                     f"creates only the output's own folder, such/, inside an "
                                     f"existing folder)")
    assert not (tmp_path / "no").exists()
