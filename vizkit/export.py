"""Headless rendering of scenes to files: one PNG, or a numbered PNG sequence.

Frame ``i`` is rendered at ``t = start + i / fps`` whatever the render speed (the scene never sees
wall time), so a sequence is frame-exact and reproducible.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from vizkit.clock import Clock
from vizkit.script import LoadedTarget, script_errors
from vizkit.targets.offscreen import OffscreenRenderer


class OutputError(ValueError):
    """The output path cannot hold what was asked for."""


@dataclass(frozen=True)
class RenderJob:
    """What to render: frame count, rate, start time, size, anti-aliasing."""

    size: tuple[int, int] = (1280, 720)
    frames: int = 1
    fps: float = 30.0
    start: float = 0.0
    samples: int = 4


def frame_paths(out: str | Path, frames: int) -> list[Path]:
    """Output file per frame: ``out`` itself for one frame, ``out % i`` for a sequence."""
    text = str(out)
    if frames < 1:
        raise OutputError(f"--frames must be at least 1, got {frames}")
    if "%" in text:
        try:
            return [Path(text % i) for i in range(frames)]
        except (TypeError, ValueError):
            raise OutputError(f"{text}: the frame pattern must hold one integer field such "
                              f"as %04d") from None
    if frames > 1:
        stem = Path(text)
        raise OutputError(f"{text}: {frames} frames need a numbered pattern, e.g. "
                          f"{stem.with_name(stem.stem + '_%04d' + stem.suffix)}")
    return [Path(text)]


def render_to_files(target: LoadedTarget, out: str | Path, job: RenderJob, *,
                    progress: bool = True) -> list[Path]:
    """Render ``job.frames`` frames of the target's scene to PNG files; return their paths."""
    paths = frame_paths(out, job.frames)
    if any(p.suffix.lower() != ".png" for p in paths):
        raise OutputError(f"{out}: only .png output is supported here")
    scene = target.create()
    renderer = OffscreenRenderer(job.size, samples=job.samples)
    clock = Clock(job.fps, job.start)
    try:
        bar = tqdm(total=len(paths), unit="frame", file=sys.stderr,
                   disable=not progress or len(paths) == 1, desc="rendering")
        for index, path in enumerate(paths):
            with script_errors(target.script):
                image = renderer.render(scene, clock.frame(index))
            image.save(path)
            bar.update(1)
        bar.close()
    finally:
        scene.release()
        renderer.release()
    return paths
