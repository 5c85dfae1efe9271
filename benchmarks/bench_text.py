"""Words on screen: 2,000 world labels plus the flagship's HUD, against the same frame without
any text — at 1280×720 and on a 4096² domemaster. Target: within 20 % of the frame time.

Both rows draw the flagship scene (terrain, 30,000 commuting particles) at the same times in
the same process, frame by frame in turn (``time_interleaved``), so load on the shared machine
hits them alike. The text row adds 2,000 labels — synthetic place names at random places over
the county, priorities random — and keeps the flagship's HUD (title, scrubber, language button,
legend, colour key, credits, narration, town names); the floor row hides every HUD layer and
label. Labels are decluttered and faded every frame (the camera tours), so the row includes
that CPU work, the per-frame visibility upload and the one instanced draw.

``process_cpu_ms_median`` (CPU time of this process per frame: on llvmpipe, all the rendering
work) is reported beside wall time; it moves far less when other programs load the machine.
``--quick`` uses 200 labels, 640×360 and a 1024 domemaster: it proves the workloads run.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterable

import numpy as np

from benchmarks import harness
from benchmarks.harness import Row, row, workload
from vizkit.clock import Clock
from vizkit.gpu import GpuContext
from vizkit.script import load_target

FLAGSHIP = "scenes/flagship.py"


def _scene(with_text: bool, labels: int):
    """The flagship, with 2,000 extra labels and its HUD — or with no text at all."""
    from pathlib import Path

    import vizkit

    root = Path(__file__).resolve().parent.parent
    scene = load_target(root / FLAGSHIP).create()
    scene.set_language("en")
    scene.ensure_setup()
    (x0, y0, _), (x1, y1, _) = scene.terrain.bounds()
    rng = np.random.default_rng(0)
    xy = rng.uniform([x0, y0], [x1, y1], (labels, 2))
    ground = scene.terrain.heights_at(xy[:, 0], xy[:, 1]) + 300
    names = [f"Plats {i} Åby" for i in range(labels)]
    scene.add(vizkit.Labels(names, np.column_stack([xy, ground]), priority=rng.uniform(size=labels),
                            size="small", name="Places"))
    if not with_text:
        scene.hud_visible = False
        for layer in scene.layers:
            if isinstance(layer, vizkit.Labels):
                layer.visible = False
    return scene


class _CpuTimer:
    def __init__(self) -> None:
        self.samples: list[float] = []

    def wrap(self, issue, finish):
        def timed_issue(i: int) -> None:
            self._start = time.process_time()
            issue(i)

        def timed_finish() -> None:
            finish()
            self.samples.append(time.process_time() - self._start)

        return timed_issue, timed_finish

    def median_ms(self) -> float:
        return round(statistics.median(self.samples) * 1e3, 3) if self.samples else 0.0


def _compare(name: str, draw_factory, size_note: str) -> Iterable[Row]:
    labels = harness.sized(2000, 200)
    gpu = GpuContext.offscreen()
    scenes = {"floor-no-text": _scene(False, labels), "vizkit-text": _scene(True, labels)}
    clock = Clock(30.0, 5.0)
    try:
        impls, timers, setups = {}, {}, {}
        for impl, scene in scenes.items():
            t0 = time.perf_counter()
            draw, release = draw_factory(gpu, scene)
            draw(clock.frame(0))
            gpu.ctx.finish()
            setups[impl] = round(time.perf_counter() - t0, 3)
            timers[impl] = _CpuTimer()
            impls[impl] = timers[impl].wrap(lambda i, d=draw: d(clock.frame(i)), gpu.ctx.finish)
            scenes[impl]._release_renderer = release  # type: ignore[attr-defined]
        times = harness.time_interleaved(impls)
        floor = times["floor-no-text"]
        for impl, frame_times in times.items():
            extra = {}
            if impl != "floor-no-text":
                shown = next(layer for layer in scenes[impl].layers
                             if getattr(layer, "name", "") == "Places").shown
                extra = dict(ratio_to_no_text=round(frame_times.ms_per_frame_median
                                                    / floor.ms_per_frame_median, 3),
                             ratio_cpu_to_no_text=round(timers[impl].median_ms()
                                                        / max(timers["floor-no-text"]
                                                              .median_ms(), 1e-9), 3),
                             note=f"{labels} labels ({int((shown > 0).sum())} shown after "
                                  f"declutter) + HUD; target ratio <= 1.2")
            yield row(name, impl, frame_times, setup_s=setups[impl],
                      process_cpu_ms_median=timers[impl].median_ms(),
                      note_size=size_note, **extra)
        for scene in scenes.values():
            scene._release_renderer()  # type: ignore[attr-defined]
    finally:
        for scene in scenes.values():
            scene.release()
        gpu.release()


@workload("text-labels-720p")
def text_labels_720p() -> Iterable[Row]:
    """2,000 world labels + HUD vs no text, flagship at 1280x720 (target: within 20 %)."""
    from vizkit.targets.offscreen import OffscreenRenderer

    size = (1280, 720) if not harness.QUICK else (640, 360)

    def factory(gpu, scene):
        renderer = OffscreenRenderer(size, samples=4, gpu=gpu)
        return (lambda frame: renderer.draw(scene, frame)), renderer.release

    yield from _compare("text-labels-720p", factory, f"{size[0]}x{size[1]}, MSAA 4")


@workload("text-labels-dome-4096")
def text_labels_dome() -> Iterable[Row]:
    """2,000 world labels + HUD vs no text, flagship as a 4096² domemaster (target 20 %)."""
    from vizkit.targets.dome import DomeRenderer

    size = harness.sized(4096, 1024)

    def factory(gpu, scene):
        dome = DomeRenderer(size, aperture=180.0, tilt=20.0, gaze=35.0, samples=4, gpu=gpu)
        return (lambda frame: dome.draw(scene, frame)), dome.release

    yield from _compare("text-labels-dome-4096", factory, f"{size}² domemaster, tilt 20, "
                                                          f"gaze 35, MSAA 4")
