"""Examples are tests: every script in scenes/ declares how it is tested, and is rendered.

``# vizkit-test: compare`` renders the scene at its ``test_t`` (default 1 s) and compares the
frame with ``tests/reference/scenes/<name>.png``; ``run`` only renders it and checks it is not
blank; ``off`` must say why on the same line.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from vizkit.clock import FrameState
from vizkit.script import load_target
from vizkit.testing import lit_fraction

ROOT = Path(__file__).resolve().parent.parent
SCENES = sorted((ROOT / "scenes").glob("*.py"))
MODE = re.compile(r"^# vizkit-test: (compare|run|off)\b(.*)$", re.MULTILINE)


def test_there_are_scenes_and_each_declares_its_test_mode():
    assert SCENES, "scenes/ has no scripts"
    for script in SCENES:
        match = MODE.search(script.read_text(encoding="utf-8"))
        assert match, f"{script.name}: add a '# vizkit-test: compare|run|off' line"
        if match.group(1) == "off":
            assert match.group(2).strip(), f"{script.name}: say why the scene is not tested"


@pytest.mark.parametrize("script", SCENES, ids=[s.stem for s in SCENES])
def test_scene_renders(script, offscreen, reference):
    mode = MODE.search(script.read_text(encoding="utf-8"))
    if mode is None or mode.group(1) == "off":
        pytest.skip(f"{script.name} is not rendered by the suite (see its vizkit-test line)")
    target = load_target(script)
    scene = target.create()
    t = float(getattr(scene, "test_t", 1.0))
    image = offscreen.render(scene, FrameState(t, 1 / scene.fps, round(t * scene.fps)))
    scene.release()
    assert lit_fraction(image, scene.background) > 0.05, f"{script.name} renders a blank frame"
    if mode.group(1) == "compare":
        reference(image, f"scenes/{script.stem}")
