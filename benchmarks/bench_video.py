"""Recording workloads: MP4 export and PNG sequences against rendering and reading back alone.

* ``video-export-1080p`` — the flagship scene as a 1920×1080 H.264 video;
* ``video-export-dome-4096`` — the flagship scene as 4096² domemasters (180°) in H.264;
* ``png-sequence-1080p`` — the same 1080p frames as a PNG sequence.

Each reports, side by side in one run, frames per second of

* ``floor-render-readback`` — :meth:`~vizkit.recording.FrameSource.record` into a sink that drops
  the frames: rendering plus asynchronous read-back, nothing written (the floor);
* ``render-sync-readback`` — :meth:`~vizkit.recording.FrameSource.render` frame by frame (the
  synchronous read-back the exporter used before);
* the export itself, exactly as ``vizkit render --out`` runs it (``vizkit-mp4`` /
  ``vizkit-png-processes``), including starting the encoder and waiting for its last frame;
* the export without overlap, as the exporter did it before (``mp4-render-thread``: synchronous
  read-back, each frame piped to the same encoder from the render thread; ``png-one-thread``:
  every PNG encoded on the render thread);

and ``ratio_fps_to_floor``, the export's frames per second over the floor's, and
``ratio_cpu_bound``, the floor's CPU time per frame over the export's: the most a machine whose
cores are all busy rendering can give (then the encoder's work cannot hide behind anything).
The machine is shared, so the implementations run interleaved (floor, export, floor, export, …;
``ROUNDS`` runs of ``FRAMES_PER_RUN`` frames each) and every ratio is the median of the
per-round ratios.
``cpu_ms_per_frame`` (this process and its children: llvmpipe's threads, ffmpeg, PNG workers)
shows what each costs whatever the load. Scene setup and the first frame are not timed
(``setup_s`` reports them). ``--quick`` renders a few 320×180 / 256² frames once: proof that the
workloads run, no timing claims.
"""

from __future__ import annotations

import os
import resource
import statistics
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from benchmarks.harness import Row, row, sized, workload
from vizkit.demo import exhibit_folder
from vizkit.fisheye import DomeSpec
from vizkit.gpu import GpuContext
from vizkit.output import atomic_write
from vizkit.recording import FrameSource, RenderJob
from vizkit.script import LoadedTarget, load_target
from vizkit.sinks import PngSequenceSink, png_processes
from vizkit.video import VIDEO_CRF, VIDEO_PRESET, VideoSink, write_video

VIDEO_SIZE = (sized(1920, 320), sized(1080, 180))
DOME_SIZE = sized(4096, 256)


def frames_per_run(full: int) -> int:
    return int(os.environ.get("FRAMES_PER_RUN", str(sized(full, 3))))


def rounds(full: int) -> int:
    return int(os.environ.get("ROUNDS", str(sized(full, 1))))


class DropFrames:
    """A frame sink that drops every frame (for the floor): one buffer, nothing written."""

    def __init__(self, size: tuple[int, int]):
        self.size, self.written = size, 0
        self._buffer = np.empty((size[1], size[0], 4), np.uint8)

    def acquire(self) -> np.ndarray:
        return self._buffer

    def submit(self, index: int, pixels: np.ndarray) -> None:
        self.written += 1

    def close(self) -> None: ...

    def abort(self) -> None: ...


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _interleaved(runs: dict[str, Callable[[list[int]], None]], frames: int, repeat: int
                 ) -> dict[str, tuple[list[float], list[float]]]:
    """Run each implementation on ``frames`` new frames per round, in turn, ``repeat`` rounds;
    return name → (frames per second per round, CPU ms per frame per round)."""
    out: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in runs}
    start = 1     # frame 0 was the warm-up
    for _ in range(repeat):
        for name, run in runs.items():
            indices = list(range(start, start + frames))
            start += frames
            cpu0, t0 = _cpu_seconds(), time.perf_counter()
            run(indices)
            seconds, cpu = time.perf_counter() - t0, _cpu_seconds() - cpu0
            out[name][0].append(frames / seconds)
            out[name][1].append(cpu / frames * 1e3)
    return out


def _rows(name: str, results: dict[str, tuple[list[float], list[float]]], frames: int,
          **notes: str) -> Iterable[Row]:
    floor_fps, floor_cpu = results["floor-render-readback"]
    for impl, (fps, cpu) in results.items():
        extra: dict[str, object] = {}
        if impl != "floor-render-readback":
            extra["ratio_fps_to_floor"] = round(statistics.median(
                [a / b for a, b in zip(fps, floor_fps, strict=True)]), 3)
            extra["ratio_cpu_bound"] = round(statistics.median(floor_cpu)
                                             / statistics.median(cpu), 3)
        median_fps = statistics.median(fps)
        extra["note_fps"] = (f"{median_fps:.2f} frames/s (runs: "
                             f"{', '.join(f'{f:.2f}' for f in fps)}), "
                             f"{statistics.median(cpu):.0f} CPU ms/frame")
        yield row(name, impl, seconds_median=round(frames / median_fps, 3),
                  fps=round(median_fps, 2), fps_runs=[round(f, 2) for f in fps],
                  cpu_ms_per_frame=round(statistics.median(cpu), 1), frames=frames,
                  rounds=len(fps), **extra, **({"note": notes[impl]} if impl in notes else {}))


