"""``vizkit.run(SceneClass)``: what ``python my_scene.py`` does.

With a display it opens a window; without one it renders a single frame headless and prints the
file's path, so a scene script is always runnable.
"""

from __future__ import annotations

import sys
from pathlib import Path


def run(scene_cls: type, *, size: tuple[int, int] = (1280, 720), fullscreen: bool = False,
        headless_out: str | Path | None = None) -> int:
    """Run a scene class interactively, or render it headless when there is no display."""
    from vizkit.assets import Assets
    from vizkit.gpu.context import display_available  # at call time: `vizkit.run` loads no GL

    script = sys.modules[scene_cls.__module__].__dict__.get("__file__")
    scene = scene_cls(Assets.for_script(script))
    if display_available() and headless_out is None:
        from vizkit.targets.window import run_window

        return run_window(scene, size=size, fullscreen=fullscreen)

    out = Path(headless_out or f"{Path(script or 'scene').stem}.png")
    image = scene.snapshot(0.0, size)
    image.save(out)
    scene.release()
    print(out)
    return 0
