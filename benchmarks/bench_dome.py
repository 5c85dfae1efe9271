"""Dome workload.

* ``dome-4096``: one 4096² domemaster frame of the flagship scene (five cube faces, side faces
  cut at the aperture, fisheye resample) against the same scene drawn flat at 4096×4096 in the
  same process; target ratio ≤ 2.

Frames follow harness.py's protocol (update + draw + glFinish; read-back excluded). ``--quick``
shrinks it to a 256² dome (``harness.sized``); the workload name stays. Recording (MP4 and PNG
export of 1080p and 4096² dome frames) is measured in ``bench_video.py``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable

from benchmarks.harness import FRAMES, WARMUP, Row, row, sized, time_frames, workload
from vizkit.clock import Clock
from vizkit.demo import exhibit_folder
from vizkit.gpu import GpuContext
from vizkit.script import load_target
from vizkit.targets.dome import DomeRenderer
from vizkit.targets.offscreen import OffscreenRenderer

DOME_FRAMES = int(os.environ.get("DOME_FRAMES", str(min(FRAMES, 8))))
DOME_WARMUP = min(WARMUP, 2)
DOME_SIZE = sized(4096, 256)


def flagship():
    """The flagship scene, as `vizkit demo` loads it (its exhibit folder)."""
    return load_target(exhibit_folder())


@workload("dome-4096")
def dome_4096() -> Iterable[Row]:
    """4096² domemaster frame of the flagship scene vs the same scene flat at 4096×4096."""
    target = flagship()
    side = DOME_SIZE
    gpu = GpuContext.offscreen()
    clock = Clock(30.0)
    scene = target.create()
    try:
        flat = OffscreenRenderer((side, side), samples=4, gpu=gpu)
        t0 = time.perf_counter()
        flat.draw(scene, clock.frame(0))
        gpu.ctx.finish()
        flat_setup = time.perf_counter() - t0
        flat_times = time_frames(lambda i: flat.draw(scene, clock.frame(i)), gpu.ctx.finish,
                                 frames=DOME_FRAMES, warmup=DOME_WARMUP)
        flat.release()
        yield row("dome-4096", f"floor-flat-{side}", flat_times, setup_s=round(flat_setup, 3),
                  note=f"{target.script.name}, {side}x{side}, MSAA 4, {gpu.renderer}")

        t0 = time.perf_counter()
        dome = DomeRenderer(side, aperture=180.0, samples=4, gpu=gpu)
        dome.draw(scene, clock.frame(0))
        gpu.ctx.finish()
        dome_setup = time.perf_counter() - t0
        dome_times = time_frames(lambda i: dome.draw(scene, clock.frame(i)), gpu.ctx.finish,
                                 frames=DOME_FRAMES, warmup=DOME_WARMUP)
        face_pixels = sum(dome.face_size * rows for rows in dome.rows.values())
        yield row("dome-4096", f"vizkit-dome-{side}", dome_times, setup_s=round(dome_setup, 3),
                  note=f"aperture 180, {len(dome.rows)} faces of {dome.face_size}² "
                       f"({face_pixels / side**2:.2f}× the flat frame's pixels), MSAA 4",
                  ratio_to_flat=round(dome_times.ms_per_frame_median
                                      / flat_times.ms_per_frame_median, 2))
        dome.release()

        tilted = DomeRenderer(side, aperture=210.0, tilt=20.0, samples=4, gpu=gpu)
        times = time_frames(lambda i: tilted.draw(scene, clock.frame(i)), gpu.ctx.finish,
                            frames=DOME_FRAMES, warmup=DOME_WARMUP)
        yield row("dome-4096", f"vizkit-dome-{side}-210deg-tilt20", times,
                  ratio_to_flat=round(times.ms_per_frame_median
                                      / flat_times.ms_per_frame_median, 2))
        tilted.release()
    finally:
        scene.release()
        gpu.release()