def _setup(target: LoadedTarget, job: RenderJob, gpu: GpuContext) -> tuple[FrameSource, float]:
    """Scene, renderer and the first (warm-up) frame, timed."""
    t0 = time.perf_counter()
    source = FrameSource(target, job, gpu)
    source.record([0], DropFrames(job.frame_size))
    return source, time.perf_counter() - t0


def _video_workload(name: str, job: RenderJob, frames: int, repeat: int) -> Iterable[Row]:
    target = load_target(exhibit_folder())
    gpu = GpuContext.offscreen()
    source, setup = _setup(target, job, gpu)
    size = job.frame_size
    try:
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "show.mp4"
            sizes: list[int] = []

            def floor(indices: list[int]) -> None:
                source.record(indices, DropFrames(size))

            def synchronous(indices: list[int]) -> None:
                for index in indices:
                    source.render(index)

            def export(indices: list[int]) -> None:   # what vizkit.export._render_video runs
                with atomic_write(out) as partial, \
                        VideoSink(partial, size, job.fps, name=out) as sink:
                    source.record(indices, sink)
                sizes.append(out.stat().st_size)

            def render_thread(indices: list[int]) -> None:   # no overlap: the exporter before
                write_video(out, (source.render(index).rgb for index in indices), size, job.fps)

            results = _interleaved({"floor-render-readback": floor,
                                    "render-sync-readback": synchronous,
                                    "mp4-render-thread": render_thread,
                                    "vizkit-mp4": export}, frames, repeat)
        what = f"{size[0]}x{size[1]}" + (f" domemaster {job.dome.aperture:.0f}°"
                                         if job.dome else "") + f", MSAA {job.samples}"
        yield from _rows(name, results, frames, **{
            "floor-render-readback": f"{what}, {gpu.renderer}; setup + first frame "
                                     f"{setup:.2f} s",
            "mp4-render-thread": "synchronous read-back, frames piped to ffmpeg from the render "
                                 "thread (the exporter before, at today's encoder settings)",
            "vizkit-mp4": f"H.264 crf {VIDEO_CRF} preset {VIDEO_PRESET}, "
                          f"{statistics.median(sizes) / frames / 1024:.0f} KiB/frame"})
    finally:
        source.release()
        gpu.release()


@workload("video-export-1080p")
def video_export_1080p() -> Iterable[Row]:
    """MP4 export fps vs render + read-back alone, 1920×1080, flagship, interleaved."""
    job = RenderJob(size=VIDEO_SIZE, fps=30.0, samples=4)
    yield from _video_workload("video-export-1080p", job, frames_per_run(16), rounds(5))


@workload("video-export-dome-4096")
def video_export_dome_4096() -> Iterable[Row]:
    """MP4 export fps vs render + read-back alone, 4096² domemasters, flagship, interleaved."""
    job = RenderJob(fps=30.0, samples=4, dome=DomeSpec(DOME_SIZE, 180.0))
    yield from _video_workload("video-export-dome-4096", job, frames_per_run(4), rounds(3))


@workload("png-sequence-1080p")
def png_sequence_1080p() -> Iterable[Row]:
    """PNG-sequence fps (worker processes / one thread) vs render + read-back, 1920×1080."""
    job = RenderJob(size=VIDEO_SIZE, fps=30.0, samples=4)
    frames, repeat = frames_per_run(12), rounds(3)
    target = load_target(exhibit_folder())
    gpu = GpuContext.offscreen()
    source, setup = _setup(target, job, gpu)
    size = job.frame_size
    processes = png_processes(frames, size)
    try:
        with tempfile.TemporaryDirectory() as folder:
            def pngs(workers: int) -> Callable[[list[int]], None]:
                def run(indices: list[int]) -> None:
                    paths = {i: Path(folder) / f"f_{i:05d}.png" for i in indices}
                    all_paths = [paths.get(i, Path(folder) / "unused.png")
                                 for i in range(max(indices) + 1)]
                    with PngSequenceSink(all_paths, size, processes=workers) as sink:
                        source.record(indices, sink)
                return run

            def floor(indices: list[int]) -> None:
                source.record(indices, DropFrames(size))

            results = _interleaved({"floor-render-readback": floor,
                                    "png-one-thread": pngs(0),
                                    "vizkit-png-processes": pngs(processes)}, frames, repeat)
            kib = statistics.median(p.stat().st_size for p in Path(folder).glob("f_*.png"))
        yield from _rows("png-sequence-1080p", results, frames, **{
            "floor-render-readback": f"{size[0]}x{size[1]}, MSAA {job.samples}, "
                                     f"{gpu.renderer}; setup + first frame {setup:.2f} s",
            "png-one-thread": "every PNG encoded on the render thread (the exporter before)",
            "vizkit-png-processes": f"{processes} PNG worker processes, "
                                    f"{kib / 1024:.0f} KiB/frame"})
    finally:
        source.release()
        gpu.release()
